"""Dependencies of the reviews routes, declared once."""

from typing import Annotated

from fastapi import Depends, Path, Query

from chorus_backbone.app import from_state
from chorus_backbone.page_cache import PageCache
from reviews.handlers.catalog import Catalog
from reviews.handlers.ratings import Ratings
from reviews.handlers.reading import Reading

CatalogHandler = Annotated[Catalog, Depends(from_state("catalog"))]
RatingsHandler = Annotated[Ratings, Depends(from_state("ratings"))]
ReadingHandler = Annotated[Reading, Depends(from_state("reading"))]
Pages = Annotated[PageCache, Depends(from_state("pages"))]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
AlbumId = Annotated[int, Path(ge=1, le=2**53, description="An album's id.")]
