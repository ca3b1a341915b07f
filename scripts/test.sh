#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, checks
# formatting and lints, then runs every test (unit, property, integration
# against real nats-server processes, the browser test, and schemathesis
# against the dashboard API's OpenAPI document) under nextest,
# and finally the compose deployment for real (scripts/compose-test.sh: Docker
# images from the binaries just built, containers up, faults injected; also
# the install on a stock Debian 12 container). Needs root for the latter.
set -euo pipefail
cd "$(dirname "$0")/.."

# CI builds from scratch once: incremental caches would only cost disk and time.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

. scripts/install-deps.sh --nextest --browser --py-clients --bench-tools --doc-tools --api-tools

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

bash scripts/check-deploy.sh   # deploy files; also installs promtool/prometheus for tests/e2e/tests/prometheus.rs

echo "== tests"
cargo nextest run --workspace --locked --profile ci "$@"

echo "== compose deployment"
bash scripts/compose-test.sh
