"""The music catalog."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from chorus_backbone.request_auth import CurrentUser
from reviews.api.deps import AlbumId, CatalogHandler, Limit, Offset
from reviews.api.models import AlbumDetail, AlbumOut, NewAlbum
from reviews.domain.models import AlbumQuery, AlbumSort
from reviews.handlers.catalog import AlbumFacts

router = APIRouter(prefix="/api/music", tags=["music"])


@router.get("/albums", response_model=list[AlbumOut])
async def search_albums(
    catalog: CatalogHandler,
    q: Annotated[str | None, Query(max_length=100, description="Part of a title or artist.")] = None,
    genre: Annotated[str | None, Query(max_length=50)] = None,
    year: Annotated[int | None, Query(ge=1000, le=2100)] = None,
    sort: AlbumSort = AlbumSort.RATING,
    limit: Limit = 20,
    offset: Offset = 0,
) -> list[AlbumOut]:
    """Search the catalog; each album with its average rating and count."""
    albums = await catalog.search_albums(AlbumQuery(q, genre, year, sort, limit, offset))
    return [AlbumOut.of(album) for album in albums]


@router.get("/albums/{album_id}", response_model=AlbumDetail)
async def album(album_id: AlbumId, catalog: CatalogHandler) -> AlbumDetail:
    """One album with its rating histogram (0.5 … 5.0)."""
    return AlbumDetail.of(await catalog.find_album(album_id))


@router.post("/albums", status_code=status.HTTP_201_CREATED, response_model=AlbumOut)
async def add_album(body: NewAlbum, _: CurrentUser, catalog: CatalogHandler) -> AlbumOut:
    """Add an album to the catalog."""
    facts = AlbumFacts(title=body.title, artist=body.artist, year=body.year, genres=body.genres)
    return AlbumOut.of(await catalog.add_album(facts))
