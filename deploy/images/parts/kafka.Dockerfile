# Apache Kafka (KRaft) from the Maven Central jars on Debian's JDK: the stand-in for
# apache/kafka where no registry is reachable. It reads the same KAFKA_* variables
# as the official image, so docker-compose.yml configures both alike.
# Build context: a folder holding `libs/` (the broker's jars, as `chorus-infra fetch`
# resolves them), the local broker's log4j2.properties and this folder's
# kafka-entrypoint.sh (deploy/podman/images.sh stages it).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10002 --home-dir /var/lib/kafka --shell /usr/sbin/nologin kafka \
    && mkdir -p /var/lib/kafka/data && chown -R kafka /var/lib/kafka
COPY libs /opt/kafka/libs
COPY log4j2.properties /opt/kafka/log4j2.properties
COPY kafka-entrypoint.sh /usr/local/bin/kafka-entrypoint
USER 10002
VOLUME /var/lib/kafka/data
EXPOSE 9092 9093
ENTRYPOINT ["/usr/local/bin/kafka-entrypoint"]
