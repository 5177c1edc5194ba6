"""Use cases of the catalog: add albums, search, album detail, the starter catalog."""

import csv
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files

from pymongo.errors import DuplicateKeyError

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas.events.ratings import AlbumAdded
from reviews.domain.models import Album, AlbumQuery, new_album
from reviews.store.ports import AlbumRepository, PageInvalidation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlbumFacts:
    title: str
    artist: str
    year: int | None
    genres: list[str]


class Catalog:
    """The albums of the catalog."""

    def __init__(self, albums: AlbumRepository, unit_of_work: UnitOfWork, pages: PageInvalidation) -> None:
        self.albums = albums
        self.unit_of_work = unit_of_work
        self.pages = pages

    async def add_album(self, facts: AlbumFacts) -> Album:
        """Add an album to the catalog and announce it (AlbumAdded)."""
        album = new_album(
            await self.albums.next_id(),
            facts.title.strip(),
            facts.artist.strip(),
            facts.year,
            facts.genres,
            datetime.now(UTC),
        )

        async def store(transaction: Transaction) -> None:
            await self.albums.add(album, session=transaction.session)
            transaction.record(
                AlbumAdded(
                    album_id=album.id,
                    title=album.title,
                    artist=album.artist,
                    year=album.year,
                    genres=album.genres,
                )
            )

        try:
            await self.unit_of_work.run(store)
        except DuplicateKeyError:
            raise ChorusError(
                ErrorKind.CONFLICT, "album_exists", "that artist already has an album with that title"
            ) from None
        await self.pages.albums_changed([album.id])
        return album

    async def find_album(self, album_id: int) -> Album:
        """One album with its aggregate."""
        album = await self.albums.get(album_id)
        if album is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "unknown_album", "there is no such album")
        return album

    async def search_albums(self, query: AlbumQuery) -> list[Album]:
        """Albums by title or artist (any case), genre and year, in the order asked for."""
        return await self.albums.search(query)

    async def load_starter_catalog(self) -> int:
        """Import the albums the catalog does not have yet; returns how many were added."""
        known = await self.albums.known_keys()
        added = 0
        for facts in starter_catalog():
            if (facts.artist.casefold(), facts.title.casefold()) in known:
                continue
            try:
                await self.add_album(facts)
                added += 1
            except ChorusError:
                continue  # added meanwhile by another replica
        if added:
            logger.info("starter catalog: %s albums added", added)
        return added


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
