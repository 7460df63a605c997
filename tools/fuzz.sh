#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan) into build-fuzz/ and fuzzes each for a
# while, starting from its committed corpus. New inputs go to build-fuzz/corpus/<target>/ and
# crashes to build-fuzz/artifacts/<target>/; the committed corpus is only read, unless --merge.
#   bash tools/fuzz.sh [--merge] [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, all four)
# --merge adds to tests/fuzz/corpus/ the new inputs that reach new coverage (review them first:
# commit hand-written seeds and minimized crash reproducers, not bulk fuzzer output).
# Exits non-zero if any target crashed, leaked, timed out or broke a property.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

merge=0
if [[ "${1:-}" == "--merge" ]]; then merge=1; shift; fi
seconds=${1:-60}
if [[ ! "$seconds" =~ ^[0-9]+$ ]]; then
    echo "usage: bash tools/fuzz.sh [--merge] [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fuzz_json_request fuzz_sse fuzz_config fuzz_http_request)

bash tools/deps.sh --fuzz
dir=$root/build-fuzz
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
if [[ ! -f "$dir/build.ninja" ]]; then
    CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DINFERGATE_FUZZ=ON -DINFERGATE_BUILD_TESTS=OFF >/dev/null
fi
# The machine is shared: two compile jobs at most.
jobs=$(nproc)
((jobs <= 2)) || jobs=2
cmake --build "$dir" --target "${targets[@]}" -- -j"$jobs"

# Inputs longer than the gateway would ever parse in one piece only slow the fuzzer down.
max_len() {
    case "$1" in
        fuzz_sse) echo 8192 ;;
        fuzz_config) echo 16384 ;;
        fuzz_http_request) echo 20000 ;;  # above the default 16 KiB header limit
        *) echo 65536 ;;                  # JSON: room for the deep-nesting seeds
    esac
}
dict_of() {
    case "$1" in
        fuzz_json_request) echo json ;;
        fuzz_sse) echo sse ;;
        fuzz_config) echo yaml ;;
        fuzz_http_request) echo http ;;
    esac
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
for target in "${targets[@]}"; do
    seeds=$root/tests/fuzz/corpus/$target
    work=$dir/corpus/$target
    artifacts=$dir/artifacts/$target
    mkdir -p "$work" "$artifacts"
    echo "== $target: ${seconds}s" >&2
    # The first directory receives new inputs; the committed seeds are read only.
    if ! "$dir/tests/fuzz/$target" "$work" "$seeds" -max_total_time="$seconds" \
            -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
            -dict="$root/tests/fuzz/dict/$(dict_of "$target").dict" \
            -artifact_prefix="$artifacts/" -print_final_stats=1 2>"$dir/$target.log"; then
        failed+=("$target")
        tail -n 40 "$dir/$target.log" >&2
    fi
    grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)" \
        "$dir/$target.log" >&2 || true
    if ((merge)); then
        "$dir/tests/fuzz/$target" -merge=1 -max_len="$(max_len "$target")" "$seeds" "$work" \
            2>>"$dir/$target.log"
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: failures in ${failed[*]} (reproducers in $dir/artifacts/, logs in $dir/*.log)" >&2
    exit 1
fi
echo "fuzz: no failures" >&2
