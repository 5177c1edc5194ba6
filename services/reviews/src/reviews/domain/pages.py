"""The cached pages a change makes stale: an album's own page, and every catalog search."""

CATALOG = "catalog"


def album_scope(album_id: int) -> str:
    return f"album:{album_id}"
