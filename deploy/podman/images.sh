#!/usr/bin/env bash
# Builds every Chorus image with podman from a locally made Debian base, and the
# stand-ins for the official Kafka, MongoDB and Redis images (no registry is reachable).
#   deploy/podman/images.sh            # everything
#   deploy/podman/images.sh services   # only the service images
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/deploy/podman/install.sh"
what="${1:-all}"
build() {  # build NAME CONTEXT DOCKERFILE [podman build options ...]
    local name="$1" context="$2" dockerfile="$3"
    shift 3
    echo "building $name" >&2
    # docker format keeps HEALTHCHECK; host network for the package downloads.
    podman build --quiet --format docker --network host \
        --build-arg "BASE_IMAGE=$BASE_IMAGE" -f "$dockerfile" -t "$name" "$@" "$context" >/dev/null
}
# PyPI downloads need the host's CA bundle; apt's own (http) do not, and Java's
# certificate store must be free to write its folder under /etc/ssl/certs.
WITH_HOST_CERTS=(--volume /etc/ssl/certs:/etc/ssl/certs:ro)

if ! podman image exists "$BASE_IMAGE"; then
    echo "making the Debian base image $BASE_IMAGE with debootstrap (about a minute)" >&2
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$scratch/root" "$DEBIAN_MIRROR" >/dev/null
    rm -rf "$scratch/root/var/cache/apt/archives/"*.deb "$scratch/root/var/lib/apt/lists/"*
    tar -C "$scratch/root" -c . | podman import --quiet - "$BASE_IMAGE" >/dev/null
fi

if [ "$what" = all ] || [ "$what" = parts ]; then
    kafka_version="$(.venv/bin/python -c 'from chorus_devinfra.kafka import KAFKA_VERSION; print(KAFKA_VERSION)')"
    libs="$(.venv/bin/python -c 'from chorus_devinfra.kafka import kafka_libs; print(kafka_libs())')"
    context="$ROOT/.cache/images/kafka"
    rm -rf "$context" && mkdir -p "$context"
    cp -r "$libs" "$context/libs" && rm -f "$context/libs/.complete"
    cp deploy/images/parts/kafka-entrypoint.sh "$context/"
    # The same log settings as the local broker (libs/devinfra), from the one place they live.
    .venv/bin/python -c 'from chorus_devinfra.kafka import LOG4J2_PROPERTIES as p; print(p, end="")' \
        > "$context/log4j2.properties"
    build "localhost/chorus-kafka:$kafka_version" "$context" deploy/images/parts/kafka.Dockerfile
    build localhost/chorus-redis:7 deploy/images/parts deploy/images/parts/redis.Dockerfile
    secantus="$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("secantusdb"))')"
    build localhost/chorus-mongo-wire:latest deploy/images/parts deploy/images/parts/mongo-wire.Dockerfile \
        "${WITH_HOST_CERTS[@]}" --build-arg "SECANTUSDB_VERSION=$secantus"
fi

if [ "$what" = all ] || [ "$what" = services ]; then
    for service_port in users:8101 reviews:8102 forums:8103 gateway:8100 analytics:8105 ops:; do
        service="${service_port%%:*}"
        port="${service_port##*:}"  # ops is a one-shot tool: no port
        build "localhost/chorus/$service:latest" . Dockerfile \
            "${WITH_HOST_CERTS[@]}" --build-arg "SERVICE=$service" ${port:+--build-arg "PORT=$port"}
    done
fi
podman image prune --force >/dev/null  # the build stages' leftovers
podman images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^localhost/chorus'
