"""Structured JSON logs carrying the service name and the correlation id."""

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

from chorus_backbone.correlation import current_correlation_id
from chorus_backbone.tracing import current_trace_id

_TOKEN_IN_QUERY = re.compile(r"([?&](?:token|auth_token)=)[^&\s\"']+")


class _RedactTokens(logging.Filter):
    """No token in any log line: a `?token=` (a WebSocket's, as a library logs it) is masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = _TOKEN_IN_QUERY.sub(r"\1<redacted>", message), ()
        return True


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = current_correlation_id()
        record.trace_id = current_trace_id()
        return True


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    """Route every logger (ours, uvicorn's, FastStream's) through one formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(service))
    handler.addFilter(_RedactTokens())
    if json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s %(trace_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "aiokafka"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
