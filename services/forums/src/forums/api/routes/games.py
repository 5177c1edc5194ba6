"""Rooms ("lobbies"): open one, discover them."""

from typing import Annotated

from fastapi import APIRouter, Body, Query

from chorus_backbone.api_docs import errors
from chorus_backbone.request_auth import CurrentUser
from forums.api.deps import Limit, Offset, RoomsHandler
from forums.api.models import DiscoveredLobby, Lobby, NewRoom

router = APIRouter(prefix="/api/games", tags=["rooms"])

Rating = Annotated[float | None, Query(ge=0, le=5)]


@router.post("/create", response_model=Lobby, responses=errors(404, 409))
async def create(
    caller: CurrentUser, rooms: RoomsHandler, body: Annotated[NewRoom | None, Body()] = None
) -> Lobby:
    """Open a room, optionally about an album and with a title."""
    body = body or NewRoom()
    room = await rooms.open_room(caller.user_id, body.album_id, body.title)
    return Lobby(lobby_id=room.id)


@router.get("/discover", response_model=list[DiscoveredLobby])
async def discover(
    caller: CurrentUser,
    rooms: RoomsHandler,
    min_rating: Rating = None,
    max_rating: Rating = None,
    friends_only: bool = False,
    limit: Limit = 20,
    offset: Offset = 0,
) -> list[DiscoveredLobby]:
    """Open rooms with their album's average rating and whether friends are in."""
    found = await rooms.discover(
        caller.user_id,
        min_rating=min_rating,
        max_rating=max_rating,
        friends_only=friends_only,
        limit=limit,
        offset=offset,
    )
    return [
        DiscoveredLobby(
            lobby_id=entry.room.id,
            avg_rating=entry.avg_rating,
            friends_in=entry.friends_in,
            title=entry.room.title,
            album_id=entry.room.album_id,
            members=entry.members,
        )
        for entry in found
    ]
