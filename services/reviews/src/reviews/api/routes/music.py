"""The music catalog."""

from dataclasses import astuple
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response

from chorus_backbone.api_docs import errors
from chorus_backbone.request_auth import CurrentUser
from reviews.api.cached import NOT_MODIFIED, cached_json
from reviews.api.deps import AlbumId, CatalogHandler, Limit, Offset, Pages
from reviews.api.models import AlbumDetail, AlbumOut, NewAlbum
from reviews.domain.models import AlbumQuery, AlbumSort
from reviews.domain.pages import CATALOG, album_scope
from reviews.handlers.catalog import AlbumFacts

router = APIRouter(prefix="/api/music", tags=["music"])


@router.get("/albums", response_model=list[AlbumOut], responses=NOT_MODIFIED)
async def search_albums(
    request: Request,
    catalog: CatalogHandler,
    pages: Pages,
    q: Annotated[str | None, Query(max_length=100, description="Part of a title or artist.")] = None,
    genre: Annotated[str | None, Query(max_length=50)] = None,
    year: Annotated[int | None, Query(ge=1000, le=2100)] = None,
    sort: AlbumSort = AlbumSort.RATING,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    """Search the catalog; each album with its average rating and count."""
    query = AlbumQuery(q, genre, year, sort, limit, offset)

    async def render() -> bytes:
        return orjson.dumps(
            [AlbumOut.of(album).model_dump(mode="json") for album in await catalog.search_albums(query)]
        )

    return await cached_json(request, pages, CATALOG, orjson.dumps(astuple(query)).decode(), render)


@router.get("/albums/{album_id:int}", response_model=AlbumDetail, responses={**NOT_MODIFIED, **errors(404)})
async def album(request: Request, album_id: AlbumId, catalog: CatalogHandler, pages: Pages) -> Response:
    """One album with its rating histogram (0.5 … 5.0); ratings show within a second or so."""

    async def render() -> bytes:
        return orjson.dumps(AlbumDetail.of(await catalog.find_album(album_id)).model_dump(mode="json"))

    return await cached_json(request, pages, album_scope(album_id), "detail", render)


@router.post("/albums", status_code=status.HTTP_201_CREATED, response_model=AlbumOut, responses=errors(409))
async def add_album(body: NewAlbum, _: CurrentUser, catalog: CatalogHandler) -> AlbumOut:
    """Add an album to the catalog."""
    facts = AlbumFacts(title=body.title, artist=body.artist, year=body.year, genres=body.genres)
    return AlbumOut.of(await catalog.add_album(facts))
