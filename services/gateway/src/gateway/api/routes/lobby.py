"""The live room socket, relayed to a forums replica."""

from fastapi import APIRouter, WebSocket

from gateway.api.deps import Gateway
from gateway.upstreams.lobby_proxy import proxy_lobby

router = APIRouter()


@router.websocket("/api/games/wss/lobby/{room_id}")
async def lobby(websocket: WebSocket, room_id: int, gateway: Gateway) -> None:
    await proxy_lobby(websocket, gateway.token_cache, gateway.pool, room_id)
