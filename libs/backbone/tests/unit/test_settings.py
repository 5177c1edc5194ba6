"""Settings refuse what would make a deployment unsafe, before anything starts."""

import pytest
from pydantic import ValidationError

from chorus_backbone.settings import MIN_SECRET_CHARS, ServiceSettings


def test_an_empty_signing_key_from_the_environment_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUS_JWT_SECRET", "")

    with pytest.raises(ValidationError, match="signing key needs at least"):
        ServiceSettings()


def test_a_short_service_token_key_is_refused_and_a_long_one_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUS_SERVICE_TOKEN_SECRET", "x" * (MIN_SECRET_CHARS - 1))
    with pytest.raises(ValidationError, match="service_token_secret"):
        ServiceSettings()

    monkeypatch.setenv("CHORUS_SERVICE_TOKEN_SECRET", "x" * MIN_SECRET_CHARS)
    assert ServiceSettings().service_token_secret.get_secret_value() == "x" * MIN_SECRET_CHARS
