"""Dependencies of the forums routes, declared once."""

from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.requests import HTTPConnection

from forums.handlers.records import Records
from forums.handlers.room_session import Lobby
from forums.handlers.rooms import Rooms
from forums.live.member import MemberConnections


def _rooms(request: Request) -> Rooms:
    rooms: Rooms = request.app.state.rooms
    return rooms


def _records(request: Request) -> Records:
    records: Records = request.app.state.records
    return records


def _lobby(connection: HTTPConnection) -> Lobby:
    lobby: Lobby = connection.app.state.lobby
    return lobby


def _members(connection: HTTPConnection) -> MemberConnections:
    members: MemberConnections = connection.app.state.members
    return members


RoomsHandler = Annotated[Rooms, Depends(_rooms)]
RecordsHandler = Annotated[Records, Depends(_records)]
LobbyHandler = Annotated[Lobby, Depends(_lobby)]
Members = Annotated[MemberConnections, Depends(_members)]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
