# healthmon images. One build stage compiles the whole workspace once; each
# service gets its own small runtime image (target), all sharing one base
# layer:
#
#   docker build --target aggregator    -t healthmon/aggregator:0.1.0 .
#   docker build --target assessor      -t healthmon/assessor:0.1.0 .
#   docker build --target dashboard-api -t healthmon/dashboard-api:0.1.0 .
#   docker build --target collector     -t healthmon/collector:0.1.0 .
#   docker build --target cli           -t healthmon/cli:0.1.0 .         # the `healthmon` CLI
#   docker build                        -t healthmon/healthmon:0.1.0 .   # all five binaries
#
# docker-compose.yml builds these targets under these names, and k8s/ uses
# the same names. Needs BuildKit (the default builder since Docker 23; set
# DOCKER_BUILDKIT=1 on older engines) for the cache mounts. No `# syntax=`
# line on purpose: it makes BuildKit pull a frontend image, which fails where
# no registry is reachable; the built-in frontend does all this file needs.
#
# Where the binaries come from (build argument BUILD_FROM):
#   source    (default) compiled here, in the rust image, from the context:
#             the repository (what `docker compose up --build` does);
#   prebuilt  taken as they are from a context directory that holds exactly
#             healthmon-collector, healthmon-aggregator, healthmon-assessor,
#             healthmon-dashboard-api and healthmon (the CLI), built outside
#             (cargo build on the host);
#             no rust image is needed. scripts/compose-test.sh builds this way
#             (deploy/compose/prebuilt.yml), from the binaries scripts/test.sh
#             has already compiled. The runtime stages below are the same.
#
# Runtime: debian-slim (glibc, CA certificates, bash for HEALTHCHECK), user
# 10001:10001, nothing writable needed: the services keep no files, so they
# run with a read-only root filesystem.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm
ARG BUILD_FROM=source

# ---------------------------------------------------------------- build ----
FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build-source
WORKDIR /src
COPY . .
# The registry and target caches survive between builds; the binaries are
# copied out of the cached target dir in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
      -p healthmon-collector -p healthmon-aggregator -p healthmon-assessor -p healthmon-dashboard-api \
      -p healthmon-cli \
 && mkdir -p /out \
 && for bin in healthmon-collector healthmon-aggregator healthmon-assessor healthmon-dashboard-api healthmon; do \
      cp "target/release/$bin" /out/; \
    done

# BUILD_FROM=prebuilt: the binaries of the build context, nothing compiled.
FROM scratch AS build-prebuilt
COPY healthmon-collector healthmon-aggregator healthmon-assessor healthmon-dashboard-api healthmon /out/

# BuildKit builds only the stage chosen here (and pulls only its base image).
FROM build-${BUILD_FROM} AS build

# -------------------------------------------------------------- runtime ----
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 healthmon \
 && useradd --system --uid 10001 --gid healthmon --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin healthmon
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
ENV LOG_FORMAT=json
# An HTTP GET with bash alone (no curl in the image): healthy when
# http://127.0.0.1:$HEALTHCHECK_PORT$HEALTHCHECK_PATH answers 200. Each
# target sets the two variables for its default port; change them together
# with METRICS_ADDR / HTTP_ADDR.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>\"/dev/tcp/127.0.0.1/${HEALTHCHECK_PORT}\" && printf 'GET %s HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' \"${HEALTHCHECK_PATH}\" >&3 && read -r _ status _ <&3 && [ \"$status\" = 200 ]"]
STOPSIGNAL SIGTERM

# ------------------------------------------------------------- services ----
FROM runtime AS aggregator
COPY --from=build /out/healthmon-aggregator /usr/local/bin/
ENV METRICS_ADDR=0.0.0.0:9101 HEALTHCHECK_PORT=9101 HEALTHCHECK_PATH=/metrics
EXPOSE 9101
ENTRYPOINT ["/usr/local/bin/healthmon-aggregator"]

FROM runtime AS assessor
COPY --from=build /out/healthmon-assessor /usr/local/bin/
ENV METRICS_ADDR=0.0.0.0:9102 HEALTHCHECK_PORT=9102 HEALTHCHECK_PATH=/metrics
EXPOSE 9102
ENTRYPOINT ["/usr/local/bin/healthmon-assessor"]

FROM runtime AS collector
COPY --from=build /out/healthmon-collector /usr/local/bin/
ENV METRICS_ADDR=0.0.0.0:9103 HEALTHCHECK_PORT=9103 HEALTHCHECK_PATH=/metrics
EXPOSE 9103
ENTRYPOINT ["/usr/local/bin/healthmon-collector"]

FROM runtime AS dashboard-api
COPY --from=build /out/healthmon-dashboard-api /usr/local/bin/
# /readyz: healthy only while NATS is connected and the aggregator answers.
ENV HTTP_ADDR=0.0.0.0:8080 HEALTHCHECK_PORT=8080 HEALTHCHECK_PATH=/readyz
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/healthmon-dashboard-api"]

# The command-line tool, for jobs and operators: `healthmon fleet apply FILE`
# (the compose demo's and the k8s base's roster job), `fleet export`,
# `sites`, `watch`, ... It takes the services' NATS settings (NATS_URL,
# NATS_USER, NATS_PASSWORD, ...). A one-shot command serves nothing, so no
# health check.
FROM runtime AS cli
COPY --from=build /out/healthmon /usr/local/bin/
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/healthmon"]

# The default target: every binary in one image, running the dashboard API
# unless told otherwise (`docker run IMAGE healthmon-collector --simulate 5`).
FROM runtime AS all
COPY --from=build /out/ /usr/local/bin/
ENV HTTP_ADDR=0.0.0.0:8080 HEALTHCHECK_PORT=8080 HEALTHCHECK_PATH=/readyz
EXPOSE 8080 9101 9102 9103
CMD ["healthmon-dashboard-api"]
