"""The reviews service's cached pages in Redis: album pages and catalog searches."""

from collections.abc import Collection

from chorus_backbone.page_cache import PageCache
from reviews.domain.pages import CATALOG, album_scope


class CatalogPages:
    """Bumps the pages a change makes stale: the albums' own, and every catalog search."""

    def __init__(self, cache: PageCache) -> None:
        self.cache = cache

    async def albums_changed(self, album_ids: Collection[int]) -> None:
        await self.cache.bump(CATALOG, *(album_scope(album_id) for album_id in album_ids))
