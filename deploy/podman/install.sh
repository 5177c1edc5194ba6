#!/usr/bin/env bash
# Installs podman and what it needs from Debian's packages (once), as infra.md describes:
# runc, debootstrap for the base image, netavark + aardvark-dns (+ iptables, which
# netavark drives) for compose networks where containers find each other by name.
set -euo pipefail
needed=()
for command_package in podman:podman runc:runc debootstrap:debootstrap \
    /usr/lib/podman/netavark:netavark /usr/lib/podman/aardvark-dns:aardvark-dns iptables:iptables; do
    command="${command_package%%:*}"
    package="${command_package##*:}"
    if [[ "$command" == /* ]]; then [ -x "$command" ] || needed+=("$package"); else command -v "$command" >/dev/null || needed+=("$package"); fi
done
if [ "${#needed[@]}" -gt 0 ]; then
    echo "installing ${needed[*]} from Debian's packages" >&2
    run_as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
    run_as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive run_as_root apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
fi
