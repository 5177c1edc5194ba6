"""The catalog and ratings as the reviews service sees them."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AlbumSort(StrEnum):
    RATING = "rating"
    COUNT = "count"
    DATE = "date"
    TITLE = "title"


@dataclass(frozen=True)
class AlbumQuery:
    """A catalog search: title or artist text (any case), genre and year, in one order, one page."""

    text: str | None
    genre: str | None
    year: int | None
    sort: AlbumSort
    limit: int
    offset: int


class ReviewSort(StrEnum):
    NEWEST = "newest"
    MOST_LIKED = "most_liked"


@dataclass(frozen=True)
class Aggregate:
    """An album's ratings in summary, folded from every rating change exactly once.

    ``sequence`` counts the folds that changed it, so the newest summary is known.
    """

    ratings_count: int = 0
    half_star_sum: int = 0
    avg_rating: float = 0.0
    histogram: dict[int, int] = field(default_factory=dict)  # half-stars → ratings
    sequence: int = 0


@dataclass(frozen=True)
class Album:
    id: int
    title: str
    artist: str
    year: int | None
    genres: list[str]
    created_at: datetime
    aggregate: Aggregate = Aggregate()


@dataclass(frozen=True)
class Rating:
    """One user's rating of one album, with an optional written review."""

    id: int
    album_id: int
    user_id: int
    half_stars: int
    text: str | None
    spoiler: bool
    likes: int
    created_at: datetime
    updated_at: datetime
    version: int = 1


@dataclass(frozen=True)
class RatingChange:
    """One person sets (``half_stars``) or removes (None) their rating of one album.

    ``fresh_id`` is the id the rating takes if it is the first; ``text`` and ``spoiler``
    replace the review's (a change by score alone keeps them: ``keep_review``).
    """

    user_id: int
    album_id: int
    half_stars: int | None
    fresh_id: int
    at: datetime
    text: str | None = None
    spoiler: bool = False
    keep_review: bool = False


def new_album(
    album_id: int, title: str, artist: str, year: int | None, genres: list[str], now: datetime
) -> Album:
    """An album as added to the catalog: genres in one case, once each."""
    return Album(
        id=album_id,
        title=title,
        artist=artist,
        year=year,
        genres=sorted({genre.casefold() for genre in genres}),
        created_at=now,
    )
