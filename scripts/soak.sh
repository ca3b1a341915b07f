#!/usr/bin/env bash
# Soak test of the central side: a simulated fleet against a real
# nats-server, aggregator and assessor (release builds), with the figures
# printed as it runs and at the end. Not part of scripts/test.sh.
#
#   scripts/soak.sh                                  100,000 sites every 5s for 10m
#   scripts/soak.sh --sites 20000 --duration 60s     a quick look
#   scripts/soak.sh --help                           every option
#
# Exit 0 when every criterion holds (no false late/offline, no lost or
# rejected report, no slow consumer, memory flat after warm-up), 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

# Sourced inside a function so it sees no arguments (ours are the soak's).
install_deps() { . scripts/install-deps.sh; }
install_deps

echo "== building release binaries" >&2
scripts/build-release.sh

exec target/release/healthmon-soak --nats-server "$NATS_SERVER_BIN" "$@"
