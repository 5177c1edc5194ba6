"""An account as the users service keeps it."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class User:
    id: int
    username: str
    password_hash: str
    created_at: datetime
