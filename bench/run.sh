#!/usr/bin/env bash
# bench/run.sh: infergate against direct access and nginx (and Portkey, when it installs), all
# on loopback against the bundled mock model server (tools/llm-mock), in one run.
#
#   bash bench/run.sh            # ~5 minutes; prints a Markdown table, writes docs/performance.md
#
# Per scenario it starts a fresh mock and fresh proxies (so peak RSS belongs to that scenario),
# warms every target up, then runs ROUNDS measured rounds, the targets taking turns within a
# round so that background noise hits all of them alike, and reports the median round.
# One worker/thread each; the load generator (wrk) is pinned to one CPU, mock and proxy to the
# other. Knobs (environment):
#   BENCH_WARMUP=2 BENCH_DURATION=5 BENCH_ROUNDS=3   seconds, seconds, count
#   BENCH_PORTKEY=auto|0      0 skips the optional Portkey target
#   BENCH_LOAD_CPU=0 BENCH_SERVER_CPU=1              CPUs for wrk / for the servers
#   BENCH_SKIP_BUILD=1        use the binaries in build-bench as they are
#   BENCH_DOC=path            where the report goes (default docs/performance.md; "-" = none)
#   BENCH_KEEP=1              keep the temp directory (configs, wrk and server logs)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build-bench
WARMUP=${BENCH_WARMUP:-2}
DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-3}
PORTKEY_WANTED=${BENCH_PORTKEY:-auto}
LOAD_CPU=${BENCH_LOAD_CPU:-0}
SERVER_CPU=${BENCH_SERVER_CPU:-1}
DOC=${BENCH_DOC:-$ROOT/docs/performance.md}
PATH=$PATH:/usr/sbin:/sbin  # nginx lives in sbin

# id | description | connections | stream (0/1) | chunks | delay between chunks (ms)
SCENARIOS=(
    "chat-64|non-streaming chat, 64 connections|64|0|8|0"
    "chat-1|non-streaming chat, 1 connection|1|0|8|0"
    "stream8-64|streaming chat, 8 chunks, 64 connections|64|1|8|0"
    "paced-256|paced streams, 10 chunks x 10 ms, 256 connections|256|1|10|10"
)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/infergate-bench.XXXXXX")
RESULTS=$WORK/results      # scenario target round rps p50 p99 requests cpu_ticks errors
RSS=$WORK/rss              # scenario target kib
ANOMALIES=$WORK/anomalies  # free text, verbatim wrk lines
: >"$RESULTS"; : >"$RSS"; : >"$ANOMALIES"
CLK_TCK=$(getconf CLK_TCK)
PIDS=()
TARGETS=()
declare -A PORT PID HEADERS
PORTKEY_NOTE=""
PIN_NOTE=""
PIN_LOAD=()    # command prefixes: taskset -c CPU, or nothing when pinning is impossible
PIN_SERVER=()

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- processes ------------------------------------------------------------------------------

# spawn NAME COMMAND...: starts COMMAND in the background (output to WORK/NAME.log); sets SPAWNED,
# the pid of the program itself (taskset execs it), so /proc/SPAWNED is the server's.
spawn() {
    local name=$1; shift
    "$@" >"$WORK/$name.log" 2>&1 &
    SPAWNED=$!
    PIDS+=("$SPAWNED")
}

stop() {
    local pid=$1 kept=() p
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
    PIDS=("${kept[@]}")
}

free_port() {
    perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0)->sockport'
}

# wait_ready TARGET: until a chat request through it answers 200 (10 s at most).
wait_ready() {
    local t=$1 i args=() h hs
    IFS='|' read -ra hs <<<"${HEADERS[$t]}"
    for h in "${hs[@]}"; do args+=(-H "$h"); done
    for ((i = 0; i < 100; i++)); do
        kill -0 "${PID[$t]}" 2>/dev/null || die "$t exited at start; see its log"
        if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${args[@]}" \
            -H 'Content-Type: application/json' \
            -d '{"model":"demo","messages":[{"role":"user","content":"hi"}]}' \
            "http://127.0.0.1:${PORT[$t]}/v1/chat/completions" || true) == 200 ]]; then
            return 0
        fi
        sleep 0.1
    done
    die "$t did not answer on port ${PORT[$t]}"
}

# --- setup ----------------------------------------------------------------------------------

ensure_tools() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || missing+=(nginx-light)
    command -v curl >/dev/null || missing+=(curl)
    command -v perl >/dev/null || missing+=(perl)
    command -v taskset >/dev/null || missing+=(util-linux)
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        { apt-get install -y "${missing[@]}" || { apt-get update && apt-get install -y "${missing[@]}"; }; } \
            >"$WORK/apt.log" 2>&1 || die "apt-get install ${missing[*]} failed (see $WORK/apt.log)"
    fi
    if (($(nproc) < 2)) || ! taskset -c "$LOAD_CPU,$SERVER_CPU" true 2>/dev/null; then
        PIN_NOTE="not pinned: fewer than 2 usable CPUs"
        log "$PIN_NOTE"
    else
        PIN_LOAD=(taskset -c "$LOAD_CPU")
        PIN_SERVER=(taskset -c "$SERVER_CPU")
    fi
    ulimit -n 65536 2>/dev/null || true
}

build_binaries() {
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
        log "BENCH_SKIP_BUILD=1: using the binaries in build-bench as they are"
    else
        log "building infergate and llm-mock (Release) in build-bench"
        if [[ ! -f $BUILD/build.ninja ]]; then
            cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
                -DINFERGATE_BUILD_TESTS=OFF >"$WORK/cmake.log" 2>&1 ||
                { tail -30 "$WORK/cmake.log" >&2; die "cmake failed"; }
        fi
        ninja -C "$BUILD" infergate llm-mock >"$WORK/ninja.log" 2>&1 ||
            { tail -30 "$WORK/ninja.log" >&2; die "build failed"; }
    fi
    [[ -x $BUILD/infergate && -x $BUILD/tools/llm-mock/llm-mock ]] || die "binaries missing in $BUILD"
}

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

start_mock() {  # chunks delay_ms
    local i
    spawn mock "${PIN_SERVER[@]}" "$BUILD/tools/llm-mock/llm-mock" --listen 127.0.0.1:0 --threads 1 \
        --chunks "$1" --delay-ms "$2"
    PID[direct]=$SPAWNED
    for ((i = 0; i < 50; i++)); do
        PORT[direct]=$(sed -n 's/^llm-mock listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/mock.log")
        [[ -n ${PORT[direct]} ]] && break
        sleep 0.1
    done
    [[ -n ${PORT[direct]} ]] || die "llm-mock did not start: $(cat "$WORK/mock.log")"
    HEADERS[direct]=""
    wait_ready direct
}

# start_gateway TARGET MODEL_YAML EXTRA_YAML HEADER: infergate with one worker, the access log to
# /dev/null and model "demo" on the mock; MODEL_YAML is appended to the model's mapping,
# EXTRA_YAML to the config, HEADER is what wrk sends with every request.
start_gateway() {
    local t=$1
    PORT[$t]=$(free_port)
    cat >"$WORK/$t.yaml" <<EOF
server: { listen: "127.0.0.1:${PORT[$t]}", workers: 1 }
log: { level: warn, access_log: { format: json, path: /dev/null } }
backends:
  mock: { url: "http://127.0.0.1:${PORT[direct]}", provider: openai, pool: { max_connections: 1024 } }
models:
  demo:
    targets: [ { backend: mock, model: mock-model } ]
$2
$3
EOF
    spawn "$t" "${PIN_SERVER[@]}" "$BUILD/infergate" --config "$WORK/$t.yaml"
    PID[$t]=$SPAWNED
    HEADERS[$t]=$4
    wait_ready "$t"
}

start_infergate() { start_gateway infergate "" "" ""; }

# The same gateway with auth and quota on: 1,000 keys in 10 tenants, every key and tenant with
# request, token, concurrency and budget limits (high enough never to refuse), so each request
# pays for the key lookup, two scopes' checks and reservations, settlement and per-key metrics.
# wrk presents the 500th key.
start_infergate_auth() {
    local keys
    keys=$(perl -MDigest::SHA=sha256_hex -e '
        my $limits = "{ requests_per_minute: 100000000, tokens_per_minute: 1000000000, concurrency: 100000, budget_usd_per_day: 1000000 }";
        print "tenants:\n";
        printf "  team-%d: { limits: %s }\n", $_, $limits for 0 .. 9;
        print "auth:\n  keys:\n";
        for my $i (1 .. 1000) {
            my $key = sprintf("sk-ig-bench%04d-%s", $i, "S" x 43);
            printf "    - { id: bench%04d, sha256: \"%s\", tenant: team-%d, limits: %s }\n",
                $i, sha256_hex($key), $i % 10, $limits;
        }')
    start_gateway infergate-auth "    pricing: { input_per_1m: 2.5, output_per_1m: 10 }" "$keys" \
        "Authorization: Bearer sk-ig-bench0500-$(printf 'S%.0s' {1..43})"
}

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
    HEADERS[nginx]=""
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

# --- measuring ------------------------------------------------------------------------------

cpu_ticks() {  # utime + stime of all the process's threads, in clock ticks
    local stat f
    stat=$(<"/proc/$1/stat")
    read -ra f <<<"${stat##*) }"
    echo $((f[11] + f[12]))
}

peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# run_wrk SCENARIO TARGET LABEL SECONDS CONNS STREAM CHUNKS DELAY: prints wrk's BENCH line.
run_wrk() {
    local scen=$1 t=$2 label=$3 secs=$4 conns=$5 stream=$6 chunks=$7 delay=$8
    local out=$WORK/wrk-$scen-$t-$label.log
    BENCH_MODEL=demo BENCH_STREAM=$stream BENCH_CHUNKS=$chunks BENCH_DELAY_MS=$delay \
        BENCH_HEADERS=${HEADERS[$t]} \
        "${PIN_LOAD[@]}" wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s --latency \
        -s "$ROOT/bench/chat.lua" "http://127.0.0.1:${PORT[$t]}/" >"$out" 2>&1 ||
        echo "$scen $t $label: wrk exited with an error: $(tail -2 "$out" | tr '\n' ' ')" >>"$ANOMALIES"
    grep -E 'Non-2xx|Socket errors' "$out" | sed "s/^ */$scen $t $label: /" >>"$ANOMALIES" || true
    grep '^BENCH ' "$out" || true
}

field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }

run_scenario() {
    local scen=$1 desc=$2 conns=$3 stream=$4 chunks=$5 delay=$6 t r line pid before after
    local -A dead=()
    log "scenario $scen: $desc"
    start_mock "$chunks" "$delay"
    start_infergate
    start_infergate_auth
    start_nginx
    if [[ " ${TARGETS[*]} " == *" portkey "* ]]; then start_portkey; fi

    for t in "${TARGETS[@]}"; do
        run_wrk "$scen" "$t" warmup "$WARMUP" "$conns" "$stream" "$chunks" "$delay" >/dev/null
    done
    for ((r = 1; r <= ROUNDS; r++)); do
        for t in "${TARGETS[@]}"; do
            [[ -n ${dead[$t]:-} ]] && continue
            pid=${PID[$t]}
            if ! kill -0 "$pid" 2>/dev/null; then
                echo "$scen $t: the $t process exited during the run (see its log)" >>"$ANOMALIES"
                dead[$t]=1
                continue
            fi
            before=$(cpu_ticks "$pid")
            line=$(run_wrk "$scen" "$t" "round$r" "$DURATION" "$conns" "$stream" "$chunks" "$delay")
            after=$(cpu_ticks "$pid" 2>/dev/null || echo "$before")
            if [[ -z $line ]]; then
                echo "$scen $t round$r: no result from wrk" >>"$ANOMALIES"
                continue
            fi
            local req dur errs
            req=$(field requests "$line")
            dur=$(field duration_us "$line")
            errs=$(($(field err_connect "$line") + $(field err_read "$line") + $(field err_write "$line") +
                $(field err_status "$line") + $(field err_timeout "$line")))
            echo "$scen $t $r $(awk -v n="$req" -v d="$dur" 'BEGIN { printf "%.1f", n * 1e6 / d }') \
$(field p50_us "$line") $(field p99_us "$line") $req $((after - before)) $errs" >>"$RESULTS"
            log "  $t round $r: $(awk -v n="$req" -v d="$dur" 'BEGIN { printf "%.0f", n * 1e6 / d }') req/s, errors $errs"
        done
    done
    for t in "${TARGETS[@]}"; do
        if kill -0 "${PID[$t]}" 2>/dev/null; then echo "$scen $t $(peak_rss_kib "${PID[$t]}")" >>"$RSS"; fi
    done
    for t in "${TARGETS[@]}"; do
        [[ $t == direct ]] || stop "${PID[$t]}"
    done
    stop "${PID[direct]}"
}

# --- report ---------------------------------------------------------------------------------

# median COLUMN SCENARIO TARGET over the measured rounds (columns as in RESULTS, 1-based).
median() {
    awk -v c="$1" -v s="$2" -v t="$3" '$1 == s && $2 == t { print $c }' "$RESULTS" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2];
                                  else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
total() { awk -v c="$1" -v s="$2" -v t="$3" '$1 == s && $2 == t { n += $c } END { print n + 0 }' "$RESULTS"; }

# Fills STAT[scenario,target,metric] for rps ratio p50 p99 add50 add99 cpu rss err.
declare -A STAT
compute() {
    local spec scen t rps p50 p99 req ticks base50 base99
    for spec in "${SCENARIOS[@]}"; do
        scen=${spec%%|*}
        for t in "${TARGETS[@]}"; do
            rps=$(median 4 "$scen" "$t"); p50=$(median 5 "$scen" "$t"); p99=$(median 6 "$scen" "$t")
            [[ -z $rps ]] && continue
            req=$(total 7 "$scen" "$t"); ticks=$(total 8 "$scen" "$t")
            STAT[$scen,$t,rps]=$rps; STAT[$scen,$t,p50]=$p50; STAT[$scen,$t,p99]=$p99
            STAT[$scen,$t,err]=$(total 9 "$scen" "$t")
            STAT[$scen,$t,cpu]=$(awk -v k="$ticks" -v hz="$CLK_TCK" -v n="$req" \
                'BEGIN { if (n > 0) printf "%.1f", k * 1e6 / hz / n }')
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

# verdict A OP B: "met" / "not met" for a numeric comparison (awk), "n/a" when a side is missing.
verdict() {
    [[ -z $1 || -z $3 ]] && { echo "n/a"; return; }
    awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
        ok = (op == "<=") ? (a <= b) : (a >= b); print ok ? "**met**" : "**not met**" }'
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
        local on=${STAT[$scen,infergate-auth,rps]:-} off=${STAT[$scen,infergate,rps]:-} ratio=""
        [[ -n $on && -n $off ]] && ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')
        echo "| Auth + quota on (1,000 keys): req/s ≥ 95% of off | $desc | ${ratio:-?} of off | — |" \
            "$(verdict "$ratio" ">=" 0.95) |"
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

anomalies() {
    if [[ -s $ANOMALIES ]]; then
        echo '```'
        cat "$ANOMALIES"
        echo '```'
    else
        echo "None: no non-2xx answers, socket errors or exited processes in any run (warm-ups included)."
    fi
}

machine() {
    local rev
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && rev="$rev + uncommitted changes"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- CPUs: $(nproc) × $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "- Kernel: $(uname -r)"
    echo "- Load average (1/5/15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- infergate: git $rev, Release build in build-bench"
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

Generated by \`bash bench/run.sh\`; rerun it to refresh this page (it overwrites the whole file).

## What is measured

Four targets, five when Portkey installs, answer the same OpenAI chat requests, on loopback, in one
run:

- **direct**: the bundled mock model server (\`tools/llm-mock\`, 1 thread), no proxy;
- **infergate**: \`workers: 1\`, JSON access log written to \`/dev/null\`, model \`demo\` routed to the mock;
- **infergate-auth**: the same with auth and quota on: 1,000 API keys in 10 tenants, each key and
  tenant with requests/tokens per minute, concurrency and daily budget limits (never reached), model
  pricing set; wrk presents one of the keys. The goal: req/s within 5% of **infergate**;
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
  are what matter. Absolute req/s, latencies and CPU times move with the machine and with whatever else
  runs on it (this is a shared 2-core machine; others may have been compiling during the run).
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
    LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    ensure_tools
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
    echo
    results_table
    echo
    goals_table
    echo
    if [[ -s $ANOMALIES ]]; then echo "Anomalies:"; cat "$ANOMALIES"; fi
    if [[ $DOC != "-" ]]; then
        write_doc >"$DOC"
        log "wrote ${DOC#"$ROOT"/}"
    fi
}

main "$@"
