#!/bin/sh
# KAFKA_FOO_BAR=x becomes foo.bar=x in server.properties, as in the official image;
# storage is formatted once, on first start.
set -eu
config=/var/lib/kafka/server.properties
: > "$config"
env | grep '^KAFKA_' | while IFS='=' read -r name value; do
    case "$name" in
        KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_CLUSTER_ID) continue ;;
    esac
    key=$(echo "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | tr '_' '.')
    echo "$key=$value" >> "$config"
done
grep -q '^log.dirs=' "$config" || echo "log.dirs=/var/lib/kafka/data" >> "$config"
classpath='/opt/kafka/libs/*'
data=$(sed -n 's/^log.dirs=//p' "$config")
if [ ! -f "$data/meta.properties" ]; then
    java -cp "$classpath" kafka.tools.StorageTool format \
        -t "${KAFKA_CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$config" --ignore-formatted
fi
# shellcheck disable=SC2086 (the options are a list on purpose)
exec java ${KAFKA_HEAP_OPTS:--Xmx512m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties \
    -cp "$classpath" kafka.Kafka "$config"
