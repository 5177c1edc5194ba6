"""Every event schema Chorus publishes, looked up by (type, version)."""

from chorus_schemas.envelope import Envelope, EnvelopeError
from chorus_schemas.events import forums, ratings, users
from chorus_schemas.events.base import Event

EVENT_TYPES: tuple[type[Event], ...] = (
    users.UserRegistered,
    users.FriendRequested,
    users.FriendAccepted,
    users.FriendDeclined,
    users.FriendRemoved,
    ratings.AlbumAdded,
    ratings.RatingChanged,
    ratings.RatingChangedV2,
    ratings.AlbumAggregateChanged,
    ratings.ReviewPosted,
    ratings.ReviewLiked,
    ratings.UpdateRatingRequested,
    ratings.UpdateRatingRequestedV2,
    forums.RoomOpened,
    forums.MemberJoined,
    forums.MemberLeft,
    forums.MessagePosted,
    forums.RoomClosed,
    forums.RecordSaved,
)

_BY_TYPE_AND_VERSION: dict[tuple[str, int], type[Event]] = {
    (event_type.TYPE, event_type.VERSION): event_type for event_type in EVENT_TYPES
}


class UnknownEventError(EnvelopeError):
    """An envelope whose (type, version) no schema describes."""


def schema_for(event_type: str, version: int) -> type[Event]:
    try:
        return _BY_TYPE_AND_VERSION[(event_type, version)]
    except KeyError:
        raise UnknownEventError(f"no schema for {event_type} v{version}") from None


def parse_event(envelope: Envelope) -> Event:
    """Validate an envelope's data against its schema and return the typed event."""
    model = schema_for(envelope.type, envelope.version)
    try:
        return model.model_validate(envelope.data)
    except ValueError as exc:
        raise EnvelopeError(f"{envelope.type} v{envelope.version} data is invalid: {exc}") from exc
