# shellcheck shell=bash disable=SC2034  # sourced: the variables are the scripts' own
# bench/lib.sh: what bench/run.sh and bench/routing.sh share: a temp directory, processes
# started and stopped with the script, building the binaries, the mock, infergate, wrk with
# bench/chat.lua, CPU and RSS from /proc, measured rounds, medians and the report's pieces.
# Sourced, not run. The script sets WARMUP, DURATION and ROUNDS, then calls bench_init.
#
# Results go to RESULTS, one line per measured round:
#   scenario target round rps p50_us p99_us requests cpu_ticks errors

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build-bench
LOAD_CPU=${BENCH_LOAD_CPU:-0}
SERVER_CPU=${BENCH_SERVER_CPU:-1}
DOC=${BENCH_DOC:-$ROOT/docs/performance.md}
CLK_TCK=$(getconf CLK_TCK)
PIDS=()
TARGETS=()
declare -A PORT PID HEADERS MODEL DEAD
PIN_NOTE=""
PIN_LOAD=()    # command prefixes: taskset -c CPU, or nothing when pinning is impossible
PIN_SERVER=()
GATEWAY_WRAPPER=()   # a command prefix for infergate (start_counted: callgrind)
READY_TRIES=100      # wait_ready's tries, 0.1 s apart

# docs/performance.md: bench/run.sh writes the page and keeps what stands between these markers,
# which bench/routing.sh and bench/translate.sh write.
ROUTING_BEGIN='<!-- bench/routing.sh writes from here -->'
ROUTING_END='<!-- bench/routing.sh: end -->'
TRANSLATE_BEGIN='<!-- bench/translate.sh writes from here -->'
TRANSLATE_END='<!-- bench/translate.sh: end -->'

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# bench_init NAME: the temp directory (infergate-NAME.XXXXXX) and its result files; cleanup at exit.
bench_init() {
    LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/infergate-$1.XXXXXX")
    RESULTS=$WORK/results      # as above
    RSS=$WORK/rss              # scenario target kib
    ANOMALIES=$WORK/anomalies  # free text, verbatim wrk lines
    : >"$RESULTS"; : >"$RSS"; : >"$ANOMALIES"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}

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

# wait_ready TARGET: until a chat request (for MODEL[TARGET], default demo) answers 200 (READY_TRIES / 10 s at most).
wait_ready() {
    local t=$1 i args=() h hs
    IFS='|' read -ra hs <<<"${HEADERS[$t]}"
    for h in "${hs[@]}"; do args+=(-H "$h"); done
    for ((i = 0; i < READY_TRIES; i++)); do
        kill -0 "${PID[$t]}" 2>/dev/null || die "$t exited at start; see its log"
        if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${args[@]}" \
            -H 'Content-Type: application/json' \
            -d "{\"model\":\"${MODEL[$t]:-demo}\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" \
            "http://127.0.0.1:${PORT[$t]}/v1/chat/completions" || true) == 200 ]]; then
            return 0
        fi
        sleep 0.1
    done
    die "$t did not answer on port ${PORT[$t]}"
}

# --- setup ----------------------------------------------------------------------------------

# ensure_tools [COMMAND:PACKAGE...]: wrk, curl, perl, taskset and the ones given; sets the pinning.
ensure_tools() {
    local missing=() spec
    for spec in wrk:wrk curl:curl perl:perl taskset:util-linux "$@"; do
        command -v "${spec%%:*}" >/dev/null || missing+=("${spec#*:}")
    done
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

# build_targets TARGET...: builds them (Release, no tests) in build-bench, configured on first
# use; BENCH_JOBS=N is ninja's -j. Nothing with BENCH_SKIP_BUILD=1.
build_targets() {
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
        log "BENCH_SKIP_BUILD=1: using the binaries in build-bench as they are"
        return 0
    fi
    log "building $* (Release) in build-bench"
    # The build's own packages (Boost, json, ...), as the README's commands install them.
    bash "$ROOT/tools/deps.sh" >"$WORK/deps.log" 2>&1 ||
        { tail -30 "$WORK/deps.log" >&2; die "tools/deps.sh failed"; }
    if [[ ! -f $BUILD/build.ninja ]]; then
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DINFERGATE_BUILD_TESTS=OFF >"$WORK/cmake.log" 2>&1 ||
            { tail -30 "$WORK/cmake.log" >&2; die "cmake failed"; }
    fi
    ninja -C "$BUILD" ${BENCH_JOBS:+-j"$BENCH_JOBS"} "$@" >"$WORK/ninja.log" 2>&1 ||
        { tail -30 "$WORK/ninja.log" >&2; die "build failed"; }
}

build_binaries() {
    build_targets infergate llm-mock
    [[ -x $BUILD/infergate && -x $BUILD/tools/llm-mock/llm-mock ]] || die "binaries missing in $BUILD"
}

# --- servers --------------------------------------------------------------------------------

# start_mock NAME [llm-mock options...]: one llm-mock thread on a free port, as target NAME.
start_mock() {
    local t=$1 i; shift
    spawn "$t" "${PIN_SERVER[@]}" "$BUILD/tools/llm-mock/llm-mock" --listen 127.0.0.1:0 --threads 1 "$@"
    PID[$t]=$SPAWNED
    PORT[$t]=""
    for ((i = 0; i < 50; i++)); do
        # The log may not exist yet: the background shell opens it when it gets to run.
        PORT[$t]=$(sed -n 's/^llm-mock listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' \
            "$WORK/$t.log" 2>/dev/null || true)
        [[ -n ${PORT[$t]} ]] && break
        sleep 0.1
    done
    [[ -n ${PORT[$t]} ]] || die "llm-mock did not start: $(cat "$WORK/$t.log")"
    HEADERS[$t]=""
    wait_ready "$t"
}

# start_infergate_with TARGET YAML HEADER: infergate with one worker and the access log to
# /dev/null; YAML (backends, models, ...) follows those lines in the config. HEADER is what
# wrk sends with every request ("name: value" pairs separated by "|").
start_infergate_with() {
    local t=$1
    PORT[$t]=$(free_port)
    # A directory of their own: the gateway's config watch rehashes its config on any change
    # in the directory, and the logs and callgrind dumps written beside it would wake it.
    mkdir -p "$WORK/config"
    cat >"$WORK/config/$t.yaml" <<EOF
server: { listen: "127.0.0.1:${PORT[$t]}", workers: 1 }
log: { level: warn, access_log: { format: json, path: /dev/null } }
$2
EOF
    spawn "$t" "${PIN_SERVER[@]}" "${GATEWAY_WRAPPER[@]}" "$BUILD/infergate" --config "$WORK/config/$t.yaml"
    PID[$t]=$SPAWNED
    HEADERS[$t]=$3
    wait_ready "$t"
}

# --- auth + quota on ------------------------------------------------------------------------
# Every client sends an API key, as the OpenAI SDKs always do: the same header goes to every
# target (nginx and direct included), so that "auth + quota on" against "off" measures the
# gateway's key check, limits and accounting, not the client's extra header bytes. The key is
# the 500th of auth_yaml's; a gateway with auth off parses it and never forwards it.
CLIENT_HEADER="Authorization: Bearer sk-ig-bench0500-$(printf 'S%.0s' {1..43})"
# Appended to model "demo" of a gateway with auth on: prices, so budgets are charged.
AUTH_MODEL_YAML="    pricing: { input_per_1m: 2.5, output_per_1m: 10 }"

# auth_yaml: 1,000 keys in 10 tenants, every key and tenant with request, token, concurrency
# and budget limits (high enough never to refuse), so each request pays for the key lookup,
# two scopes' checks and reservations, settlement and per-key metrics.
auth_yaml() {
    perl -MDigest::SHA=sha256_hex -e '
        my $limits = "{ requests_per_minute: 100000000, tokens_per_minute: 1000000000, concurrency: 100000, budget_usd_per_day: 1000000 }";
        print "tenants:\n";
        printf "  team-%d: { limits: %s }\n", $_, $limits for 0 .. 9;
        print "auth:\n  keys:\n";
        for my $i (1 .. 1000) {
            my $key = sprintf("sk-ig-bench%04d-%s", $i, "S" x 43);
            printf "    - { id: bench%04d, sha256: \"%s\", tenant: team-%d, limits: %s }\n",
                $i, sha256_hex($key), $i % 10, $limits;
        }'
}

# --- instructions per request (callgrind) ---------------------------------------------------
# Wall-clock figures on a shared 2-core machine move by several percent from run to run; the
# instructions a gateway executes per request do not (callgrind counts them, user space only:
# the kernel's share is the same socket work for both sides of a comparison). Used for the
# small-overhead goals (auth + quota, routing rules): same build, same load, ratio of counts.

# start_counted TARGET YAML HEADER: start_infergate_with under callgrind.
start_counted() {
    GATEWAY_WRAPPER=(valgrind --tool=callgrind "--callgrind-out-file=$WORK/$1.callgrind")
    READY_TRIES=600  # valgrind starts slowly
    start_infergate_with "$@"
    GATEWAY_WRAPPER=()
    READY_TRIES=100
}

# measure_instructions SCENARIO TARGET CONNS [STREAM]: after a warm-up, counts TARGET's
# instructions over a DURATION-second wrk run of chat requests (STREAM=1: 8-chunk streams);
# prints instructions per request.
measure_instructions() {
    local scen=$1 t=$2 conns=$3 stream=${4:-0} pid=${PID[$2]} line req total dump
    run_wrk "$scen" "$t" counted-warmup "$WARMUP" "$conns" "$stream" 8 0 >/dev/null
    callgrind_control -z "$pid" >/dev/null 2>&1  # start, warm-up: not counted
    line=$(run_wrk "$scen" "$t" counted "$DURATION" "$conns" "$stream" 8 0)
    callgrind_control -d "$pid" >/dev/null 2>&1
    req=$(field requests "$line")
    dump=$(ls -t "$WORK/$t.callgrind".* 2>/dev/null | head -1)
    total=$(callgrind_annotate "$dump" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d , | head -1)
    [[ -n $req && $req -gt 0 && -n $total ]] || die "no instruction count for $t"
    log "  $t: $((total / req)) instructions per request over $req requests"
    echo $((total / req))
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
# An empty CHUNKS or DELAY sends no x-mock-* header for it (the mock's own setting holds).
run_wrk() {
    local scen=$1 t=$2 label=$3 secs=$4 conns=$5 stream=$6 chunks=$7 delay=$8
    local out=$WORK/wrk-$scen-$t-$label.log
    BENCH_MODEL=${MODEL[$t]:-demo} BENCH_STREAM=$stream BENCH_CHUNKS=$chunks BENCH_DELAY_MS=$delay \
        BENCH_HEADERS=${HEADERS[$t]} \
        "${PIN_LOAD[@]}" wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s --latency \
        -s "$ROOT/bench/chat.lua" "http://127.0.0.1:${PORT[$t]}/" >"$out" 2>&1 ||
        echo "$scen $t $label: wrk exited with an error: $(tail -2 "$out" | tr '\n' ' ')" >>"$ANOMALIES"
    grep -E 'Non-2xx|Socket errors' "$out" | sed "s/^ */$scen $t $label: /" >>"$ANOMALIES" || true
    grep '^BENCH ' "$out" || true
}

field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }

# measure_round SCENARIO TARGET ROUND CONNS STREAM CHUNKS DELAY [SECONDS AS]: one measured wrk
# run against TARGET (DURATION seconds unless SECONDS), its CPU from /proc, a line in RESULTS
# under the target name AS (default TARGET). A target whose process has exited is noted once
# and skipped from then on.
measure_round() {
    local scen=$1 t=$2 r=$3 pid=${PID[$2]} secs=${8:-$DURATION} as=${9:-$2} before after line req dur errs
    [[ -n ${DEAD[$scen,$t]:-} ]] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "$scen $t: the $t process exited during the run (see its log)" >>"$ANOMALIES"
        DEAD[$scen,$t]=1
        return 0
    fi
    before=$(cpu_ticks "$pid")
    local label=round$r
    [[ $as == "$t" ]] || label=pair$r
    line=$(run_wrk "$scen" "$t" "$label" "$secs" "$4" "$5" "$6" "$7")
    after=$(cpu_ticks "$pid" 2>/dev/null || echo "$before")
    if [[ -z $line ]]; then
        echo "$scen $t $label: no result from wrk" >>"$ANOMALIES"
        return 0
    fi
    req=$(field requests "$line")
    dur=$(field duration_us "$line")
    errs=$(($(field err_connect "$line") + $(field err_read "$line") + $(field err_write "$line") +
        $(field err_status "$line") + $(field err_timeout "$line")))
    echo "$scen $as $r $(awk -v n="$req" -v d="$dur" 'BEGIN { printf "%.1f", n * 1e6 / d }') \
$(field p50_us "$line") $(field p99_us "$line") $req $((after - before)) $errs" >>"$RESULTS"
    log "  $as round $r: $(awk -v n="$req" -v d="$dur" 'BEGIN { printf "%.0f", n * 1e6 / d }') req/s," \
        "p99 $(field p99_us "$line") µs, errors $errs"
}

# rotated ROUND ITEM...: the items, one per line, starting from the ROUND-th (1-based, wrapping):
# the order targets take their turns in, so that none always runs right after another.
rotated() {
    local k=$((($1 - 1) % ($# - 1))); shift
    printf '%s\n' "${@:k+1}" "${@:1:k}"
}

# --- report ---------------------------------------------------------------------------------

# median COLUMN SCENARIO TARGET over the measured rounds (columns as in RESULTS, 1-based).
median() {
    awk -v c="$1" -v s="$2" -v t="$3" '$1 == s && $2 == t { print $c }' "$RESULTS" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2];
                                  else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# paired_ratio SCENARIO TARGET BASE: the median over the rounds of TARGET's req/s divided by
# BASE's in the same round. The two run back to back inside a round, so load that comes and
# goes between rounds on this shared machine cancels out of each round's ratio; a ratio of the
# two medians would set one round of one against another round of the other.
paired_ratio() {
    awk -v s="$1" -v a="$2" -v b="$3" '$1 == s && $2 == a { x[$3] = $4 } $1 == s && $2 == b { y[$3] = $4 }
        END { for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r] }' "$RESULTS" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) printf "%.3f", v[(NR + 1) / 2];
                                  else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# paired_spread SCENARIO TARGET BASE: "count q1 q3" of the same per-round ratios: how many, and
# the range holding their middle half.
paired_spread() {
    awk -v s="$1" -v a="$2" -v b="$3" '$1 == s && $2 == a { x[$3] = $4 } $1 == s && $2 == b { y[$3] = $4 }
        END { for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r] }' "$RESULTS" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR > 0) printf "%d %.3f %.3f", NR, v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }'
}
total() { awk -v c="$1" -v s="$2" -v t="$3" '$1 == s && $2 == t { n += $c } END { print n + 0 }' "$RESULTS"; }

# cpu_per_request SCENARIO TARGET: the process's CPU µs per completed request over all rounds.
cpu_per_request() {
    awk -v k="$(total 8 "$1" "$2")" -v hz="$CLK_TCK" -v n="$(total 7 "$1" "$2")" \
        'BEGIN { if (n > 0) printf "%.1f", k * 1e6 / hz / n }'
}

# verdict A OP B: "met" / "not met" for a numeric comparison (awk), "n/a" when a side is missing.
verdict() {
    [[ -z $1 || -z $3 ]] && { echo "n/a"; return; }
    awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
        ok = (op == "<=") ? (a <= b) : (a >= b); print ok ? "**met**" : "**not met**" }'
}

# print_report FUNCTION...: each function's table on stdout, then the anomalies, if any.
print_report() {
    local f
    echo
    for f in "$@"; do "$f"; echo; done
    if [[ -s $ANOMALIES ]]; then echo "Anomalies:"; cat "$ANOMALIES"; fi
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

# machine_lines: the Machine list's first lines (date, CPUs, kernel, load, infergate's revision).
machine_lines() {
    local rev
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && rev="$rev + uncommitted changes"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- CPUs: $(nproc) × $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "- Kernel: $(uname -r)"
    echo "- Load average (1/5/15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- infergate: git $rev, Release build in build-bench"
}

# doc_section FILE BEGIN END: the part of FILE between the markers (included), if any.
doc_section() {
    [[ -f $1 ]] || return 0
    awk -v b="$2" -v e="$3" '$0 == b { on = 1 } on { print } $0 == e { on = 0 }' "$1"
}
routing_section() { doc_section "$1" "$ROUTING_BEGIN" "$ROUTING_END"; }
translate_section() { doc_section "$1" "$TRANSLATE_BEGIN" "$TRANSLATE_END"; }

# replace_doc_section FILE SECTION_FILE BEGIN END: FILE's section between the markers replaced
# by SECTION_FILE, or that appended when FILE has none.
replace_doc_section() {
    local doc=$1 section=$2 out=$WORK/doc.md
    if [[ -n $(doc_section "$doc" "$3" "$4") ]]; then
        awk -v b="$3" -v e="$4" -v f="$section" '
            $0 == b { while ((getline line < f) > 0) print line; skip = 1; next }
            skip { if ($0 == e) skip = 0; next }
            { print }' "$doc" >"$out"
    elif [[ -s $doc ]]; then
        { cat "$doc"; echo; cat "$section"; } >"$out"
    else
        cp "$section" "$out"
    fi
    mv "$out" "$doc"
}
