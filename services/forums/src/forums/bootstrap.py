"""Composition root: builds the forums service from settings."""

from dataclasses import dataclass

from chorus_backbone.auth import TokenCodec
from chorus_backbone.projection import LiveProjection
from chorus_backbone.runtime import Runtime
from forums.handlers.message_log import MessageLog
from forums.live.announcer import PresenceAnnouncer
from forums.live.bus import RoomBus
from forums.live.hub import LocalHub
from forums.live.presence import Presence
from forums.projection import FORUMS_PROJECTION
from forums.settings import ForumsSettings
from forums.store.projections import MongoForumProjections
from forums.store.records import MongoRecordRepository
from forums.store.rooms import MongoRoomRepository


@dataclass
class ForumsService:
    """Everything the handlers use, built once per process."""

    settings: ForumsSettings
    runtime: Runtime
    rooms: MongoRoomRepository
    message_log: MessageLog
    records: MongoRecordRepository
    projections: LiveProjection[MongoForumProjections]
    presence: Presence
    bus: RoomBus
    announcer: PresenceAnnouncer
    hub: LocalHub
    tokens: TokenCodec

    async def ensure_indexes(self) -> None:
        await self.rooms.ensure_indexes()
        await self.records.ensure_indexes()
        await self.projections.ensure_indexes()


def bootstrap(settings: ForumsSettings) -> ForumsService:
    runtime = Runtime.from_settings(settings)
    database = runtime.database
    prefix = f"{settings.redis_key_prefix}forums:"
    presence = Presence(runtime.redis, prefix=prefix, ttl_seconds=settings.presence_ttl_seconds)
    bus = RoomBus(runtime.redis, prefix=prefix)
    rooms = MongoRoomRepository(database)
    return ForumsService(
        settings=settings,
        runtime=runtime,
        rooms=rooms,
        message_log=MessageLog(runtime.mongo_client, rooms, runtime.outbox),
        records=MongoRecordRepository(database),
        projections=LiveProjection(runtime.mongo_client, database, FORUMS_PROJECTION),
        presence=presence,
        bus=bus,
        announcer=PresenceAnnouncer(presence, bus, window_seconds=settings.presence_announce_seconds),
        hub=LocalHub(),
        tokens=TokenCodec(settings.token_keys()),
    )
