# Sourced by the podman scripts: the project's own podman configuration, and what
# testcontainers needs to talk to podman's Docker-compatible socket.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CONTAINERS_CONF="$ROOT/deploy/podman/containers.conf"
PODMAN_SOCKET="$ROOT/.cache/podman/podman.sock"
export PODMAN_SOCKET
BASE_IMAGE="localhost/chorus-debian:bookworm"
export BASE_IMAGE
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
