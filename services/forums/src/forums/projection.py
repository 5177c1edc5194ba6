"""The forums projection as data: which topics build it and what each event changes.

The live consumers and `chorus replay forums` both apply exactly these changes.
"""

from chorus_backbone.friend_graph import friend_accepted, friend_removed
from chorus_backbone.mongo import Session
from chorus_backbone.projection import ProjectionSource, ProjectionSpec
from chorus_schemas import Topic
from chorus_schemas.events.ratings import AlbumAdded, AlbumAggregateChanged, RatingChanged
from chorus_schemas.events.users import FriendAccepted, FriendRemoved
from forums.settings import ForumsSettings
from forums.store.discovery import SCOPE as DISCOVERY
from forums.store.projections import MongoForumProjections


async def _album_added(store: MongoForumProjections, event: AlbumAdded, session: Session) -> None:
    await store.remember_album(event.album_id, event.title, session=session)


async def _rating_changed(store: MongoForumProjections, event: RatingChanged, session: Session) -> None:
    await store.set_average(event.album_id, event.avg_rating, event.ratings_count, session=session)


async def _aggregate_changed(
    store: MongoForumProjections, event: AlbumAggregateChanged, session: Session
) -> None:
    await store.set_average(
        event.album_id, event.avg_rating, event.ratings_count, sequence=event.sequence, session=session
    )


FORUMS_PROJECTION = ProjectionSpec[MongoForumProjections](
    name="forums",
    settings=ForumsSettings,
    store=MongoForumProjections,
    collections=("albums", "friendships"),
    inbox_consumer="forums-projections",
    cached_scopes=(DISCOVERY,),
    sources=(
        ProjectionSource(
            Topic.RATINGS_EVENTS,
            "ratings",
            {
                AlbumAdded: _album_added,
                RatingChanged: _rating_changed,
                AlbumAggregateChanged: _aggregate_changed,
            },
        ),
        ProjectionSource(
            Topic.USERS_EVENTS, "users", {FriendAccepted: friend_accepted, FriendRemoved: friend_removed}
        ),
    ),
)
