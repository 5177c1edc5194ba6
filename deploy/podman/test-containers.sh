#!/usr/bin/env bash
# The test suite with its parts in containers: testcontainers against podman's
# Docker-compatible socket, with the locally built images (deploy/podman/images.sh parts).
#   deploy/podman/test-containers.sh [pytest arguments]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/deploy/podman/images.sh" parts >/dev/null
mkdir -p "$(dirname "$PODMAN_SOCKET")"
podman system service --time=0 "unix://$PODMAN_SOCKET" &
service_pid=$!
trap 'kill "$service_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -S "$PODMAN_SOCKET" ] && break; sleep 0.1; done
kafka_version="$(.venv/bin/python -c 'from chorus_devinfra.kafka import KAFKA_VERSION; print(KAFKA_VERSION)')"
DOCKER_HOST="unix://$PODMAN_SOCKET" \
TESTCONTAINERS_RYUK_DISABLED=true \
TC_HOST=127.0.0.1 \
TESTCONTAINERS_CONNECTION_MODE=docker_host \
CHORUS_TEST_PARTS=containers \
CHORUS_KAFKA_IMAGE="localhost/chorus-kafka:$kafka_version" \
CHORUS_MONGO_IMAGE=localhost/chorus-mongo-wire:latest \
CHORUS_REDIS_IMAGE=localhost/chorus-redis:7 \
    .venv/bin/python -m pytest "$@"
