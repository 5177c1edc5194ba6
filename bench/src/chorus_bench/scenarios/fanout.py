"""Scenario 1, live fan-out: one room, N subscribers over two forums replicas, publishers at fixed rates.

Peers: the Channels tutorial's room with channels_redis (RedisChannelLayer and
RedisPubSubChannelLayer) under uvicorn, Centrifugo v6 as the upper anchor, and a
trivial broadcast server that shows what the load generator itself can take.
"""

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import orjson
import psutil

from chorus_backbone.auth import TokenCodec
from chorus_backbone.settings import TokenSettings
from chorus_bench import peers
from chorus_bench.chorus_stack import start_chorus
from chorus_bench.harness import Point, load_generator, plot, print_table, repeat, save
from chorus_bench.system import (
    running,
    wait_http,
)
from chorus_devinfra.process import free_port
from chorus_devinfra.redis import redis_process


@dataclass(frozen=True)
class Target:
    """A running fan-out server: how the load generator reaches it and makes a fresh room."""

    protocol: str
    urls: list[str]
    new_room: Callable[[int], str]
    token_file: Path | None = None
    server_pids: list[int] = field(default_factory=list)  # whose CPU use each point reports


@dataclass(frozen=True)
class Plan:
    subscribers: list[int]
    deliveries_per_s: list[int]
    duration: float
    repeats: int
    publishers: int = 2


SETTLE_SECONDS = 5.0
# Points of 10 s after the joins: a queue that grows slowly shows within them.
FULL = Plan(
    [50, 200, 1000], [2_000, 5_000, 10_000, 20_000, 25_000, 30_000, 40_000, 80_000], duration=10.0, repeats=1
)
SMOKE = Plan([5], [50], duration=1.0, repeats=1, publishers=1)


def _ws(url: str) -> str:
    return url.replace("http://", "ws://")


@contextmanager
def chorus(*, through_gateway: bool) -> Iterator[Target]:
    """The whole system as ``./dev up`` runs it (two forums replicas, analytics included); members
    connect through the gateway, or straight to the replicas (alternating)."""
    with running("fanout-chorus") as run:
        system = start_chorus(run, forums_replicas=2, analytics=True)
        replicas = [system.urls["forums-1"], system.urls["forums-2"]]
        codec = TokenCodec(TokenSettings().token_keys())
        tokens = run.state / "tokens.txt"
        tokens.write_text("\n".join(codec.issue_user_token(i, f"bench{i}") for i in range(1, 1_100)))
        creator = {"Authorization": f"Bearer {codec.issue_user_token(5_000, 'host')}"}

        def new_room(_: int) -> str:
            response = httpx.post(f"{system.gateway}/api/games/create", headers=creator, timeout=30)
            response.raise_for_status()
            return str(response.json()["lobby_id"])

        urls = [system.gateway] if through_gateway else replicas
        servers = [p.pid() for p in run.processes if p.name.startswith(("forums", "gateway"))]
        yield Target("chorus", [_ws(url) for url in urls], new_room, tokens, [p for p in servers if p])


@contextmanager
def channels(layer: str) -> Iterator[Target]:
    python = peers.channels_python()
    with running(f"fanout-channels-{layer}") as run:
        redis = redis_process("redis", free_port(), run.state)
        redis.start()
        run.processes.append(redis)
        port = free_port()
        run.launch(
            "channels",
            [
                str(python),
                "-m",
                "uvicorn",
                "chatroom.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--ws",
                "websockets",
            ],
            port,
            {"BENCH_CHANNEL_LAYER": layer, "BENCH_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"},
            cwd=peers.PEERS_SOURCE / "channels_room",
        )
        yield Target("channels", [f"ws://127.0.0.1:{port}"], lambda i: f"bench{i}")


@contextmanager
def centrifugo() -> Iterator[Target]:
    binary = peers.centrifugo()
    with running("fanout-centrifugo") as run:
        port = free_port()
        run.launch(
            "centrifugo",
            [str(binary), "--config", str(peers.PEERS_SOURCE / "centrifugo" / "config.json")],
            port,
            {"CENTRIFUGO_HTTP_SERVER_PORT": str(port), "CENTRIFUGO_HTTP_SERVER_ADDRESS": "127.0.0.1"},
        )
        wait_http(f"http://127.0.0.1:{port}/health")
        yield Target("centrifugo", [f"ws://127.0.0.1:{port}"], lambda i: f"bench{i}")


@contextmanager
def echo() -> Iterator[Target]:
    with running("fanout-echo") as run:
        port = free_port()
        run.launch(
            "echo", [sys.executable, "-m", "chorus_bench.loadgen.echo_server", "--port", str(port)], port
        )
        yield Target("echo", [f"ws://127.0.0.1:{port}"], lambda i: f"bench{i}")


SYSTEMS: dict[str, Callable[[], AbstractContextManager[Target]]] = {
    "chorus through the gateway": lambda: chorus(through_gateway=True),
    "chorus direct to 2 replicas": lambda: chorus(through_gateway=False),
    "channels RedisChannelLayer": lambda: channels("core"),
    "channels RedisPubSubChannelLayer": lambda: channels("pubsub"),
    "load generator ceiling (trivial broadcast server)": echo,
    "centrifugo v6": centrifugo,
}


def measure(target: Target, subscribers: int, rate: float, plan: Plan, sequence: int) -> dict[str, object]:
    room = target.new_room(sequence)
    args = [
        "--protocol",
        target.protocol,
        "--room",
        room,
        "--subscribers",
        str(subscribers),
        "--publishers",
        str(plan.publishers),
        "--rate",
        str(rate),
        "--duration",
        str(plan.duration),
    ]
    for url in target.urls:
        args += ["--url", url]
    if target.token_file is not None:
        args += ["--token-file", str(target.token_file)]
    before = _cpu_seconds(target.server_pids)
    result = load_generator("chorus_bench.loadgen.fanout", *args)
    if target.server_pids:
        # Cores the servers kept busy over the whole run (joins and drain included).
        result["server_cpu_seconds"] = round(_cpu_seconds(target.server_pids) - before, 2)
    if (result.get("delivered_fraction") or 0) < 1:
        time.sleep(SETTLE_SECONDS)  # let an overloaded server finish its backlog before the next run
    return result


JOIN_BURST = 1_000


def join_burst(name: str, target: Target, members: int, sequence: int) -> Point:
    """``members`` join one fresh room at once; joined, refused, and the time to the last welcome."""
    assert target.token_file is not None
    args = ["--room", target.new_room(sequence), "--token-file", str(target.token_file)]
    result = load_generator(
        "chorus_bench.loadgen.join_burst", "--url", target.urls[0], "--members", str(members), *args
    )
    print(
        f"  join burst: {result['joined']}/{members} joined, {result['refused']} refused "
        f"{result['refusals']}, last welcome after {result['last_welcome_s']} s",
        flush=True,
    )
    return Point(name, {"join_burst": members}, result)


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


def run(*, smoke: bool = False, systems: list[str] | None = None) -> list[Point]:
    plan = SMOKE if smoke else FULL
    if chosen_n := os.environ.get("CHORUS_BENCH_FANOUT_N"):  # e.g. "200" or "50,200": fewer points
        plan = replace(plan, subscribers=[int(n) for n in chosen_n.split(",")])
    points: list[Point] = []
    chosen = {
        name: start for name, start in SYSTEMS.items() if not systems or any(s in name for s in systems)
    }
    for name, start in chosen.items():
        print(f"\n== fan-out: {name}", flush=True)
        with start() as target:
            sequence = 0
            if target.protocol == "chorus":
                burst = join_burst(name, target, 20 if smoke else JOIN_BURST, sequence)
                save("join-burst", [burst], {"members": JOIN_BURST}, merge=True)
            for subscribers in plan.subscribers:
                for deliveries in plan.deliveries_per_s:
                    rate = deliveries / subscribers
                    sequence += 1

                    def once(subscribers: int = subscribers, rate: float = rate) -> dict[str, object]:
                        nonlocal sequence
                        sequence += 1
                        return measure(target, subscribers, rate, plan, sequence)

                    try:
                        metrics, runs = repeat(plan.repeats, once)
                    except RuntimeError as failure:
                        # The system under test refused the load (e.g. HTTP 500 on connect): a finding.
                        reason = str(failure).strip().splitlines()[-1][:300]
                        points.append(
                            Point(
                                name,
                                {"subscribers": subscribers, "offered_deliveries_per_s": deliveries},
                                {
                                    "deliveries_per_s": 0.0,
                                    "delivered_fraction": 0.0,
                                    "p50_ms": None,
                                    "p99_ms": None,
                                    "closed_by_server": None,
                                    "error": reason,
                                },
                            )
                        )
                        print(
                            f"  N={subscribers:<5} offered {deliveries:>7}/s -> failed: {reason}", flush=True
                        )
                        break
                    point = Point(
                        name,
                        {"subscribers": subscribers, "offered_deliveries_per_s": deliveries},
                        metrics,
                        runs,
                    )
                    points.append(point)
                    print(
                        f"  N={subscribers:<5} offered {deliveries:>7}/s -> "
                        f"{metrics['deliveries_per_s']:>9,.0f}/s delivered {metrics['delivered_fraction']} "
                        f"p50 {metrics['p50_ms']} p99 {metrics['p99_ms']} ms "
                        f"server cpu {metrics.get('server_cpu_seconds')} s",
                        flush=True,
                    )
                    if (metrics["delivered_fraction"] or 0) < 0.9 and not smoke:
                        break  # past saturation: higher rates only pile up
    report(points, smoke=smoke)
    return points


def report(points: list[Point], *, smoke: bool) -> None:
    rows = [
        [
            p.system,
            p.params["subscribers"],
            p.params["offered_deliveries_per_s"],
            p.metrics["deliveries_per_s"],
            p.metrics["delivered_fraction"],
            p.metrics["p50_ms"],
            p.metrics["p99_ms"],
            p.metrics["closed_by_server"],
            p.metrics.get("server_cpu_seconds"),
        ]
        for p in points
    ]
    print_table(
        "live fan-out (median of repeats)",
        ["system", "N", "offered/s", "delivered/s", "fraction", "p50 ms", "p99 ms", "closed", "cpu s"],
        rows,
    )
    if smoke:
        return
    saved = save("fanout", points, {"plan": FULL.__dict__}, merge=True)
    plot(
        "fanout",
        [Point(**p) for p in orjson.loads(saved.read_bytes())["points"]],
        x="offered_deliveries_per_s",
        throughput="deliveries_per_s",
        group=lambda p: f"{p.system} N={p.params['subscribers']}",
        x_label="offered deliveries/s",
        throughput_label="deliveries/s",
    )
