# Chorus everyday commands. Run through ./dev (it installs what is missing),
# or directly with `just` inside the workspace's virtual environment.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Show this menu.
[group('help')]
default:
    @just --list --unsorted

# Bring the whole system up: Kafka, MongoDB-wire servers, Redis, the four services.
[group('run')]
up:
    chorus-infra up
    @echo ""
    @echo "Chorus is up: the API is at http://127.0.0.1:8100 (interactive docs at /docs, health at /readyz)."
    @echo "Logs: .data/logs/  —  stop with: ./dev down"

# Start only the parts (Kafka, MongoDB-wire, Redis); nodes=3 starts a three-node Kafka.
[group('run')]
parts nodes="1":
    chorus-infra up --parts-only --kafka-nodes {{nodes}}

# Start Prometheus (scraping every service, with the alert rules) and Jaeger (traces from every service).
[group('run')]
obs:
    chorus-infra obs

# Stop the services and the parts (data is kept under .data/).
[group('run')]
down:
    chorus-infra down

# Show which parts and services run, with their ports and log files.
[group('run')]
status:
    chorus-infra status

# Follow every log (or one: just logs kafka-1).
[group('run')]
logs name="*":
    tail -n 50 -F .data/logs/{{name}}.log

# Apply infra/kafka/topics.toml to the running Kafka (creates missing topics, reports drift).
[group('run')]
topics:
    chorus-topics apply

# The operators' tool: tap, replay, groups, dlq, topics, asyncapi (e.g. just chorus tap ratings.events --live).
[group('ops')]
chorus *args:
    chorus {{args}}

# Trending albums and busiest rooms from the analytics consumer (chart: just analytics-report --chart report.png).
[group('ops')]
analytics-report *args:
    chorus-analytics report {{args}}

# Benchmarks against the peers (installs them on first use): just bench [fanout|gateway|event-path|write-path|read-path|memory|db-writes] [--only NAME] [--smoke].
[group('bench')]
bench *args:
    chorus-bench {{args}}

# The chaos suite: the whole system under mixed load, each part SIGKILLed and restarted in turn (--short: the CI form; --fault NAME: one part).
[group('test')]
chaos *args:
    chorus-infra install
    chorus-chaos {{args}}

# Fetch what the parts need (Kafka jars from Maven Central) without starting anything.
[group('run')]
install:
    chorus-infra install

# Run the whole test suite: lint, type checks, schema check, unit and integration tests.
[group('test')]
test *args: lint typecheck
    chorus-infra install
    pytest {{args}}

# Unit tests only (no Kafka, MongoDB or Redis needed).
[group('test')]
test-unit *args:
    pytest -m "not integration" {{args}}

# ruff lint and format check.
[group('quality')]
lint:
    ruff check .
    ruff format --check .

# Format the code with ruff.
[group('quality')]
fmt:
    ruff format .
    ruff check --fix .

# mypy (strict) on every package's src/ and the benchmarks.
[group('quality')]
typecheck:
    mypy schemas/src libs/backbone/src libs/devinfra/src libs/ops/src services/users/src services/reviews/src services/forums/src services/gateway/src services/analytics/src bench/src libs/chaos/src

# Regenerate event schema snapshots and gRPC code (refuses breaking changes).
[group('schemas')]
schemas:
    chorus-schemas write

# Fail when snapshots or generated gRPC code are stale.
[group('schemas')]
schemas-check:
    chorus-schemas check

# Build every image with podman from a local Debian base (services, and stand-ins for Kafka, MongoDB, Redis).
[group('deploy')]
images *what:
    deploy/podman/images.sh {{what}}

# The test suite with its parts in containers: testcontainers on podman's socket, locally built images.
[group('deploy')]
test-containers *args:
    deploy/podman/test-containers.sh {{args}}

# The whole stack in containers (podman-compose), the end-to-end journey and the forums drain test against it.
[group('deploy')]
compose-e2e: images
    deploy/podman/compose-e2e.sh

# Render a Kubernetes overlay (local or production) with kustomize, built from the Go module proxy on first use.
[group('deploy')]
k8s-render overlay="production":
    python -c 'import sys; from pathlib import Path; from chorus_devinfra.kustomize import build; sys.stdout.write(build(Path("deploy/k8s/overlays/{{overlay}}")))'

# Rewrite deploy/k8s/base/*/settings.env from the services' settings classes.
[group('deploy')]
k8s-settings:
    python deploy/k8s/settings.py
