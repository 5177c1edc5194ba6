# A MongoDB-wire server (SecantusDB over WiredTiger) standing in for the official mongo
# image where no registry is reachable. It presents a one-node replica set by itself.
# mongo-wire-entrypoint.sh takes mongod's --port and ignores mongod's other options,
# so docker-compose.yml's command line serves both.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
ARG SECANTUSDB_VERSION=0.7.0b3
RUN python3 -m venv /opt/secantus \
    && /opt/secantus/bin/pip install --no-cache-dir --disable-pip-version-check "secantusdb==${SECANTUSDB_VERSION}" \
    && useradd --system --uid 10003 --home-dir /data --shell /usr/sbin/nologin mongo \
    && mkdir -p /data/db && chown -R mongo /data
COPY mongo-wire-entrypoint.sh /usr/local/bin/mongo-wire-entrypoint
COPY mongo-wire-ping.py /usr/local/lib/mongo-wire-ping.py
USER 10003
VOLUME /data/db
EXPOSE 27017
ENTRYPOINT ["/usr/local/bin/mongo-wire-entrypoint"]
