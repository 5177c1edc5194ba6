"""Composition root: builds the forums service from settings."""

from dataclasses import dataclass

from chorus_backbone.auth import TokenCodec
from chorus_backbone.group_commit import BatchedEvents
from chorus_backbone.page_cache import PageCache
from chorus_backbone.projection import LiveProjection
from chorus_backbone.runtime import Runtime
from forums.domain.models import Message
from forums.events.subscribers import ratings_consumer, users_consumer
from forums.handlers.records import Records
from forums.handlers.room_events import RoomEvents
from forums.handlers.room_session import LiveRoomParts, Lobby
from forums.handlers.rooms import Rooms
from forums.live.announcer import PresenceAnnouncer
from forums.live.bus import RoomBus
from forums.live.hub import LocalHub
from forums.live.member import MemberConnections
from forums.live.presence import Presence
from forums.projection import FORUMS_PROJECTION
from forums.settings import ForumsSettings
from forums.store.discovery import CachedRoomListing
from forums.store.message_log import MessageLog
from forums.store.projections import LiveForumProjections, MongoForumProjections
from forums.store.records import MongoRecordRepository
from forums.store.rooms import MongoRoomRepository


@dataclass
class ForumsService:
    """The service's parts and its handlers, built once per process."""

    settings: ForumsSettings
    runtime: Runtime
    room_store: MongoRoomRepository
    record_store: MongoRecordRepository
    projections: LiveProjection[MongoForumProjections]
    presence: Presence
    bus: RoomBus
    announcer: PresenceAnnouncer
    hub: LocalHub
    tokens: TokenCodec
    members: MemberConnections
    rooms: Rooms
    records: Records
    lobby: Lobby
    room_events: RoomEvents

    async def ensure_indexes(self) -> None:
        await self.room_store.ensure_indexes()
        await self.record_store.ensure_indexes()
        await self.projections.ensure_indexes()


def bootstrap(settings: ForumsSettings) -> ForumsService:
    runtime = Runtime.from_settings(settings)
    database = runtime.database
    prefix = f"{settings.redis_key_prefix}forums:"
    presence = Presence(runtime.redis, prefix=prefix, ttl_seconds=settings.presence_ttl_seconds)
    bus = RoomBus(runtime.redis, prefix=prefix)
    announcer = PresenceAnnouncer(presence, bus, window_seconds=settings.presence_announce_seconds)
    room_store = MongoRoomRepository(database)
    record_store = MongoRecordRepository(database)
    projections = LiveProjection(runtime.mongo_client, database, FORUMS_PROJECTION)
    tokens = TokenCodec(settings.token_keys())
    uow = runtime.unit_of_work
    albums_and_friends = LiveForumProjections(projections)
    pages = PageCache(runtime.redis, name="forums", prefix=prefix, ttl_seconds=settings.page_cache_seconds)
    listing = CachedRoomListing(room_store, albums_and_friends, pages)
    rooms = Rooms(room_store, presence, bus, albums_and_friends, listing, uow, settings)

    async def fetch_after(room_id: int, after_id: int, limit: int) -> list[Message]:
        return await room_store.after(room_id, after_id, limit=limit)

    hub = LocalHub(fetch_after)

    parts = LiveRoomParts(
        rooms=room_store,
        room_handlers=rooms,
        message_log=MessageLog(room_store, uow, bus),
        presence=presence,
        fan_out=bus,
        announcer=announcer,
        events=BatchedEvents(uow),
        tokens=tokens,
        settings=settings,
    )
    service = ForumsService(
        settings=settings,
        runtime=runtime,
        room_store=room_store,
        record_store=record_store,
        projections=projections,
        presence=presence,
        bus=bus,
        announcer=announcer,
        hub=hub,
        tokens=tokens,
        members=MemberConnections(hub, fetch_after, buffer_limit=settings.member_buffer_bytes),
        rooms=rooms,
        records=Records(record_store, uow, settings),
        lobby=Lobby(parts),
        room_events=RoomEvents(room_store, presence, bus, bus, projections.apply),
    )
    runtime.add_consumer(ratings_consumer(runtime, projections, service.room_events, listing))
    runtime.add_consumer(users_consumer(runtime, projections, service.room_events))
    return service
