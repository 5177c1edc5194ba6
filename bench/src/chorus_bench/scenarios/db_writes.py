"""Scenario 7, database writes: what one write costs the MongoDB-wire server, by indexes and by pace.

Not a comparison with a peer: the floor under the write and event paths. A rating
is a document with secondary indexes (the ratings collection has four besides
``_id``, an album five and a multikey one), and every index costs each write on
this server, even one whose key the write leaves alone. Points: inserts and
``$set`` updates of a rating-shaped document with 0, 2, 4 and 5 of the ratings'
indexes (the 5 is the layout before the unique pair index replaced two of them),
back to back; then one insert every 1, 5 and 50 ms (the last is the event path's pace).
"""

import time
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.collection import Collection

from chorus_bench.harness import Point, print_table, repeat, save
from chorus_bench.scenarios.event_path import mongo_write
from chorus_bench.system import running, start_parts

IndexSpec = tuple[list[tuple[str, int]], dict[str, Any]]

# The ratings collection's indexes, the unique pair index first (the layout of today is the first four).
RATING_INDEXES: list[IndexSpec] = [
    ([("pair", ASCENDING)], {"unique": True, "name": "one_per_pair"}),
    ([("album_id", ASCENDING), ("updated_at", DESCENDING)], {"name": "album_newest"}),
    ([("album_id", ASCENDING), ("likes", DESCENDING)], {"name": "album_most_liked"}),
    ([("user_id", ASCENDING), ("updated_at", DESCENDING)], {"name": "user_newest"}),
    ([("album_id", ASCENDING), ("user_id", ASCENDING)], {"name": "one_per_user_album", "unique": True}),
]
DOCUMENTS = 500


def _rating(number: int) -> dict[str, object]:
    album, user = number % 20, number
    return {
        "_id": number,
        "pair": f"{album}:{user}",
        "album_id": album,
        "user_id": user,
        "half_stars": 5,
        "likes": 0,
        "version": 1,
        "updated_at": datetime.now(UTC),
    }


def _per_write_ms(collection: Collection[dict[str, object]], writes: int) -> dict[str, object]:
    started = time.perf_counter()
    for number in range(writes):
        collection.update_one(
            {"_id": number % DOCUMENTS},
            {"$set": {"half_stars": number % 10, "updated_at": datetime.now(UTC), "version": number}},
        )
    updated = time.perf_counter()
    for number in range(writes):
        collection.insert_one(_rating(DOCUMENTS + number))
    inserted = time.perf_counter()
    return {
        "update_ms": round((updated - started) / writes * 1000, 3),
        "insert_ms": round((inserted - updated) / writes * 1000, 3),
    }


def by_indexes(url: str, indexes: int, writes: int) -> dict[str, object]:
    client: MongoClient[dict[str, object]] = MongoClient(url)
    collection = client["bench"][f"ratings_{indexes}_{time.monotonic_ns()}"]
    for keys, options in RATING_INDEXES[:indexes]:
        collection.create_index(keys, **options)
    collection.insert_many([_rating(number) for number in range(DOCUMENTS)])
    try:
        return _per_write_ms(collection, writes)
    finally:
        collection.drop()
        client.close()


def paced_inserts(url: str, count: int, interval: float) -> dict[str, object]:
    return {"insert_ms": round(mongo_write(url, count, interval=interval)["p50_ms"], 3)}


def run(*, smoke: bool = False, systems: list[str] | None = None) -> list[Point]:
    writes, repeats = (50, 1) if smoke else (1500, 3)
    points: list[Point] = []
    with running("db-writes") as started:
        stack = start_parts(started, stores=("bench",))
        url = stack.mongo_url("bench")
        for indexes in (0, 2, 4, 5):
            metrics, runs = repeat(repeats, lambda: by_indexes(url, indexes, writes))  # noqa: B023
            points.append(
                Point(f"{indexes} secondary indexes, back to back", {"indexes": indexes}, metrics, runs)
            )
        for interval in (0.001, 0.005, 0.05):
            metrics, runs = repeat(repeats, lambda: paced_inserts(url, 20 if smoke else 200, interval))  # noqa: B023
            points.append(
                Point(f"insert, one every {interval * 1000:g} ms", {"interval_s": interval}, metrics, runs)
            )
    print_table(
        "one write on the MongoDB-wire server (median of repeats, ms)",
        ["point", "update ms", "insert ms"],
        [[p.system, p.metrics.get("update_ms"), p.metrics.get("insert_ms")] for p in points],
    )
    if not smoke:
        save("db-writes", points, {"writes_per_point": writes})
    return points
