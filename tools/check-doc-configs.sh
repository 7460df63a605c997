#!/usr/bin/env bash
# Checks that the complete configuration examples in the docs are accepted by the gateway: every
# ```yaml block whose first line is the comment `# infergate.yaml` goes through
# `infergate --check-config`, with a placeholder value for each ${VAR} it names. Blocks without
# that line are fragments (one section) or other tools' configs, and are not checked.
# Usage: bash tools/check-doc-configs.sh [DOC.md...]   (default: docs/*.md; INFERGATE_BIN
#        overrides build/infergate). ctest runs it as Docs.ConfigExamples.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
infergate=${INFERGATE_BIN:-$root/build/infergate}
[[ -x "$infergate" ]] || { echo "$infergate is missing: build first (bash tools/build.sh)" >&2; exit 1; }
[[ $# -gt 0 ]] || set -- docs/*.md

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One file per block, named after the doc and the block's first line number in it.
python3 - "$work" "$@" <<'PY'
import re, sys
work, docs = sys.argv[1], sys.argv[2:]
for doc in docs:
    lines = open(doc, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```yaml" and i + 1 < len(lines) and lines[i + 1].strip() == "# infergate.yaml":
            start = i + 2
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            name = re.sub(r"[^A-Za-z0-9]", "_", doc) + f"_line{i + 1}.yaml"
            with open(f"{work}/{name}", "w", encoding="utf-8") as f:
                f.write("\n".join(lines[start:end]) + "\n")
            i = end
        i += 1
PY

passed=0 failed=0
for example in "$work"/*.yaml; do
    [[ -e "$example" ]] || break
    # A placeholder for every ${VAR} the example names (the loader refuses an unset one).
    env_vars=()
    while read -r var; do
        [[ -n "$var" ]] && env_vars+=("$var=placeholder-$var")
    done < <(grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*\}' "$example" | tr -d '${}' | sort -u)
    label=$(basename "$example" .yaml)
    if out=$(cd "$work" && env "${env_vars[@]}" "$infergate" --check-config "$example" 2>&1); then
        passed=$((passed + 1))
        echo "ok   $label"
    else
        failed=$((failed + 1))
        echo "FAIL $label" >&2
        echo "$out" >&2
    fi
done
[[ $((passed + failed)) -gt 0 ]] || { echo "no '# infergate.yaml' example found in $*" >&2; exit 1; }
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
