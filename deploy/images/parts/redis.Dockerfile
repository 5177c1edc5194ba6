# Redis from Debian's package: the stand-in for the official redis image.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
USER redis
WORKDIR /data
VOLUME /data
EXPOSE 6379
# The official image's way: `redis-server [options]` as the command.
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no"]
