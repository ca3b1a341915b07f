#!/usr/bin/env bash
# Runs the whole system locally: nats-server, aggregator, assessor, dashboard
# API and a collector simulating a fleet. Ctrl-C stops everything.
#
# Settings (environment):
#   SIM_SITES=50        simulated sites
#   SIM_INTERVAL=5s     their report interval (offline after 3 missed: 15 s)
#   SIM_FAULT_RATE=0.02 how often simulated sites misbehave (0 = never)
#   HTTP_PORT=8080      dashboard port;  NATS_PORT=4222, NATS_MONITOR_PORT=8222
#   PROFILE=dev         cargo profile to build (dev or release)
set -euo pipefail
cd "$(dirname "$0")/.."

SIM_SITES=${SIM_SITES:-50}
SIM_INTERVAL=${SIM_INTERVAL:-5s}
SIM_FAULT_RATE=${SIM_FAULT_RATE:-0.02}
HTTP_PORT=${HTTP_PORT:-8080}
NATS_PORT=${NATS_PORT:-4222}
NATS_MONITOR_PORT=${NATS_MONITOR_PORT:-8222}
PROFILE=${PROFILE:-dev}

. scripts/install-deps.sh

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$NATS_PORT" "$NATS_MONITOR_PORT" "$HTTP_PORT" 9101 9102 9103; do
  if port_busy "$p"; then
    echo "up.sh: port $p is already in use (another healthmon still running?)" >&2
    exit 1
  fi
done

echo "== building ($PROFILE)"
cargo build --profile "$PROFILE" --bins
bin_dir=target/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")

logs=.run/logs
mkdir -p "$logs"
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "== stopping"
  # Services first (they drain to NATS), the broker last.
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT

start() {
  local name=$1; shift
  "$@" >"$logs/$name.log" 2>&1 &
  pids+=($!)
}

export NATS_URL="nats://127.0.0.1:$NATS_PORT"
start nats "$NATS_SERVER_BIN" -c nats/dev.conf -p "$NATS_PORT" -m "$NATS_MONITOR_PORT"
for _ in $(seq 100); do port_busy "$NATS_PORT" && break; sleep 0.1; done

start aggregator "$bin_dir/healthmon-aggregator" --metrics-addr 127.0.0.1:9101
start assessor "$bin_dir/healthmon-assessor" --metrics-addr 127.0.0.1:9102
# The local demo runs without API authentication (loopback only; the API
# logs a WARN line saying so). Anywhere else: --auth-tokens, docs/SECURITY.md.
start dashboard-api "$bin_dir/healthmon-dashboard-api" --http-addr "127.0.0.1:$HTTP_PORT" --insecure-no-auth
start collector "$bin_dir/healthmon-collector" --simulate "$SIM_SITES" \
  --interval "$SIM_INTERVAL" --fault-rate "$SIM_FAULT_RATE" --metrics-addr 127.0.0.1:9103

for _ in $(seq 100); do port_busy "$HTTP_PORT" && break; sleep 0.1; done

cat <<MSG

healthmon is running ($SIM_SITES simulated sites reporting every $SIM_INTERVAL).

  Dashboard   http://127.0.0.1:$HTTP_PORT/
  API         http://127.0.0.1:$HTTP_PORT/api/v1/summary
  NATS        $NATS_URL   (monitoring http://127.0.0.1:$NATS_MONITOR_PORT/)
  Metrics     aggregator :9101  assessor :9102  collector :9103  dashboard :$HTTP_PORT/metrics
  Logs        $logs/

Try:  curl -s http://127.0.0.1:$HTTP_PORT/api/v1/summary
      nats sub 'health.status.>'      (the NATS CLI, if installed)
      kill ${pids[4]}   # stop the collector: its sites go offline within 3 intervals

Ctrl-C stops everything.
MSG

# Stop when a central component dies, so a crash is not hidden. The collector
# may be stopped on purpose (that is how you watch sites go offline).
names=(nats aggregator assessor dashboard-api)
while sleep 1; do
  for i in 0 1 2 3; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
      echo "up.sh: ${names[i]} exited; see $logs/${names[i]}.log" >&2
      exit 1
    fi
  done
done
