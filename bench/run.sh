#!/usr/bin/env bash
# bench/run.sh: infergate against direct access and nginx (and Portkey, when it installs), all
# on loopback against the bundled mock model server (tools/llm-mock), in one run.
#
#   bash bench/run.sh            # ~10 minutes; prints a Markdown table, writes docs/performance.md
#
# Per scenario it starts a fresh mock and fresh proxies (so peak RSS belongs to that scenario),
# warms every target up, then runs ROUNDS measured rounds, the targets taking turns within a
# round so that background noise hits all of them alike, and reports the median round.
# One worker/thread each; the load generator (wrk) is pinned to one CPU, mock and proxy to the
# other. Knobs (environment):
#   BENCH_WARMUP=2 BENCH_DURATION=5 BENCH_ROUNDS=3   seconds, seconds, count
#   BENCH_AUTH_PAIRS=30 BENCH_AUTH_SECONDS=1         the auth + quota goal's short paired runs
#   BENCH_PORTKEY=auto|0      0 skips the optional Portkey target
#   BENCH_LOAD_CPU=0 BENCH_SERVER_CPU=1              CPUs for wrk / for the servers
#   BENCH_SKIP_BUILD=1        use the binaries in build-bench as they are
#   BENCH_JOBS=N              ninja's -j when building them (default: ninja's own)
#   BENCH_DOC=path            where the report goes (default docs/performance.md; "-" = none)
#   BENCH_KEEP=1              keep the temp directory (configs, wrk and server logs)
set -euo pipefail

WARMUP=${BENCH_WARMUP:-2}
DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-3}
AUTH_PAIRS=${BENCH_AUTH_PAIRS:-30}
AUTH_SECONDS=${BENCH_AUTH_SECONDS:-1}
PORTKEY_WANTED=${BENCH_PORTKEY:-auto}
PATH=$PATH:/usr/sbin:/sbin  # nginx lives in sbin
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# id | description | connections | stream (0/1) | chunks | delay between chunks (ms)
SCENARIOS=(
    "chat-64|non-streaming chat, 64 connections|64|0|8|0"
    "chat-1|non-streaming chat, 1 connection|1|0|8|0"
    "stream8-64|streaming chat, 8 chunks, 64 connections|64|1|8|0"
    "paced-256|paced streams, 10 chunks x 10 ms, 256 connections|256|1|10|10"
)

PORTKEY_NOTE=""

# --- setup ----------------------------------------------------------------------------------

# Portkey is optional: any failure here only leaves it out, with a note.
setup_portkey() {
    local dir=$ROOT/bench/portkey
    if [[ $PORTKEY_WANTED == 0 ]]; then PORTKEY_NOTE="skipped (BENCH_PORTKEY=0)"; return; fi
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        PORTKEY_NOTE="skipped: node/npm not installed"; return
    fi
    if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
        log "installing Portkey (npm ci in bench/portkey)"
        if ! (cd "$dir" && timeout 300 npm ci --no-audit --no-fund) >"$WORK/npm.log" 2>&1; then
            PORTKEY_NOTE="skipped: npm ci failed: $(tail -3 "$WORK/npm.log" | tr '\n' ' ')"
            log "Portkey $PORTKEY_NOTE"
            return
        fi
    fi
    TARGETS+=(portkey)
}

# --- servers --------------------------------------------------------------------------------

# start_gateway TARGET MODEL_YAML EXTRA_YAML HEADER: infergate with model "demo" on the mock;
# MODEL_YAML is appended to the model's mapping, EXTRA_YAML to the config, HEADER is what wrk
# sends with every request.
start_gateway() {
    start_infergate_with "$1" "backends:
  mock: { url: \"http://127.0.0.1:${PORT[direct]}\", provider: openai, pool: { max_connections: 1024 } }
models:
  demo:
    targets: [ { backend: mock, model: mock-model } ]
$2
$3" "$4"
}

start_infergate() { start_gateway infergate "" "" "$CLIENT_HEADER"; }

# The same gateway with auth and quota on (auth_yaml and AUTH_MODEL_YAML: see bench/lib.sh).
start_infergate_auth() { start_gateway infergate-auth "$AUTH_MODEL_YAML" "$(auth_yaml)" "$CLIENT_HEADER"; }

# nginx: a single process (master_process off) so that its CPU and RSS are one pid's. Its
# access log goes to /dev/null like infergate's: both pay for formatting and writing a line.
start_nginx() {
    local dir=$WORK/nginx
    mkdir -p "$dir/tmp"
    PORT[nginx]=$(free_port)
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log /dev/null combined;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_requests 1000000;
    upstream mock {
        server 127.0.0.1:${PORT[direct]};
        keepalive 256;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:${PORT[nginx]};
        location / {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }
    }
}
EOF
    spawn nginx "${PIN_SERVER[@]}" nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log"
    PID[nginx]=$SPAWNED
    HEADERS[nginx]=$CLIENT_HEADER
    wait_ready nginx
}

start_portkey() {
    local dir=$ROOT/bench/portkey
    PORT[portkey]=$(free_port)
    spawn portkey "${PIN_SERVER[@]}" node --require "$dir/bind-loopback.cjs" \
        "$dir/node_modules/@portkey-ai/gateway/build/start-server.js" --port="${PORT[portkey]}" --headless
    PID[portkey]=$SPAWNED
    HEADERS[portkey]="x-portkey-provider: openai|x-portkey-custom-host: http://127.0.0.1:${PORT[direct]}/v1|Authorization: Bearer bench"
    wait_ready portkey
}

# auth_pairs SCENARIO CONNS STREAM CHUNKS DELAY: the auth + quota goal's own measurement.
# AUTH_PAIRS short runs of infergate and of infergate-auth, back to back, the order swapped
# every pair (off-on, on-off, ...) so that load that builds up or fades during a pair does not
# always favour the same side. Recorded as targets infergate-pair and infergate-auth-pair.
auth_pairs() {
    local scen=$1 i t
    ((AUTH_PAIRS > 0)) || return 0
    log "  $AUTH_PAIRS pairs of ${AUTH_SECONDS}s runs, auth + quota off and on"
    for ((i = 1; i <= AUTH_PAIRS; i++)); do
        local order=(infergate infergate-auth)
        ((i % 2)) || order=(infergate-auth infergate)
        for t in "${order[@]}"; do
            measure_round "$scen" "$t" "$i" "$2" "$3" "$4" "$5" "$AUTH_SECONDS" "$t-pair" 2>/dev/null
        done
    done
}

run_scenario() {
    local scen=$1 desc=$2 conns=$3 stream=$4 chunks=$5 delay=$6 t r
    log "scenario $scen: $desc"
    start_mock direct --chunks "$chunks" --delay-ms "$delay"
    HEADERS[direct]=$CLIENT_HEADER
    start_infergate
    start_infergate_auth
    start_nginx
    if [[ " ${TARGETS[*]} " == *" portkey "* ]]; then start_portkey; fi

    for t in "${TARGETS[@]}"; do
        run_wrk "$scen" "$t" warmup "$WARMUP" "$conns" "$stream" "$chunks" "$delay" >/dev/null
    done
    for ((r = 1; r <= ROUNDS; r++)); do
        for t in "${TARGETS[@]}"; do
            measure_round "$scen" "$t" "$r" "$conns" "$stream" "$chunks" "$delay"
        done
    done
    auth_pairs "$scen" "$conns" "$stream" "$chunks" "$delay"
    for t in "${TARGETS[@]}"; do
        if kill -0 "${PID[$t]}" 2>/dev/null; then echo "$scen $t $(peak_rss_kib "${PID[$t]}")" >>"$RSS"; fi
    done
    for t in "${TARGETS[@]}"; do
        [[ $t == direct ]] || stop "${PID[$t]}"
    done
    stop "${PID[direct]}"
}

# --- report ---------------------------------------------------------------------------------

# Fills STAT[scenario,target,metric] for rps ratio p50 p99 add50 add99 cpu rss err.
declare -A STAT
compute() {
    local spec scen t rps p50 p99 base50 base99
    for spec in "${SCENARIOS[@]}"; do
        scen=${spec%%|*}
        for t in "${TARGETS[@]}"; do
            rps=$(median 4 "$scen" "$t"); p50=$(median 5 "$scen" "$t"); p99=$(median 6 "$scen" "$t")
            [[ -z $rps ]] && continue
            STAT[$scen,$t,rps]=$rps; STAT[$scen,$t,p50]=$p50; STAT[$scen,$t,p99]=$p99
            STAT[$scen,$t,err]=$(total 9 "$scen" "$t")
            STAT[$scen,$t,cpu]=$(cpu_per_request "$scen" "$t")
            STAT[$scen,$t,rss]=$(awk -v s="$scen" -v t="$t" '$1 == s && $2 == t { printf "%.1f", $3 / 1024 }' "$RSS")
            if [[ -n ${STAT[$scen,direct,rps]:-} ]]; then
                base50=${STAT[$scen,direct,p50]}
                base99=${STAT[$scen,direct,p99]}
                STAT[$scen,$t,ratio]=$(awk -v a="$rps" -v b="${STAT[$scen,direct,rps]}" 'BEGIN { printf "%.2f", a / b }')
                STAT[$scen,$t,add50]=$(awk -v a="$p50" -v b="$base50" 'BEGIN { printf "%d", a - b }')
                STAT[$scen,$t,add99]=$(awk -v a="$p99" -v b="$base99" 'BEGIN { printf "%d", a - b }')
            fi
        done
    done
}

results_table() {
    local spec scen desc t k
    echo "| Scenario | Target | req/s | vs direct | p50 µs | p50 added µs | p99 µs | p99 added µs | proxy CPU µs/req | proxy peak RSS MiB | errors |"
    echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    for spec in "${SCENARIOS[@]}"; do
        IFS='|' read -r scen desc _ <<<"$spec"
        for t in "${TARGETS[@]}"; do
            k=$scen,$t
            if [[ -z ${STAT[$k,rps]:-} ]]; then echo "| $desc | $t | no result | | | | | | | | |"; continue; fi
            if [[ $t == direct ]]; then
                printf '| %s | %s | %.0f | 1.00 | %s | — | %s | — | — | — | %s |\n' \
                    "$desc" "$t" "${STAT[$k,rps]}" "${STAT[$k,p50]}" "${STAT[$k,p99]}" "${STAT[$k,err]}"
            else
                printf '| %s | %s | %.0f | %s | %s | %+d | %s | %+d | %s | %s | %s |\n' \
                    "$desc" "$t" "${STAT[$k,rps]}" "${STAT[$k,ratio]:-?}" "${STAT[$k,p50]}" "${STAT[$k,add50]:-0}" \
                    "${STAT[$k,p99]}" "${STAT[$k,add99]:-0}" "${STAT[$k,cpu]:-?}" "${STAT[$k,rss]:-?}" "${STAT[$k,err]}"
            fi
        done
    done
}

goals_table() {
    local spec scen desc k
    echo "| Goal | Scenario | infergate | nginx | Verdict |"
    echo "|---|---|--:|--:|---|"
    for spec in "${SCENARIOS[@]}"; do
        IFS='|' read -r scen desc _ <<<"$spec"
        echo "| CPU per request ≤ nginx's (µs) | $desc | ${STAT[$scen,infergate,cpu]:-?} | ${STAT[$scen,nginx,cpu]:-?} |" \
            "$(verdict "${STAT[$scen,infergate,cpu]:-}" "<=" "${STAT[$scen,nginx,cpu]:-}") |"
    done
    for spec in "${SCENARIOS[@]}"; do
        IFS='|' read -r scen desc _ <<<"$spec"
        echo "| Throughput ratio to direct ≥ nginx's | $desc | ${STAT[$scen,infergate,ratio]:-?} | ${STAT[$scen,nginx,ratio]:-?} |" \
            "$(verdict "${STAT[$scen,infergate,ratio]:-}" ">=" "${STAT[$scen,nginx,ratio]:-}") |"
    done
    for spec in "${SCENARIOS[@]}"; do
        IFS='|' read -r scen desc _ <<<"$spec"
        # Judged on the median of the short pairs' own ratios (see "How to read it"), with
        # the range of their middle half beside it.
        local ratio n q1 q3
        ratio=$(paired_ratio "$scen" infergate-auth-pair infergate-pair)
        read -r n q1 q3 <<<"$(paired_spread "$scen" infergate-auth-pair infergate-pair)"
        echo "| Auth + quota on (1,000 keys): req/s ≥ 95% of off | $desc |" \
            "${ratio:-?} of off (${n:-0} pairs; middle half ${q1:-?}–${q3:-?}) | — | $(verdict "$ratio" ">=" 0.95) |"
    done
    # The same goal seen through cost, over the same pairs. Informative, not the goal itself.
    for spec in "${SCENARIOS[@]}"; do
        IFS='|' read -r scen desc _ <<<"$spec"
        local on off cost=""
        on=$(cpu_per_request "$scen" infergate-auth-pair); off=$(cpu_per_request "$scen" infergate-pair)
        [[ -n $on && -n $off ]] && cost=$(awk -v a="$on" -v b="$off" 'BEGIN { if (b > 0) printf "%.3f", a / b }')
        echo "| Auth + quota on: CPU per request ≤ 105% of off (informative) | $desc | ${cost:-?} × off | — |" \
            "$(verdict "$cost" "<=" 1.05) |"
    done
    for scen in chat-64 stream8-64; do
        for spec in "${SCENARIOS[@]}"; do
            if [[ ${spec%%|*} == "$scen" ]]; then IFS='|' read -r _ desc _ <<<"$spec"; fi
        done
        echo "| Peak RSS ≤ 32 MiB at 64 connections | $desc | ${STAT[$scen,infergate,rss]:-?} | ${STAT[$scen,nginx,rss]:-?} |" \
            "$(verdict "${STAT[$scen,infergate,rss]:-}" "<=" 32) |"
    done
}

reference_table() {
    echo "| Figure | Project brief (nginx) | nginx here | infergate here |"
    echo "|---|--:|--:|--:|"
    echo "| CPU per non-streaming request, 64 connections (µs) | 22 | ${STAT[chat-64,nginx,cpu]:-?} | ${STAT[chat-64,infergate,cpu]:-?} |"
    echo "| CPU per 8-chunk stream, 64 connections (µs) | 33 | ${STAT[stream8-64,nginx,cpu]:-?} | ${STAT[stream8-64,infergate,cpu]:-?} |"
    echo "| p50 added, 1 connection (µs) | 33 | ${STAT[chat-1,nginx,add50]:-?} | ${STAT[chat-1,infergate,add50]:-?} |"
    echo "| Peak RSS, 64 connections (MiB) | 17 | ${STAT[chat-64,nginx,rss]:-?} | ${STAT[chat-64,infergate,rss]:-?} |"
}

machine() {
    machine_lines
    echo "- nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'); wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
    if [[ " ${TARGETS[*]} " == *" portkey "* ]]; then
        echo "- Portkey: @portkey-ai/gateway $(node -p "require('$ROOT/bench/portkey/node_modules/@portkey-ai/gateway/package.json').version"), node $(node -v)"
    else
        echo "- Portkey: $PORTKEY_NOTE"
    fi
    echo "- Pinning: ${PIN_NOTE:-wrk on CPU $LOAD_CPU; mock and proxies on CPU $SERVER_CPU}"
    echo "- Warm-up ${WARMUP} s, then ${ROUNDS} rounds × ${DURATION} s per scenario and target"
}

write_doc() {
    cat <<EOF
# Performance

Generated by \`bash bench/run.sh\`; rerun it to refresh this page (it rewrites all of it but the
[Routing](#routing) and [Streaming translation](#streaming-translation) sections at the end, which
\`bash bench/routing.sh\` and \`bash bench/translate.sh\` write).

## What is measured

Four targets, five when Portkey installs, answer the same OpenAI chat requests, on loopback, in one
run:

- **direct**: the bundled mock model server (\`tools/llm-mock\`, 1 thread), no proxy;
- **infergate**: \`workers: 1\`, JSON access log written to \`/dev/null\`, model \`demo\` routed to the mock;
- **infergate-auth**: the same with auth and quota on: 1,000 API keys in 10 tenants, each key and
  tenant with requests/tokens per minute, concurrency and daily budget limits (never reached), model
  pricing set; wrk presents one of the keys. The goal: req/s within 5% of **infergate**
  (judged on short paired runs, see "How to read it");
  every target gets that same \`Authorization: Bearer\` header (clients send a key whether or not
  the gateway checks it, as the OpenAI SDKs do), so the two differ only by the gateway's work;
- **nginx**: one process (\`master_process off\`), \`proxy_pass\` to an upstream with \`keepalive 256\`,
  \`proxy_http_version 1.1\`, \`proxy_buffering off\` (SSE relayed as it arrives),
  \`keepalive_requests 1000000\` on both sides, and an access log to \`/dev/null\` (parity with
  infergate: both format and write a line per request; nginx writes each line at once, infergate
  hands it to a logging thread that batches the writes);
- **portkey** (optional, when \`npm ci\` in \`bench/portkey\` works): \`@portkey-ai/gateway\` on Node,
  routed with \`x-portkey-provider: openai\` and \`x-portkey-custom-host\`.

Load comes from \`wrk -t1 --latency\` with \`bench/chat.lua\` (POST bodies; its \`done()\` prints the
request count and exact p50/p99 in µs). wrk is pinned to one CPU, the mock and the proxies to the
other (\`taskset\`), so a proxy's cost shows as throughput lost to the mock on the shared CPU. Each
scenario starts a fresh mock and fresh proxies, warms every target up, then runs the measured rounds
with the targets taking turns inside each round; the table shows the median round.

Scenarios: non-streaming chat with 64 and with 1 connection; streaming chat with 8 content chunks and
64 connections; paced streams (10 chunks, 10 ms apart) with 256 connections. The mock is started with
the scenario's \`--chunks\`/\`--delay-ms\`, so every target gets the same replies.

Columns: **req/s** and **vs direct** (ratio to the direct req/s); **p50/p99** latency and what the proxy
**adds** over direct, in µs; **proxy CPU µs/req**: utime+stime of the proxy process from
\`/proc/PID/stat\` over the measured rounds ÷ requests completed (a stream counts as one request);
**proxy peak RSS**: \`VmHWM\` of the proxy process at the end of the scenario; **errors**: wrk's
non-2xx answers plus socket errors over the measured rounds.

## Machine

$(machine)

## Results

$(results_table)

## Goals

infergate's goals from the project brief, judged on the table above:

$(goals_table)

Reference figures for nginx from the project brief, next to what this run measured:

$(reference_table)

## How to read it

- Compare within one run: ratios to direct and differences between proxies measured in the same run
  are what matter. Absolute req/s, latencies and CPU times move with the machine and with whatever
  else runs on it (this is a shared 2-core machine; others may have been compiling during the run).
- The auth + quota goal has a measurement of its own: after the rounds, each scenario runs
  ${AUTH_PAIRS} pairs of ${AUTH_SECONDS}-second runs, **infergate** and **infergate-auth** back to back, the order
  swapped every pair. The verdict is the median of the pairs' own ratios (on ÷ off), with the range
  of their middle half beside it. Single runs on this machine move by ±10%, twice the 5% the goal
  is about; load that comes and goes over seconds hits both sides of a short pair alike and cancels
  out of its ratio, and a median over many pairs is not moved by the few pairs it did not.
  The CPU row divides the two targets' CPU per request over the same pairs.
- CPU µs/req is the proxy process alone (all its threads), measured with clock-tick resolution
  (1/${CLK_TCK} s) over ${ROUNDS} × ${DURATION} s, which is precise to well under 1 µs/req at these rates.
- With 1 connection the latency added is the proxy's per-request path; with 64 connections req/s
  mostly shows how much of the shared CPU the proxy leaves to the mock.
- Paced streams are bound by the 10 × 10 ms pacing more than by CPU: there, req/s close to direct and
  a low CPU per stream are what to look for, and a ratio a few percent either side of nginx's is noise.
- A load average well above 2 means other work shared the CPUs during the run: p99 latencies then
  mostly show scheduling delays, not the proxies.
- Peak RSS includes warm-up and is per scenario (fresh process per scenario).

## Anomalies seen during the run

$(anomalies)
EOF
}

main() {
    bench_init bench
    ensure_tools nginx:nginx-light
    build_binaries
    TARGETS=(direct infergate infergate-auth nginx)
    setup_portkey
    log "targets: ${TARGETS[*]}${PORTKEY_NOTE:+ (Portkey $PORTKEY_NOTE)}; $ROUNDS × ${DURATION}s rounds after ${WARMUP}s warm-up"
    local spec scen desc conns stream chunks delay
    for spec in "${SCENARIOS[@]}"; do
        IFS='|' read -r scen desc conns stream chunks delay <<<"$spec"
        run_scenario "$scen" "$desc" "$conns" "$stream" "$chunks" "$delay"
    done
    compute
    print_report results_table goals_table
    if [[ $DOC != "-" ]]; then
        local routing translate
        routing=$(routing_section "$DOC")
        translate=$(translate_section "$DOC")
        { write_doc; [[ -z $routing ]] || printf '\n%s\n' "$routing"
          [[ -z $translate ]] || printf '\n%s\n' "$translate"; } >"$WORK/doc.md"
        mv "$WORK/doc.md" "$DOC"
        log "wrote ${DOC#"$ROOT"/}"
    fi
}

main "$@"
