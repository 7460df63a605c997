#!/bin/bash
# Container health check without curl: one HTTP/1.0 GET over bash's /dev/tcp, healthy when the
# status line says 200. The runtime image (debian:12-slim) has bash and coreutils but no curl.
#   healthcheck.sh [PORT] [PATH]      defaults: 8080 /healthz
# Exit 0: healthy; 1: anything else (refused, timeout, non-200).
port=${1:-8080}
path=${2:-/healthz}
# shellcheck disable=SC2016  # the inner script expands $0/$1 itself
exec timeout 3 bash -c '
    { exec 3<>"/dev/tcp/127.0.0.1/$0"; } 2>/dev/null || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$1" >&3
    IFS= read -r status <&3 || exit 1
    [[ "$status" == "HTTP/1."[01]" 200 "* ]]
' "$port" "$path"
