"""What the load clients were told, counted per phase of the run, and the switch that pauses them."""

import asyncio
import contextlib
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    REFUSED = "refused"  # 503 in the error shape: a part is away and the client may try again
    UNANSWERED = "unanswered"  # no answer at all (connection dropped, timed out) or a 502/504


def outcome_of(status: int | None) -> Outcome:
    if status is not None and 200 <= status < 300:
        return Outcome.ACKNOWLEDGED
    return Outcome.REFUSED if status == 503 else Outcome.UNANSWERED


@dataclass
class Ledger:
    """Outcomes of every request the load made, by the phase (fault) it was made in."""

    phase: str = "warm-up"
    counts: dict[str, Counter[Outcome]] = field(default_factory=lambda: defaultdict(Counter))
    acknowledged_by_kind: Counter[str] = field(default_factory=Counter)
    surprises: list[str] = field(default_factory=list)  # answers the contract does not give here

    def note(self, kind: str, outcome: Outcome) -> None:
        """``kind`` names the load (rating, friendship, chat)."""
        self.counts[self.phase][outcome] += 1
        if outcome is Outcome.ACKNOWLEDGED:
            self.acknowledged_by_kind[kind] += 1

    def surprise(self, what: str) -> None:
        self.surprises.append(f"{self.phase}: {what}")


@dataclass
class LoadSwitch:
    """Lets the load run, pauses it (waiting for requests in flight) and stops it."""

    _running: asyncio.Event = field(default_factory=asyncio.Event)
    _idle: asyncio.Condition = field(default_factory=asyncio.Condition)
    _in_flight: int = 0
    stopped: bool = False

    def __post_init__(self) -> None:
        self._running.set()

    async def may_go(self) -> bool:
        """Wait while paused; False once stopped."""
        await self._running.wait()
        return not self.stopped

    @contextlib.asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            async with self._idle:
                self._idle.notify_all()

    async def pause(self) -> None:
        self._running.clear()
        async with self._idle:
            await self._idle.wait_for(lambda: self._in_flight == 0)

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self.stopped = True
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()
