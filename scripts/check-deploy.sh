#!/usr/bin/env bash
# Checks every deployment file with its own ecosystem's tool, as CI does
# (scripts/test.sh runs it after clippy):
#   nats/*.conf           nats-server -t (and the k8s/ copies are identical)
#   deploy/prometheus/    promtool check config / check rules / test rules
#   deploy/alertmanager/  amtool check-config; every alert it names exists; routes
#   deploy/grafana/       dashboard JSON parses; queries use the datasource variable
#   k8s/                  kubectl kustomize, then kubernetes-validate --strict
#                         against several Kubernetes versions (base, the
#                         ServiceMonitor components, docs/DEPLOY.md's production
#                         overlay, the site DaemonSet example)
#   docker-compose.yml    docker-compose config, alone and with each override in
#   deploy/compose/       deploy/compose/; mounted files and build targets exist;
#                         nats-cluster.conf passes nats-server -t and has hub.conf's users
# (scripts/compose-test.sh then runs the compose files for real.)
# Installs the tools first (scripts/install-deps.sh --deploy-tools). Prints each
# check; stops at the first failure with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/install-deps.sh --deploy-tools

# Kubernetes versions to validate against: the newest the validator carries
# and an older one still common in clusters.
K8S_VERSIONS=${K8S_VERSIONS:-"1.37 1.31"}
KUBECTL=${KUBECTL_BIN:-kubectl}

failed() { echo "check-deploy: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- NATS ----
for conf in nats/*.conf; do
  step "nats-server -t -c $conf"
  # The configs read passwords and URLs from the environment; give every
  # $HEALTHMON_* they reference a value, as compose and k8s do.
  vars=()
  for name in $(grep -o '\$HEALTHMON_[A-Z0-9_]*' "$conf" | tr -d '$' | sort -u); do
    vars+=("$name=check-deploy-$name")
  done
  # A URL-valued variable must parse as one.
  vars+=("HEALTHMON_HUB_LEAF_URL=nats-leaf://site-x:secret@127.0.0.1:7422")
  env "${vars[@]}" "$NATS_SERVER_BIN" -t -c "$conf" || failed "nats-server rejects $conf"
done
step "nats-server -t -c deploy/compose/nats-cluster.conf (with nats/hub.conf beside it)"
# It includes hub.conf from its own directory, as the containers mount them.
mkdir -p "$tmp/cluster"
cp nats/hub.conf deploy/compose/nats-cluster.conf "$tmp/cluster/"
vars=(HEALTHMON_NATS_NAME=check-deploy-hub-1)
for name in $(grep -o '\$HEALTHMON_[A-Z0-9_]*' nats/hub.conf | tr -d '$' | sort -u); do
  vars+=("$name=check-deploy-$name")
done
env "${vars[@]}" "$NATS_SERVER_BIN" -t -c "$tmp/cluster/nats-cluster.conf" \
  || failed "nats-server rejects deploy/compose/nats-cluster.conf"
# Users, permissions, the account and JetStream are hub.conf's alone.
if grep -qE '^\s*(accounts|jetstream)\b' deploy/compose/nats-cluster.conf; then
  failed "deploy/compose/nats-cluster.conf redefines hub.conf's accounts or jetstream block"
fi
step "k8s copies of the NATS configs are identical to nats/"
cmp nats/hub.conf k8s/nats/hub.conf || failed "k8s/nats/hub.conf differs from nats/hub.conf (copy it over)"
cmp nats/leaf.conf k8s/examples/site-daemonset/leaf.conf \
  || failed "k8s/examples/site-daemonset/leaf.conf differs from nats/leaf.conf (copy it over)"

# nats-server -t parses; this runs them. Each config on free loopback ports
# with a scratch store (dev.conf as scripts/up.sh starts it, -sd; hub.conf's
# /data replaced), then asks the server itself: JetStream on, where its store
# is, hub.conf's account with JetStream, and, logging in as each hub.conf
# user, who may publish to the fleet registry's subjects (a raw NATS
# connection in verbose mode: +OK or a permissions violation per PUB).
step "nats/dev.conf and nats/hub.conf served: JetStream, the registry's permissions"
python3 - "$NATS_SERVER_BIN" "$tmp/served" <<'PY' || failed "the NATS configs as served (above)"
import json, os, re, socket, subprocess, sys, time, urllib.request

bin_, work = sys.argv[1], sys.argv[2]
os.makedirs(work)

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def serve(name, text, args=(), env=None):
    client, monitor = free_port(), free_port()
    path = os.path.join(work, name)
    open(path, "w").write(text)
    log = open(path + ".log", "w")
    proc = subprocess.Popen([bin_, "-c", path, "-a", "127.0.0.1", "-p", str(client), "-m", str(monitor), *args],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{monitor}/healthz", timeout=1)
            return proc, client, monitor
        except Exception:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"{name} did not start:\n" + open(path + ".log").read())

def get(monitor, path):
    return json.load(urllib.request.urlopen(f"http://127.0.0.1:{monitor}{path}", timeout=3))

def jetstream_store(monitor):
    js = get(monitor, "/varz").get("jetstream", {}).get("config")
    assert js, "JetStream is off"
    return js["store_dir"]

# dev.conf, as scripts/up.sh runs it.
store = os.path.join(work, "dev-run")
proc, _, monitor = serve("dev.conf", open("nats/dev.conf").read(), ["-sd", store])
try:
    got = jetstream_store(monitor)
    assert got == os.path.join(store, "jetstream"), f"dev.conf: store in {got}"
    print(f"  nats/dev.conf (-sd $RUN_DIR, as up.sh runs it): JetStream on, store in $RUN_DIR/jetstream")
finally:
    proc.kill()

# hub.conf, with its store and listeners moved.
text = open("nats/hub.conf").read()
text, n = re.subn(r'(?m)^(\s*)store_dir: "/data"$', lambda m: f'{m.group(1)}store_dir: "{work}/hub-data"', text)
assert n == 1, 'hub.conf: no `store_dir: "/data"` line'
text = re.sub(r"(?m)^(listen|http): .*$", "", text)
text, n = re.subn(r"(?m)^(\s+)listen: 0\.0\.0\.0:7422$", lambda m: f"{m.group(1)}listen: 127.0.0.1:{free_port()}", text)
assert n == 1, "hub.conf: no leafnodes listen line"
users = dict(re.findall(r"(?m)^\s*\{user: ([a-z0-9-]+), password: \$([A-Z0-9_]+)", text))
users.update(re.findall(r"(?m)^\s*user: ([a-z0-9-]+)\n\s*password: \$([A-Z0-9_]+)", text))
env = {var: f"pw-{user}" for user, var in users.items()}
proc, client, monitor = serve("hub.conf", text, env=env)
try:
    got = jetstream_store(monitor)
    assert got == f"{work}/hub-data/jetstream", f"hub.conf: store in {got}"
    acc = get(monitor, "/accountz?acc=HEALTHMON")["account_detail"]
    assert acc.get("jetstream_enabled"), "hub.conf: JetStream is not enabled in account HEALTHMON"
    print("  nats/hub.conf: JetStream on, store in /data/jetstream, enabled in account HEALTHMON")

    def pub(user, subject):
        s = socket.create_connection(("127.0.0.1", client), timeout=3)
        f = s.makefile("rb")
        f.readline()  # INFO
        login = {"verbose": True, "user": user, "pass": f"pw-{user}"}
        s.sendall(b"CONNECT " + json.dumps(login).encode() + b"\r\n")
        answer = f.readline().decode().strip()
        assert answer == "+OK", f"{user} cannot log in: {answer}"
        s.sendall(f"PUB {subject} 1\r\nx\r\n".encode())
        answer = f.readline().decode().strip()
        s.close()
        if answer == "+OK":
            return True
        assert "Permissions Violation" in answer, f"{user} PUB {subject}: {answer}"
        return False

    b = "healthmon_sites"
    # Per user: open and watch the registry; write a site's record (site.<id>);
    # write the rest (maintenance windows, acks); delete the whole bucket.
    want = {
        "aggregator":  (True,  True,  False, False),
        "assessor":    (True,  False, False, False),
        "dashboard":   (True,  True,  True,  False),
        "fleet-admin": (True,  True,  True,  False),
        "ops":         (False, False, False, False),
        "sim":         (False, False, False, False),
        # The assessor's system-account login: hears disconnect advisories, publishes nothing.
        "advisories":  (False, False, False, False),
    }
    missing = set(want) - set(users)
    assert not missing, f"hub.conf lacks the users {sorted(missing)}"
    for user in users:
        if user.startswith("site-"):
            want[user] = (False, False, False, False)
    unknown = set(users) - set(want)
    assert not unknown, f"hub.conf users this check does not know: {sorted(unknown)}"
    for user, expected in sorted(want.items()):
        got = (
            pub(user, f"$JS.API.STREAM.INFO.KV_{b}") and pub(user, f"$JS.API.CONSUMER.CREATE.KV_{b}"),
            pub(user, f"$KV.{b}.site.check-deploy"),
            pub(user, f"$KV.{b}.maintenance.check-deploy") and pub(user, f"$KV.{b}.ack.check-deploy"),
            pub(user, f"$JS.API.STREAM.DELETE.KV_{b}"),
        )
        assert got == expected, f"{user}: read, write site, write maintenance/ack, delete = {got}, want {expected}"
        what = ("read/watch", "write site.<id>", "write maintenance/ack", "delete bucket")
        print(f"  {user:>20}: " + ", ".join(f"{w} {'yes' if g else 'no'}" for w, g in zip(what, got)))
finally:
    proc.kill()
PY

# ---------------------------------------------------------- Prometheus ----
step "promtool check config deploy/prometheus/prometheus.yml"
promtool check config deploy/prometheus/prometheus.yml || failed "promtool check config"
step "promtool check rules deploy/prometheus/rules/*.yml"
promtool check rules deploy/prometheus/rules/*.yml || failed "promtool check rules"
for t in deploy/prometheus/tests/*.yml; do
  step "promtool test rules $t"
  promtool test rules "$t" || failed "promtool test rules $t"
done

# -------------------------------------------------------- Alertmanager ----
am=deploy/alertmanager/alertmanager.yml
step "amtool check-config $am"
amtool check-config "$am" >/dev/null || failed "amtool check-config $am"
step "$am: every alert it names is an example alert; routes"
alerts=$(grep -o 'alert: Healthmon[A-Za-z]*' deploy/prometheus/rules/healthmon-alerts.yml | cut -d' ' -f2 | sort -u)
for name in $(grep -o 'Healthmon[A-Za-z]*' "$am" | sort -u); do
  grep -qx "$name" <<<"$alerts" || failed "$am names $name, which deploy/prometheus/rules/healthmon-alerts.yml does not define"
done
route() { # receiver label=value...
  local want=$1; shift
  amtool config routes test --config.file="$am" --verify.receivers="$want" "$@" >/dev/null 2>&1 \
    || failed "$am: $* does not route to $want"
}
for name in $alerts; do
  if grep -A12 "alert: $name\$" deploy/prometheus/rules/healthmon-alerts.yml | grep -q 'labels.site'; then
    route operators alertname="$name" site=plant-7   # a site's alert
  else
    route platform alertname="$name"                 # the centre's own
  fi
done
echo "  $(wc -w <<<"$alerts") example alerts routed (site alerts to operators, the centre's to platform); 2 inhibit rules"

# ------------------------------------------------------------- Grafana ----
for dash in deploy/grafana/*.json; do
  step "grafana dashboard $dash"
  python3 - "$dash" <<'PY' || failed "$dash"
import json, sys
path = sys.argv[1]
d = json.load(open(path))
assert d.get("uid") and d.get("title"), "dashboard needs a uid and a title"
names = {v["name"] for v in d["templating"]["list"]}
assert "datasource" in names, "no datasource variable"
ids, exprs = set(), 0
for p in d["panels"]:
    assert p["id"] not in ids, f"duplicate panel id {p['id']}"
    ids.add(p["id"])
    if p["type"] == "row":
        continue
    assert p["datasource"]["uid"] == "${datasource}", f"panel {p['title']!r}: fixed datasource"
    for t in p["targets"]:
        assert t["expr"].strip(), f"panel {p['title']!r}: empty query"
        exprs += 1
print(f"  {len(ids)} panels, {exprs} queries")
PY
done

# ---------------------------------------------------------- Kubernetes ----
validate() { # file
  local v
  for v in $K8S_VERSIONS; do
    python3 -m kubernetes_validate --strict --quiet -k "$v" "$1" \
      || failed "kubernetes-validate (Kubernetes $v) rejects $1"
  done
}
step "kubectl kustomize k8s/ | kubernetes-validate --strict (Kubernetes $K8S_VERSIONS)"
"$KUBECTL" kustomize k8s/ >"$tmp/base.yaml" || failed "kubectl kustomize k8s/"
validate "$tmp/base.yaml"
echo "  $(grep -c '^kind:' "$tmp/base.yaml") objects"

# What the schema cannot say: the hub's JetStream store is on a volume claim
# at hub.conf's store_dir, the roster Job runs `healthmon fleet apply` on the
# roster's ConfigMap as fleet-admin, and every password hub.conf reads is in
# the Secret the hub takes its environment from.
step "k8s base: JetStream store volume, the fleet-roster Job and ConfigMap, the hub's passwords"
cmp deploy/roster.toml k8s/fleet/roster.toml \
  || failed "k8s/fleet/roster.toml differs from deploy/roster.toml (copy it over)"
python3 - "$tmp/base.yaml" <<'PY' || failed "the k8s base (above)"
import re, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
def one(kind, name):
    hits = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].startswith(name)]
    assert len(hits) == 1, f"{len(hits)} {kind} named {name}*"
    return hits[0]
hub = open("nats/hub.conf").read()

nats = one("StatefulSet", "nats")
pod = nats["spec"]["template"]["spec"]
claims = {c["metadata"]["name"]: c for c in nats["spec"].get("volumeClaimTemplates", [])}
mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
store = re.search(r'(?m)^\s*store_dir: "([^"]+)"', hub).group(1)
assert mounts.get(store) in claims, f"nats: nothing from a volume claim mounted at hub.conf's store_dir {store} ({mounts})"
size = claims[mounts[store]]["spec"]["resources"]["requests"]["storage"]
assert pod["securityContext"].get("fsGroup") == pod["securityContext"]["runAsUser"], "nats: the store volume needs fsGroup = runAsUser to be writable"
print(f"  nats: JetStream store {store} on volume claim {mounts[store]!r} ({size}), fsGroup {pod['securityContext']['fsGroup']}")

secret = one("Secret", "nats-users")
wanted = set(re.findall(r"\$(HEALTHMON_[A-Z0-9_]+_PASSWORD)", hub))
assert wanted <= set(secret["data"]), f"Secret nats-users lacks {sorted(wanted - set(secret['data']))}"
print(f"  Secret nats-users: all {len(wanted)} passwords hub.conf reads")

job = one("Job", "fleet-roster")
spec = job["spec"]["template"]["spec"]
c = spec["containers"][0]
assert c["image"].startswith("healthmon/cli:"), c["image"]
assert c["args"][:2] == ["fleet", "apply"], c["args"]
env = {e["name"]: e for e in c.get("env", [])}
assert env["NATS_USER"]["value"] == "fleet-admin", env["NATS_USER"]
key = env["NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]
assert key["name"] == secret["metadata"]["name"] and key["key"] in secret["data"], key
assert spec["restartPolicy"] == "OnFailure" and job["spec"].get("ttlSecondsAfterFinished") is not None
volumes = {v["name"]: v for v in spec["volumes"]}
roster_path = c["args"][2]
mount = next(m for m in c["volumeMounts"] if roster_path.startswith(m["mountPath"] + "/"))
cm_name = volumes[mount["name"]]["configMap"]["name"]
cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == cm_name)
file = roster_path[len(mount["mountPath"]) + 1:]
assert cm["data"].get(file) == open("deploy/roster.toml").read(), f"ConfigMap {cm_name}: {file} is not deploy/roster.toml"
print(f"  Job fleet-roster: healthmon {' '.join(c['args'])} as fleet-admin, {file} from ConfigMap {cm_name}")
PY

# The validator has no schema for the operator's CRD: check that every
# ServiceMonitor selects exactly one Service by label and names its port, and
# that nothing of the simulator is left when it is not wanted.
check_monitors() { # rendered.yaml, ServiceMonitors expected, simulator wanted (yes/no)
  python3 - "$@" <<'PY' || failed "ServiceMonitors do not match the Services in $1"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
want, simulator = int(sys.argv[2]), sys.argv[3] == "yes"
services = [d for d in docs if d["kind"] == "Service"]
monitors = [d for d in docs if d["kind"] == "ServiceMonitor"]
assert len(monitors) == want, f"{len(monitors)} ServiceMonitors rendered, expected {want}"
for m in monitors:
    sel = m["spec"]["selector"]["matchLabels"]
    hits = [s for s in services
            if all(s["metadata"].get("labels", {}).get(k) == v for k, v in sel.items())
            and s["metadata"]["namespace"] == m["metadata"]["namespace"]]
    assert len(hits) == 1, f"ServiceMonitor {m['metadata']['name']} selects {len(hits)} services"
    ports = {p["name"] for p in hits[0]["spec"]["ports"]}
    for e in m["spec"]["endpoints"]:
        assert e["port"] in ports, f"ServiceMonitor {m['metadata']['name']}: no port {e['port']!r}"
left = [f"{d['kind']}/{d['metadata']['name']}" for d in docs if "simulator" in d["metadata"]["name"]]
assert simulator or not left, f"the simulator was dropped but {left} remain"
print(f"  {len(monitors)} ServiceMonitors match their Services")
PY
}

step "k8s/components/servicemonitor{,-simulator} on the base"
overlay="$tmp/servicemonitor"
mkdir -p "$overlay"
rel=$(python3 -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$PWD/k8s" "$overlay")
cat >"$overlay/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$rel]
components: [$rel/components/servicemonitor, $rel/components/servicemonitor-simulator]
EOF
"$KUBECTL" kustomize "$overlay" >"$tmp/servicemonitor.yaml" || failed "kustomize with the servicemonitor components"
check_monitors "$tmp/servicemonitor.yaml" 4 yes

# docs/DEPLOY.md's production overlay, exactly as written there (its yaml
# block, beside a copy of k8s/): no simulator, and with it no ServiceMonitor
# left selecting nothing.
step "the production overlay of docs/DEPLOY.md"
mkdir -p "$tmp/prod/overlays/prod"
cp -r k8s "$tmp/prod/k8s"
awk '/^# overlays\/prod\/kustomization.yaml/ {on = 1} on && /^```/ {exit} on' docs/DEPLOY.md \
  >"$tmp/prod/overlays/prod/kustomization.yaml"
grep -q '^resources:' "$tmp/prod/overlays/prod/kustomization.yaml" \
  || failed "no overlays/prod/kustomization.yaml block found in docs/DEPLOY.md"
cp k8s/secrets/nats-users.env k8s/secrets/api-tokens k8s/fleet/roster.toml "$tmp/prod/overlays/prod/"
"$KUBECTL" kustomize "$tmp/prod/overlays/prod" >"$tmp/prod.yaml" || failed "kustomize the DEPLOY.md production overlay"
# The validator has no schema for the operator's CRD: validate the rest.
python3 - "$tmp/prod.yaml" >"$tmp/prod-core.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] != "ServiceMonitor"]
yaml.safe_dump_all(docs, sys.stdout)
PY
validate "$tmp/prod-core.yaml"
check_monitors "$tmp/prod.yaml" 3 no

step "kubectl kustomize k8s/examples/site-daemonset | kubernetes-validate --strict"
"$KUBECTL" kustomize k8s/examples/site-daemonset >"$tmp/site.yaml" || failed "kustomize site-daemonset"
validate "$tmp/site.yaml"

# -------------------------------------------------------------- Compose ----
step "docker-compose config (docker-compose.yml)"
docker-compose -f docker-compose.yml --profile grafana config -q || failed "docker-compose config"
# The overrides, each as documented on top of docker-compose.yml (the
# variables their headers name, pointing at scratch directories).
mkdir -p "$tmp/prebuilt" "$tmp/rules"
for combo in \
  "deploy/compose/no-registry.yml" \
  "deploy/compose/prebuilt.yml" \
  "deploy/compose/test.yml" \
  "deploy/compose/cluster.yml" \
  "deploy/compose/cluster.yml deploy/compose/no-registry.yml deploy/compose/cluster-no-registry.yml deploy/compose/prebuilt.yml deploy/compose/test.yml"; do
  step "docker-compose config (docker-compose.yml + $combo)"
  args=(-f docker-compose.yml)
  for f in $combo; do args+=(-f "$f"); done
  HEALTHMON_PREBUILT_DIR=$tmp/prebuilt HEALTHMON_TEST_RULES_DIR=$tmp/rules \
    docker-compose "${args[@]}" config -q || failed "docker-compose config with $combo"
done
# `config` does not look at the files a service mounts or the Dockerfile
# targets it builds: check them here.
for file in docker-compose.yml deploy/compose/*.yml; do
  for src in $(grep -oE '^\s+- \./[^:]+' "$file" | sed 's/^ *- //'); do
    [ -e "$src" ] || failed "$file mounts $src, which does not exist"
  done
  for target in $(grep -oE 'target: [A-Za-z0-9_-]+' "$file" | awk '{print $2}' | sort -u); do
    grep -qiE "^FROM .+ AS $target\$" Dockerfile || failed "$file builds target $target, not in Dockerfile"
  done
done
# The stand-in images' Dockerfiles (scripts/local-images.sh) name the base
# the Dockerfile uses, the one local-images.sh builds.
for f in deploy/compose/images/*.Dockerfile; do
  grep -qx 'FROM debian:bookworm-slim' "$f" || failed "$f is not built on debian:bookworm-slim"
done

# As compose resolves them: every NATS node keeps hub.conf's JetStream store
# on a named volume and has every password hub.conf reads; the fleet-roster
# job applies deploy/roster.toml once as fleet-admin; in the cluster every
# service that opens the registry creates it with 3 replicas.
step "compose: JetStream store volumes, the hub's passwords, the fleet-roster job, R3 in the cluster"
docker-compose -f docker-compose.yml config >"$tmp/compose.yaml" || failed "docker-compose config"
docker-compose -f docker-compose.yml -f deploy/compose/cluster.yml config >"$tmp/compose-cluster.yaml" \
  || failed "docker-compose config (cluster)"
python3 - "$tmp/compose.yaml" "$tmp/compose-cluster.yaml" <<'PY' || failed "the compose files (above)"
import re, sys, tomllib, yaml
hub = open("nats/hub.conf").read()
store = re.search(r'(?m)^\s*store_dir: "([^"]+)"', hub).group(1)
passwords = set(re.findall(r"\$(HEALTHMON_[A-Z0-9_]+_PASSWORD)", hub))

def volume_at(svc, target):
    for v in svc.get("volumes", []):
        if isinstance(v, str):
            src, _, rest = v.partition(":")
            v = {"source": src, "target": rest.split(":")[0], "type": "volume" if not src.startswith(("/", ".")) else "bind"}
        if v["target"] == target:
            return v
    return None

for path, nodes in ((sys.argv[1], ["nats"]), (sys.argv[2], ["nats", "nats-2", "nats-3"])):
    c = yaml.safe_load(open(path))
    services = c["services"]
    for name in nodes:
        svc = services[name]
        v = volume_at(svc, store)
        assert v and v["type"] == "volume", f"{name}: no named volume at hub.conf's store_dir {store}"
        missing = passwords - set(svc.get("environment", {}))
        assert not missing, f"{name}: no {sorted(missing)} in its environment"
    roster = services["fleet-roster"]
    assert roster["image"].startswith("healthmon/cli:"), roster["image"]
    assert roster["build"]["target"] == "cli", roster["build"]
    cmd = roster["command"]
    cmd = cmd.split() if isinstance(cmd, str) else cmd
    assert cmd[:2] == ["fleet", "apply"], cmd
    v = volume_at(roster, cmd[2])
    assert v and v["type"] == "bind" and v["source"].endswith("/deploy/roster.toml"), f"fleet-roster: {cmd[2]} is not deploy/roster.toml ({v})"
    assert roster["environment"]["NATS_USER"] == "fleet-admin", roster["environment"]
    assert roster["restart"].startswith("on-failure"), f"fleet-roster restarts {roster['restart']!r}: a one-shot job"
    assert roster["depends_on"]["nats"]["condition"] == "service_healthy", roster["depends_on"]
    for name in nodes[1:]:
        assert roster["depends_on"][name]["condition"] == "service_healthy", f"fleet-roster does not wait for {name}"
    if len(nodes) > 1:
        for name in ("aggregator", "assessor", "dashboard-api", "fleet-roster"):
            got = services[name]["environment"].get("REGISTRY_REPLICAS")
            assert str(got) == "3", f"cluster: {name} has REGISTRY_REPLICAS={got}, want 3"
    print(f"  {'cluster' if len(nodes) > 1 else 'demo'}: JetStream store on a named volume at {store} on {', '.join(nodes)}; "
          f"fleet-roster: healthmon {' '.join(cmd)} as fleet-admin, restart {roster['restart']}"
          + ("; REGISTRY_REPLICAS=3 on aggregator, assessor, dashboard-api, fleet-roster" if len(nodes) > 1 else ""))

# The roster itself: TOML, one [[site]] per id (`healthmon fleet apply`
# checks the rest; the compose test applies it for real).
roster = tomllib.load(open("deploy/roster.toml", "rb"))
ids = [s["id"] for s in roster["site"]]
dup = {i for i in ids if ids.count(i) > 1}
assert not dup, f"deploy/roster.toml names {sorted(dup)} twice"
print(f"  deploy/roster.toml: {len(ids)} sites")
PY

echo "check-deploy: all deployment files pass"
