# Stand-in for the official `prom/prometheus` image where no image registry is
# reachable (scripts/local-images.sh builds it as
# healthmon-local/prometheus:stand-in; deploy/compose/no-registry.yml points
# compose at it): Debian's prometheus package (the same server the tests run,
# tests/e2e/tests/prometheus.rs), laid out like the official image: user
# nobody, data in /prometheus, the server as entrypoint so compose's
# `command:` gives its flags, and `wget` for the healthcheck.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus \
 && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
