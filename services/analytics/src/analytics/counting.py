"""Counting events into hour windows: a fetched batch per transaction, each event once.

A busy room posts hundreds of messages a second; counting them one transaction
each would cost the database more than storing them did. A batch claims its events
in the inbox (a redelivery or a replay counts nothing twice) and adds one increment
per (subject, hour, counter) it touched.
"""

from collections import Counter
from datetime import datetime

from analytics.store import AnalyticsStore, hour_of
from chorus_backbone import mongo
from chorus_backbone.batch_consumer import Delivery
from chorus_backbone.inbox import ProcessedEvents
from chorus_schemas.events.forums import MemberJoined, MessagePosted, RoomOpened
from chorus_schemas.events.ratings import AlbumAdded, RatingChanged, RatingChangedV2

# (kind, subject id, hour, counter)
Window = tuple[str, int, datetime, str]


class Counting:
    def __init__(self, client: mongo.MongoClient, store: AnalyticsStore, inbox: ProcessedEvents) -> None:
        self.client = client
        self.store = store
        self.inbox = inbox

    async def count(self, batch: list[Delivery]) -> None:
        events = {delivery.envelope.id: delivery.event for delivery in batch}

        async def work(session: mongo.Session) -> None:
            claimed = await self.inbox.claim_many([d.envelope for d in batch], session)
            windows: Counter[Window] = Counter()
            for envelope in claimed:
                hour = hour_of(envelope.time)
                match events[envelope.id]:
                    case AlbumAdded(album_id=album_id, title=title, artist=artist):
                        await self.store.name("album", album_id, f"{title} — {artist}", session=session)
                    case RoomOpened(room_id=room_id, title=title):
                        await self.store.name("room", room_id, title, session=session)
                    case RatingChanged(album_id=album_id) | RatingChangedV2(album_id=album_id):
                        windows["album", album_id, hour, "ratings"] += 1
                    case MessagePosted(room_id=room_id):
                        windows["room", room_id, hour, "messages"] += 1
                    case MemberJoined(room_id=room_id):
                        windows["room", room_id, hour, "joins"] += 1
            for (kind, subject_id, hour, counter), added in windows.items():
                await self.store.add(kind, subject_id, hour, counter, added, session=session)

        await mongo.in_transaction(self.client, work)
