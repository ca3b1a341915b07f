#!/usr/bin/env bash
# Checks every deployment file with its own ecosystem's tool, as CI does
# (scripts/test.sh runs it after clippy):
#   nats/*.conf           nats-server -t (and the k8s/ copies are identical)
#   deploy/prometheus/    promtool check config / check rules / test rules
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
users_of() { sed 's/#.*//' "$1" | grep -oE 'user: *[A-Za-z0-9_-]+' | awk '{print $2}' | sort | tr '\n' ' '; }
[ "$(users_of nats/hub.conf)" = "$(users_of deploy/compose/nats-cluster.conf)" ] \
  || failed "deploy/compose/nats-cluster.conf users ($(users_of deploy/compose/nats-cluster.conf)) differ from nats/hub.conf's ($(users_of nats/hub.conf))"
echo "  users: $(users_of nats/hub.conf)"
step "k8s copies of the NATS configs are identical to nats/"
cmp nats/hub.conf k8s/nats/hub.conf || failed "k8s/nats/hub.conf differs from nats/hub.conf (copy it over)"
cmp nats/leaf.conf k8s/examples/site-daemonset/leaf.conf \
  || failed "k8s/examples/site-daemonset/leaf.conf differs from nats/leaf.conf (copy it over)"

# ---------------------------------------------------------- Prometheus ----
step "promtool check config deploy/prometheus/prometheus.yml"
promtool check config deploy/prometheus/prometheus.yml || failed "promtool check config"
step "promtool check rules deploy/prometheus/rules/*.yml"
promtool check rules deploy/prometheus/rules/*.yml || failed "promtool check rules"
for t in deploy/prometheus/tests/*.yml; do
  step "promtool test rules $t"
  promtool test rules "$t" || failed "promtool test rules $t"
done

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
cp k8s/secrets/nats-users.env k8s/secrets/api-tokens "$tmp/prod/overlays/prod/"
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

echo "check-deploy: all deployment files pass"
