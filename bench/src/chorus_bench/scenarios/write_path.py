"""Scenario 4, write path: sustained ratings/s end to end against raw inserts/s of the same server.

A rating goes gateway → reviews (the rating and its event in one transaction, shared
by the ratings submitted meanwhile) → Kafka → the aggregate fold. Points: 32 and 256
raters, over 20 and over 2,000 albums. After each, every album's aggregate must equal
what the final scores imply (the time until it does is reported), and the outbox must
drain.
"""

import statistics
import time
from collections import defaultdict
from pathlib import Path

import httpx
from pymongo import MongoClient

from chorus_bench.chorus_stack import start_chorus
from chorus_bench.harness import Point, print_table, repeat, save
from chorus_bench.system import running

REVIEWS_DATABASE = "chorus_reviews"  # the reviews service's default, which the bench keeps


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


def _wrong_aggregates(gateway: str, finals: dict[str, float]) -> list[dict[str, object]]:
    by_album: dict[int, list[float]] = defaultdict(list)
    for key, score in finals.items():
        by_album[int(key.split(":")[1])].append(score)
    wrong = []
    with httpx.Client(base_url=gateway, timeout=30) as client:
        for album, scores in by_album.items():
            shown = client.get(f"/api/music/albums/{album}").json()
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
    return wrong


def _aggregates_exact(gateway: str, finals: dict[str, float], timeout: float = 60) -> dict[str, object]:
    """Poll until every aggregate equals its ratings; how long that took after the load."""
    started = time.monotonic()
    while True:
        wrong = _wrong_aggregates(gateway, finals)
        if not wrong or time.monotonic() - started > timeout:
            break
        time.sleep(0.2)
    albums = len({key.split(":")[1] for key in finals})
    return {
        "albums_checked": albums,
        "albums_wrong": len(wrong),
        "exact_after_s": round(time.monotonic() - started, 2) if not wrong else None,
        "examples": wrong[:3],
    }


def _outbox_drain_seconds(mongo_url: str, timeout: float = 120) -> float | None:
    """Seconds until the reviews outbox holds nothing unsent, read from the database itself
    (the service's backlog gauge is refreshed only every few seconds)."""
    client: MongoClient[dict[str, object]] = MongoClient(mongo_url)
    outbox = client[REVIEWS_DATABASE]["outbox"]
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            if not outbox.count_documents({"sent_at": None}, limit=1):
                return round(time.monotonic() - started, 2)
            time.sleep(0.05)
        return None
    finally:
        client.close()


def _catalog_of(reviews: str, token: str, albums: int) -> None:
    """At least ``albums`` albums, with ids 1..albums (the starter catalog has 340)."""
    with httpx.Client(base_url=reviews, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        index = 0
        while client.get(f"/api/music/albums/{albums}").status_code == 404:
            client.post("/api/music/albums", json={"title": f"Bench album {index}", "artist": "Bench"})
            index += 1


def run(*, smoke: bool = False, systems: list[str] | None = None) -> list[Point]:
    plan = [(2, 20)] if smoke else [(32, 20), (32, 2000), (256, 20), (256, 2000)]
    seconds, repeats = (1.0, 1) if smoke else (10.0, 3)
    points: list[Point] = []
    with running("write-path") as started:
        chorus = start_chorus(started)
        most = max(users for users, _ in plan)
        tokens = [chorus.user_token(f"rater{i}") for i in range(most)]
        # The same raters rate on from point to point: what an aggregate must show is every
        # rater's last acknowledged score so far.
        finals: dict[str, float] = {}
        if not smoke:
            finals.update(chorus.warm_up(started.state, tokens[: min(plan)[0]]))
        for users, albums in plan:
            _catalog_of(chorus.urls["reviews"], tokens[0], albums)
            token_file = started.state / f"tokens-{users}.txt"
            token_file.write_text("\n".join(tokens[:users]))

            def once(
                token_file: Path = token_file, albums: int = albums, finals: dict[str, float] = finals
            ) -> dict[str, object]:
                result = chorus.rate(token_file, albums=albums, seconds=seconds)
                finals.update(result.pop("final"))
                result["outbox_drained_after_s"] = _outbox_drain_seconds(chorus.stack.mongo_url("reviews"))
                return result

            metrics, runs = repeat(repeats, once)
            metrics.update(_aggregates_exact(chorus.gateway, finals))
            print(
                f"  {users:>3} raters, {albums:>4} albums: {metrics['ratings_per_s']:>8,.1f} ratings/s,"
                f" {metrics['failed']} failed, {metrics['albums_wrong']} aggregates wrong",
                flush=True,
            )
            name = f"chorus: PUT rating through the gateway ({users} raters, {albums} albums)"
            points.append(Point(name, {"seconds": seconds, "raters": users, "albums": albums}, metrics, runs))
        metrics, runs = repeat(repeats, lambda: raw_inserts(chorus.stack.mongo_url("reviews"), seconds))
        points.append(
            Point("raw insert_one, same MongoDB-wire server (pymongo)", {"seconds": seconds}, metrics, runs)
        )
    print_table(
        "write path (median of repeats)",
        ["system", "per second", "aggregates wrong", "exact after (s)", "outbox drained (s)"],
        [
            [
                p.system,
                p.metrics.get("ratings_per_s") or p.metrics.get("inserts_per_s"),
                p.metrics.get("albums_wrong"),
                p.metrics.get("exact_after_s"),
                p.metrics.get("outbox_drained_after_s"),
            ]
            for p in points
        ],
    )
    if not smoke:
        save("write-path", points, {})
    return points
