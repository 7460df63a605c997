#!/usr/bin/env bash
# Quick start: installs what is missing, builds (Release), starts the bundled mock model
# server on 127.0.0.1:8090 and runs the gateway in the foreground on config/infergate.yaml.
# Ctrl-C stops both.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash tools/deps.sh
cmake_options=(-DINFERGATE_BUILD_TESTS=OFF)
[[ -f build/build.ninja ]] && cmake_options=()  # keep the existing configuration
bash tools/build.sh build "${cmake_options[@]}"

mock_pid=""
cleanup() { [[ -n "$mock_pid" ]] && kill "$mock_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if ! curl -s -o /dev/null "http://127.0.0.1:8090/v1/models"; then
    build/tools/llm-mock/llm-mock --listen 127.0.0.1:8090 >/dev/null &
    mock_pid=$!
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:8090/v1/models" && break; sleep 0.1; done
fi

cat <<'HELP'

infergate is starting on http://127.0.0.1:8080 (model "demo" -> the bundled mock server).
Try, from another terminal:

  curl -s http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \
    -d '{"model":"demo","messages":[{"role":"user","content":"Hello!"}]}'

Streaming: add "stream": true and use curl -N. Metrics: http://127.0.0.1:8080/metrics
HELP
build/infergate --config config/infergate.yaml
