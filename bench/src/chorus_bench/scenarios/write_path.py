"""Scenario 4, write path: sustained ratings/s end to end against raw inserts/s of the same server.

A rating goes gateway → reviews (rating, album aggregate and outbox entry in one
transaction) → relay → Kafka. Afterwards every album's aggregate must equal what
the final scores imply, and the outbox must drain.
"""

import statistics
import time
from collections import defaultdict

import httpx
from pymongo import MongoClient

from chorus_bench.chorus_stack import start_chorus
from chorus_bench.harness import Point, load_generator, print_table, repeat, save
from chorus_bench.system import running
from chorus_devinfra.probes import metric_value


def raw_inserts(url: str, seconds: float) -> dict[str, object]:
    client: MongoClient[dict[str, object]] = MongoClient(url)
    collection = client["bench"]["raw_inserts"]
    done = 0
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        collection.insert_one({"album_id": done % 20, "score": 3.5})
        done += 1
    elapsed = time.monotonic() - started
    client.close()
    return {"inserts_per_s": round(done / elapsed, 1), "inserts": done}


def _aggregates_exact(gateway: str, finals: dict[str, float]) -> dict[str, object]:
    by_album: dict[int, list[float]] = defaultdict(list)
    for key, score in finals.items():
        by_album[int(key.split(":")[1])].append(score)
    wrong = []
    for album, scores in by_album.items():
        shown = httpx.get(f"{gateway}/api/music/albums/{album}", timeout=30).json()
        if (
            shown["ratings_count"] != len(scores)
            or abs(shown["avg_rating"] - statistics.fmean(scores)) > 0.01
        ):
            wrong.append(
                {
                    "album": album,
                    "shown": [shown["avg_rating"], shown["ratings_count"]],
                    "expected": [round(statistics.fmean(scores), 3), len(scores)],
                }
            )
    return {"albums_checked": len(by_album), "albums_wrong": len(wrong), "examples": wrong[:3]}


def _outbox_drain_seconds(reviews: str, timeout: float = 120) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        backlog = metric_value(httpx.get(f"{reviews}/metrics", timeout=10).text, "chorus_outbox_backlog")
        if not backlog:
            return round(time.monotonic() - started, 2)
        time.sleep(0.5)
    return None


def run(*, smoke: bool = False, systems: list[str] | None = None) -> list[Point]:
    users, seconds, repeats = (2, 1.0, 1) if smoke else (32, 10.0, 3)
    points: list[Point] = []
    with running("write-path") as started:
        chorus = start_chorus(started)
        tokens = started.state / "tokens.txt"
        tokens.write_text("\n".join(chorus.user_token(f"rater{i}") for i in range(users)))
        finals: dict[str, float] = {}

        def once() -> dict[str, object]:
            result = load_generator(
                "chorus_bench.loadgen.ratings",
                "--gateway",
                chorus.gateway,
                "--token-file",
                str(tokens),
                "--duration",
                str(seconds),
            )
            finals.update(result.pop("final"))
            result["outbox_drained_after_s"] = _outbox_drain_seconds(chorus.urls["reviews"])
            return result

        metrics, runs = repeat(repeats, once)
        metrics.update(_aggregates_exact(chorus.gateway, finals))
        points.append(
            Point(
                f"chorus: PUT rating through the gateway ({users} users)", {"seconds": seconds}, metrics, runs
            )
        )
        metrics, runs = repeat(repeats, lambda: raw_inserts(chorus.stack.mongo_url("reviews"), seconds))
        points.append(
            Point("raw insert_one, same MongoDB-wire server (pymongo)", {"seconds": seconds}, metrics, runs)
        )
    print_table(
        "write path (median of repeats)",
        ["system", "per second", "aggregates wrong", "outbox drained (s)"],
        [
            [
                p.system,
                p.metrics.get("ratings_per_s") or p.metrics.get("inserts_per_s"),
                p.metrics.get("albums_wrong"),
                p.metrics.get("outbox_drained_after_s"),
            ]
            for p in points
        ],
    )
    if not smoke:
        save("write-path", points, {})
    return points
