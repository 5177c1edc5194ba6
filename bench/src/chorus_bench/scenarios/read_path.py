"""Scenario 6, read path: the album page and a catalog search, from the page cache and without it.

Through the gateway with the cache warm (Redis) and cold (a reviews instance whose
Redis is away, so every read goes to MongoDB, as in a Redis outage), the reviews
service direct with the cache warm, and the same read straight from the database
with pymongo as the floor. wrk (closed loop, 32 connections) on the client core;
everything else on the server core.
"""

import time
from collections.abc import Callable
from functools import partial

from pymongo import MongoClient

from chorus_bench.chorus_stack import ChorusSystem
from chorus_bench.harness import Point, print_table, repeat, save
from chorus_bench.scenarios.gateway import FULL, SMOKE, Plan, wrk
from chorus_bench.system import GATEWAY_BENCH_SETTINGS, Running, chorus_service, running, start_parts
from chorus_devinfra.process import free_port
from chorus_devinfra.stack import Stack

READS = {
    "album page": "/api/music/albums/1",
    "catalog search": "/api/music/albums?q=the&sort=rating&limit=20",
}


def _album_page(collection: object) -> None:
    collection.find_one({"_id": 1})  # type: ignore[attr-defined]


def _search(collection: object) -> None:
    query = {"$or": [{"title_key": {"$regex": "the"}}, {"artist_key": {"$regex": "the"}}]}
    list(collection.find(query).sort([("avg_rating", -1), ("ratings_count", -1), ("_id", 1)]).limit(20))  # type: ignore[attr-defined]


RAW: dict[str, Callable[[object], None]] = {"album page": _album_page, "catalog search": _search}


def raw_reads(url: str, database: str, read: str, seconds: float) -> dict[str, object]:
    client: MongoClient[dict[str, object]] = MongoClient(url)
    collection = client[database]["albums"]
    done = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        RAW[read](collection)
        done += 1
    client.close()
    return {"requests_per_s": round(done / (time.monotonic() - started), 1)}


def _gateway(run: Running, stack: Stack, name: str, users: str, reviews: str) -> str:
    return chorus_service(
        run,
        stack,
        "gateway",
        name=name,
        extra={
            **GATEWAY_BENCH_SETTINGS,
            "USERS_URL": users,
            "REVIEWS_URL": reviews,
            "FORUMS_URLS": "[]",
            "GRPC_PORT": str(free_port()),
        },
        ready_path="/healthz",
    )


def run(*, smoke: bool = False, systems: list[str] | None = None) -> list[Point]:
    plan: Plan = SMOKE if smoke else FULL
    points: list[Point] = []
    with running("read-path") as started:
        stack = start_parts(started, stores=("users", "reviews"))
        users = chorus_service(started, stack, "users", store="users", extra={"GRPC_PORT": str(free_port())})
        reviews = chorus_service(started, stack, "reviews", store="reviews")
        # The same service and database with its Redis away: every read is a cache miss.
        nowhere = f"redis://127.0.0.1:{free_port()}/0"
        uncached = chorus_service(
            started, stack, "reviews", name="reviews-uncached", store="reviews", extra={"REDIS_URL": nowhere}
        )
        warm = _gateway(started, stack, "gateway", users, reviews)
        token = ChorusSystem(stack, warm, {}).user_token("bench")
        bases = {
            "chorus gateway, cache warm": warm,
            "chorus gateway, cache cold (no Redis)": _gateway(
                started, stack, "gateway-uncached", users, uncached
            ),
            "reviews direct, cache warm": reviews,
        }
        for read, path in READS.items():
            for name, base in bases.items():
                if systems and not any(s in name for s in systems):
                    continue
                metrics, runs = repeat(plan.repeats, partial(wrk, f"{base}{path}", token, plan))
                points.append(Point(name, {"read": read}, metrics, runs))
                print(f"  {read:<16} {name:<40} {metrics['requests_per_s']:>8,.0f} req/s", flush=True)
            raw = partial(raw_reads, stack.mongo_url("reviews"), "chorus_reviews", read, plan.seconds)
            metrics, runs = repeat(plan.repeats, raw)
            points.append(Point("pymongo straight from the database", {"read": read}, metrics, runs))
    print_table(
        "read path (wrk -c32, median of repeats)",
        ["read", "system", "req/s", "p50 ms", "p99 ms"],
        [
            [
                p.params["read"],
                p.system,
                p.metrics["requests_per_s"],
                p.metrics.get("p50_ms"),
                p.metrics.get("p99_ms"),
            ]
            for p in points
        ],
    )
    if not smoke:
        save("read-path", points, {})
    return points
