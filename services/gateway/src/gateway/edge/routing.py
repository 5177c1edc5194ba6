"""Which service owns which public path, and which paths need no token."""

import re

SERVICES = ("users", "reviews", "forums")

# Longest prefix first: the compatibility endpoint lives under /api/users but is the reviews service's.
_OWNERS = (
    ("/api/users/ratings/", "reviews"),
    ("/api/users/", "users"),
    ("/api/music/", "reviews"),
    ("/api/reviews/", "reviews"),
    ("/api/records/", "forums"),
    ("/api/games/", "forums"),
)

_PUBLIC = (
    ("POST", re.compile(r"^/api/users/auth/(signup|signin)$")),
    # Any last segment: an id that is not one is the service's to refuse (404), not the edge's (401).
    ("GET", re.compile(r"^/api/music/albums(/[^/]+)?$")),
    ("GET", re.compile(r"^/api/reviews/albums/[^/]+$")),
    ("GET", re.compile(r"^/api/reviews/users/[^/]+$")),
)
# Service credentials are checked by the owning service itself.
_SERVICE_ONLY = re.compile(r"^/api/users/ratings/upd$")


def owner_of(path: str) -> str | None:
    for prefix, service in _OWNERS:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return service
    return None


def is_public(method: str, path: str) -> bool:
    return any(method == m and pattern.match(path) for m, pattern in _PUBLIC)


def takes_service_credentials(path: str) -> bool:
    return bool(_SERVICE_ONLY.match(path))
