"""The reviews service's projection of users.events as data: what each event changes.

The live consumer and `chorus replay reviews` both apply exactly these changes.
"""

from chorus_backbone.friend_graph import friend_accepted, friend_removed
from chorus_backbone.mongo import Session
from chorus_backbone.projection import ProjectionSource, ProjectionSpec
from chorus_schemas import Topic
from chorus_schemas.events.users import FriendAccepted, FriendRemoved, UserRegistered
from reviews.settings import ReviewsSettings
from reviews.store.people import MongoPeopleProjection


async def _user_registered(store: MongoPeopleProjection, event: UserRegistered, session: Session) -> None:
    await store.remember_user(event.user_id, event.username, session=session)


PEOPLE_PROJECTION = ProjectionSpec[MongoPeopleProjection](
    name="reviews",
    settings=ReviewsSettings,
    store=MongoPeopleProjection,
    collections=("people", "friendships"),
    inbox_consumer="people",
    sources=(
        ProjectionSource(
            Topic.USERS_EVENTS,
            "people",
            {
                UserRegistered: _user_registered,
                FriendAccepted: friend_accepted,
                FriendRemoved: friend_removed,
            },
        ),
    ),
)
