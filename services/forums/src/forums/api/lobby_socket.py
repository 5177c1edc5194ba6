"""The live room socket, `/api/games/wss/lobby/{id}?token=&since=`: JSON frames both ways.

Served ahead of the framework (``chorus_backbone.app.ServiceApp``): a member's
socket keeps only what it uses for as long as it stays.
"""

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chorus_backbone.websocket_wire import refuse, wire_of
from chorus_schemas.live_room import CloseCode, presented_token, room_of_path
from forums.handlers.room_session import Lobby, Refusal
from forums.live.member import MemberConnections

MAX_MESSAGE_ID = 2**63 - 1


class LobbySocket:
    def __init__(self, lobby: Lobby, members: MemberConnections) -> None:
        self.lobby = lobby
        self.members = members

    def route(self, path: str) -> ASGIApp | None:
        """This handler for a room's socket path; None for any other path."""
        return self if room_of_path(path) is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        room_id = room_of_path(scope["path"])
        assert room_id is not None
        websocket = WebSocket(scope, receive, send)
        since_text = websocket.query_params.get("since")
        since = int(since_text) if since_text is not None and since_text.isdigit() else None
        if since_text is not None and (since is None or since > MAX_MESSAGE_ID):
            await refuse(websocket, CloseCode.POLICY, "since must be the id of a message")
            return
        admission = await self.lobby.admit(
            presented_token(websocket.headers, websocket.query_params.get("token")), room_id
        )
        if isinstance(admission, Refusal):
            await refuse(websocket, admission.code, admission.reason)
            return
        wire = wire_of(scope)
        if wire is None:  # served by a server without chorus_backbone.serve's WebSocket protocol
            await refuse(websocket, 1011, "this server cannot serve live rooms")
            return
        await websocket.accept()
        member = self.members.connect(
            wire,
            websocket.close,
            room_id=admission.room.id,
            album_id=admission.room.album_id,
            user_id=admission.user_id,
            username=admission.username,
        )
        session = self.lobby.session(admission, member)
        try:
            await session.join(since)
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                refusal = await (session.receive(text) if text is not None else session.receive_binary())
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
