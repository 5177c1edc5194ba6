"""WebSocket frames: what clients may send (validated) and what the server sends."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _ClientFrame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Say(_ClientFrame):
    type: Literal["say"]
    text: str = Field(min_length=1)


class Typing(_ClientFrame):
    type: Literal["typing"]


class Rate(_ClientFrame):
    type: Literal["rate"]
    score: float


class Report(_ClientFrame):
    type: Literal["report"]
    message_id: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=500)


class Delete(_ClientFrame):
    type: Literal["delete"]
    message_id: int = Field(ge=1)


class Mute(_ClientFrame):
    type: Literal["mute"]
    user_id: int = Field(ge=1)
    minutes: int = Field(ge=1, le=24 * 60)


ClientFrame = Annotated[Say | Typing | Rate | Report | Delete | Mute, Field(discriminator="type")]
CLIENT_FRAME: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)


def user_ref(user_id: int, username: str | None) -> dict[str, Any]:
    return {"id": user_id, "username": username}


def message_frame(
    message_id: int, user_id: int, username: str | None, text: str, at: datetime
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": message_id,
        "user": user_ref(user_id, username),
        "text": text,
        "at": at.isoformat(),
    }


def error_frame(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}
