"""Connections that never finish their request head are closed, and one address holds only so many.

uvicorn waits for a request's head (request line and headers) as long as the client
likes: a client opening thousands of connections and sending half a head each (or
nothing) holds as many sockets and file descriptors, and starves everyone else. Here
a connection has ``head_timeout_seconds`` to send each head, and one client address may
have at most ``per_address`` new connections waiting for their first; past that its
new connections are closed at once. Connections past their head (requests being
served, WebSockets once upgraded) are not counted, nor are kept-alive connections
between requests (a proxy's pool holds many from one address; they only get the
deadline, and uvicorn closes idle ones after its keep-alive timeout). On a kept-alive
connection the deadline starts with the first bytes of the next head and is only set
when the head does not arrive whole with them (most heads arrive in one read: no
timer per request). Both deadlines, and uvicorn's keep-alive timeout after each
answer, are slots of the loop's `chorus_backbone.deadlines` wheel, not timers of their own.
"""

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

from chorus_backbone.deadlines import Deadline, deadline_wheel
from chorus_backbone.response_writes import HeldHeadProtocol


@dataclass(frozen=True)
class HeadLimits:
    per_address: int = 1024
    head_timeout_seconds: float = 10.0


class WaitingHeads:
    """Per client address, the connections still waiting for a request head."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._waiting: Counter[str] = Counter()

    def admit(self, address: str) -> bool:
        if self._waiting[address] >= self.per_address:
            return False
        self._waiting[address] += 1
        return True

    def release(self, address: str) -> None:
        self._waiting[address] -= 1
        if self._waiting[address] <= 0:
            del self._waiting[address]


class HeadGuardedProtocol(HeldHeadProtocol):
    """uvicorn's HTTP protocol, with a deadline for each request head and a cap per address.

    Each response leaves in one write (``chorus_backbone.response_writes``).
    """

    waiting: WaitingHeads
    head_timeout_seconds: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address = "unknown"
        self._counted = False
        self._awaiting_head = False
        self._head_begun = False
        self._head_deadline: Deadline | None = None
        self._deadlines = deadline_wheel(self.loop)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._address = self.client[0] if self.client else "unknown"
        if not self.waiting.admit(self._address):
            self.transport.close()
            return
        self._counted = True
        self._await_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_begun and not self.transport.is_closing():
            self._await_head()  # part of a head: the rest must follow in time

    def on_message_begin(self) -> None:
        self._head_begun = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._head_arrived()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        if self._awaiting_head:
            return
        self._awaiting_head = True
        self._head_deadline = self._deadlines.call_later(self.head_timeout_seconds, self._head_too_late)

    def _head_arrived(self) -> None:
        self._head_begun = False
        if self._counted:
            self._counted = False
            self.waiting.release(self._address)
        if not self._awaiting_head:
            return
        self._awaiting_head = False
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def on_response_complete(self) -> None:
        # uvicorn's, with the keep-alive timeout on the wheel (uvicorn cancels it through
        # ``timeout_keep_alive_task.cancel()`` when the next request's bytes arrive).
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        else:
            self.timeout_keep_alive_task = self._deadlines.call_later(  # type: ignore[assignment]
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def _head_too_late(self) -> None:
        self._head_deadline = None
        self._head_arrived()
        self.transport.close()


def head_guarded_protocol(limits: HeadLimits) -> type[HeadGuardedProtocol]:
    """The protocol class for one server: its own count of waiting connections per address."""
    return type(
        "HeadGuardedProtocol",
        (HeadGuardedProtocol,),
        {"waiting": WaitingHeads(limits.per_address), "head_timeout_seconds": limits.head_timeout_seconds},
    )
