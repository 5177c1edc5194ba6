"""What the analytics consumer reads: its own groups, so the services' groups never notice it."""

from analytics.counting import Counting
from chorus_backbone.batch_consumer import BatchEventConsumer
from chorus_backbone.runtime import Runtime
from chorus_schemas import Topic
from chorus_schemas.events.forums import MemberJoined, MessagePosted, RoomOpened
from chorus_schemas.events.ratings import AlbumAdded, RatingChanged, RatingChangedV2


def ratings_consumer(runtime: Runtime, counting: Counting, *, gather_ms: int) -> BatchEventConsumer:
    return runtime.batch_consumer(
        Topic.RATINGS_EVENTS,
        "ratings",
        [AlbumAdded, RatingChanged, RatingChangedV2],
        counting.count,
        gather_ms=gather_ms,
    )


def rooms_consumer(runtime: Runtime, counting: Counting, *, gather_ms: int) -> BatchEventConsumer:
    return runtime.batch_consumer(
        Topic.FORUMS_EVENTS,
        "rooms",
        [RoomOpened, MessagePosted, MemberJoined],
        counting.count,
        gather_ms=gather_ms,
    )
