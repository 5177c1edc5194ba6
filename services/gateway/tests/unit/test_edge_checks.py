"""The edge's own checks, without I/O: cached tokens, and limits counted in process."""

import pytest

from chorus_backbone.auth import InvalidTokenError, Principal, TokenCodec, TokenKeys, TokenKind
from chorus_backbone.errors import ChorusError
from gateway.edge.limits import EdgeLimiter
from gateway.edge.tokens import TokenCache

KEYS = TokenKeys(issuer="chorus", key_id="k1", user_secret="u" * 32, service_secret="s" * 32)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingCodec(TokenCodec):
    def __init__(self, keys: TokenKeys) -> None:
        super().__init__(keys)
        self.checks = 0

    def verify_until(self, token: str, *, kind: TokenKind = TokenKind.USER) -> tuple[Principal, float]:
        self.checks += 1
        return super().verify_until(token, kind=kind)


def test_a_token_is_checked_once_until_it_expires_then_checked_again() -> None:
    codec = CountingCodec(KEYS)
    token = codec.issue_user_token(7, "ada")
    _, expires_at = TokenCodec(KEYS).verify_until(token)
    clock = Clock(expires_at - 60)
    cache = TokenCache(codec, clock=clock)

    assert [cache.user(token).user_id for _ in range(3)] == [7, 7, 7]
    assert codec.checks == 1
    clock.now = expires_at + 1  # past the token's own expiry: not taken from the cache
    cache.user(token)
    assert codec.checks == 2


def test_rotating_the_key_refuses_tokens_of_the_retired_one_at_once() -> None:
    old = TokenCodec(KEYS)
    cache = TokenCache(old)
    token = old.issue_user_token(7, "ada")
    assert cache.user(token).username == "ada"

    new = TokenCodec(TokenKeys(issuer="chorus", key_id="k2", user_secret="v" * 32, service_secret="s" * 32))
    cache.rotate(new)

    with pytest.raises(InvalidTokenError):
        cache.user(token)
    assert cache.user(new.issue_user_token(8, "bob")).user_id == 8


def test_the_cache_keeps_at_most_its_capacity() -> None:
    codec = TokenCodec(KEYS)
    cache = TokenCache(codec, capacity=3)
    for user in range(10):
        cache.user(codec.issue_user_token(user + 1, f"u{user}"))
    assert len(cache) == 3


def test_service_credentials_are_not_user_tokens() -> None:
    codec = TokenCodec(KEYS)
    with pytest.raises(InvalidTokenError):
        TokenCache(codec).user(codec.issue_service_token("forums"))


def _limiter(clock: Clock, per_address: int = 5, per_user: int = 3) -> EdgeLimiter:
    return EdgeLimiter(None, prefix="t:", per_address=per_address, per_user=per_user, clock=clock)  # type: ignore[arg-type]


def test_a_limit_answers_429_with_the_wait_until_the_window_moves_on() -> None:
    clock = Clock(600.0)  # the start of a minute
    limiter = _limiter(clock)
    for _ in range(5):
        limiter.admit("10.0.0.1", None)

    with pytest.raises(ChorusError) as limited:
        limiter.admit("10.0.0.1", None)
    assert limited.value.code == "rate_limited"
    assert limited.value.retry_after_seconds == 60
    limiter.admit("10.0.0.2", None)  # another address has its own count


def test_the_previous_minute_weighs_less_as_the_window_slides() -> None:
    clock = Clock(600.0)
    limiter = _limiter(clock, per_address=10)
    for _ in range(10):
        limiter.admit("10.0.0.1", None)

    clock.now = 660.0 + 30  # half way through the next minute: half of the 10 still count
    assert _admitted_until_refused(limiter, "10.0.0.1") == 5


def _admitted_until_refused(limiter: EdgeLimiter, address: str) -> int:
    for admitted in range(1000):
        try:
            limiter.admit(address, None)
        except ChorusError:
            return admitted
    raise AssertionError("never refused")


def test_a_signed_in_user_has_a_limit_of_their_own_across_addresses() -> None:
    limiter = _limiter(Clock(600.0), per_address=100, per_user=3)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        limiter.admit(address, "7")

    with pytest.raises(ChorusError) as limited:
        limiter.admit("10.0.0.4", "7")
    assert "user" in limited.value.message


def test_the_seal_passed_on_is_made_once_per_token_and_follows_a_key_rotation() -> None:
    old = TokenCodec(KEYS)
    cache = TokenCache(old)
    token = old.issue_user_token(7, "ada")

    principal, seal = cache.sealed(token)
    assert cache.sealed(token)[1] is seal
    assert old.unseal(seal) == principal

    new = TokenCodec(TokenKeys(issuer="chorus", key_id="k1", user_secret="v" * 32, service_secret="s" * 32))
    cache.rotate(new)
    fresh = new.issue_user_token(7, "ada")
    with pytest.raises(InvalidTokenError):
        new.unseal(seal)  # a seal of the retired secret no longer passes
    assert new.unseal(cache.sealed(fresh)[1]).user_id == 7
