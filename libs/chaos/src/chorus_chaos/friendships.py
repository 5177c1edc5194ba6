"""Pairs of users befriending and unfriending each other in a cycle, and what must hold afterwards.

Each step is retried until it gets a definite answer, as a client would. A retry of a
step whose earlier try got no answer may meet that earlier try's effect (409 "already
pending", 404 "no such request"); that is a definite answer too.
"""

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

import httpx

from chorus_backbone.mongo import Database
from chorus_chaos.ledger import Ledger, LoadSwitch, Outcome, outcome_of
from chorus_chaos.verdict import Verdict
from chorus_chaos.world import Account

KIND = "friendship"
RETRY_PAUSE_SECONDS = 0.1
LIST_LIMIT = 100


class PairState(StrEnum):
    NONE = "none"
    PENDING = "pending"
    FRIENDS = "friends"


@dataclass
class Step:
    name: str
    leads_to: PairState
    after_earlier_try: int  # the answer that means an earlier, unanswered try of this step was applied


CYCLE = (
    Step("request", PairState.PENDING, after_earlier_try=409),
    Step("accept", PairState.FRIENDS, after_earlier_try=404),
    Step("unfriend", PairState.NONE, after_earlier_try=404),
)


@dataclass
class Pair:
    sender: Account
    receiver: Account
    state: PairState = PairState.NONE  # after the last acknowledged step
    in_doubt: PairState | None = None  # where the step being tried leads, once a try went unanswered

    async def attempt(self, http: httpx.AsyncClient, step: Step) -> int | None:
        try:
            if step.name == "request":
                response = await http.post(
                    f"/api/users/friends/req/{self.receiver.id}", headers=self.sender.headers
                )
            elif step.name == "accept":
                response = await http.post(
                    "/api/users/friends/add",
                    params={"id": self.sender.id, "accepted": "true"},
                    headers=self.receiver.headers,
                )
            else:
                response = await http.delete(
                    f"/api/users/friends/{self.receiver.id}", headers=self.sender.headers
                )
        except httpx.HTTPError:
            return None
        return response.status_code


@dataclass
class FriendshipLoad:
    pairs: list[Pair]

    @classmethod
    def among(cls, accounts: list[Account]) -> "FriendshipLoad":
        return cls([Pair(a, b) for a, b in itertools.combinations(accounts, 2)])

    async def befriend(self, http: httpx.AsyncClient, switch: LoadSwitch, ledger: Ledger, pair: Pair) -> None:
        for step in itertools.cycle(CYCLE):
            while True:
                if not await switch.may_go():
                    return
                async with switch.request():
                    status = await pair.attempt(http, step)
                outcome = outcome_of(status)
                ledger.note(KIND, outcome)
                if outcome is Outcome.ACKNOWLEDGED or (
                    pair.in_doubt is not None and status == step.after_earlier_try
                ):
                    pair.state, pair.in_doubt = step.leads_to, None
                    break
                if status is not None and 400 <= status < 500:
                    ledger.surprise(f"{step.name} {pair.sender.id}→{pair.receiver.id} answered {status}")
                    return
                pair.in_doubt = step.leads_to
                await asyncio.sleep(RETRY_PAUSE_SECONDS)


async def friendship_lag(users: Database) -> list[str]:
    pending = await users["outbox"].count_documents({"sent_at": None})
    return [f"users outbox holds {pending} unsent documents (transactions' events)"] if pending else []


async def check_friendships(
    load: FriendshipLoad, users: Database, http: httpx.AsyncClient, verdict: Verdict
) -> None:
    stored = {
        tuple(document["users"]): PairState(document["status"])
        async for document in users["friendships"].find({}, {"users": 1, "status": 1})
    }
    for pair in load.pairs:
        key = tuple(sorted((pair.sender.id, pair.receiver.id)))
        found = stored.get(key, PairState.NONE)
        if found not in (pair.state, pair.in_doubt):
            verdict.lost(f"friendship {key}: stored {found}, acknowledged {pair.state}")
    people = {account.id: account for pair in load.pairs for account in (pair.sender, pair.receiver)}
    for account in people.values():
        listed = await http.get("/api/users/friends", params={"limit": LIST_LIMIT}, headers=account.headers)
        if listed.status_code != 200:
            verdict.unsettled(f"friends of {account.id} answered {listed.status_code}")
            continue
        for friend, times in Counter(entry["id"] for entry in listed.json()).items():
            if times > 1:
                verdict.doubled(f"user {friend} listed {times} times among the friends of {account.id}")
