import io
import logging

import orjson
import pytest

from chorus_backbone.correlation import bind_correlation_id, reset_correlation_id
from chorus_backbone.logs import configure_logging


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("users", "INFO", json=True)
    yield stream
    logging.getLogger().handlers.clear()


def test_log_lines_are_json_with_service_and_correlation_id(captured: io.StringIO) -> None:
    token = bind_correlation_id("req-7")
    try:
        logging.getLogger("users.handlers").info("friend request sent")
    finally:
        reset_correlation_id(token)

    line = orjson.loads(captured.getvalue().splitlines()[-1])
    assert line["message"] == "friend request sent"
    assert line["service"] == "users"
    assert line["correlation_id"] == "req-7"
    assert line["level"] == "INFO"
