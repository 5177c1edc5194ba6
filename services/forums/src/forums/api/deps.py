"""Dependencies of the forums routes, declared once."""

from typing import Annotated

from fastapi import Depends, Query

from chorus_backbone.app import from_state
from forums.handlers.records import Records
from forums.handlers.room_session import Lobby
from forums.handlers.rooms import Rooms
from forums.live.member import MemberConnections

RoomsHandler = Annotated[Rooms, Depends(from_state("rooms"))]
RecordsHandler = Annotated[Records, Depends(from_state("records"))]
LobbyHandler = Annotated[Lobby, Depends(from_state("lobby"))]
Members = Annotated[MemberConnections, Depends(from_state("members"))]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
