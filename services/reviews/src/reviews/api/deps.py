"""Dependencies of the reviews routes, declared once."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from reviews.handlers.catalog import Catalog
from reviews.handlers.ratings import Ratings
from reviews.handlers.reading import Reading


def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def _ratings(request: Request) -> Ratings:
    ratings: Ratings = request.app.state.ratings
    return ratings


def _reading(request: Request) -> Reading:
    reading: Reading = request.app.state.reading
    return reading


CatalogHandler = Annotated[Catalog, Depends(_catalog)]
RatingsHandler = Annotated[Ratings, Depends(_ratings)]
ReadingHandler = Annotated[Reading, Depends(_reading)]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
AlbumId = Annotated[int, Path(ge=1, le=2**53, description="An album's id.")]
