#!/usr/bin/env bash
# The whole stack in containers with podman-compose (docker-compose.yml plus the podman
# override), the gateway's end-to-end journey and the forums drain test against it, then
# everything taken down again (volumes included). Run deploy/podman/images.sh first
# (`just compose-e2e` does).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
PROJECT="chorus-e2e"
COMPOSE=(.venv/bin/podman-compose --project-name "$PROJECT" -f docker-compose.yml -f deploy/compose/podman.yml)
LOGS="$ROOT/.data/logs/compose-e2e"
mkdir -p "$LOGS"

for port in 8100 9092 27017 27018 27019 6379; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is taken (is ./dev up running? stop it with ./dev down)" >&2
        exit 2
    fi
done

# Throwaway signing keys: this stack lives for one run.
CHORUS_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
CHORUS_SERVICE_TOKEN_SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
export CHORUS_JWT_SECRET CHORUS_SERVICE_TOKEN_SECRET

teardown() {
    local status=$?
    for container in $(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'); do
        podman logs "$container" > "$LOGS/$container.log" 2>&1 || true
    done
    "${COMPOSE[@]}" down --volumes --timeout 20 >/dev/null 2>&1 || true
    if [ "$status" -ne 0 ]; then echo "compose-e2e failed; container logs in $LOGS" >&2; fi
    exit "$status"
}
trap teardown EXIT

echo "starting the stack (podman-compose, project $PROJECT)" >&2
"${COMPOSE[@]}" up -d >"$LOGS/compose-up.log" 2>&1 || { cat "$LOGS/compose-up.log" >&2; exit 1; }

# podman runs HEALTHCHECKs only on demand without systemd: ask until each service answers.
wait_healthy() {
    local container="$1" deadline=$((SECONDS + 240))
    until podman healthcheck run "$container" >/dev/null 2>&1; do
        if [ "$SECONDS" -gt "$deadline" ]; then
            echo "$container did not become healthy; its log:" >&2
            podman logs --tail 60 "$container" >&2 || true
            return 1
        fi
        sleep 2
    done
    echo "  $container healthy" >&2
}
container_of() { podman ps --filter "label=io.podman.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n 1; }
for service in users reviews forums-a forums-b gateway; do
    wait_healthy "$(container_of "$service")"
done

FORUMS_CONTAINERS="$(container_of forums-a),$(container_of forums-b)"
echo "running the end-to-end tests against http://127.0.0.1:8100" >&2
CHORUS_E2E_GATEWAY_URL="http://127.0.0.1:8100" \
CHORUS_E2E_FORUMS_CONTAINERS="$FORUMS_CONTAINERS" \
CHORUS_E2E_CONTAINER_ENGINE=podman \
    .venv/bin/python -m pytest -p no:cacheprovider -q \
    tests/e2e/test_journey.py tests/e2e/test_forums_drain.py
