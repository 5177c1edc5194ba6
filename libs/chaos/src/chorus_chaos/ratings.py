"""Raters rating flat out through the gateway, and what must hold of their ratings afterwards."""

import asyncio
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from chorus_backbone.mongo import Database
from chorus_chaos.ledger import Ledger, LoadSwitch, Outcome, outcome_of
from chorus_chaos.verdict import Verdict
from chorus_chaos.world import Account

KIND = "rating"
RETRY_PAUSE_SECONDS = 0.1


@dataclass
class Attempt:
    score: float
    acknowledged: bool


@dataclass
class RatingLoad:
    """Every rating tried, per (user, album), in order."""

    attempts: dict[tuple[int, int], list[Attempt]] = field(default_factory=lambda: defaultdict(list))

    async def rate(
        self, http: httpx.AsyncClient, switch: LoadSwitch, ledger: Ledger, rater: Account, albums: list[int]
    ) -> None:
        turn = random.Random(rater.id)
        while await switch.may_go():
            album, score = turn.choice(albums), turn.randint(1, 10) / 2
            status: int | None = None
            async with switch.request():
                try:
                    response = await http.put(
                        f"/api/reviews/albums/{album}", json={"score": score}, headers=rater.headers
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    pass
            outcome = outcome_of(status)
            ledger.note(KIND, outcome)
            self.attempts[(rater.id, album)].append(Attempt(score, outcome is Outcome.ACKNOWLEDGED))
            if outcome is not Outcome.ACKNOWLEDGED:
                await asyncio.sleep(RETRY_PAUSE_SECONDS)  # a part is away: do not spin

    def albums(self) -> set[int]:
        return {album for _, album in self.attempts}


def allowed_after(tries: list[Attempt]) -> set[float | None]:
    """What may be stored after these attempts: the last acknowledged, or any later unanswered one."""
    last = max((i for i, attempt in enumerate(tries) if attempt.acknowledged), default=None)
    later = tries[last + 1 :] if last is not None else tries
    allowed: set[float | None] = {attempt.score for attempt in later if not attempt.acknowledged}
    allowed.add(tries[last].score if last is not None else None)
    return allowed


async def rating_lag(load: RatingLoad, reviews: Database, http: httpx.AsyncClient) -> list[str]:
    """What has not caught up: the outbox, and album aggregates (stored and shown) behind their ratings."""
    behind: list[str] = []
    if pending := await reviews["outbox"].count_documents({"sent_at": None}):
        behind.append(f"reviews outbox holds {pending} unsent documents (transactions' events)")
    for album in sorted(load.albums()):
        halves = [d["half_stars"] async for d in reviews["ratings"].find({"album_id": album})]
        expected = (len(halves), sum(halves), {str(h): n for h, n in Counter(halves).items()})
        document: dict[str, Any] = await reviews["albums"].find_one({"_id": album}) or {}
        stored = (
            document.get("ratings_count"),
            document.get("half_star_sum"),
            {h: n for h, n in document.get("histogram", {}).items() if n},
        )
        if stored != expected:
            behind.append(f"album {album}: aggregate {stored[:2]}, ratings {expected[:2]}")
            continue
        shown = await http.get(f"/api/music/albums/{album}")
        if shown.status_code != 200 or shown.json()["ratings_count"] != len(halves):
            behind.append(f"album {album}: page shows {shown.text[:120]}, ratings count {len(halves)}")
    return behind


async def check_ratings(load: RatingLoad, reviews: Database, verdict: Verdict) -> None:
    stored: dict[tuple[int, int], list[float]] = defaultdict(list)
    async for document in reviews["ratings"].find({}, {"user_id": 1, "album_id": 1, "half_stars": 1}):
        stored[(document["user_id"], document["album_id"])].append(document["half_stars"] / 2)
    for key, tries in load.attempts.items():
        found = stored.get(key, [])
        if len(found) > 1:
            verdict.doubled(f"rating of user {key[0]} for album {key[1]} stored {len(found)} times")
        value = found[0] if found else None
        if value not in allowed_after(tries):
            verdict.lost(f"rating of user {key[0]} for album {key[1]}: stored {value}, tried {tries[-3:]}")
