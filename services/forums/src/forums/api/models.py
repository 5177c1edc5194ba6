"""Request and response bodies of the forums API."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chorus_backbone.json_types import ACCEPTS_WHOLE_FLOAT


class NewRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    moves: list[str] = Field(description="The room's log, in order.")


class Confirmation(BaseModel):
    message: str
    id: int | None = None


class RecordSummary(BaseModel):
    id: int
    datetime: datetime


class RecordMoves(BaseModel):
    moves: list[str]


class NewRoom(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    album_id: Annotated[int, Field(ge=1, le=2**53), ACCEPTS_WHOLE_FLOAT] | None = None
    title: str | None = Field(default=None, max_length=200)


class Lobby(BaseModel):
    lobby_id: int


class DiscoveredLobby(BaseModel):
    lobby_id: int
    avg_rating: float
    friends_in: bool
    title: str
    album_id: int | None
    members: int
