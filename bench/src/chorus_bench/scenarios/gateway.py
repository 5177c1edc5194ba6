"""Scenario 2, gateway overhead: the same GETs direct, through the Chorus gateway, nginx and Express.

Everything server-side (the services, the proxy under test) shares one core; wrk
and the open-loop client run on the other. Saturation comes from wrk (closed
loop, 32 connections); the added p50 is measured open-loop at half of the Chorus
gateway's saturation.
"""

import re
import subprocess
from dataclasses import dataclass
from functools import partial

from chorus_bench import peers
from chorus_bench.chorus_stack import ChorusSystem
from chorus_bench.cores import CLIENT_CORES, on_cores
from chorus_bench.harness import Point, load_generator, print_table, repeat, save
from chorus_bench.system import GATEWAY_BENCH_SETTINGS, Running, chorus_service, running, start_parts
from chorus_devinfra.process import free_port
from chorus_devinfra.stack import Stack

READS = {
    "catalog read (GET /api/music/albums/1)": "/api/music/albums/1",
    "authenticated read (GET /api/users/me)": "/api/users/me",
}


@dataclass(frozen=True)
class Plan:
    seconds: int
    repeats: int
    connections: int = 32


FULL = Plan(seconds=10, repeats=3)
CROWD = Plan(seconds=30, repeats=1, connections=1000)
SMOKE = Plan(seconds=1, repeats=1, connections=4)

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _millis(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, token: str, plan: Plan) -> dict[str, object]:
    command = on_cores(
        [
            peers.debian_tools()["wrk"],
            "-t1",
            f"-c{plan.connections}",
            f"-d{plan.seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        CLIENT_CORES,
    )
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_s": rps,
        # wrk prints no distribution when no request completed.
        "p50_ms": _millis(percentiles["50"]) if "50" in percentiles else None,
        "p99_ms": _millis(percentiles["99"]) if "99" in percentiles else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        # Which kind: refused or reset connections are the server's doing; timeouts are wrk's
        # own 2 s limit on a response.
        "socket_errors_by_kind": dict(
            zip(("connect", "read", "write", "timeout"), (int(n) for n in errors.groups()), strict=True)
        )
        if errors
        else {},
    }


def _nginx(run: Running, users: str, reviews: str) -> str:
    nginx = peers.debian_tools()["nginx"]
    port = free_port()
    state = run.state / "nginx"
    state.mkdir()
    template = (peers.PEERS_SOURCE / "nginx" / "nginx.conf.template").read_text()
    config = template.format(
        state=state, port=port, users=users.removeprefix("http://"), reviews=reviews.removeprefix("http://")
    )
    (state / "nginx.conf").write_text(config)
    run.launch("nginx", [nginx, "-c", str(state / "nginx.conf"), "-p", str(state)], port)
    return f"http://127.0.0.1:{port}"


def _express(run: Running, users: str, reviews: str) -> str:
    server = peers.express_gateway()
    port = free_port()
    run.launch(
        "express",
        ["node", str(server)],
        port,
        {"PORT": str(port), "USERS_UPSTREAM": users, "REVIEWS_UPSTREAM": reviews},
        cwd=server.parent,
    )
    return f"http://127.0.0.1:{port}"


def run(*, smoke: bool = False, systems: list[str] | None = None) -> list[Point]:
    plan = SMOKE if smoke else FULL
    points: list[Point] = []
    with running("gateway") as started:
        stack = start_parts(started, stores=("users", "reviews"))
        users = chorus_service(started, stack, "users", store="users", extra={"GRPC_PORT": str(free_port())})
        reviews = chorus_service(started, stack, "reviews", store="reviews")
        gateway = chorus_service(
            started,
            stack,
            "gateway",
            extra={
                **GATEWAY_BENCH_SETTINGS,
                "USERS_URL": users,
                "REVIEWS_URL": reviews,
                "FORUMS_URLS": "[]",
                "GRPC_PORT": str(free_port()),
            },
            ready_path="/healthz",  # no forums here, so never "ready" as a whole
        )
        system = ChorusSystem(stack, gateway, {})
        token = system.user_token("bench")
        if not smoke:
            # Kafka is up for the services: its JVM warms up before the first point, not during it.
            system.warm_up(started.state)
        targets = {
            "direct to the service": {"/api/users": users, "/api/music": reviews},
            "chorus gateway": {"/api/users": gateway, "/api/music": gateway},
            "nginx": dict.fromkeys(("/api/users", "/api/music"), _nginx(started, users, reviews)),
            "express + http-proxy-middleware": dict.fromkeys(
                ("/api/users", "/api/music"), _express(started, users, reviews)
            ),
        }
        for read, path in READS.items():
            base_of = {
                name: next(url for prefix, url in routes.items() if path.startswith(prefix))
                for name, routes in targets.items()
            }
            for name, base in base_of.items():
                if systems and not any(s in name for s in systems):
                    continue
                metrics, runs = repeat(plan.repeats, partial(wrk, f"{base}{path}", token, plan))
                points.append(Point(name, {"read": read, "mode": "saturation (wrk)"}, metrics, runs))
                print(f"  {read:<42} {name:<32} {metrics['requests_per_s']:>8,.0f} req/s", flush=True)
            chorus = (
                next(p for p in points if p.system == "chorus gateway" and p.params["read"] == read)
                if any(p.system == "chorus gateway" and p.params["read"] == read for p in points)
                else None
            )
            half = max(20.0, (chorus.metrics["requests_per_s"] / 2) if chorus else 100.0)
            for name in ("direct to the service", "chorus gateway"):
                if systems and not any(s in name for s in systems):
                    continue
                base = base_of[name]
                metrics, runs = repeat(
                    plan.repeats,
                    partial(
                        load_generator,
                        "chorus_bench.loadgen.http_rate",
                        "--url",
                        f"{base}{path}",
                        "--rate",
                        str(half),
                        "--duration",
                        str(plan.seconds),
                        "--header",
                        f"Authorization: Bearer {token}",
                    ),
                )
                points.append(
                    Point(name, {"read": read, "mode": f"open loop at {half:.0f}/s"}, metrics, runs)
                )
        if not systems or any("chorus" in s for s in systems):
            points += _crowd_and_outage(stack, gateway, token, SMOKE if smoke else CROWD, plan)
    report(points, smoke=smoke)
    return points


def _crowd_and_outage(stack: Stack, gateway: str, token: str, crowd: Plan, plan: Plan) -> list[Point]:
    """1,000 connections at once through the gateway; then the catalog read with Redis stopped."""
    catalog = f"{gateway}{READS['catalog read (GET /api/music/albums/1)']}"
    points = []
    metrics = wrk(catalog, token, crowd)
    points.append(
        Point(
            "chorus gateway",
            {"read": "catalog read", "mode": f"{crowd.connections} connections"},
            metrics,
            [metrics],
        )
    )
    print(
        f"  {crowd.connections} connections: {metrics['requests_per_s']:,.0f} req/s, "
        f"{metrics['non_2xx']} non-2xx, {metrics['socket_errors']} socket errors "
        f"{metrics['socket_errors_by_kind'] or ''}",
        flush=True,
    )
    stack.redis.kill()
    try:
        metrics, runs = repeat(plan.repeats, partial(wrk, catalog, token, plan))
    finally:
        stack.redis.start()
    points.append(Point("chorus gateway", {"read": "catalog read", "mode": "Redis stopped"}, metrics, runs))
    print(
        f"  Redis stopped: {metrics['requests_per_s']:,.0f} req/s, {metrics['non_2xx']} non-2xx", flush=True
    )
    return points


def report(points: list[Point], *, smoke: bool) -> None:
    print_table(
        "gateway overhead (median of repeats)",
        ["read", "mode", "system", "req/s", "p50 ms", "p99 ms"],
        [
            [
                p.params["read"],
                p.params["mode"],
                p.system,
                p.metrics.get("requests_per_s"),
                p.metrics.get("p50_ms"),
                p.metrics.get("p99_ms"),
            ]
            for p in points
        ],
    )
    if not smoke:
        save("gateway", points, {"plan": FULL.__dict__})
