#!/usr/bin/env bash
# bench/routing.sh: what infergate's routing buys and what it costs, on loopback against the
# bundled mock model server (tools/llm-mock), in one run. Two scenarios:
#
#   slow-replica  model "demo" over 4 mock replicas, one of them 10x slower to answer (ttft);
#                 strategy weighted (equal weights: round-robin) against p2c_ewma, same load:
#                 p50/p99 and req/s of each, p99(p2c_ewma) / p99(round-robin).
#   route-cost    one fast mock; infergate with 1 model against infergate with 100 models
#                 (2 targets each) and 20 routing rules that every request checks and fails,
#                 and with the 100 models alone: req/s ratio (goal >= 0.98), CPU per request;
#                 then 1 model against 100 models + 20 rules under callgrind: instructions
#                 per request (goal: ratio <= 1.02; immune to the machine's noise).
#
#   bash bench/routing.sh        # ~4 minutes; prints Markdown, writes the Routing section of
#                                # docs/performance.md (the rest of the page is bench/run.sh's)
#
# As in bench/run.sh: fresh processes per scenario, a warm-up per target, then ROUNDS measured
# rounds with the targets taking turns within each round (in an order that rotates from round
# to round), the median round reported; one worker/thread each; wrk pinned to one CPU, mocks
# and gateways to the other. Knobs (environment):
#   BENCH_WARMUP=2 BENCH_DURATION=5 BENCH_ROUNDS=5   seconds, seconds, count
#   BENCH_FAST_TTFT_MS=5 BENCH_SLOW_TTFT_MS=50       the replicas' time to first byte
#   BENCH_SLOW_CONNS=32 BENCH_COST_CONNS=64          wrk connections per scenario
#   BENCH_COUNT_CONNS=1       wrk connections for the callgrind count (one: every request
#                             takes the same path through the event loop, so the count repeats)
#   BENCH_LOAD_CPU=0 BENCH_SERVER_CPU=1              CPUs for wrk / for the servers
#   BENCH_SKIP_BUILD=1        use the binaries in build-bench as they are
#   BENCH_DOC=path            where the section goes (default docs/performance.md; "-" = none)
#   BENCH_KEEP=1              keep the temp directory (configs, wrk and server logs)
set -euo pipefail

WARMUP=${BENCH_WARMUP:-2}
DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-5}
FAST_TTFT=${BENCH_FAST_TTFT_MS:-5}
SLOW_TTFT=${BENCH_SLOW_TTFT_MS:-50}
SLOW_CONNS=${BENCH_SLOW_CONNS:-32}
COST_CONNS=${BENCH_COST_CONNS:-64}
COUNT_CONNS=${BENCH_COUNT_CONNS:-1}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICAS=(replica1 replica2 replica3 replica4)  # replica4 is the slow one
MODELS=100        # route-cost: models in the routed config
BENCH_INDEX=49    # the benchmarked one: the 50th, demo-049
RULES=20
declare -A SLOW_SHARE

# --- slow replica ---------------------------------------------------------------------------

# slow_gateway TARGET STRATEGY: model demo over the 4 replicas, equal weights.
slow_gateway() {
    local yaml="backends:" r
    for r in "${REPLICAS[@]}"; do
        yaml+="
  $r: { url: \"http://127.0.0.1:${PORT[$r]}\", provider: openai, pool: { max_connections: 1024 } }"
    done
    yaml+="
models:
  demo:
    strategy: $2
    targets:"
    for r in "${REPLICAS[@]}"; do yaml+="
      - { backend: $r, model: mock-model }"; done
    start_infergate_with "$1" "$yaml" ""
}

# attempts TARGET LABEL=VALUE [!]: upstream attempts the gateway has sent with that label (from
# /metrics); with "!", those without it.
attempts() {
    curl -s --max-time 5 "http://127.0.0.1:${PORT[$1]}/metrics" |
        awk -v l="${2%%=*}=\"${2#*=}\"" -v not="${3:-}" '
            /^infergate_upstream_attempts_total\{/ && (index($0, l) > 0) != (not == "!") { n += $NF }
            END { printf "%d\n", n }'
}

run_slow_replica() {
    local scen=slow-replica t r i order
    local targets=(round-robin p2c_ewma)
    local -A before after
    log "scenario $scen: 4 replicas (ttft ${FAST_TTFT} ms x3, ${SLOW_TTFT} ms x1), $SLOW_CONNS connections"
    for i in 0 1 2; do start_mock "${REPLICAS[i]}" --chunks 8 --ttft-ms "$FAST_TTFT"; done
    start_mock "${REPLICAS[3]}" --chunks 8 --ttft-ms "$SLOW_TTFT"
    slow_gateway round-robin weighted
    slow_gateway p2c_ewma p2c_ewma

    # No x-mock-* headers: each replica answers with its own --ttft-ms.
    for t in "${targets[@]}"; do run_wrk "$scen" "$t" warmup "$WARMUP" "$SLOW_CONNS" 0 "" "" >/dev/null; done
    for t in "${targets[@]}"; do
        for r in "${REPLICAS[@]}"; do before[$t,$r]=$(attempts "$t" "backend=$r"); done
    done
    for ((i = 1; i <= ROUNDS; i++)); do
        mapfile -t order < <(rotated "$i" "${targets[@]}")
        for t in "${order[@]}"; do measure_round "$scen" "$t" "$i" "$SLOW_CONNS" 0 "" ""; done
    done
    for t in "${targets[@]}"; do
        local all=0 slow=0 n
        for r in "${REPLICAS[@]}"; do
            after[$t,$r]=$(attempts "$t" "backend=$r")
            n=$((after[$t,$r] - before[$t,$r]))
            all=$((all + n))
            [[ $r == "${REPLICAS[3]}" ]] && slow=$n
        done
        SLOW_SHARE[$t]=$(awk -v s="$slow" -v a="$all" 'BEGIN { if (a > 0) printf "%.1f%%", 100 * s / a; else print "?" }')
        log "  $t: ${SLOW_SHARE[$t]} of the measured attempts went to the slow replica"
        stop "${PID[$t]}"
    done
    for r in "${REPLICAS[@]}"; do stop "${PID[$r]}"; done
}

# --- routing cost ---------------------------------------------------------------------------

# cost_models FIRST LAST: models demo-FIRST..demo-LAST, each over the two backends.
cost_models() {
    local i
    echo "models:"
    for ((i = $1; i <= $2; i++)); do
        printf '  demo-%03d: { targets: [ { backend: mock-a, model: mock-model }, { backend: mock-b, model: mock-model } ] }\n' "$i"
    done
}

# 20 rules, none of which matches the benchmark's requests (model demo-049, not streamed, a
# ~100-byte body, header x-bench-tenant: bench), each failing on its last condition where it
# has several, so that every request checks all of them: a model glob that fails; a glob that
# matches and a header the request lacks; a glob that matches and a header it has with another
# value; any model and stream: true; a glob, stream: false and 100,000 prompt tokens at least.
cost_rules() {
    local i target
    echo "routing:"
    echo "  rules:"
    for ((i = 0; i < RULES; i++)); do
        target=$(printf 'demo-%03d' $((i * 5)))
        case $((i % 5)) in
            0) echo "    - { name: glob-$i, match: { models: [\"gpt-4*\", \"claude-*\"] }, model: $target }" ;;
            1) echo "    - { name: tier-$i, match: { models: [\"demo-0*\"], headers: { x-tier: gold } }, model: $target }" ;;
            2) echo "    - { name: tenant-$i, match: { models: [\"demo-*\"], headers: { x-bench-tenant: team-$i } }, model: $target }" ;;
            3) echo "    - { name: stream-$i, match: { models: [\"*\"], stream: true }, model: $target }" ;;
            4) echo "    - { name: long-$i, match: { models: [\"demo-*\"], stream: false, min_prompt_tokens: 100000 }, model: $target }" ;;
        esac
    done
}

# cost_backends: two backends (mock-a, mock-b) on the one mock.
cost_backends() {
    echo "backends:"
    printf '  %s: { url: "http://127.0.0.1:%s", provider: openai, pool: { max_connections: 1024 } }\n' \
        mock-a "${PORT[direct]}" mock-b "${PORT[direct]}"
}

run_route_cost() {
    local scen=route-cost t r backends model order
    local targets=(one-model many-models routed)
    model=$(printf 'demo-%03d' "$BENCH_INDEX")
    log "scenario $scen: 1 model against $MODELS models and $RULES rules, $COST_CONNS connections"
    start_mock direct --chunks 8 --delay-ms 0
    backends=$(cost_backends)
    for t in "${targets[@]}"; do MODEL[$t]=$model; done
    start_infergate_with one-model "$backends
$(cost_models "$BENCH_INDEX" "$BENCH_INDEX")" "x-bench-tenant: bench"
    start_infergate_with many-models "$backends
$(cost_models 0 $((MODELS - 1)))" "x-bench-tenant: bench"
    start_infergate_with routed "$backends
$(cost_models 0 $((MODELS - 1)))
$(cost_rules)" "x-bench-tenant: bench"

    for t in "${targets[@]}"; do run_wrk "$scen" "$t" warmup "$WARMUP" "$COST_CONNS" 0 8 0 >/dev/null; done
    for ((r = 1; r <= ROUNDS; r++)); do
        mapfile -t order < <(rotated "$r" "${targets[@]}")
        for t in "${order[@]}"; do measure_round "$scen" "$t" "$r" "$COST_CONNS" 0 8 0; done
    done
    for t in "${targets[@]}"; do
        if kill -0 "${PID[$t]}" 2>/dev/null; then echo "$scen $t $(peak_rss_kib "${PID[$t]}")" >>"$RSS"; fi
        # The rules are to be checked, never taken: any attempt for another model is a rule matching.
        r=$(attempts "$t" "model=$model" !)
        ((r == 0)) || echo "$scen $t: $r attempts went to a model other than $model: a rule matched" >>"$ANOMALIES"
        stop "${PID[$t]}"
    done
    stop "${PID[direct]}"
}

# The same comparison counted in instructions (callgrind, see bench/lib.sh): 1 model against
# 100 models and 20 rules, one after the other on a fresh mock.
run_route_cost_counted() {
    local scen=route-cost-counted backends model t
    model=$(printf 'demo-%03d' "$BENCH_INDEX")
    log "scenario $scen: the same, in instructions per request (callgrind), $COUNT_CONNS connections"
    start_mock direct --chunks 8 --delay-ms 0
    backends=$(cost_backends)
    for t in one-model-counted routed-counted; do MODEL[$t]=$model; done
    start_counted one-model-counted "$backends
$(cost_models "$BENCH_INDEX" "$BENCH_INDEX")" "x-bench-tenant: bench"
    FIG[ir_one]=$(measure_instructions "$scen" one-model-counted "$COUNT_CONNS")
    stop "${PID[one-model-counted]}"
    start_counted routed-counted "$backends
$(cost_models 0 $((MODELS - 1)))
$(cost_rules)" "x-bench-tenant: bench"
    FIG[ir_routed]=$(measure_instructions "$scen" routed-counted "$COUNT_CONNS")
    stop "${PID[routed-counted]}"
    stop "${PID[direct]}"
}

# --- report ---------------------------------------------------------------------------------

# ratio A B [FORMAT]: A / B, empty when either is missing.
ratio() {
    [[ -z $1 || -z $2 ]] && return 0
    awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b > 0) printf f, a / b }'
}

# round_ratios COLUMN SCENARIO A B: A's value over B's, round by round ("0.98, 1.01, ...").
round_ratios() {
    awk -v c="$1" -v s="$2" -v a="$3" -v b="$4" -v f="${5:-%.2f}" '
        $1 == s && $2 == a { va[$3] = $c } $1 == s && $2 == b { vb[$3] = $c }
        END { for (r = 1; r in va || r in vb; r++) {
                  out = out (out == "" ? "" : ", ") ((r in va && r in vb && vb[r] > 0) ? sprintf(f, va[r] / vb[r]) : "?") }
              print out }' "$RESULTS"
}

rss_mib() { awk -v s="$1" -v t="$2" '$1 == s && $2 == t { printf "%.1f", $3 / 1024 }' "$RSS"; }

slow_table() {
    local t rps
    echo "| Strategy | req/s | p50 µs | p99 µs | attempts to the slow replica | proxy CPU µs/req | errors |"
    echo "|---|--:|--:|--:|--:|--:|--:|"
    for t in round-robin p2c_ewma; do
        rps=$(median 4 slow-replica "$t")
        if [[ -z $rps ]]; then echo "| $t | no result | | | | | |"; continue; fi
        printf '| %s | %.0f | %.0f | %.0f | %s | %s | %s |\n' "$t" "$rps" "$(median 5 slow-replica "$t")" \
            "$(median 6 slow-replica "$t")" "${SLOW_SHARE[$t]:-?}" "$(cpu_per_request slow-replica "$t")" \
            "$(total 9 slow-replica "$t")"
    done
}

cost_table() {
    local t rps base
    base=$(median 4 route-cost one-model)
    echo "| Config | req/s | vs 1 model | p50 µs | p99 µs | proxy CPU µs/req | proxy peak RSS MiB | errors |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|"
    local -A name=([one-model]="1 model, no rules" [many-models]="$MODELS models, no rules"
                   [routed]="$MODELS models, $RULES rules")
    for t in one-model many-models routed; do
        rps=$(median 4 route-cost "$t")
        if [[ -z $rps ]]; then echo "| ${name[$t]} | no result | | | | | | |"; continue; fi
        printf '| %s | %.0f | %s | %.0f | %.0f | %s | %s | %s |\n' "${name[$t]}" \
            "$rps" "$(ratio "$rps" "$base" %.3f)" "$(median 5 route-cost "$t")" "$(median 6 route-cost "$t")" \
            "$(cpu_per_request route-cost "$t")" "$(rss_mib route-cost "$t")" "$(total 9 route-cost "$t")"
    done
}

# Fills the ratios the text and the goals table quote.
declare -A FIG
compute() {
    FIG[p99]=$(ratio "$(median 6 slow-replica p2c_ewma)" "$(median 6 slow-replica round-robin)")
    FIG[p50]=$(ratio "$(median 5 slow-replica p2c_ewma)" "$(median 5 slow-replica round-robin)")
    FIG[rps]=$(ratio "$(median 4 slow-replica p2c_ewma)" "$(median 4 slow-replica round-robin)")
    FIG[p99_rounds]=$(round_ratios 6 slow-replica p2c_ewma round-robin)
    FIG[cost]=$(ratio "$(median 4 route-cost routed)" "$(median 4 route-cost one-model)" %.3f)
    FIG[cost_rounds]=$(round_ratios 4 route-cost routed one-model %.3f)
    FIG[models]=$(ratio "$(median 4 route-cost many-models)" "$(median 4 route-cost one-model)" %.3f)
    FIG[cpu_one]=$(cpu_per_request route-cost one-model)
    FIG[cpu_many]=$(cpu_per_request route-cost many-models)
    FIG[cpu_routed]=$(cpu_per_request route-cost routed)
    FIG[cpu_ratio]=$(ratio "${FIG[cpu_routed]}" "${FIG[cpu_one]}" %.3f)
    FIG[ir_ratio]=$(ratio "${FIG[ir_routed]:-}" "${FIG[ir_one]:-}" %.3f)
}

goals_table() {
    echo "| Figure | Measured | Goal | Verdict |"
    echo "|---|--:|--:|---|"
    echo "| p99 latency, p2c_ewma ÷ round-robin, 1 of 4 replicas 10× slower | ${FIG[p99]:-?} | reported | — |"
    echo "| req/s with $MODELS models and $RULES rules ÷ req/s with 1 model | ${FIG[cost]:-?} | ≥ 0.98 |" \
        "$(verdict "${FIG[cost]:-}" ">=" 0.98) |"
    echo "| instructions per request, $MODELS models and $RULES rules ÷ 1 model (callgrind: ${FIG[ir_routed]:-?} ÷ ${FIG[ir_one]:-?}) | ${FIG[ir_ratio]:-?} | ≤ 1.02 |" \
        "$(verdict "${FIG[ir_ratio]:-}" "<=" 1.02) |"
}

write_section() {
    cat <<EOF
$ROUTING_BEGIN
## Routing

Generated by \`bash bench/routing.sh\` (about 4 minutes); rerun it to refresh this section
(\`bench/run.sh\` keeps it when it rewrites the rest of the page).

### What is measured

Two scenarios on loopback, measured like the ones above: fresh processes per scenario, a
${WARMUP} s warm-up per gateway, then ${ROUNDS} rounds × ${DURATION} s with the gateways taking
turns inside each round (the order rotating from round to round, so that none always runs right
after another); the tables show the median round. Every gateway is infergate with
\`workers: 1\` and the access log to \`/dev/null\`; wrk (\`-t1 --latency\`, \`bench/chat.lua\`,
non-streaming chat) is pinned to CPU ${LOAD_CPU}, the mocks and the gateways to CPU ${SERVER_CPU}.

- **Slow replica**: four \`llm-mock\` replicas (1 thread each, 8-word answers), three answering
  after \`--ttft-ms ${FAST_TTFT}\` and one after \`--ttft-ms ${SLOW_TTFT}\` (10× slower); model
  \`demo\` has the four as equal-weight targets. Two gateways over the same replicas differ only
  in \`strategy\`: \`weighted\` (equal weights: round-robin) and \`p2c_ewma\` (the default).
  ${SLOW_CONNS} connections. The share of attempts that went to the slow replica comes from the
  gateways' \`infergate_upstream_attempts_total\` over the measured rounds.
- **Routing cost**: one fast mock (as in the non-streaming chat scenario above) behind two
  backends (\`mock-a\`, \`mock-b\`, the same mock); ${COST_CONNS} connections, model
  \`demo-$(printf '%03d' "$BENCH_INDEX")\`, header \`x-bench-tenant: bench\`. **1 model**: that model
  alone over the two backends, no rules. **${MODELS} models, no rules**: ${MODELS} models
  \`demo-000\`…\`demo-$(printf '%03d' $((MODELS - 1)))\`, 2 targets each, the benchmarked one the
  $((BENCH_INDEX + 1))th (to tell the models' share of the cost from the rules'). **${MODELS}
  models, ${RULES} rules**: the same and ${RULES} routing rules of which none matches, each failing on its
  last condition, so every request checks all of them: a model glob that fails
  (\`[gpt-4*, claude-*]\`); a glob that matches and a header the request lacks; a glob that
  matches and \`x-bench-tenant\` with another value; any model and \`stream: true\`; a glob,
  \`stream: false\` and \`min_prompt_tokens: 100000\` (4 rules of each kind; the script checks
  in \`/metrics\` that no attempt went to another model). All use the default \`p2c_ewma\` over
  their 2 targets. The goal: req/s with ${MODELS} models and ${RULES} rules at least 98% of **1 model**.
- **Routing cost, counted**: the same **1 model** and **${MODELS} models, ${RULES} rules**
  gateways, each alone under callgrind (\`valgrind --tool=callgrind\`), ${COUNT_CONNS}
  connection(s) (with one, every request takes the same path through the event loop and the
  count repeats to a few instructions), ${WARMUP} s of warm-up uncounted, then the instructions of ${DURATION} s of
  requests divided by their number. Wall-clock ratios on this shared machine move by several
  percent between runs, more than the 2% the goal is about; the count does not (user space
  only: the socket work in the kernel is the same for both). Goal: at most 2% more.

### Machine

$(machine_lines)
- wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')
- Pinning: ${PIN_NOTE:-wrk on CPU $LOAD_CPU; mocks and gateways on CPU $SERVER_CPU}

### Slow replica: p2c_ewma against round-robin

$(slow_table)

p99 of p2c_ewma ÷ p99 of round-robin: **${FIG[p99]:-?}** (round by round: ${FIG[p99_rounds]:-?});
p50 ratio ${FIG[p50]:-?}; req/s ratio ${FIG[rps]:-?}.

### Routing cost: ${MODELS} models and ${RULES} rules

$(cost_table)

req/s with ${MODELS} models and ${RULES} rules ÷ with 1 model: **${FIG[cost]:-?}** (round by round:
${FIG[cost_rounds]:-?}); with ${MODELS} models and no rules: ${FIG[models]:-?}. Gateway CPU per
request: ${FIG[cpu_one]:-?} µs with 1 model, ${FIG[cpu_many]:-?} µs with ${MODELS} models,
${FIG[cpu_routed]:-?} µs with ${MODELS} models and ${RULES} rules (${FIG[cpu_ratio]:-?} × 1 model's).
Instructions per request (callgrind): ${FIG[ir_one]:-?} with 1 model, ${FIG[ir_routed]:-?} with
${MODELS} models and ${RULES} rules: **${FIG[ir_ratio]:-?}** × 1 model's.

### Goals

$(goals_table)

### How to read it

- With round-robin a quarter of the requests wait ${SLOW_TTFT} ms for the slow replica, so its
  p99 is that replica's latency. p2c_ewma draws two targets and takes the one with the lower
  latency EWMA × (in flight + 1): with ${SLOW_CONNS} connections each fast replica has about ten
  requests in flight, so an idle slow replica can look as cheap and still gets the share of
  attempts shown in the table; each of those takes ${SLOW_TTFT} ms, and they set p2c_ewma's p99
  as soon as they and the tail below come to 1% of the requests.
- wrk's p99 here is not the gateway's alone: when a few tenths of a percent of the requests take
  ${SLOW_TTFT} ms, wrk also reports a tail of other requests at 15–45 ms. A check by hand (not part
  of this script) found the same tail with wrk straight against one mock that delays 0.5% of
  requests by 50 ms (no gateway), and infergate's access log for the fast replicas' requests
  under 10 ms at p99.5: read the p2c_ewma p99 as "the slow replica still gets some requests",
  not as queueing in the gateway.
- Routing cost: the round-by-round ratios show how far one round strays on this shared 2-core
  machine (others compile on it: see the load average); the median is the figure. CPU µs/req is
  the gateway process alone (clock ticks of 1/${CLK_TCK} s over ${ROUNDS} × ${DURATION} s) and is
  the steadier measure of what the rules and models add per request.

### Anomalies seen during the run

$(anomalies)
$ROUTING_END
EOF
}

main() {
    bench_init routing
    ensure_tools valgrind:valgrind
    build_binaries
    log "$ROUNDS × ${DURATION}s rounds after ${WARMUP}s warm-up per gateway"
    run_slow_replica
    run_route_cost
    run_route_cost_counted
    compute
    print_report slow_table cost_table goals_table
    if [[ $DOC != "-" ]]; then
        write_section >"$WORK/section.md"
        replace_doc_section "$DOC" "$WORK/section.md" "$ROUTING_BEGIN" "$ROUTING_END"
        log "wrote the Routing section of ${DOC#"$ROOT"/}"
    fi
}

main "$@"
