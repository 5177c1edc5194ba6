"""The gateway's seal of a verified token: read back with the same keys, refused otherwise."""

import time

import pytest

from chorus_backbone.auth import InvalidTokenError, Principal, TokenCodec, TokenKeys, TokenKind

KEYS = TokenKeys(issuer="chorus", key_id="k1", user_secret="u" * 32, service_secret="s" * 32)
ADA = Principal(kind=TokenKind.USER, subject="7", username="ada.lovelace")


def test_a_seal_reads_back_as_the_principal_it_was_made_for() -> None:
    codec = TokenCodec(KEYS)
    token = codec.issue_user_token(7, "ada.lovelace")
    principal, expires_at = codec.verify_until(token)

    assert codec.unseal(codec.seal(principal, expires_at)) == ADA
    nameless = Principal(kind=TokenKind.USER, subject="8")
    assert codec.unseal(codec.seal(nameless, time.time() + 60)) == nameless


@pytest.mark.parametrize(
    "tamper",
    [
        lambda seal: "8" + seal[1:],  # another user
        lambda seal: seal[:-2] + ("AA" if not seal.endswith("AA") else "BB"),  # another signature
        lambda seal: seal.rsplit(".", 1)[0],  # no signature
        lambda seal: "",
        lambda seal: "not.a.seal.at-all!",
        lambda seal: seal + ".extra",
    ],
)
def test_a_changed_or_malformed_seal_is_refused(tamper: object) -> None:
    codec = TokenCodec(KEYS)
    seal = codec.seal(ADA, time.time() + 60)
    assert callable(tamper)
    with pytest.raises(InvalidTokenError):
        codec.unseal(tamper(seal))


def test_a_seal_of_other_keys_or_past_its_token_expiry_is_refused() -> None:
    codec = TokenCodec(KEYS)
    rotated = TokenCodec(
        TokenKeys(issuer="chorus", key_id="k2", user_secret="v" * 32, service_secret="s" * 32)
    )

    with pytest.raises(InvalidTokenError, match="not valid"):
        codec.unseal(rotated.seal(ADA, time.time() + 60))
    with pytest.raises(InvalidTokenError, match="expired"):
        codec.unseal(codec.seal(ADA, time.time() - 60))
