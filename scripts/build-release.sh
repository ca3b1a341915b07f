#!/usr/bin/env bash
# Builds the release binaries that scripts/bench.sh and scripts/soak.sh
# measure, as one package set: cargo unifies features over the packages it
# is asked for, so building a different set for each script used to rebuild
# the services with other features — each script undid the other's build,
# and the two measured different binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet \
  -p healthmon-aggregator -p healthmon-assessor -p healthmon-dashboard-api \
  -p healthmon-collector -p healthmon-bench -p healthmon-soak
