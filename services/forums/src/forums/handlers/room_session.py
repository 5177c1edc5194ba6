"""A member in a live room: admission, joining, the frames they send, leaving."""

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

import orjson
from opentelemetry import trace
from pydantic import ValidationError

from chorus_backbone.auth import InvalidTokenError, Principal, TokenKind
from chorus_backbone.errors import ChorusError
from chorus_backbone.single_flight import SingleFlight
from chorus_schemas import Event
from chorus_schemas.events.forums import MemberJoined, MemberLeft
from chorus_schemas.events.ratings import UpdateRatingRequestedV2
from chorus_schemas.live_room import (
    CLIENT_FRAME,
    ClientFrame,
    CloseCode,
    Delete,
    Mute,
    Rate,
    Report,
    RoomView,
    Say,
    Typing,
    deleted_frame,
    error_frame,
    message_frame,
    muted_frame,
    reported_frame,
    typing_frame,
    user_ref,
    welcome_frame,
)
from forums.domain.limits import StrikeCounter, TokenBucket
from forums.domain.models import Message, NewMessage, Room
from forums.handlers.rooms import Rooms
from forums.live import metrics
from forums.live.ports import Member, PresenceAnnouncements, RoomFanOut, RoomPresence
from forums.settings import ForumsSettings
from forums.store.ports import MessageAppender, RoomRepository

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer("chorus.forums.live")


class EventRecorder(Protocol):
    async def record(self, event: Event) -> None:
        """Committed to the outbox (on its way to Kafka) once this returns."""
        ...


class TokenVerifier(Protocol):
    def verify(self, token: str, *, kind: TokenKind) -> Principal: ...


@dataclass(frozen=True)
class Refusal:
    """Why a socket is closed, as its close code and reason."""

    code: CloseCode
    reason: str


@dataclass(frozen=True)
class Admission:
    room: Room
    user_id: int
    username: str | None


class FrameRefusedError(Exception):
    """A frame answered with an error frame; the socket stays open."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LiveRoomParts:
    """What every session in a room uses: stores, presence, fan-out, limits."""

    rooms: RoomRepository
    room_handlers: Rooms
    message_log: MessageAppender
    presence: RoomPresence
    fan_out: RoomFanOut
    announcer: PresenceAnnouncements
    events: EventRecorder
    tokens: TokenVerifier
    settings: ForumsSettings


class Lobby:
    """Who may enter which room, and the session of one who did."""

    def __init__(self, parts: LiveRoomParts) -> None:
        self.parts = parts
        self._rooms = SingleFlight(parts.rooms.get)  # a crowd joining at once reads its room once

    async def admit(self, token: str | None, room_id: int) -> Admission | Refusal:
        """A valid user token, an open room with space: or the close code that says which is missing."""
        try:
            if not token:
                raise InvalidTokenError("a token is required")
            principal = self.parts.tokens.verify(token, kind=TokenKind.USER)
        except InvalidTokenError:
            return Refusal(CloseCode.UNAUTHORIZED, "a valid token is required")
        room = await self._rooms.get(room_id)
        if room is None or room.closed:
            return Refusal(CloseCode.UNKNOWN_ROOM, "there is no such open room")
        if await self.parts.presence.count(room.id) >= self.parts.settings.max_members_per_room:
            return Refusal(CloseCode.ROOM_FULL, "this room is full")
        return Admission(room, principal.user_id, principal.username)

    def session(self, admission: Admission, member: Member) -> "RoomSession":
        return RoomSession(self.parts, admission.room, member)


class RoomSession:
    """Everything one connection does in one room, from welcome to goodbye."""

    def __init__(self, parts: LiveRoomParts, room: Room, member: Member) -> None:
        self.parts = parts
        self.room = room
        self.member = member
        settings = parts.settings
        self.messages = TokenBucket(settings.messages_per_second, settings.message_burst)
        self.strikes = StrikeCounter(settings.bad_frames_before_close, settings.bad_frame_window_seconds)
        self._replies: set[asyncio.Task[None]] = set()

    async def join(self, since: int | None) -> None:
        """Register, announce, then welcome with history (or exactly what was missed)."""
        with _tracer.start_as_current_span("room join" if since is None else "room resume") as span:
            span.set_attribute("chorus.room.id", self.room.id)
            await self._join(since)

    async def _join(self, since: int | None) -> None:
        parts, member, room = self.parts, self.member, self.room
        member.listen()
        first = await parts.presence.enter(room.id, member.user_id, member.username, member.id)
        if first:
            await self._announce(MemberJoined(room_id=room.id, user_id=member.user_id))
        members = await parts.presence.members(room.id)
        parts.announcer.announce(room.id)
        settings = parts.settings
        # What the welcome holds and where the member's stream starts must agree: the log's
        # end is read before the history, so a message stored meanwhile is either in the
        # history or after last_id (delivered live, or filled from the log), never skipped.
        if since is None:
            # Where this replica's stream of the room stands serves as well as the log's end
            # (everything after it reaches the member live or from the log): no read for
            # the members who join a room already followed here.
            before = member.stream_position()
            if before is None:
                before = await parts.rooms.last_id(room.id)
            history = await parts.rooms.latest(room.id, limit=settings.history_on_join)
        else:
            before = since
            history = await parts.rooms.after(room.id, since, limit=settings.max_resume_messages)
        last_id = history[-1].id if history else before
        view: RoomView = {
            "id": room.id,
            "title": room.title,
            "album_id": room.album_id,
            "creator_id": room.creator_id,
        }
        shown = [message_frame(m.id, m.user_id, m.username, m.text, m.at) for m in history if not m.deleted]
        await member.send(welcome_frame(view, members, shown))
        catch_up_until = None
        if since is not None:
            metrics.RESUMES.inc()
            if len(history) == settings.max_resume_messages:
                catch_up_until = await parts.rooms.last_id(room.id)
        await member.start(last_id, catch_up_until=catch_up_until)

    async def leave(self) -> None:
        parts, member, room = self.parts, self.member, self.room
        await member.stop()
        if member.sent_away:
            # The replica is stopping and the member resumes on another: its presence lease
            # runs out on its own, and the room is not left (nor closed) meanwhile.
            return
        try:
            last = await parts.presence.leave(room.id, member.user_id, member.id)
            if last:
                await self._announce(MemberLeft(room_id=room.id, user_id=member.user_id))
            if await parts.presence.members(room.id):
                parts.announcer.announce(room.id)
            else:
                await parts.room_handlers.close_room(room.id)
        except Exception:
            # The sweeper expires this member and closes the room if Redis or MongoDB blinked.
            logger.exception("leaving room %s did not finish cleanly", room.id)

    async def receive(self, raw: str) -> Refusal | None:
        """Handle one frame; a refusal when the member must be disconnected."""
        limit = self.parts.settings.max_frame_bytes
        if len(raw.encode()) > limit:
            return await self._refuse("frame_too_large", f"frames are at most {limit} bytes")
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

    async def receive_binary(self) -> Refusal | None:
        """A binary frame: this room speaks JSON text only."""
        return await self._refuse("bad_frame", "frames are JSON text, not binary")

    async def _refuse(self, code: str, message: str) -> Refusal | None:
        await self.member.send(error_frame(code, message))
        return Refusal(CloseCode.POLICY, "too many bad frames") if self.strikes.strike() else None

    async def _dispatch(self, frame: ClientFrame) -> None:
        match frame:
            case Say():
                await self._say(frame.text)
            case Typing():
                user = user_ref(self.member.user_id, self.member.username)
                await self.parts.fan_out.publish(self.room.id, typing_frame(user), origin=self.member.id)
            case Rate():
                await self._rate(frame.score)
            case Report():
                await self._report(frame)
            case Delete():
                await self._delete(frame.message_id)
            case Mute():
                await self._mute(frame)

    async def _say(self, text: str) -> None:
        parts, member, room = self.parts, self.member, self.room
        if len(text) > parts.settings.max_message_chars:
            raise FrameRefusedError(
                "message_too_long", f"messages are at most {parts.settings.max_message_chars} characters"
            )
        if not self.messages.take():
            raise FrameRefusedError("slow_down", "you are sending messages too fast")
        if await parts.presence.muted(room.id, member.user_id):
            raise FrameRefusedError("muted", "the room's creator has muted you for now")

        # Stored, then fanned out by the room's log; the next frame is read meanwhile (this
        # member's messages keep their order), and only a failure comes back here.
        stored = parts.message_log.append(room.id, NewMessage(member.user_id, member.username, text))
        stored.add_done_callback(self._said)

    def _said(self, stored: "asyncio.Future[Message | None]") -> None:
        if stored.cancelled():
            return
        if (error := stored.exception()) is not None:
            logger.warning("room %s: a message was not stored: %r", self.room.id, error)
            refusal = error_frame("unavailable", "the message was not stored: say it again shortly")
        elif stored.result() is None:
            refusal = error_frame("room_closed", "this room has closed")
        else:
            return
        task = asyncio.get_running_loop().create_task(self.member.send(refusal))
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)

    async def _rate(self, score: float) -> None:
        if self.room.album_id is None:
            raise FrameRefusedError("no_album", "this room is not about an album")
        if score * 2 != int(score * 2) or not 0.5 <= score <= 5.0:
            raise FrameRefusedError("invalid_score", "a score is 0.5 to 5.0 in steps of 0.5")
        user_id = self.member.user_id
        await self._announce(
            UpdateRatingRequestedV2(
                album_id=self.room.album_id, user_id=user_id, score=score, requested_by=user_id
            )
        )

    async def _report(self, frame: Report) -> None:
        if not await self.parts.rooms.message_exists(self.room.id, frame.message_id):
            raise FrameRefusedError("unknown_message", "there is no such message in this room")
        await self.parts.rooms.report(self.room.id, frame.message_id, self.member.user_id, frame.reason)
        await self.member.send(reported_frame(frame.message_id))

    def _require_creator(self) -> None:
        if self.member.user_id != self.room.creator_id:
            raise FrameRefusedError("not_creator", "only the room's creator can do that")

    async def _delete(self, message_id: int) -> None:
        self._require_creator()
        if not await self.parts.rooms.delete_message(self.room.id, message_id):
            raise FrameRefusedError("unknown_message", "there is no such message in this room")
        await self.parts.fan_out.publish(self.room.id, deleted_frame(message_id))

    async def _mute(self, frame: Mute) -> None:
        self._require_creator()
        await self.parts.presence.mute(self.room.id, frame.user_id, frame.minutes)
        await self.parts.fan_out.publish(self.room.id, muted_frame(frame.user_id, frame.minutes))

    async def _announce(self, event: Event) -> None:
        await self.parts.events.record(event)
