#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, checks
# formatting and lints, then runs every test (unit, property, integration
# against real nats-server processes, and the browser test) under nextest.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/install-deps.sh --nextest --browser --py-clients

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
cargo nextest run --workspace --locked --profile ci "$@"
