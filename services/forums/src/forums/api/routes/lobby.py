"""The live room socket: `/api/games/wss/lobby/{id}`."""

from typing import Annotated

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from chorus_backbone.websocket_wire import wire_of
from chorus_schemas.live_room import presented_token
from forums.api.deps import LobbyHandler, Members
from forums.handlers.room_session import Refusal

router = APIRouter(prefix="/api/games", tags=["rooms"])


@router.websocket("/wss/lobby/{id}")
async def lobby(
    websocket: WebSocket,
    id: int,
    lobby: LobbyHandler,
    members: Members,
    token: Annotated[str | None, Query()] = None,
    since: Annotated[int | None, Query(ge=0)] = None,
) -> None:
    """A live room: JSON frames both ways (see the contract's frame list)."""
    admission = await lobby.admit(presented_token(websocket.headers, token), id)
    if isinstance(admission, Refusal):
        await websocket.close(admission.code, admission.reason)
        return
    wire = wire_of(websocket.scope)
    if wire is None:  # served by a server without chorus_backbone.serve's WebSocket protocol
        await websocket.close(1011, "this server cannot serve live rooms")
        return
    await websocket.accept()
    member = members.connect(
        wire,
        websocket.close,
        room_id=admission.room.id,
        album_id=admission.room.album_id,
        user_id=admission.user_id,
        username=admission.username,
    )
    session = lobby.session(admission, member)
    try:
        await session.join(since)
        while True:
            refusal = await session.receive(await websocket.receive_text())
            if refusal is not None:
                await websocket.close(refusal.code, refusal.reason)
                break
    except WebSocketDisconnect:
        pass
    except RuntimeError:
        # Starlette's word for a socket that went away mid-send: nothing is left to answer.
        if websocket.application_state == WebSocketState.CONNECTED:
            raise
    finally:
        await session.leave()
