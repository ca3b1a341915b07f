# Stand-in for the official `rust:<version>-slim-bookworm` image where no image
# registry is reachable (scripts/local-images.sh --rust builds it under that
# very tag, which the Dockerfile's build stage names): this machine's Rust
# toolchain (the context holds its `bin/` and `lib/`) on the local Debian
# base, with what the official slim image adds (gcc and libc6-dev for
# linking, CA certificates for crates.io) and its layout (CARGO_HOME
# /usr/local/cargo, whose registry/ the Dockerfile keeps in a cache mount).
# It also trusts the CA certificates this machine's administrator added
# (/usr/local/share/ca-certificates, e.g. a TLS-intercepting egress proxy's),
# so that cargo reaches crates.io from here as the host does.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
COPY toolchain/ /usr/local/rust/
ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /usr/local/cargo/bin && cargo --version && rustc --version
