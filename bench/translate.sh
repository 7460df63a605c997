#!/usr/bin/env bash
# bench/translate.sh: streaming translation throughput (events/s per core) and heap allocations
# per event, for each way the relay handles a stream (bench/translate_bench.cpp), against the
# OpenAI passthrough. Single-threaded, about a minute after the build.
#
#   bash bench/translate.sh      # prints a Markdown table, writes its section of docs/performance.md
#
# Builds translate_bench (Release, build-bench, like the other scripts), runs it RUNS times and
# reports the median run per path.
# Knobs (environment):
#   BENCH_RUNS=5 BENCH_EVENTS=100000 BENCH_PASSES=5 BENCH_READ=4096   runs, text deltas per
#                             stream, passes per run (the median pass counts), bytes per read
#   BENCH_JOBS=N              ninja's -j for the build (default: ninja's own)
#   BENCH_SKIP_BUILD=1        use build-bench/bench/translate_bench as it is
#   BENCH_DOC=path            where the report goes (default docs/performance.md; "-" = none)
#   BENCH_KEEP=1              keep the temp directory (the runs' output)
set -euo pipefail

RUNS=${BENCH_RUNS:-5}
EVENTS=${BENCH_EVENTS:-100000}
PASSES=${BENCH_PASSES:-5}
READ=${BENCH_READ:-4096}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=$BUILD/bench/translate_bench
PATHS=(openai-passthrough anthropic-to-openai gemini-to-openai openai-to-anthropic anthropic-passthrough)
declare -A NAME=(
    [openai-passthrough]="OpenAI passthrough (OpenAI client, OpenAI backend)"
    [anthropic-to-openai]="Anthropic → OpenAI (OpenAI client, Anthropic backend)"
    [gemini-to-openai]="Gemini → OpenAI (OpenAI client, Gemini backend)"
    [openai-to-anthropic]="OpenAI → Anthropic (Anthropic client, OpenAI backend)"
    [anthropic-passthrough]="Anthropic passthrough, usage read aside (Anthropic client, Anthropic backend)"
)

# key=value of a BENCH line, numbers with a fraction included.
value() { sed -n "s/.* $1=\([0-9.e+-]*\).*/\1/p" <<<"$2"; }

# RESULTS lines: path run ns_per_event out_bytes_per_event allocs_per_stream allocs_per_event events
run_all() {
    local r line
    for ((r = 1; r <= RUNS; r++)); do
        "$BIN" --events "$EVENTS" --passes "$PASSES" --read "$READ" >"$WORK/run$r.log" 2>&1 ||
            die "translate_bench failed: $(tail -3 "$WORK/run$r.log")"
        while read -r line; do
            echo "$(sed -n 's/.* path=\([^ ]*\).*/\1/p' <<<"$line") $r" \
                "$(value ns_per_event "$line") $(value out_bytes_per_event "$line")" \
                "$(value allocs_per_stream "$line") $(value allocs_per_event "$line") $(value events "$line")" >>"$RESULTS"
        done < <(grep '^BENCH ' "$WORK/run$r.log")
        log "  run $r: $(awk -v r="$r" '$2 == r { printf "%s %.0f ns/event; ", $1, $3 }' "$RESULTS")"
    done
}

# Fills FIG[path,metric]: ns (median run), eps, ratio (events/s ÷ the OpenAI passthrough's),
# cost (ns/event ÷ the passthrough's), bytes, and the allocations, the most any run saw.
declare -A FIG
compute() {
    local p base
    for p in "${PATHS[@]}"; do
        FIG[$p,ns]=$(awk -v p="$p" '$1 == p { print $3 }' "$RESULTS" | sort -g |
            awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
        [[ -n ${FIG[$p,ns]} ]] || continue
        FIG[$p,eps]=$(awk -v n="${FIG[$p,ns]}" 'BEGIN { printf "%.0f", 1e9 / n }')
        FIG[$p,bytes]=$(awk -v p="$p" '$1 == p { print $4; exit }' "$RESULTS")
        FIG[$p,stream]=$(awk -v p="$p" '$1 == p && (m == "" || $5 > m) { m = $5 } END { print m }' "$RESULTS")
        FIG[$p,event]=$(awk -v p="$p" '$1 == p && (m == "" || $6 > m) { m = $6 } END { print m }' "$RESULTS")
        FIG[$p,events]=$(awk -v p="$p" '$1 == p { print $7; exit }' "$RESULTS")
    done
    base=${FIG[openai-passthrough,ns]:-}
    for p in "${PATHS[@]}"; do
        [[ -n $base && -n ${FIG[$p,ns]:-} ]] &&
            FIG[$p,ratio]=$(awk -v a="$base" -v b="${FIG[$p,ns]}" 'BEGIN { printf "%.3f", a / b }') &&
            FIG[$p,cost]=$(awk -v a="$base" -v b="${FIG[$p,ns]}" 'BEGIN { printf "%.1f", b / a }')
    done
}

results_table() {
    local p
    echo "| Path | events/s (1 core) | ns/event | events/s ÷ OpenAI passthrough's | CPU per event × passthrough's | output bytes/event | allocations per stream | allocations per event |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|"
    for p in "${PATHS[@]}"; do
        if [[ -z ${FIG[$p,ns]:-} ]]; then echo "| ${NAME[$p]} | no result | | | | | | |"; continue; fi
        printf '| %s | %s | %.0f | %s | %s | %.0f | %.0f | %s |\n' "${NAME[$p]}" "${FIG[$p,eps]}" "${FIG[$p,ns]}" \
            "${FIG[$p,ratio]:-?}" "${FIG[$p,cost]:-?}" "${FIG[$p,bytes]}" "${FIG[$p,stream]}" "${FIG[$p,event]}"
    done
}

goals_table() {
    local p
    echo "| Goal | Path | Allocations per event | Verdict |"
    echo "|---|---|--:|---|"
    echo "| none on the passthrough path (0) | ${NAME[openai-passthrough]} | ${FIG[openai-passthrough,event]:-?} |" \
        "$(verdict "${FIG[openai-passthrough,event]:-}" "<=" 0) |"
    for p in anthropic-to-openai gemini-to-openai openai-to-anthropic anthropic-passthrough; do
        echo "| O(1) per translated event (read here as at most 1) | ${NAME[$p]} |" \
            "${FIG[$p,event]:-?} | $(verdict "${FIG[$p,event]:-}" "<=" 1) |"
    done
}

write_section() {
    cat <<EOF
$TRANSLATE_BEGIN
## Streaming translation

Generated by \`bash bench/translate.sh\` (\`BENCH_RUNS=$RUNS BENCH_EVENTS=$EVENTS BENCH_PASSES=$PASSES
BENCH_READ=$READ\`, about a minute after the build); rerun it to refresh this section
(\`bench/run.sh\` keeps it when it rewrites the rest of the page).

### What is measured

\`bench/translate_bench.cpp\` (target \`translate_bench\`, built only when asked for) synthesises one
long stream per upstream format: the start (message_start; the role chunk; Gemini's first
event), $EVENTS short text deltas (model-sized tokens, with JSON escapes and UTF-8), a tool call
with $((EVENTS / 100)) argument fragments (Gemini sends its call whole, in the finishing event),
the finish, the usage, the end (message_stop; \`[DONE]\`; Gemini's end of body). Each path replays
its stream through the relay's loop, single-threaded: $READ-byte reads copied into the relay's
16 KiB buffer (events cut across reads), \`ProxyCall::translate_events\`' loop
(\`sse::find_event_end\`, \`StreamTranslation::on_event\` into the reused output buffer), then the
relay's pass over what the client is sent: for an OpenAI client what \`ProxyCall::on_event\` does per
event (\`sse::first_data\`, \`[DONE]\`, \`sse::carries_content\` until the first content,
\`sse::find_usage\`), for an Anthropic client a count. The OpenAI passthrough is that last pass
alone, over the upstream's bytes, with no output copy. No sockets, no HTTP framing, no writes:
the figures are the relay's CPU per event around them.

- **events/s**: upstream events ÷ the time of the median of $PASSES passes (each a fresh
  translation, as each stream gets), the median of $RUNS runs; one thread, so per core.
  **÷ OpenAI passthrough's** and **CPU per event ×**: the same against the passthrough, both ways
  (the OpenAI stream is longer in bytes per event than Anthropic's: see the output bytes of the
  two passthroughs).
- **output bytes/event**: what the client is sent per upstream event.
- **allocations**: calls of the global \`operator new\` (replaced in the benchmark binary), after a
  warm-up pass so that the reused buffers' growth is not counted. Per event: the difference
  between a pass over the stream and one over a stream about half as long, divided by the
  difference in events; per stream: the rest (the translation object, the chunk head, the
  content-block table, the usage object at the end). The most any run saw.

### Machine

$(machine_lines)
- Not pinned: one thread; others' builds share the 2 CPUs (see the load average)

### Results

$(results_table)

### Goals

$(goals_table)

### How to read it

- The translated paths parse every event's JSON (\`json::scan_object\` over the data, then over the
  delta) and write a new event; the passthrough only finds the event's end, its data line and
  whether it mentions usage. Their ratio is the price of translation per event on one core.
- The Anthropic passthrough runs the whole Anthropic → OpenAI translation aside (into a scratch
  buffer, cleared per event) to read the usage and see the end, and copies the event to the
  output: it costs most of what the translation does.
- A translator that appends to the relay's reused buffer, and keeps its per-event scratch (JSON
  members, small integers as strings) on the stack or in the small-string buffer, allocates
  nothing per event; what it allocates once per stream does not grow with the stream.
- Where the per-stream allocations come from (gdb on the counting \`operator new\`): the
  translation object (\`make_stream_translation\`); the chunk head (\`ChunkStream::start\`,
  \`fmt::format\`); Anthropic's content-block table, grown by index (\`block_at\`); the usage
  object written at the end (\`message_stop\`, Gemini's \`finish\`, \`messages_ingress\`'
  \`start\` and \`done\`); Gemini's completion id and model, and each \`functionCall\`'s
  arguments re-quoted into a local string (Gemini sends a call whole: a few allocations per call,
  none per text event); OpenAI → Anthropic's message id and model token, and per tool call its
  index table and a made-up id (\`tool_delta\` builds it even when the backend sent one); the
  Anthropic passthrough's scratch buffer, grown anew in each translation.
$TRANSLATE_END
EOF
}

main() {
    bench_init translate
    build_targets translate_bench
    [[ -x $BIN ]] || die "$BIN missing"
    log "$RUNS runs × $PASSES passes, $EVENTS text deltas per stream, $READ-byte reads"
    run_all
    compute
    print_report results_table goals_table
    if [[ $DOC != "-" ]]; then
        write_section >"$WORK/section.md"
        replace_doc_section "$DOC" "$WORK/section.md" "$TRANSLATE_BEGIN" "$TRANSLATE_END"
        log "wrote the Streaming translation section of ${DOC#"$ROOT"/}"
    fi
}

main "$@"
