#!/usr/bin/env bash
# Benchmarks healthmon on this machine with real processes (see
# docs/PERFORMANCE.md): installs wrk and prometheus-node-exporter if missing,
# builds the release binaries, then runs every section against a nats-server
# of its own, prints a table, writes JSON and marks each target met/missed.
#
#   scripts/bench.sh                  the issue's scale (100,000 sites; ~4 min)
#   scripts/bench.sh --quick          tiny scale, seconds (what CI's smoke test runs)
#   scripts/bench.sh --sites N --reports N --out FILE.json
#   scripts/bench.sh --only ingest,steady,memory,collector,api,registry
#   scripts/bench.sh --only registry --registry-sites N --registry-actions N
#                                     the fleet registry (JetStream KV): load at
#                                     start, RSS per registered site, admin
#                                     action → every replica (100,000 / 200)
#   scripts/bench.sh --help           every option
#
# Results go to target/bench/results.json (child logs next to it, in
# results.json.logs/). Exit status 1 if a section failed to run; missed
# targets are reported, not errors.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/install-deps.sh --bench-tools

scripts/build-release.sh

exec target/release/healthmon-bench "$@"
