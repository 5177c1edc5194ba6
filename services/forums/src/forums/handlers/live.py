"""A member in a live room: joining, the frames they send, leaving."""

import logging
from typing import Any

import orjson
from pydantic import ValidationError

from chorus_backbone import mongo
from chorus_backbone.errors import ChorusError
from chorus_schemas.events.forums import MemberJoined, MemberLeft
from chorus_schemas.events.ratings import UpdateRatingRequestedV2
from forums.bootstrap import ForumsService
from forums.domain.frames import (
    CLIENT_FRAME,
    Delete,
    Mute,
    Rate,
    Report,
    Say,
    Typing,
    error_frame,
    message_frame,
    user_ref,
)
from forums.domain.limits import StrikeCounter, TokenBucket
from forums.handlers.rooms import close_room
from forums.live import metrics
from forums.live.member import MemberConnection
from forums.store.rooms import NewMessage, Room

logger = logging.getLogger(__name__)

CLOSE_POLICY = 1008


class FrameRefusedError(Exception):
    """A frame answered with an error frame; the socket stays open."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RoomSession:
    """Everything one connection does in one room, from welcome to goodbye."""

    def __init__(self, service: ForumsService, room: Room, member: MemberConnection) -> None:
        self.service = service
        self.room = room
        self.member = member
        settings = service.settings
        self.messages = TokenBucket(settings.messages_per_second, settings.message_burst)
        self.strikes = StrikeCounter(settings.bad_frames_before_close, settings.bad_frame_window_seconds)

    async def join(self, since: int | None) -> None:
        """Register, announce, then welcome with history (or exactly what was missed)."""
        service, member, room = self.service, self.member, self.room
        service.hub.add(member)
        first = await service.presence.enter(room.id, member.user_id, member.username, member.id)
        if first:
            await self._emit(MemberJoined(room_id=room.id, user_id=member.user_id))
        members = await service.presence.members(room.id)
        service.announcer.announce(room.id)
        settings = service.settings
        # What the welcome holds and where the member's stream starts must agree: the log's
        # end is read before the history, so a message stored meanwhile is either in the
        # history or after last_id (delivered live, or filled from the log), never skipped.
        if since is None:
            before = await service.rooms.last_id(room.id)
            history = await service.rooms.latest(room.id, limit=settings.history_on_join)
        else:
            before = since
            history = await service.rooms.after(room.id, since, limit=settings.max_resume_messages)
        last_id = history[-1].id if history else before
        await member.send(
            {
                "type": "welcome",
                "room": {
                    "id": room.id,
                    "title": room.title,
                    "album_id": room.album_id,
                    "creator_id": room.creator_id,
                },
                "members": members,
                "history": [
                    message_frame(m.id, m.user_id, m.username, m.text, m.at) for m in history if not m.deleted
                ],
            }
        )
        member.start(last_id)
        if since is not None:
            metrics.RESUMES.inc()
        if since is not None and len(history) == settings.max_resume_messages:
            member.offer({"type": "catch_up", "until": await service.rooms.last_id(room.id)})

    async def leave(self) -> None:
        service, member, room = self.service, self.member, self.room
        service.hub.remove(member)
        await member.stop()
        try:
            last = await service.presence.leave(room.id, member.user_id, member.id)
            if last:
                await self._emit(MemberLeft(room_id=room.id, user_id=member.user_id))
            if await service.presence.members(room.id):
                service.announcer.announce(room.id)
            else:
                await close_room(service, room.id)
        except Exception:
            # The sweeper expires this member and closes the room if Redis or MongoDB blinked.
            logger.exception("leaving room %s did not finish cleanly", room.id)

    async def receive(self, raw: str) -> int | None:
        """Handle one frame; returns a close code when the member must be disconnected."""
        if len(raw.encode()) > self.service.settings.max_frame_bytes:
            return await self._refuse(
                "frame_too_large", f"frames are at most {self.service.settings.max_frame_bytes} bytes"
            )
        try:
            frame = CLIENT_FRAME.validate_python(orjson.loads(raw))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            detail = "not JSON" if isinstance(exc, orjson.JSONDecodeError) else "not a frame this room knows"
            return await self._refuse("bad_frame", detail)
        try:
            await self._dispatch(frame)
        except FrameRefusedError as refusal:
            return await self._refuse(refusal.code, refusal.message)
        except ChorusError as error:
            return await self._refuse(error.code, error.message)
        return None

    async def _refuse(self, code: str, message: str) -> int | None:
        await self.member.send(error_frame(code, message))
        return CLOSE_POLICY if self.strikes.strike() else None

    async def _dispatch(self, frame: Any) -> None:
        match frame:
            case Say():
                await self._say(frame.text)
            case Typing():
                await self.service.bus.publish(
                    self.room.id,
                    {
                        "type": "typing",
                        "user": user_ref(self.member.user_id, self.member.username),
                        "origin": self.member.id,
                    },
                )
            case Rate():
                await self._rate(frame.score)
            case Report():
                await self._report(frame)
            case Delete():
                await self._delete(frame.message_id)
            case Mute():
                await self._mute(frame)

    async def _say(self, text: str) -> None:
        service, member, room = self.service, self.member, self.room
        if len(text) > service.settings.max_message_chars:
            raise FrameRefusedError(
                "message_too_long", f"messages are at most {service.settings.max_message_chars} characters"
            )
        if not self.messages.take():
            raise FrameRefusedError("slow_down", "you are sending messages too fast")
        if await service.presence.muted(room.id, member.user_id):
            raise FrameRefusedError("muted", "the room's creator has muted you for now")

        message = await service.message_log.append(room.id, NewMessage(member.user_id, member.username, text))
        if message is None:
            raise FrameRefusedError("room_closed", "this room has closed")
        service.runtime.relay.notify()
        await service.bus.publish(
            room.id, message_frame(message.id, message.user_id, message.username, message.text, message.at)
        )

    async def _rate(self, score: float) -> None:
        if self.room.album_id is None:
            raise FrameRefusedError("no_album", "this room is not about an album")
        if score * 2 != int(score * 2) or not 0.5 <= score <= 5.0:
            raise FrameRefusedError("invalid_score", "a score is 0.5 to 5.0 in steps of 0.5")
        command = UpdateRatingRequestedV2(
            album_id=self.room.album_id,
            user_id=self.member.user_id,
            score=score,
            requested_by=self.member.user_id,
        )
        await self._emit(command)

    async def _report(self, frame: Report) -> None:
        if not await self.service.rooms.message_exists(self.room.id, frame.message_id):
            raise FrameRefusedError("unknown_message", "there is no such message in this room")
        await self.service.rooms.report(self.room.id, frame.message_id, self.member.user_id, frame.reason)
        await self.member.send({"type": "reported", "message_id": frame.message_id})

    def _require_creator(self) -> None:
        if self.member.user_id != self.room.creator_id:
            raise FrameRefusedError("not_creator", "only the room's creator can do that")

    async def _delete(self, message_id: int) -> None:
        self._require_creator()
        if not await self.service.rooms.delete_message(self.room.id, message_id):
            raise FrameRefusedError("unknown_message", "there is no such message in this room")
        await self.service.bus.publish(self.room.id, {"type": "deleted", "message_id": message_id})

    async def _mute(self, frame: Mute) -> None:
        self._require_creator()
        await self.service.presence.mute(self.room.id, frame.user_id, frame.minutes)
        await self.service.bus.publish(
            self.room.id, {"type": "muted", "user_id": frame.user_id, "minutes": frame.minutes}
        )

    async def _emit(self, event: Any) -> None:
        async def store(session: mongo.Session) -> None:
            await self.service.runtime.outbox.add(event, session=session)

        await mongo.in_transaction(self.service.runtime.mongo_client, store)
        self.service.runtime.relay.notify()
