"""The live room socket, proxied both ways to a forums replica; close codes pass through."""

import asyncio
import contextlib
from urllib.parse import urlencode

from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from chorus_backbone.auth import InvalidTokenError
from chorus_schemas.live_room import CloseCode, presented_token
from gateway.edge.tokens import TokenCache
from gateway.upstreams.pool import UpstreamPool


async def _open_upstream(pool: UpstreamPool, path: str, query: str) -> ClientConnection | CloseCode:
    """A connection to some forums replica, or the close code to refuse the client with."""
    for url in await pool.candidates("forums"):
        try:
            upstream = await connect(
                f"{url.replace('http', 'ws', 1)}{path}?{query}", open_timeout=5, max_size=2**20
            )
        except InvalidStatus:
            return CloseCode.UNKNOWN_ROOM  # the replica refused: bad room (the token was checked here)
        except (OSError, TimeoutError):
            pool.failed(url)
            continue
        pool.succeeded(url)
        return upstream
    return CloseCode.TRY_AGAIN


async def proxy_lobby(websocket: WebSocket, tokens: TokenCache, pool: UpstreamPool, room_id: int) -> None:
    token = presented_token(websocket.headers, websocket.query_params.get("token"))
    try:
        if not token:
            raise InvalidTokenError("a token is required")
        tokens.user(token)
    except InvalidTokenError:
        await websocket.close(CloseCode.UNAUTHORIZED, "a valid token is required")
        return
    query = {"token": token}
    if (since := websocket.query_params.get("since")) is not None:
        query["since"] = since
    upstream = await _open_upstream(pool, f"/api/games/wss/lobby/{room_id}", urlencode(query))
    if isinstance(upstream, CloseCode):
        await websocket.close(upstream, "room unavailable")
        return
    await websocket.accept()
    async with upstream:
        await _pump(websocket, upstream)


async def _pump(client: WebSocket, upstream: ClientConnection) -> None:
    async def client_to_upstream() -> None:
        with contextlib.suppress(WebSocketDisconnect, ConnectionClosed):
            while True:
                await upstream.send(await client.receive_text())
        await upstream.close()

    async def upstream_to_client() -> None:
        try:
            async for frame in upstream:
                await client.send_text(frame if isinstance(frame, str) else frame.decode())
        except ConnectionClosed:
            pass
        code = upstream.close_code or 1001
        with contextlib.suppress(Exception):
            await client.close(code if code != 1006 else 1001, upstream.close_reason or "")

    tasks = [asyncio.create_task(client_to_upstream()), asyncio.create_task(upstream_to_client())]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
