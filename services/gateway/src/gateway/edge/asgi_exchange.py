"""The edge served through ASGI: for requests that must pass a middleware first.

With CORS configured, a cross-origin request (one with an `Origin` header) goes
through Starlette's CORS middleware, which answers preflights and adds its headers
to answers; the edge then serves it here, with the same checks as on its own path.
"""

from starlette.types import Receive, Scope, Send

from gateway.edge.exchange import ClientGoneError, with_length


class AbortedAnswerError(Exception):
    """The edge could not finish an answer: uvicorn answers 500 or closes the connection."""


class AsgiExchange:
    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        self.target = raw_path + b"?" + scope["query_string"] if scope["query_string"] else raw_path
        self.path: str = scope["path"]
        self.headers: list[tuple[bytes, bytes]] = scope["headers"]
        client = scope.get("client")
        self.client_address = client[0] if client else "unknown"
        self.aborted = False
        self._receive = receive
        self._send = send

    async def receive(self) -> tuple[bytes, bool]:
        message = await self._receive()
        if message["type"] == "http.disconnect":
            raise ClientGoneError
        return message.get("body", b""), message.get("more_body", False)

    async def answer(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, close: bool = False
    ) -> None:
        headers = with_length(self.method, status, headers, body)
        if close:
            headers = [*headers, (b"connection", b"close")]
        await self.start(status, headers)
        await self._send({"type": "http.response.body", "body": body})

    async def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        await self._send({"type": "http.response.start", "status": status, "headers": headers})

    async def send(self, chunk: bytes) -> None:
        await self._send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def end(self) -> None:
        await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    def abort(self) -> None:
        self.aborted = True

    def finished(self) -> None:
        if self.aborted:
            raise AbortedAnswerError
