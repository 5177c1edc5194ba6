"""Points in time as operators type them: ISO 8601, or a duration ago (``90m``, ``2h``, ``1d``)."""

import re
from datetime import UTC, datetime, timedelta

_AGO = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class BadTimeError(ValueError):
    pass


def parse_when(text: str, *, now: datetime | None = None) -> datetime:
    """``2026-11-26T10:00:00Z`` (naive means UTC) or ``30m`` meaning thirty minutes ago."""
    text = text.strip()
    if match := _AGO.match(text):
        amount, unit = int(match.group(1)), match.group(2)
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: amount})
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadTimeError(
            f"not a time: {text!r} (use ISO 8601 like 2026-11-26T10:00:00Z, or 30m, 2h, 1d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
