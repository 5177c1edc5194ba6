"""`chorus-infra`: install, start, stop and inspect the local parts (Kafka, MongoDB-wire, Redis)."""

import argparse
import sys

from chorus_devinfra.kafka import kafka_libs
from chorus_devinfra.paths import data_dir
from chorus_devinfra.stack import Stack, StackPorts


def _stack(kafka_nodes: int) -> Stack:
    ports = StackPorts()
    if kafka_nodes > 1:
        ports.kafka = [9092 + 10 * index for index in range(kafka_nodes)]
        ports.kafka_controller = [9093 + 10 * index for index in range(kafka_nodes)]
    return Stack(data_dir() / "infra", ports)


def _status(stack: Stack) -> int:
    down = 0
    for server in stack.servers():
        running = server.running()
        down += not running
        state = f"up   pid {server.pid()}" if running else "down"
        print(f"{server.name:<16} 127.0.0.1:{server.port:<6} {state:<16} log {server.log_file}")
    return 1 if down else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus-infra", description=__doc__)
    parser.add_argument("action", choices=["install", "up", "down", "status"])
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
        return 0
    if args.action == "down":
        stack.stop()
        print("parts stopped")
        return 0
    return _status(stack)


if __name__ == "__main__":
    sys.exit(main())
