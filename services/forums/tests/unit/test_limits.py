from chorus_schemas.live_room import CLIENT_FRAME, Mute, Say
from forums.domain.limits import StrikeCounter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_the_sustained_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)

    burst = [bucket.take() for _ in range(4)]
    clock.now = 0.5
    after_half_a_second = bucket.take()

    assert burst == [True, True, True, False]
    assert after_half_a_second is True


def test_strikes_only_count_within_the_window() -> None:
    clock = FakeClock()
    strikes = StrikeCounter(limit=2, window=10, clock=clock)

    assert not strikes.strike()
    assert not strikes.strike()
    clock.now = 11
    assert not strikes.strike()
    assert not strikes.strike()
    assert strikes.strike()


def test_client_frames_are_told_apart_by_type() -> None:
    assert CLIENT_FRAME.validate_python({"type": "say", "text": "hi"}) == Say(type="say", text="hi")
    assert isinstance(CLIENT_FRAME.validate_python({"type": "mute", "user_id": 2, "minutes": 5}), Mute)
