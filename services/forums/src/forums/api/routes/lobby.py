"""The live room socket: `/api/games/wss/lobby/{id}`."""

from typing import Annotated

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from chorus_backbone.auth import InvalidTokenError, Principal, TokenKind
from forums.bootstrap import ForumsService
from forums.handlers.live import RoomSession
from forums.live.member import MemberConnection

router = APIRouter(prefix="/api/games", tags=["rooms"])

CLOSE_UNAUTHORIZED = 4401
CLOSE_UNKNOWN_ROOM = 4404
CLOSE_ROOM_FULL = 4409


def _token(websocket: WebSocket, query_token: str | None) -> str | None:
    authorization = websocket.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:]
    return websocket.headers.get("auth_token") or query_token


def _principal(service: ForumsService, token: str | None) -> Principal | None:
    if not token:
        return None
    try:
        return service.tokens.verify(token, kind=TokenKind.USER)
    except InvalidTokenError:
        return None


@router.websocket("/wss/lobby/{id}")
async def lobby(
    websocket: WebSocket,
    id: int,
    token: Annotated[str | None, Query()] = None,
    since: Annotated[int | None, Query(ge=0)] = None,
) -> None:
    """A live room: JSON frames both ways (see the contract's frame list)."""
    service: ForumsService = websocket.app.state.forums
    principal = _principal(service, _token(websocket, token))
    if principal is None:
        await websocket.close(CLOSE_UNAUTHORIZED, "a valid token is required")
        return
    room = await service.rooms.get(id)
    if room is None or room.closed:
        await websocket.close(CLOSE_UNKNOWN_ROOM, "there is no such open room")
        return
    if len(await service.presence.member_ids(room.id)) >= service.settings.max_members_per_room:
        await websocket.close(CLOSE_ROOM_FULL, "this room is full")
        return
    await websocket.accept()
    member = MemberConnection(
        websocket,
        room_id=room.id,
        user_id=principal.user_id,
        username=principal.username,
        queue_size=service.settings.member_queue_size,
        fetch_after=_fetch_after(service),
    )
    session = RoomSession(service, room, member)
    try:
        await session.join(since)
        while True:
            close_code = await session.receive(await websocket.receive_text())
            if close_code is not None:
                await websocket.close(
                    close_code, "too many bad frames" if close_code == 1008 else "frame too large"
                )
                break
    except WebSocketDisconnect:
        pass
    except RuntimeError:
        # Starlette's word for a socket that went away mid-send: nothing is left to answer.
        if websocket.application_state == WebSocketState.CONNECTED:
            raise
    finally:
        await session.leave()


def _fetch_after(service: ForumsService):  # type: ignore[no-untyped-def]
    async def fetch(room_id: int, after_id: int, limit: int):  # type: ignore[no-untyped-def]
        return await service.rooms.after(room_id, after_id, limit=limit)

    return fetch
