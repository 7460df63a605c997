#!/usr/bin/env bash
# Checks the docs against the configuration loader:
#   1. every key the loader reads (src/config/*.cpp) is named in docs/configuration.md;
#   2. the complete configuration examples in the docs are accepted by the gateway: every
#      ```yaml block whose first line is the comment `# infergate.yaml` goes through
#      `infergate --check-config`, with a placeholder value for each ${VAR} it names. Blocks
#      without that line are fragments (one section) or other tools' configs, and are not checked.
# Usage: bash tools/check-doc-configs.sh [DOC.md...]   (default: docs/*.md; INFERGATE_BIN
#        overrides build/infergate). ctest runs it as Docs.ConfigExamples.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
infergate=${INFERGATE_BIN:-$root/build/infergate}
[[ -x "$infergate" ]] || { echo "$infergate is missing: build first (bash tools/build.sh)" >&2; exit 1; }
[[ $# -gt 0 ]] || set -- docs/*.md

passed=0 failed=0

# 1. Keys: the names the loader takes (MapReader take/require, the *_into helpers, and the two
# helpers that take a key name), each in backticks somewhere in configuration.md, alone or in a
# dotted path. Names repeat between sections, so this catches a key nobody documented, not one
# documented under the wrong section.
mapfile -t loader_keys < <(grep -ohE '(take|require)\("[a-z_0-9]+"\)|_into\(ctx, [a-z_]+, "[a-z_0-9]+"|read_claim_name\(ctx, map, "[a-z_0-9]+"|weight\("[a-z_0-9]+"' \
                           src/config/*.cpp | grep -oE '"[a-z_0-9]+"' | tr -d '"' | sort -u)
documented=$(grep -oE '`[^`]+`' docs/configuration.md | grep -oE '[a-z_0-9]+' | sort -u)
undocumented=()
for key in "${loader_keys[@]}"; do
    grep -qx "$key" <<<"$documented" || undocumented+=("$key")
done
if [[ ${#loader_keys[@]} -lt 100 ]]; then
    failed=$((failed + 1))
    echo "FAIL found only ${#loader_keys[@]} keys in src/config: the patterns no longer match the loader" >&2
elif [[ ${#undocumented[@]} -gt 0 ]]; then
    failed=$((failed + 1))
    echo "FAIL keys the loader reads but docs/configuration.md never names: ${undocumented[*]}" >&2
else
    passed=$((passed + 1))
    echo "ok   all ${#loader_keys[@]} key names the loader reads are in docs/configuration.md"
fi

# 2. Complete examples.
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
