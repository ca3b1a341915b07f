#!/usr/bin/env bash
# Runs the whole system locally and supervises it: nats-server, aggregator,
# assessor, dashboard API and a collector simulating a fleet. A service that
# exits is reported and the others keep running; Ctrl-C (or SIGTERM) stops
# everything, services first and NATS last.
#
#   scripts/up.sh                  build, start everything, supervise (foreground)
#   scripts/up.sh status           what runs, with pids
#   scripts/up.sh stop NAME        stop one service, e.g. the collector: its sites
#                                  turn late, then offline after 3 intervals
#   scripts/up.sh start NAME       start it again: the sites come back online
#   scripts/up.sh restart NAME     stop and start one, e.g. the aggregator: it asks
#                                  every collector to report, so the fleet is back at once
#     NAME: nats, aggregator, assessor, dashboard-api, collector
#   (stop/start/restart/status talk to the running up.sh through $RUN_DIR)
#
# Settings (environment):
#   SIM_SITES=50                  simulated sites
#   SIM_INTERVAL=5s               their report interval (offline after 3 missed: 15 s)
#   SIM_FAULT_RATE=0.02           how often simulated sites misbehave (0 = never)
#   ROSTER=deploy/roster.toml     applied to the fleet registry at start (healthmon fleet
#                                 apply): labels for sim-00001..50 and two sites that never
#                                 report; empty = none (every site then registers itself)
#   PROFILE=dev                   cargo profile to build (dev or release)
#   RUN_DIR=.run                  logs, pids and requests of this demo (one per demo), and
#                                 its NATS JetStream store: the fleet registry, kept across
#                                 runs (rm -rf $RUN_DIR/jetstream to start from an empty one)
#   UP_BIN_DIR=                   run the binaries in this directory instead of building
# Ports (all on 127.0.0.1; move them all to run a second demo beside the first):
#   HTTP_PORT=8080                dashboard API, web page and its /metrics
#   NATS_PORT=4222                NATS clients
#   NATS_MONITOR_PORT=8222        NATS monitoring
#   AGGREGATOR_METRICS_PORT=9101  aggregator /metrics
#   ASSESSOR_METRICS_PORT=9102    assessor /metrics
#   COLLECTOR_METRICS_PORT=9103   collector /metrics
set -euo pipefail
cd "$(dirname "$0")/.."

SIM_SITES=${SIM_SITES:-50}
SIM_INTERVAL=${SIM_INTERVAL:-5s}
SIM_FAULT_RATE=${SIM_FAULT_RATE:-0.02}
ROSTER=${ROSTER-deploy/roster.toml}
PROFILE=${PROFILE:-dev}
HTTP_PORT=${HTTP_PORT:-8080}
NATS_PORT=${NATS_PORT:-4222}
NATS_MONITOR_PORT=${NATS_MONITOR_PORT:-8222}
AGGREGATOR_METRICS_PORT=${AGGREGATOR_METRICS_PORT:-9101}
ASSESSOR_METRICS_PORT=${ASSESSOR_METRICS_PORT:-9102}
COLLECTOR_METRICS_PORT=${COLLECTOR_METRICS_PORT:-9103}

run=${RUN_DIR:-.run}
# How to reach this demo from another terminal.
ctl=scripts/up.sh
[ "$run" = .run ] || ctl="RUN_DIR=$run scripts/up.sh"
logs=$run/logs
pid_dir=$run/pids
control=$run/control
# In start order; stopped in reverse.
names=(nats aggregator assessor dashboard-api collector)

usage() {
  sed -n '/^#   scripts\/up.sh  /,/^#   (stop/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

known() {
  local n
  for n in "${names[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}

supervisor_pid() {
  local p
  p=$(cat "$run/up.pid" 2>/dev/null) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}

# ---- the commands that talk to a running up.sh ---------------------------------

# Hands "<action> <name>" to the supervisor and prints its answer.
request() {
  local action=$1 name=$2
  known "$name" || { echo "up.sh: unknown service '$name' (one of: ${names[*]})" >&2; exit 2; }
  supervisor_pid >/dev/null || { echo "up.sh: no demo runs with RUN_DIR=$run (start one: scripts/up.sh)" >&2; exit 1; }
  local id
  id=$(date +%s%N).$$
  printf '%s %s\n' "$action" "$name" >"$control/.$id"
  mv "$control/.$id" "$control/$id.req"
  for _ in $(seq 300); do
    if [ -f "$control/$id.done" ]; then
      local rc
      { read -r rc; cat; } <"$control/$id.done"
      rm -f "$control/$id.done"
      exit "$rc"
    fi
    sleep 0.1
  done
  rm -f "$control/$id.req"
  echo "up.sh: the running up.sh did not answer within 30 s" >&2
  exit 1
}

status() {
  local sup n p
  sup=$(supervisor_pid) || { echo "no demo runs with RUN_DIR=$run"; exit 1; }
  echo "up.sh supervisor: pid $sup"
  for n in "${names[@]}"; do
    p=$(cat "$pid_dir/$n" 2>/dev/null || true)
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      printf '  %-14s running  pid %-8s %s\n' "$n" "$p" "$logs/$n.log"
    else
      printf '  %-14s stopped  %-12s %s\n' "$n" "" "$logs/$n.log"
    fi
  done
}

case "${1:-}" in
  "") ;;
  status) status; exit 0 ;;
  stop|start|restart) [ $# -eq 2 ] || usage; request "$1" "$2" ;;
  *) usage ;;
esac

# ---- the supervisor ------------------------------------------------------------

if p=$(supervisor_pid); then
  echo "up.sh: a demo already runs with RUN_DIR=$run (pid $p); use $ctl stop|start|restart NAME, or Ctrl-C it" >&2
  exit 1
fi

. scripts/install-deps.sh

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$NATS_PORT" "$NATS_MONITOR_PORT" "$HTTP_PORT" \
  "$AGGREGATOR_METRICS_PORT" "$ASSESSOR_METRICS_PORT" "$COLLECTOR_METRICS_PORT"; do
  if port_busy "$p"; then
    echo "up.sh: port $p is already in use (another demo? move the ports: see the header of $0)" >&2
    exit 1
  fi
done

if [ -n "${UP_BIN_DIR:-}" ]; then
  bin_dir=$UP_BIN_DIR
else
  echo "== building ($PROFILE)"
  # Only what the demo runs (and the CLI the README uses), not the bench or soak.
  cargo build --profile "$PROFILE" --bins -p healthmon-aggregator -p healthmon-assessor \
    -p healthmon-dashboard-api -p healthmon-collector -p healthmon-cli
  bin_dir=target/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
fi

mkdir -p "$logs" "$pid_dir" "$control"
run_abs=$(cd "$run" && pwd)
rm -f "$pid_dir"/* "$control"/*
for n in "${names[@]}"; do : >"$logs/$n.log"; done
echo $$ >"$run/up.pid"
export NATS_URL="nats://127.0.0.1:$NATS_PORT"

declare -A pid=()

# Starts one service in the background, its output appended to its log.
launch() {
  local name=$1
  local -a cmd
  case $name in
    # JetStream (the fleet registry) keeps its store in $run/jetstream.
    nats) cmd=("$NATS_SERVER_BIN" -c nats/dev.conf -p "$NATS_PORT" -m "$NATS_MONITOR_PORT" -sd "$run_abs") ;;
    aggregator) cmd=("$bin_dir/healthmon-aggregator" --metrics-addr "127.0.0.1:$AGGREGATOR_METRICS_PORT") ;;
    assessor) cmd=("$bin_dir/healthmon-assessor" --metrics-addr "127.0.0.1:$ASSESSOR_METRICS_PORT") ;;
    # The local demo runs without API authentication (loopback only; the API
    # logs a WARN line saying so). Anywhere else: --auth-tokens, docs/SECURITY.md.
    dashboard-api) cmd=("$bin_dir/healthmon-dashboard-api" --http-addr "127.0.0.1:$HTTP_PORT" --insecure-no-auth) ;;
    collector) cmd=("$bin_dir/healthmon-collector" --simulate "$SIM_SITES" --interval "$SIM_INTERVAL"
      --fault-rate "$SIM_FAULT_RATE" --metrics-addr "127.0.0.1:$COLLECTOR_METRICS_PORT") ;;
  esac
  echo "== $(date '+%F %T') up.sh starts $name" >>"$logs/$name.log"
  # A session of its own: Ctrl-C reaches up.sh alone, which then stops the
  # services in order (they drain to NATS before NATS goes).
  setsid "${cmd[@]}" >>"$logs/$name.log" 2>&1 &
  pid[$name]=$!
  echo "${pid[$name]}" >"$pid_dir/$name"
}

# Stops one service as its deployment would (SIGTERM, then SIGKILL after 10 s).
halt() {
  local name=$1 p=${pid[$1]:-}
  [ -n "$p" ] || return 0
  pid[$name]=
  rm -f "$pid_dir/$name"
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$p" 2>/dev/null; then
    echo "up.sh: $name did not stop within 10 s; killing it" >&2
    kill -KILL "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
}

running() { [ -n "${pid[$1]:-}" ]; }

# Carries out one request; sets `answer` and returns its exit code.
act() {
  local action=$1 name=$2
  case $action in
    stop)
      running "$name" || { answer="$name is not running"; return 1; }
      halt "$name"; answer="stopped $name" ;;
    start)
      running "$name" && { answer="$name already runs (pid ${pid[$name]})"; return 1; }
      launch "$name"; answer="started $name (pid ${pid[$name]})" ;;
    restart)
      halt "$name"; launch "$name"; answer="restarted $name (pid ${pid[$name]})" ;;
    *) answer="unknown action $action"; return 1 ;;
  esac
}

serve_requests() {
  local req action name rc
  for req in "$control"/*.req; do
    [ -e "$req" ] || continue
    read -r action name <"$req" || true
    rc=0
    act "$action" "$name" || rc=$?
    echo "up.sh: $answer"
    printf '%s\n%s\n' "$rc" "$answer" >"${req%.req}.tmp"
    mv "${req%.req}.tmp" "${req%.req}.done"
    rm -f "$req"
  done
}

# Reports a service that exited without being asked to; the others keep running.
watch_children() {
  local name p rc
  for name in "${names[@]}"; do
    p=${pid[$name]:-}
    [ -n "$p" ] || continue
    kill -0 "$p" 2>/dev/null && continue
    rc=0
    wait "$p" 2>/dev/null || rc=$?
    pid[$name]=
    rm -f "$pid_dir/$name"
    echo "up.sh: $name exited (status $rc); the others keep running." \
      "Its log: $logs/$name.log. Start it again: $ctl start $name" >&2
  done
}

stopped=
cleanup() {
  [ -n "$stopped" ] && return
  stopped=1
  trap - INT TERM EXIT
  echo
  echo "== stopping"
  local i
  for ((i=${#names[@]}-1; i>=0; i--)); do halt "${names[i]}"; done
  rm -f "$run/up.pid" "$control"/*
}
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT

launch nats
for _ in $(seq 100); do port_busy "$NATS_PORT" && break; sleep 0.1; done
launch aggregator
launch assessor
launch dashboard-api
launch collector
for _ in $(seq 100); do port_busy "$HTTP_PORT" && break; sleep 0.1; done

# The demo's roster, as the compose demo's fleet-roster job applies it; retried
# while JetStream starts. Applying it again changes nothing.
roster_note="no roster (ROSTER is empty): every site registers itself"
if [ -n "$ROSTER" ]; then
  roster_note="roster $ROSTER not applied: see $logs/roster.log"
  for _ in $(seq 20); do
    if "$bin_dir/healthmon" fleet apply "$ROSTER" >"$logs/roster.log" 2>&1; then
      roster_note="roster $ROSTER applied: $(tail -1 "$logs/roster.log")"
      break
    fi
    sleep 0.5
  done
fi

cat <<MSG

healthmon is running ($SIM_SITES simulated sites reporting every $SIM_INTERVAL).
Fleet registry: $roster_note

  Dashboard   http://127.0.0.1:$HTTP_PORT/
  API         http://127.0.0.1:$HTTP_PORT/api/v1/summary
  NATS        $NATS_URL   (monitoring http://127.0.0.1:$NATS_MONITOR_PORT/)
  Metrics     aggregator :$AGGREGATOR_METRICS_PORT  assessor :$ASSESSOR_METRICS_PORT  collector :$COLLECTOR_METRICS_PORT  dashboard :$HTTP_PORT/metrics
  Logs        $logs/

Try, in another terminal:
  $ctl stop collector       every site goes late, then offline within 3 intervals
  $ctl start collector      ... and back online
  $ctl restart aggregator   the fleet is back on the page at once
  $ctl status
  $bin_dir/healthmon --nats-url $NATS_URL summary --by region
  curl -s http://127.0.0.1:$HTTP_PORT/api/v1/summary
  $bin_dir/healthmon --nats-url $NATS_URL sites --connectivity offline,late

Ctrl-C stops everything.
MSG

while true; do
  serve_requests
  watch_children
  sleep 0.2
done
