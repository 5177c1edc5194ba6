from uuid import uuid4

import orjson
import pytest

from chorus_schemas import Envelope, EnvelopeError, parse_event
from chorus_schemas.envelope import HEADER_CORRELATION_ID, HEADER_EVENT_ID, HEADER_EVENT_TYPE
from chorus_schemas.events.ratings import RatingChanged
from chorus_schemas.registry import UnknownEventError

RATING = RatingChanged(album_id=7, rating_id=3, user_id=2, score=4.5, avg_rating=4.25, ratings_count=2)


def test_an_envelope_survives_the_wire_and_parses_back_to_its_event() -> None:
    envelope = Envelope.wrap(RATING, source="reviews", correlation_id="req-1")

    received = Envelope.from_bytes(envelope.to_bytes())

    assert received == envelope
    assert parse_event(received) == RATING
    assert received.key == "7"
    assert received.type == "ratings.RatingChanged"
    assert received.version == 1


def test_event_id_type_and_correlation_id_travel_as_headers_too() -> None:
    envelope = Envelope.wrap(RATING, source="reviews", correlation_id="req-1")

    headers = envelope.headers()

    assert headers[HEADER_EVENT_ID] == str(envelope.id)
    assert headers[HEADER_EVENT_TYPE] == "ratings.RatingChanged"
    assert headers[HEADER_CORRELATION_ID] == "req-1"


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"id": "x"}'])
def test_a_body_that_is_not_an_envelope_is_refused(body: bytes) -> None:
    with pytest.raises(EnvelopeError):
        Envelope.from_bytes(body)


def test_event_data_that_breaks_its_schema_is_refused() -> None:
    envelope = Envelope.wrap(RATING, source="reviews")
    broken = envelope.model_copy(update={"data": {**envelope.data, "album_id": "seven"}})

    with pytest.raises(EnvelopeError):
        parse_event(broken)


def test_an_unknown_type_or_version_is_refused() -> None:
    envelope = Envelope.wrap(RATING, source="reviews")

    with pytest.raises(UnknownEventError):
        parse_event(envelope.model_copy(update={"version": 99}))


def test_events_are_immutable() -> None:
    with pytest.raises(ValueError, match="frozen"):
        RATING.score = 1.0  # type: ignore[misc]


def test_envelopes_are_serialized_with_orjson_as_plain_json() -> None:
    envelope = Envelope.wrap(RATING, source="reviews", event_id=uuid4())

    document = orjson.loads(envelope.to_bytes())

    assert set(document) == {
        "id",
        "type",
        "version",
        "source",
        "time",
        "key",
        "correlation_id",
        "data",
    }
