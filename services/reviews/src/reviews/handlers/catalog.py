"""Use cases of the catalog: add albums, search, album detail, the starter catalog."""

import csv
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files

from pymongo.errors import DuplicateKeyError

from chorus_backbone import mongo
from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_schemas.events.ratings import AlbumAdded
from reviews.bootstrap import ReviewsService
from reviews.domain.models import Album
from reviews.store.albums import AlbumSort, new_album

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlbumFacts:
    title: str
    artist: str
    year: int | None
    genres: list[str]


async def add_album(service: ReviewsService, facts: AlbumFacts) -> Album:
    """Add an album to the catalog and announce it (AlbumAdded)."""
    album = new_album(
        await service.albums.next_id(),
        facts.title.strip(),
        facts.artist.strip(),
        facts.year,
        facts.genres,
        datetime.now(UTC),
    )

    async def store(session: mongo.Session) -> None:
        await service.albums.add(album, session=session)
        await service.runtime.outbox.add(
            AlbumAdded(
                album_id=album.id,
                title=album.title,
                artist=album.artist,
                year=album.year,
                genres=album.genres,
            ),
            session=session,
        )

    try:
        await mongo.in_transaction(service.runtime.mongo_client, store)
    except DuplicateKeyError:
        raise ChorusError(
            ErrorKind.CONFLICT, "album_exists", "that artist already has an album with that title"
        ) from None
    service.runtime.relay.notify()
    return album


async def find_album(service: ReviewsService, album_id: int) -> Album:
    """One album with its aggregate."""
    album = await service.albums.get(album_id)
    if album is None:
        raise ChorusError(ErrorKind.NOT_FOUND, "unknown_album", "there is no such album")
    return album


async def search_albums(
    service: ReviewsService,
    *,
    text: str | None,
    genre: str | None,
    year: int | None,
    sort: AlbumSort,
    limit: int,
    offset: int,
) -> list[Album]:
    """Albums by title or artist (any case), genre and year, in the order asked for."""
    return await service.albums.search(
        text=text, genre=genre, year=year, sort=sort, limit=limit, offset=offset
    )


def starter_catalog() -> list[AlbumFacts]:
    """The catalog shipped with Chorus: facts only (artist, title, year, genres)."""
    text = files("reviews.catalog").joinpath("starter_albums.csv").read_text(encoding="utf-8")
    return [
        AlbumFacts(
            title=row["title"],
            artist=row["artist"],
            year=int(row["year"]),
            genres=row["genres"].split(";"),
        )
        for row in csv.DictReader(text.splitlines(), delimiter="|")
    ]


async def load_starter_catalog(service: ReviewsService) -> int:
    """Import the albums the catalog does not have yet; returns how many were added."""
    known = await service.albums.known_keys()
    added = 0
    for facts in starter_catalog():
        if (facts.artist.casefold(), facts.title.casefold()) in known:
            continue
        try:
            await add_album(service, facts)
            added += 1
        except ChorusError:
            continue  # added meanwhile by another replica
    if added:
        logger.info("starter catalog: %s albums added", added)
    return added
