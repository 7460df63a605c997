#!/usr/bin/env bash
# Checks the packaging files under docker/ and the Prometheus text of a live gateway, without
# Docker, Kubernetes or a running systemd (ctest runs it: label `packaging`):
#   1. YAML syntax of every docker/**/*.yaml|yml (PyYAML), plus structural checks of the
#      Kubernetes manifests (probe paths, ports, ConfigMap key vs mount, security context);
#   2. each gateway config (docker/infergate.compose.yaml, the ConfigMap's, config/infergate.yaml)
#      with `infergate --check-config`;
#   3. the Grafana dashboard: JSON syntax, every metric name it uses documented in
#      docs/metrics.md, every PromQL expression parsed by `promtool check rules`;
#   4. docker/prometheus.yml with `promtool check config`;
#   5. docker/systemd/infergate.service with `systemd-analyze verify` (ExecStart pointed at the
#      binary under test, since /usr/local/bin/infergate is not installed here; skipped, saying
#      why, only where systemd-analyze cannot verify even a trivial unit);
#   6. every metric family the source registers is documented in docs/metrics.md;
#   7. live: llm-mock + the gateway on ports they pick themselves, traffic that gives the metric
#      families series (chat, streamed, completions, embeddings, a retry, a fallback, an upstream
#      503, refused requests, a cache hit, a key over its limit), `promtool check metrics` on the
#      real /metrics scrape, every scraped family in docs/metrics.md with its type and labels,
#      docker/healthcheck.sh against /healthz, /readyz and the mock, every dashboard query
#      evaluated by a real Prometheus that scraped the gateway, and a SIGHUP reload.
# Usage: bash tools/check-packaging.sh       (INFERGATE_BIN / LLM_MOCK_BIN override the binaries,
#        default build/infergate and build/tools/llm-mock/llm-mock; build them first)
# Needs python3-yaml, prometheus (promtool) and systemd (systemd-analyze): `bash tools/deps.sh
# --test` installs them; run by hand as root, the script installs what is missing itself
# (not under ctest: INFERGATE_NO_INSTALL=1). Every wait is bounded and every process it starts
# is stopped on exit. Prints "N passed, 0 failed" at the end (", N skipped" when a check could not
# run here), or stops at the first failed check.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
infergate=${INFERGATE_BIN:-$root/build/infergate}
llm_mock=${LLM_MOCK_BIN:-$root/build/tools/llm-mock/llm-mock}
passed=0
skipped=""
ok() { passed=$((passed + 1)); echo "ok   $*"; }
skip() { skipped=$((${skipped:-0} + 1)); echo "skip $*"; }
fail() { echo "FAIL $*" >&2; echo "$passed passed, 1 failed"; exit 1; }

for bin in "$infergate" "$llm_mock"; do
    [[ -x "$bin" ]] || fail "$bin is missing: build first (bash tools/build.sh) or set INFERGATE_BIN / LLM_MOCK_BIN"
done

# --- tools ------------------------------------------------------------------------------------
need=()
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
command -v promtool >/dev/null || need+=(prometheus)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v curl >/dev/null || need+=(curl)
if [[ ${#need[@]} -gt 0 ]]; then
    [[ $(id -u) -eq 0 && -z "${INFERGATE_NO_INSTALL:-}" ]] \
        || fail "missing ${need[*]}: bash tools/deps.sh --test (or apt-get install ${need[*]}, as root)"
    echo "installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
py=/usr/bin/python3

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# --- 1. YAML ----------------------------------------------------------------------------------
mapfile -t yamls < <(find docker -name '*.yaml' -o -name '*.yml' | sort)
for f in "${yamls[@]}" config/infergate.yaml; do
    $py -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$f" \
        || fail "YAML syntax: $f"
done
ok "YAML syntax: ${#yamls[@]} files under docker/ and config/infergate.yaml"

$py - "$work/configmap-infergate.yaml" <<'PY' || fail "Kubernetes manifests"
import sys, yaml
k = "docker/kubernetes/"
load = lambda f: yaml.safe_load(open(k + f))
dep, svc, cm, hpa = load("deployment.yaml"), load("service.yaml"), load("configmap.yaml"), load("hpa.yaml")
def check(cond, what):
    if not cond: sys.exit("kubernetes: " + what)
check((dep["apiVersion"], dep["kind"]) == ("apps/v1", "Deployment"), "deployment kind")
check((svc["apiVersion"], svc["kind"]) == ("v1", "Service"), "service kind")
check((cm["apiVersion"], cm["kind"]) == ("v1", "ConfigMap"), "configmap kind")
check((hpa["apiVersion"], hpa["kind"]) == ("autoscaling/v2", "HorizontalPodAutoscaler"), "hpa kind")
pod = dep["spec"]["template"]
check(dep["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items(), "selector matches pod labels")
check(svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items(), "service selector matches pod labels")
c = pod["spec"]["containers"][0]
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
check(c["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness probe on /readyz")
check(c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness probe on /healthz")
for probe in ("readinessProbe", "livenessProbe"):
    check(c[probe]["httpGet"]["port"] in ports, probe + " port names a container port")
check(svc["spec"]["ports"][0]["targetPort"] in ports, "service targetPort names a container port")
check(c["lifecycle"]["preStop"]["exec"]["command"][0] == "/bin/sleep", "preStop sleep")
sleep = int(c["lifecycle"]["preStop"]["exec"]["command"][1])
check(pod["spec"]["terminationGracePeriodSeconds"] > sleep, "grace period longer than the preStop sleep")
sc = pod["spec"]["securityContext"]
check(sc["runAsNonRoot"] and sc["runAsUser"] == 10001, "runAsNonRoot, uid 10001 (the image's user)")
check(c["securityContext"]["allowPrivilegeEscalation"] is False, "no privilege escalation")
mount = next(m for m in c["volumeMounts"] if m["name"] == "config")
vol = next(v for v in pod["spec"]["volumes"] if v["name"] == "config")
check(vol["configMap"]["name"] == cm["metadata"]["name"], "volume names the ConfigMap")
config_path = c["args"][c["args"].index("--config") + 1]
check(config_path == mount["mountPath"] + "/" + "infergate.yaml" and "infergate.yaml" in cm["data"],
      "--config path = mount path + ConfigMap key")
check(hpa["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"], "hpa targets the deployment")
listen = yaml.safe_load(cm["data"]["infergate.yaml"])["server"]["listen"]
check(listen.endswith(":" + str(ports["http"])), "server.listen port = containerPort")
open(sys.argv[1], "w").write(cm["data"]["infergate.yaml"])
PY
ok "Kubernetes manifests: kinds, selectors, probes (/readyz, /healthz), ports, preStop, config mount"

# compose: services, the mounted config and the scrape target agree
$py - <<'PY' || fail "compose.yaml consistency"
import sys, yaml
c = yaml.safe_load(open("docker/compose.yaml"))["services"]
def check(cond, what):
    if not cond: sys.exit("compose: " + what)
check(set(c) >= {"infergate", "llm-mock", "prometheus", "grafana"}, "the four services")
check(c["infergate"]["build"]["dockerfile"] == "docker/Dockerfile", "infergate built from docker/Dockerfile")
check("./infergate.compose.yaml:/etc/infergate/infergate.yaml:ro" in c["infergate"]["volumes"], "config mounted")
cfg = yaml.safe_load(open("docker/infergate.compose.yaml"))
check(cfg["server"]["listen"] == "0.0.0.0:8080", "gateway listens on 0.0.0.0:8080")
check(cfg["backends"]["mock"]["url"] == "http://llm-mock:8090", "demo -> http://llm-mock:8090")
check("0.0.0.0:8090" in c["llm-mock"]["command"], "llm-mock listens on 0.0.0.0:8090")
prom = yaml.safe_load(open("docker/prometheus.yml"))
check(prom["scrape_configs"][0]["static_configs"][0]["targets"] == ["infergate:8080"], "scrape infergate:8080")
check("./grafana/infergate.json:/var/lib/grafana/dashboards/infergate.json:ro" in c["grafana"]["volumes"], "dashboard mounted")
dash = yaml.safe_load(open("docker/grafana/provisioning/dashboards/infergate.yaml"))
check(dash["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards", "provider path = mount dir")
ds = yaml.safe_load(open("docker/grafana/provisioning/datasources/prometheus.yaml"))
check(ds["datasources"][0]["uid"] == "prometheus" and ds["datasources"][0]["url"] == "http://prometheus:9090", "datasource")
PY
ok "compose.yaml: services, mounts, config, scrape target and Grafana provisioning agree"

# --- 2. gateway configs -----------------------------------------------------------------------
for f in docker/infergate.compose.yaml "$work/configmap-infergate.yaml" config/infergate.yaml; do
    "$infergate" --check-config "$f" >/dev/null || fail "infergate --check-config $f"
done
ok "infergate --check-config: docker/infergate.compose.yaml, the ConfigMap's config, config/infergate.yaml"

# --- 3. dashboard -----------------------------------------------------------------------------
dashboard=docker/grafana/infergate.json
$py - "$dashboard" "$work" <<'PY' || fail "dashboard"
import json, re, sys
d = json.load(open(sys.argv[1]))
work = sys.argv[2]
assert d["uid"] == "infergate" and d["schemaVersion"] >= 36, "uid / schemaVersion"
exprs = []
def walk(panels):
    for p in panels:
        for t in p.get("targets", []):
            exprs.append(t["expr"])
        walk(p.get("panels", []))
walk(d["panels"])
ids = [p["id"] for p in d["panels"]]
assert len(ids) == len(set(ids)), "duplicate panel ids"
for p in d["panels"]:
    if p["type"] != "row":
        assert p["datasource"]["uid"] == "prometheus", f"panel {p['title']}: datasource uid"
docs = open("docs/metrics.md").read()
documented = set(re.findall(r"`([a-z_:][a-z0-9_:]*)`", docs))
# Series Prometheus makes itself for every scrape target: not the gateway's, so not in the docs.
synthetic = {"up"}
used = set()
for e in exprs:
    # metric names: identifiers followed by a selector or a range, or with the gateway's prefixes
    used |= set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]", e))
    used |= set(re.findall(r"\b((?:infergate|gen_ai)_[a-z0-9_]+)", e))
missing = []
for name in sorted(used):
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    if name not in documented and base not in documented and name not in synthetic:
        missing.append(name)
assert not missing, "metric names not in docs/metrics.md: " + ", ".join(missing)
# Grafana's variables replaced by values a rule file accepts, for promtool check rules.
def concrete(e):
    return (e.replace("$__rate_interval", "15s").replace("$__range", "1m")
             .replace('"$model"', '".*"'))
with open(work + "/dashboard-rules.yaml", "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write(f"      - record: dashboard:expr{i}\n        expr: {json.dumps(concrete(e))}\n")
with open(work + "/dashboard-exprs.txt", "w") as f:
    f.write("\n".join(concrete(e) for e in exprs) + "\n")
with open(work + "/dashboard-metrics.txt", "w") as f:
    f.write("\n".join(sorted(used)) + "\n")
print(f"     {len(exprs)} queries, {len(used)} metric names, all documented"
      f" ({', '.join(sorted(used & synthetic))} made by Prometheus itself)")
PY
ok "dashboard: JSON syntax, panel ids, datasource uid, every metric name in docs/metrics.md"
promtool check rules "$work/dashboard-rules.yaml" >/dev/null || fail "promtool check rules (dashboard PromQL)"
ok "dashboard: every PromQL expression parses (promtool check rules)"

# --- 4. prometheus.yml ------------------------------------------------------------------------
promtool check config docker/prometheus.yml >/dev/null || fail "promtool check config docker/prometheus.yml"
ok "promtool check config docker/prometheus.yml"

# --- 5. systemd unit --------------------------------------------------------------------------
# `systemd-analyze verify` reads unit files offline: it needs no running systemd (containers,
# CI). Where it cannot work at all, a trivial unit fails too: then the check is skipped, saying
# why, instead of failing on the environment.
printf '[Service]\nExecStart=/bin/true\n' > "$work/probe.service"
if ! probe=$(timeout 60 systemd-analyze verify "$work/probe.service" 2>&1); then
    skip "systemd-analyze verify: it cannot verify even a trivial unit here (${probe//$'\n'/ })"
else
    sed "s|/usr/local/bin/infergate|$infergate|g" docker/systemd/infergate.service > "$work/infergate.service"
    if ! out=$(timeout 60 systemd-analyze verify "$work/infergate.service" 2>&1) || [[ -n "$out" ]]; then
        echo "$out" >&2
        fail "systemd-analyze verify docker/systemd/infergate.service"
    fi
    ok "systemd-analyze verify docker/systemd/infergate.service (ExecStart -> $infergate)"
    exposure=$(timeout 60 systemd-analyze security --offline=yes "$work/infergate.service" 2>/dev/null \
               | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' || true)
    [[ -n "$exposure" ]] && echo "     systemd-analyze security --offline=yes: exposure $exposure (0 best, 10 worst)"
fi

# --- 6. metric names in the source: each one documented ---------------------------------------
# Every family the code registers (prometheus-cpp's Build*().Name("...")) is in docs/metrics.md.
mapfile -t registered < <(grep -rhE -A3 'Build(Counter|Gauge|Histogram|Summary)\(\)' src \
                          | grep -oE 'Name\("[a-z_:][a-z0-9_:]*"\)' | sed 's/Name("\(.*\)")/\1/' | sort -u)
[[ ${#registered[@]} -gt 20 ]] || fail "found only ${#registered[@]} metric families in src/: the pattern no longer matches the code"
undocumented=()
for name in "${registered[@]}"; do
    grep -q "\`$name\`" docs/metrics.md || undocumented+=("$name")
done
[[ ${#undocumented[@]} -eq 0 ]] || fail "metric families registered in src/ but not in docs/metrics.md: ${undocumented[*]}"
ok "every metric family registered in src/ (${#registered[@]}) is documented in docs/metrics.md"

# --- 7. live: a real scrape -------------------------------------------------------------------
key=$("$infergate" gen-key check | sed -n 's/^key: *//p')
key_hash=$(printf '%s' "$key" | "$infergate" hash-key)
tight_key=$("$infergate" gen-key tight | sed -n 's/^key: *//p')
tight_hash=$(printf '%s' "$tight_key" | "$infergate" hash-key)
admin_key=$("$infergate" gen-key admin | sed -n 's/^key: *//p')
admin_hash=$(printf '%s' "$admin_key" | "$infergate" hash-key)

# Waits (at most 10 s) for a "listening on http://127.0.0.1:PORT" line in a log; prints PORT.
listening_port() {
    local log=$1 pid=$2 port
    for _ in $(seq 100); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -1)
        [[ -n "$port" ]] && { echo "$port"; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

# Both servers pick their own free port (port 0) and print it: no port can be taken meanwhile.
# Every process is bounded in time and killed by the trap.
: >"$work/mock.log"
timeout 120 "$llm_mock" --listen 127.0.0.1:0 >"$work/mock.log" 2>&1 &
mock_pid=$!
pids+=("$mock_pid")
mock_port=$(listening_port "$work/mock.log" "$mock_pid") || { cat "$work/mock.log" >&2; fail "llm-mock did not start"; }

# The config exercises what /metrics reports: an answer cache, a backend that refuses every
# connection (retries, upstream errors, ejections, fallbacks), health checks, prices, limits
# (a key allowed one request a minute), a policy, and the admin key.
cat > "$work/gateway.yaml" <<YAML
server:
  listen: "127.0.0.1:0"
  workers: 2
  cache: { max_bytes: 1MiB }
log: { level: info, access_log: { format: json, path: "$work/access.log" } }
backends:
  mock:
    url: "http://127.0.0.1:$mock_port"
    health_check: { path: /v1/models, interval: 1s, timeout: 1s }
    max_concurrency: 64
  refused:                              # port 1: nothing listens there
    url: "http://127.0.0.1:1"
    timeouts: { connect: 1s }
    outlier_detection: { consecutive_failures: 1 }
models:
  demo:
    targets: [ { backend: mock, model: mock-model } ]
    pricing: { input_per_1m: 0.15, output_per_1m: 0.6 }
    cache: { enabled: true, ttl: 1m }
    policies: { max_tokens_cap: 256 }
  flaky:                                # the refused target, retried on the mock
    strategy: weighted
    targets: [ { backend: refused, model: mock-model, weight: 1000 }, { backend: mock, model: mock-model } ]
    retry: { attempts: 2, on: [connect_error] }
  broken:                               # no target answers: the fallback does
    targets: [ { backend: refused, model: mock-model } ]
    fallbacks: [demo]
tenants:
  team_a: { limits: { requests_per_minute: 1000 } }
auth:
  keys:
    - { id: check, sha256: "$key_hash", tenant: team_a }
    - { id: tight, sha256: "$tight_hash", limits: { requests_per_minute: 1 } }
admin: { key_sha256: "$admin_hash" }
YAML
"$infergate" --check-config "$work/gateway.yaml" >/dev/null || fail "the live check's own config"
: >"$work/gateway.log"
timeout 120 "$infergate" --config "$work/gateway.yaml" >"$work/gateway.log" 2>&1 &
gw_pid=$!
pids+=("$gw_pid")
gw_port=$(listening_port "$work/gateway.log" "$gw_pid") || { cat "$work/gateway.log" >&2; fail "the gateway did not start"; }
gw="http://127.0.0.1:$gw_port"
# The scrape into a variable first: `curl | grep -q` would fail under pipefail when grep exits
# before curl has written everything.
scrape() { curl -s --max-time 5 "$gw/metrics"; }
for _ in $(seq 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$gw/readyz") == 200 ]] && break
    sleep 0.1
done

bash docker/healthcheck.sh "$gw_port" /healthz || fail "docker/healthcheck.sh $gw_port /healthz"
bash docker/healthcheck.sh "$gw_port" /readyz || fail "docker/healthcheck.sh $gw_port /readyz"
bash docker/healthcheck.sh "$mock_port" /v1/models || fail "docker/healthcheck.sh $mock_port /v1/models (llm-mock)"
! bash docker/healthcheck.sh "$gw_port" /no-such-path || fail "docker/healthcheck.sh must fail on a 404"
! bash docker/healthcheck.sh 1 /healthz || fail "docker/healthcheck.sh must fail on a closed port"
ok "docker/healthcheck.sh: 0 on /healthz, /readyz and llm-mock's /v1/models; 1 on a 404 and a closed port"

# post_as KEY PATH EXPECTED_STATUS BODY [curl options...]: one request, its status checked.
post_as() {
    local as=$1 path=$2 expected=$3 body=$4 status
    shift 4
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$gw$path" \
             -H "Authorization: Bearer $as" -H 'Content-Type: application/json' "$@" -d "$body")
    [[ "$status" == "$expected" ]] || fail "POST $path $body: status $status, expected $expected"
}
post() { post_as "$key" "$@"; }
hi='"messages":[{"role":"user","content":"hi"}]'
traffic() {
    for _ in 1 2 3; do
        post /v1/chat/completions 200 "{\"model\":\"demo\",$hi}"
        post /v1/chat/completions 200 "{\"model\":\"demo\",\"stream\":true,\"stream_options\":{\"include_usage\":true},$hi}"
    done
    post /v1/completions 200 '{"model":"demo","prompt":"hi"}'
    post /v1/embeddings 200 '{"model":"demo","input":"hi"}'
    post /v1/chat/completions 200 "{\"model\":\"flaky\",$hi}"      # retried past the refused target
    post /v1/chat/completions 200 "{\"model\":\"broken\",$hi}"     # answered by the fallback
    post /v1/chat/completions 503 "{\"model\":\"demo\",\"temperature\":0.5,$hi}" -H 'x-mock-status: 503'
    post /v1/chat/completions 404 "{\"model\":\"nope\",$hi}"
    post /v1/chat/completions 400 '{"model":"demo"}'
    post_as sk-ig-nobody-wrong /v1/chat/completions 401 "{\"model\":\"demo\",$hi}"
}
traffic
# Cached: a deterministic request twice, the second once the first is stored (bounded wait).
cached="{\"model\":\"demo\",\"temperature\":0,$hi}"
post /v1/chat/completions 200 "$cached"
for _ in $(seq 50); do
    grep -q '^infergate_cache_entries [1-9]' <<<"$(scrape)" && break
    sleep 0.1
done
[[ $(curl -s -o /dev/null -D - --max-time 10 "$gw/v1/chat/completions" -H "Authorization: Bearer $key" \
     -H 'Content-Type: application/json' -d "$cached" | tr -d '\r' | sed -n 's/^x-infergate-cache: //ip') == hit ]] \
    || fail "a repeated deterministic request was not answered from the cache"
# Over a limit: the tight key's second request in a minute.
post_as "$tight_key" /v1/chat/completions 200 "{\"model\":\"demo\",$hi}"
post_as "$tight_key" /v1/chat/completions 429 "{\"model\":\"demo\",$hi}"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$gw/admin/targets" -H "Authorization: Bearer $admin_key") == 200 ]] \
    || fail "GET /admin/targets with the admin key"

scrape > "$work/scrape.txt"
promtool check metrics < "$work/scrape.txt" || fail "promtool check metrics on a real scrape"
families=$(grep -c '^# TYPE ' "$work/scrape.txt")
ok "promtool check metrics: a real /metrics scrape after chat, streamed, completions, embeddings, retried, fallen back, upstream 503, refused, cached and over-limit requests ($families families, $(grep -c -v '^#' "$work/scrape.txt") samples)"

# Every family in the scrape has a row in docs/metrics.md's tables with its type and exactly its
# labels (`| name | type | labels | meaning |`; a label may be written `label=`values``).
$py - "$work/scrape.txt" <<'PY' || fail "docs/metrics.md against a real scrape"
import re, sys
types, labels = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"# TYPE (\S+) (\S+)", line)
    if m:
        types[m.group(1)] = m.group(2)
        continue
    if line.startswith("#") or not line.strip():
        continue
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?", line)
    name = m.group(1)
    family = name if name in types else re.sub(r"_(bucket|sum|count)$", "", name)
    labels.setdefault(family, set()).update(set(re.findall(r'([a-zA-Z_]+)="', m.group(2) or "")) - {"le"})
rows = {}
for row in open("docs/metrics.md"):
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
    if len(cells) >= 3 and re.fullmatch(r"`[a-z_:][a-z0-9_:]*`", cells[0]):
        # label cells: "model, backend, state=`idle`\|`busy`" or "`key`, `tenant`" or "scope (`key`/`tenant`)"
        text = re.sub(r"=`.*?(?=,|$)", "", re.sub(r"\([^)]*\)", "", cells[2]))
        rows[cells[0].strip("`")] = (cells[1], set(re.findall(r"[a-z_]+", text)))
problems = []
for family, kind in sorted(types.items()):
    if family not in rows:
        problems.append(f"{family}: not in docs/metrics.md")
        continue
    doc_kind, doc_labels = rows[family]
    if doc_kind != kind:
        problems.append(f"{family}: documented as a {doc_kind}, scraped as a {kind}")
    if doc_labels != labels.get(family, set()):
        problems.append(f"{family}: documented labels {sorted(doc_labels)}, scraped {sorted(labels.get(family, set()))}")
if problems:
    sys.exit("docs/metrics.md against a real scrape:\n  " + "\n  ".join(problems))
PY
without=()
for name in "${registered[@]}"; do
    grep -qE "^${name}(_bucket|_sum|_count)?(\{| )" "$work/scrape.txt" || without+=("$name")
done
ok "every family in the scrape is in docs/metrics.md with its type and labels; registered families with no series after this traffic: ${without[*]:-none}"
for name in infergate_requests_total gen_ai_server_request_duration_seconds gen_ai_server_time_to_first_token_seconds \
            gen_ai_usage_tokens_total infergate_upstream_errors_total infergate_retries_total infergate_fallbacks_total \
            infergate_cache_requests_total infergate_quota_rejections_total infergate_key_spend_usd_total \
            infergate_policy_actions_total infergate_health_checks_total; do
    [[ " ${without[*]} " != *" $name "* ]] || fail "$name has no series after traffic that should give it some"
done
ok "the scrape has series for requests, latency, TTFT, tokens, upstream errors, retries, fallbacks, cache, quota, spend, policies, health checks"

sed 's/[{ ].*//' "$work/scrape.txt" | grep -v '^#' | sort -u > "$work/scraped-names.txt"
absent=()
while read -r name; do
    [[ "$name" == up ]] && continue
    grep -qx -e "$name" -e "${name}_bucket" "$work/scraped-names.txt" || absent+=("$name")
done < "$work/dashboard-metrics.txt"
echo "     dashboard metrics absent from this scrape (no series until such an event): ${absent[*]:-none}"

# A real Prometheus scrapes the gateway; every dashboard query must evaluate without error.
if command -v prometheus >/dev/null; then
    cat > "$work/prometheus.yml" <<YAML
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: infergate
    static_configs: [ { targets: ["127.0.0.1:$gw_port"] } ]
YAML
    : >"$work/prometheus.log"
    timeout 90 prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
        --web.listen-address=127.0.0.1:0 >"$work/prometheus.log" 2>&1 &
    pids+=($!)
    prom_port=""
    for _ in $(seq 100); do
        prom_port=$(sed -n 's/.*Listening on.*address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/prometheus.log" | head -1)
        [[ -n "$prom_port" ]] && curl -s -o /dev/null "http://127.0.0.1:$prom_port/-/ready" && break
        sleep 0.1
    done
    [[ -n "$prom_port" ]] || { cat "$work/prometheus.log" >&2; fail "Prometheus did not start"; }
    prom="http://127.0.0.1:$prom_port"
    # rate() needs two scrapes with traffic between them: traffic, then wait for 3 scrapes.
    for _ in $(seq 100); do
        traffic
        scrapes=$(promtool query instant "$prom" 'count_over_time(up[1m])' 2>/dev/null | sed -n 's/.*=> \([0-9]*\).*/\1/p')
        [[ "${scrapes:-0}" -ge 3 ]] && break
        sleep 0.5
    done
    [[ "${scrapes:-0}" -ge 3 ]] || fail "Prometheus did not scrape the gateway 3 times"
    empty=0 total=0
    while IFS= read -r expr; do
        total=$((total + 1))
        result=$(promtool query instant "$prom" "$expr" 2>&1) \
            || fail "Prometheus could not evaluate: $expr: $result"
        [[ -z "$result" ]] && empty=$((empty + 1))
    done < "$work/dashboard-exprs.txt"
    ok "a real Prometheus scraped the gateway and evaluated all $total dashboard queries ($((total - empty)) with data, $empty empty: no such event in this run)"
else
    skip "no prometheus binary: dashboard queries not evaluated against real data"
fi

# SIGHUP reloads the config (the systemd unit's ExecReload sends it). The signal goes to
# `timeout`, which forwards it to the gateway. The count is compared with the one before: the
# file watch may have reloaded already (files written beside the config).
reloads() { sed -n 's/^infergate_config_reload_total{result="success"} \([0-9]*\).*/\1/p' <<<"$(scrape)"; }
before=$(reloads)
kill -HUP "$gw_pid"
for _ in $(seq 100); do
    [[ $(reloads) -gt ${before:-0} ]] && break
    sleep 0.1
done
[[ $(reloads) -gt ${before:-0} ]] || fail "SIGHUP: no successful reload counted (still ${before:-none})"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$gw/healthz") == 200 ]] || fail "SIGHUP: the gateway stopped answering"
ok "SIGHUP reloads the config and the gateway keeps serving (systemctl reload)"

echo "     took ${SECONDS}s"
echo "$passed passed, 0 failed${skipped:+, $skipped skipped}"
