#!/usr/bin/env bash
# Checks the packaging files under docker/ without Docker, Kubernetes or a running systemd:
#   1. YAML syntax of every docker/**/*.yaml|yml (PyYAML), plus structural checks of the
#      Kubernetes manifests (probe paths, ports, ConfigMap key vs mount, security context);
#   2. each gateway config (docker/infergate.compose.yaml, the ConfigMap's, config/infergate.yaml)
#      with `infergate --check-config`;
#   3. the Grafana dashboard: JSON syntax, every metric name it uses documented in
#      docs/metrics.md, every PromQL expression parsed by `promtool check rules`;
#   4. docker/prometheus.yml with `promtool check config`;
#   5. docker/systemd/infergate.service with `systemd-analyze verify` (ExecStart pointed at the
#      binary under test, since /usr/local/bin/infergate is not installed here);
#   6. live: llm-mock + the gateway on free local ports, a few chat requests (plain, streamed,
#      with a key), `promtool check metrics` on a real /metrics scrape, docker/healthcheck.sh
#      against /healthz, /readyz and the mock, and (if the prometheus binary is there) every
#      dashboard query evaluated by a real Prometheus that scraped the gateway.
# Usage: bash tools/check-packaging.sh       (INFERGATE_BIN / LLM_MOCK_BIN override the binaries,
#        default build/infergate and build/tools/llm-mock/llm-mock; build them first)
# Installs python3-yaml, prometheus (for promtool) and systemd with apt-get when missing (root).
# Exits non-zero on the first failed check; prints "N passed, 0 failed" at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
infergate=${INFERGATE_BIN:-$root/build/infergate}
llm_mock=${LLM_MOCK_BIN:-$root/build/tools/llm-mock/llm-mock}
passed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
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
    [[ $(id -u) -eq 0 ]] || fail "missing ${need[*]}: apt-get install ${need[*]} (as root)"
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
sed "s|/usr/local/bin/infergate|$infergate|g" docker/systemd/infergate.service > "$work/infergate.service"
if ! out=$(timeout 60 systemd-analyze verify "$work/infergate.service" 2>&1) || [[ -n "$out" ]]; then
    echo "$out" >&2
    fail "systemd-analyze verify docker/systemd/infergate.service"
fi
ok "systemd-analyze verify docker/systemd/infergate.service (ExecStart -> $infergate)"
exposure=$(timeout 60 systemd-analyze security --offline=yes "$work/infergate.service" 2>/dev/null \
           | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' || true)
[[ -n "$exposure" ]] && echo "     systemd-analyze security --offline=yes: exposure $exposure (0 best, 10 worst)"

# --- 6. live: a real scrape -------------------------------------------------------------------
free_port() { $py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mock_port=$(free_port)
gw_port=$(free_port)
key=$("$infergate" gen-key check | sed -n 's/^key: *//p')
key_hash=$(printf '%s' "$key" | "$infergate" hash-key)
cat > "$work/gateway.yaml" <<EOF
server: { listen: "127.0.0.1:$gw_port", workers: 2 }
log: { level: warn, access_log: { format: json, path: "$work/access.log" } }
backends:
  mock:
    url: "http://127.0.0.1:$mock_port"
    provider: openai
    health_check: { path: /v1/models, interval: 1s, timeout: 1s }
models:
  demo:
    targets: [ { backend: mock, model: mock-model } ]
    pricing: { input_per_1m: 0.15, output_per_1m: 0.6 }
tenants:
  team_a: { limits: { requests_per_minute: 1000 } }
auth:
  keys:
    - { id: check, sha256: "$key_hash", tenant: team_a, models: [demo] }
EOF
# Every process is bounded in time and killed by the trap.
timeout 120 "$llm_mock" --listen "0.0.0.0:$mock_port" >"$work/mock.log" 2>&1 &
pids+=($!)
timeout 120 "$infergate" --config "$work/gateway.yaml" >"$work/gateway.log" 2>&1 &
gw_pid=$!
pids+=("$gw_pid")
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$gw_port/healthz" && curl -s -o /dev/null "http://127.0.0.1:$mock_port/v1/models" && break
    sleep 0.1
done
bash docker/healthcheck.sh "$gw_port" /healthz || fail "docker/healthcheck.sh $gw_port /healthz"
bash docker/healthcheck.sh "$gw_port" /readyz || fail "docker/healthcheck.sh $gw_port /readyz"
bash docker/healthcheck.sh "$mock_port" /v1/models || fail "docker/healthcheck.sh $mock_port /v1/models (llm-mock on 0.0.0.0)"
! bash docker/healthcheck.sh "$gw_port" /no-such-path || fail "docker/healthcheck.sh must fail on a 404"
! bash docker/healthcheck.sh "$(free_port)" /healthz || fail "docker/healthcheck.sh must fail on a closed port"
ok "docker/healthcheck.sh: 0 on /healthz, /readyz and llm-mock's /v1/models; 1 on a 404 and a closed port"

chat() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$gw_port/v1/chat/completions" \
        -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$1"
}
traffic() {
    for _ in 1 2 3; do
        [[ $(chat '{"model":"demo","messages":[{"role":"user","content":"hi"}]}') == 200 ]] || fail "chat request"
        [[ $(chat '{"model":"demo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}') == 200 ]] \
            || fail "streamed chat request"
    done
    [[ $(chat '{"model":"nope","messages":[{"role":"user","content":"hi"}]}') == 404 ]] || fail "unknown model -> 404"
}
traffic
curl -s --max-time 5 "http://127.0.0.1:$gw_port/metrics" > "$work/scrape.txt"
promtool check metrics < "$work/scrape.txt" || fail "promtool check metrics on a real scrape"
ok "promtool check metrics: a real /metrics scrape after plain, streamed and refused requests ($(grep -c -v '^#' "$work/scrape.txt") samples)"

sed 's/[{ ].*//' "$work/scrape.txt" | grep -v '^#' | sort -u > "$work/scraped-names.txt"
absent=()
while read -r name; do
    [[ "$name" == up ]] && continue
    grep -qx -e "$name" -e "${name}_bucket" "$work/scraped-names.txt" || absent+=("$name")
done < "$work/dashboard-metrics.txt"
echo "     dashboard metrics absent from this scrape (no series until such an event): ${absent[*]:-none}"

# A real Prometheus scrapes the gateway; every dashboard query must evaluate without error.
if command -v prometheus >/dev/null; then
    prom_port=$(free_port)
    cat > "$work/prometheus.yml" <<EOF
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: infergate
    static_configs: [ { targets: ["127.0.0.1:$gw_port"] } ]
EOF
    timeout 90 prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
        --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$prom_port/-/ready" && break; sleep 0.1; done
    for _ in 1 2 3 4; do traffic; sleep 2; done
    empty=0 total=0
    while IFS= read -r expr; do
        total=$((total + 1))
        result=$(promtool query instant "http://127.0.0.1:$prom_port" "$expr" 2>&1) \
            || fail "Prometheus could not evaluate: $expr: $result"
        [[ -z "$result" ]] && empty=$((empty + 1))
    done < "$work/dashboard-exprs.txt"
    ok "a real Prometheus scraped the gateway and evaluated all $total dashboard queries ($((total - empty)) with data, $empty empty: no such event in this run)"
else
    echo "     (no prometheus binary: dashboard queries not evaluated against real data)"
fi

# What SIGHUP does to this build: informational (reload is being added; before it, SIGHUP's
# default action ends the process, which `systemctl reload` would do too). The signal goes to
# `timeout`, which forwards it to the gateway and keeps waiting if the gateway survives it.
kill -HUP "$gw_pid"
sleep 1
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$gw_port/healthz"; then
    echo "     SIGHUP: the gateway kept running (reload supported by this build)"
else
    echo "     SIGHUP: the gateway is gone (this build has no SIGHUP handler: do not use systemctl reload yet)"
fi

echo "$passed passed, 0 failed"
