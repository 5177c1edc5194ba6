"""Scenario 3, event path: rating PUT through the gateway → RatingChanged on Kafka → the room's frame.

The floor it is compared with: Kafka's own produce→consume latency on the same
broker (kafka-tools' EndToEndLatency), plus one MongoDB-wire write. The write is
timed twice: back to back (the floor the bar is computed from) and at the
scenario's own pace, one every 50 ms, as the ratings come; a server that idles
between requests answers each more slowly (caches gone cold, threads woken),
and that is the pace the path itself is measured at.
"""

import re
import subprocess
import time

import httpx
from pymongo import MongoClient

from chorus_bench.chorus_stack import start_chorus
from chorus_bench.cores import CLIENT_CORES, on_cores
from chorus_bench.harness import Point, load_generator, print_table, repeat, save
from chorus_bench.system import running
from chorus_devinfra.kafka import kafka_libs

# The warm-up rates the albums before this one, so none of its frames reaches the room listened to.
LISTENED_ALBUM = 21
RATING_INTERVAL_SECONDS = 0.05  # one rating every 50 ms, as the load generator's default


def kafka_floor(bootstrap: str, messages: int) -> dict[str, object]:
    classpath = f"{kafka_libs()}/*"
    command = on_cores(
        [
            "java",
            "-cp",
            classpath,
            "org.apache.kafka.tools.EndToEndLatency",
            bootstrap,
            f"bench-e2e-{time.monotonic_ns()}",
            str(messages),
            "all",
            "200",
        ],
        CLIENT_CORES,
    )
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600).stdout
    average = float(re.search(r"Avg latency: ([\d.]+) ms", output).group(1))  # type: ignore[union-attr]
    p50, p99 = re.search(r"50th = ([\d.]+), 99th = ([\d.]+)", output).groups()  # type: ignore[union-attr]
    return {"avg_ms": average, "p50_ms": float(p50), "p99_ms": float(p99)}


def mongo_write(url: str, count: int, *, interval: float = 0.0) -> dict[str, float]:
    """One insert's latency, ``count`` times, starting one every ``interval`` seconds (0: back to back)."""
    client: MongoClient[dict[str, object]] = MongoClient(url)
    collection = client["bench"]["writes"]
    timings = []
    for index in range(count):
        started = time.perf_counter()
        collection.insert_one({"n": index})
        timings.append((time.perf_counter() - started) * 1000)
        time.sleep(max(0.0, interval - (time.perf_counter() - started)))
    client.close()
    timings.sort()
    return {"p50_ms": timings[len(timings) // 2], "p99_ms": timings[int(len(timings) * 0.99)]}


def run(*, smoke: bool = False, systems: list[str] | None = None) -> list[Point]:
    count, repeats = (5, 1) if smoke else (200, 3)
    points: list[Point] = []
    with running("event-path") as started:
        chorus = start_chorus(started)
        token = chorus.user_token("listener")
        headers = {"Authorization": f"Bearer {token}"}
        if not smoke:
            # Other users' ratings, of other albums than the one listened to.
            chorus.warm_up(started.state, albums=LISTENED_ALBUM - 1)

        def once() -> dict[str, object]:
            room = httpx.post(
                f"{chorus.gateway}/api/games/create",
                json={"album_id": LISTENED_ALBUM},
                headers=headers,
                timeout=30,
            ).json()["lobby_id"]
            return load_generator(
                "chorus_bench.loadgen.rating_events",
                "--gateway",
                chorus.gateway,
                "--token",
                token,
                "--room",
                str(room),
                "--album",
                str(LISTENED_ALBUM),
                "--count",
                str(count),
                "--interval",
                str(RATING_INTERVAL_SECONDS),
            )

        metrics, runs = repeat(repeats, once)
        points.append(Point("chorus: PUT → RatingChanged → room frame", {"ratings": count}, metrics, runs))
        metrics, runs = repeat(
            repeats, lambda: kafka_floor(chorus.stack.kafka_bootstrap, 50 if smoke else 1000)
        )
        points.append(
            Point("kafka EndToEndLatency (acks=all)", {"messages": 50 if smoke else 1000}, metrics, runs)
        )
        metrics, runs = repeat(
            repeats, lambda: mongo_write(chorus.stack.mongo_url("reviews"), 20 if smoke else 500)
        )
        points.append(Point("one MongoDB-wire insert (pymongo)", {}, metrics, runs))
        metrics, runs = repeat(
            repeats,
            lambda: mongo_write(
                chorus.stack.mongo_url("reviews"), 20 if smoke else 200, interval=RATING_INTERVAL_SECONDS
            ),
        )
        points.append(Point("one MongoDB-wire insert, one every 50 ms", {}, metrics, runs))
    print_table(
        "event path (median of repeats)",
        ["path", "p50 ms", "p99 ms", "PUT answered p50 ms"],
        [
            [p.system, p.metrics.get("p50_ms"), p.metrics.get("p99_ms"), p.metrics.get("put_answered_p50_ms")]
            for p in points
        ],
    )
    if not smoke:
        floor = points[1].metrics["p50_ms"] + points[2].metrics["p50_ms"]
        floor_at_pace = points[1].metrics["p50_ms"] + points[3].metrics["p50_ms"]
        print(
            f"bar: p50 <= {2 * floor:.2f} ms (2 x (Kafka p50 + one insert back to back)); "
            f"the same at the ratings' pace: {2 * floor_at_pace:.2f} ms"
        )
        save(
            "event-path", points, {"bar_ms": 2 * floor, "floor_ms": floor, "floor_at_pace_ms": floor_at_pace}
        )
    return points
