#!/usr/bin/env bash
# bench/count.sh: instructions infergate executes per request, counted by callgrind, for a
# change too small to show through the machine's noise in bench/run.sh (a few percent).
# Instructions repeat to a few per request for the same build and load, whatever else the
# machine is doing; user space only (the kernel's socket work is not counted).
#
#   bash bench/count.sh          # ~4 minutes; prints a Markdown table (nothing is written)
#
# Six counts, each a fresh gateway (workers: 1, access log to /dev/null) under callgrind on a
# fresh mock: non-streaming chat over 1 and over 64 connections, and 8-chunk streams over 64
# connections, auth + quota off and on (bench/run.sh's 1,000-key config, the same client header for both).
# Each: BENCH_WARMUP seconds uncounted, then the instructions of BENCH_DURATION seconds of
# requests divided by their number. Knobs (environment):
#   BENCH_WARMUP=2 BENCH_DURATION=5                 seconds, seconds
#   BENCH_LOAD_CPU=0 BENCH_SERVER_CPU=1             CPUs for wrk / for the servers
#   BENCH_SKIP_BUILD=1        use the binaries in build-bench as they are
#   BENCH_KEEP=1              keep the temp directory (configs, callgrind dumps, logs)
set -euo pipefail

WARMUP=${BENCH_WARMUP:-2}
DURATION=${BENCH_DURATION:-5}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODEL_YAML="backends:
  mock: { url: \"http://127.0.0.1:%s\", provider: openai, pool: { max_connections: 1024 } }
models:
  demo:
    targets: [ { backend: mock, model: mock-model } ]"

declare -A COUNT

# count_one NAME AUTH(0/1) CONNS STREAM: one gateway under callgrind, counted.
count_one() {
    local name=$1 auth=$2 conns=$3 stream=$4 yaml
    # shellcheck disable=SC2059  # the port goes into the template
    yaml=$(printf "$MODEL_YAML" "${PORT[direct]}")
    ((auth)) && yaml+=$'\n'"$AUTH_MODEL_YAML"$'\n'"$(auth_yaml)"
    start_counted "$name" "$yaml" "$CLIENT_HEADER"
    COUNT[$name]=$(measure_instructions count "$name" "$conns" "$stream")
    stop "${PID[$name]}"
}

main() {
    bench_init count
    ensure_tools valgrind:valgrind
    build_binaries
    start_mock direct --chunks 8 --delay-ms 0
    count_one chat-off 0 1 0
    count_one chat-on 1 1 0
    count_one chat64-off 0 64 0
    count_one chat64-on 1 64 0
    count_one stream-off 0 64 1
    count_one stream-on 1 64 1
    stop "${PID[direct]}"
    local rev
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && rev="$rev + uncommitted changes"
    cat <<EOF

Instructions per request (callgrind), infergate $rev, workers: 1:

| Load | auth + quota off | auth + quota on | on ÷ off |
|---|--:|--:|--:|
| non-streaming chat, 1 connection | ${COUNT[chat-off]} | ${COUNT[chat-on]} | $(awk -v a="${COUNT[chat-on]}" -v b="${COUNT[chat-off]}" 'BEGIN { printf "%.3f", a / b }') |
| non-streaming chat, 64 connections | ${COUNT[chat64-off]} | ${COUNT[chat64-on]} | $(awk -v a="${COUNT[chat64-on]}" -v b="${COUNT[chat64-off]}" 'BEGIN { printf "%.3f", a / b }') |
| 8-chunk streams, 64 connections | ${COUNT[stream-off]} | ${COUNT[stream-on]} | $(awk -v a="${COUNT[stream-on]}" -v b="${COUNT[stream-off]}" 'BEGIN { printf "%.3f", a / b }') |
EOF
}

main "$@"
