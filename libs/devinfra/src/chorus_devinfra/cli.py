"""`chorus-infra`: install, start, stop and inspect the local parts (Kafka, MongoDB-wire, Redis)."""

import argparse
import shutil
import sys

from chorus_devinfra.kafka import kafka_libs
from chorus_devinfra.obs import jaeger_binary, jaeger_process, prometheus_config, prometheus_process
from chorus_devinfra.process import ManagedProcess
from chorus_devinfra.services import (
    SERVICES,
    scrape_targets,
    service_process,
    start_services,
    stop_services,
    tracing_backend,
)
from chorus_devinfra.settings import InfraSettings
from chorus_devinfra.stack import Stack, infra_stack


def _status(stack: Stack, settings: InfraSettings) -> int:
    down = 0
    services = [service_process(spec, stack, settings) for spec in SERVICES]
    extras = [p for p in _observability_processes(stack, settings) if p.running()]
    for server in [*stack.servers(), *services, *extras]:
        running = server.running()
        down += not running
        state = f"up   pid {server.pid()}" if running else "down"
        print(f"{server.name:<16} 127.0.0.1:{server.port:<6} {state:<16} log {server.log_file}")
    return 1 if down else 0


def _observability_processes(stack: Stack, settings: InfraSettings) -> list[ManagedProcess]:
    prometheus = prometheus_process(
        prometheus_config(scrape_targets(settings)), port=settings.prometheus_port, state_dir=stack.state_dir
    )
    return [prometheus, tracing_backend(stack, settings)]


def _observability(stack: Stack, settings: InfraSettings) -> int:
    if shutil.which("prometheus") is None:
        print("prometheus not found: ./dev unpacks it into .tools/prometheus (run through ./dev)")
        return 1
    prometheus, _ = _observability_processes(stack, settings)
    prometheus.start()
    print(f"prometheus  http://127.0.0.1:{settings.prometheus_port}  (targets, alerts, queries)")
    binary = jaeger_binary()
    if binary is None:
        print("jaeger      not started: no Go toolchain to build it with")
        return 0
    jaeger_process(
        binary,
        otlp_http=settings.otlp_http_port,
        otlp_grpc=settings.otlp_grpc_port,
        query=settings.jaeger_query_port,
        state_dir=stack.state_dir,
    ).start()
    query = f"http://127.0.0.1:{settings.jaeger_query_port}/api/traces?service=gateway"
    print(f"jaeger      {query}  (receives OTLP on 127.0.0.1:{settings.otlp_http_port})")
    if any(service_process(spec, stack, settings).running() for spec in SERVICES):
        print("restarting the services so that they send their traces to jaeger")
        stop_services(stack, settings)
        start_services(stack, settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus-infra", description=__doc__)
    parser.add_argument("action", choices=["install", "up", "down", "status", "obs"])
    parser.add_argument("--parts-only", action="store_true", help="start Kafka, MongoDB-wire and Redis only")
    parser.add_argument("--kafka-nodes", type=int, default=1, choices=[1, 3])
    args = parser.parse_args(argv)
    settings = InfraSettings()
    stack = infra_stack(settings, args.kafka_nodes)
    if args.action == "install":
        print(f"kafka jars: {kafka_libs()}")
        return 0
    if args.action == "up":
        stack.start()
        print(f"kafka     {stack.kafka_bootstrap}")
        for store in stack.mongo:
            print(f"mongo     {stack.mongo_url(store)}  ({store})")
        print(f"redis     {stack.redis_url}")
        print(f"logs      {stack.state_dir / 'logs'}")
        if not args.parts_only:
            for spec, process in zip(SERVICES, start_services(stack, settings), strict=True):
                print(f"{spec.name:<9} http://127.0.0.1:{process.port}")
        return 0
    if args.action == "obs":
        return _observability(stack, settings)
    if args.action == "down":
        for process in _observability_processes(stack, settings):
            process.stop()
        stop_services(stack, settings)
        stack.stop()
        print("parts stopped")
        return 0
    return _status(stack, settings)


if __name__ == "__main__":
    sys.exit(main())
