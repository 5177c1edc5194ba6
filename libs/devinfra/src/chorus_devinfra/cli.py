"""`chorus-infra`: install, start, stop and inspect the local parts (Kafka, MongoDB-wire, Redis)."""

import argparse
import sys

from chorus_devinfra.kafka import kafka_libs
from chorus_devinfra.paths import data_dir
from chorus_devinfra.services import (
    SERVICES,
    service_process,
    start_services,
    stop_services,
)
from chorus_devinfra.stack import Stack, StackPorts


def _stack(kafka_nodes: int) -> Stack:
    ports = StackPorts()
    if kafka_nodes > 1:
        ports.kafka = [9092 + 10 * index for index in range(kafka_nodes)]
        ports.kafka_controller = [9093 + 10 * index for index in range(kafka_nodes)]
    return Stack(data_dir(), ports)


def _status(stack: Stack) -> int:
    down = 0
    services = [service_process(spec, data_dir()) for spec in SERVICES]
    for server in [*stack.servers(), *services]:
        running = server.running()
        down += not running
        state = f"up   pid {server.pid()}" if running else "down"
        print(f"{server.name:<16} 127.0.0.1:{server.port:<6} {state:<16} log {server.log_file}")
    return 1 if down else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus-infra", description=__doc__)
    parser.add_argument("action", choices=["install", "up", "down", "status"])
    parser.add_argument(
        "--parts-only", action="store_true", help="start Kafka, MongoDB-wire and Redis only"
    )
    parser.add_argument("--kafka-nodes", type=int, default=1, choices=[1, 3])
    args = parser.parse_args(argv)
    stack = _stack(args.kafka_nodes)
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
            start_services(data_dir())
            for spec in SERVICES:
                print(f"{spec.name:<9} http://127.0.0.1:{spec.port}")
        return 0
    if args.action == "down":
        stop_services(data_dir())
        stack.stop()
        print("parts stopped")
        return 0
    return _status(stack)


if __name__ == "__main__":
    sys.exit(main())
