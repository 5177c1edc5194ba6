"""The request id that follows one action: HTTP request → event → consumer → logs."""

import random
from contextvars import ContextVar, Token

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_MAX_INCOMING_LENGTH = 128

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def bind_correlation_id(value: str | None) -> Token[str | None]:
    return _correlation_id.set(value)


def reset_correlation_id(token: Token[str | None]) -> None:
    _correlation_id.reset(token)


def new_request_id() -> str:
    """32 random hex digits (a uuid4's hex form, without building the UUID).

    A request id only has to be unique, not unguessable: it comes from the process's own
    generator (seeded from the system's, and again in a forked child), not from a system
    call per request."""
    return f"{random.getrandbits(128):032x}"


def _acceptable(incoming: str) -> bool:
    return 0 < len(incoming) <= _MAX_INCOMING_LENGTH and incoming.isprintable()


class CorrelationMiddleware:
    """Takes X-Request-ID from the request (or makes one), binds it, echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _acceptable(incoming) else new_request_id()
        token = bind_correlation_id(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            # A WebSocket's frames need no header: its send stays unwrapped (it is the hot path).
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            reset_correlation_id(token)
