"""Events on ``ratings.events`` (keyed by album id) and commands on ``ratings.commands``."""

from typing import ClassVar

from pydantic import Field, model_validator

from chorus_schemas.events.base import Event
from chorus_schemas.topics import Topic

Score = float


class _AlbumEvent(Event):
    TOPIC: ClassVar[Topic] = Topic.RATINGS_EVENTS

    album_id: int = Field(ge=1)

    def partition_key(self) -> str:
        return str(self.album_id)


class AlbumAdded(_AlbumEvent):
    TYPE: ClassVar[str] = "ratings.AlbumAdded"

    title: str
    artist: str
    year: int | None = None
    genres: list[str] = Field(default_factory=list)


class RatingChanged(_AlbumEvent):
    """A rating was set, changed or deleted; carries the album's new aggregate.

    Version 1, still accepted: the aggregate came from the same transaction as the
    rating. Since version 2 the aggregate is folded behind the ratings and announced
    by AlbumAggregateChanged.
    """

    TYPE: ClassVar[str] = "ratings.RatingChanged"

    rating_id: int = Field(ge=1)
    user_id: int = Field(ge=1)
    score: Score | None = Field(description="The new score; null when the rating was deleted.")
    previous_score: Score | None = None
    avg_rating: float = Field(ge=0, le=5)
    ratings_count: int = Field(ge=0)


class RatingChangedV2(_AlbumEvent):
    """A rating was set, changed or deleted: the change itself, announced when it is stored.

    ``previous_score`` and ``score`` are exact (read in the rating's own transaction),
    so folding every change once gives each album's exact aggregate; ``version``
    counts the changes of this rating.
    """

    TYPE: ClassVar[str] = "ratings.RatingChanged"
    VERSION: ClassVar[int] = 2

    rating_id: int = Field(ge=1)
    user_id: int = Field(ge=1)
    score: Score | None = Field(description="The new score; null when the rating was deleted.")
    previous_score: Score | None = None
    version: int = Field(ge=1, description="1 for a rating's first change, then one more each time.")


class AlbumAggregateChanged(_AlbumEvent):
    """An album's ratings in summary after the latest changes were folded in.

    ``sequence`` grows with every fold of the album: a consumer keeps the highest.
    """

    TYPE: ClassVar[str] = "ratings.AlbumAggregateChanged"

    ratings_count: int = Field(ge=0)
    avg_rating: float = Field(ge=0, le=5)
    histogram: dict[str, int] = Field(
        default_factory=dict, description='Ratings per score ("0.5" … "5.0"); absent scores have none.'
    )
    sequence: int = Field(ge=1)


class ReviewPosted(_AlbumEvent):
    TYPE: ClassVar[str] = "ratings.ReviewPosted"

    review_id: int = Field(ge=1)
    user_id: int = Field(ge=1)
    score: Score
    excerpt: str = Field(description="The start of the review text, for previews.")
    spoiler: bool = False


class ReviewLiked(_AlbumEvent):
    TYPE: ClassVar[str] = "ratings.ReviewLiked"

    review_id: int = Field(ge=1)
    user_id: int = Field(ge=1, description="The user who liked (or unliked) the review.")
    liked: bool = True
    likes: int = Field(ge=0)


class UpdateRatingRequested(Event):
    """Command: set or delete a rating (the event path replacing the PATCH endpoint)."""

    TYPE: ClassVar[str] = "ratings.UpdateRatingRequested"
    TOPIC: ClassVar[Topic] = Topic.RATINGS_COMMANDS

    rating_id: int = Field(ge=1)
    score: Score | None = None
    delete: bool = False
    requested_by: int | None = Field(default=None, description="User id, when a user asked.")

    def partition_key(self) -> str:
        return str(self.rating_id)


class UpdateRatingRequestedV2(Event):
    """Command, version 2: also names a rating by album and user, so one can be created.

    Live rooms rate "this album, as me" without knowing whether a rating exists yet.
    """

    TYPE: ClassVar[str] = "ratings.UpdateRatingRequested"
    VERSION: ClassVar[int] = 2
    TOPIC: ClassVar[Topic] = Topic.RATINGS_COMMANDS

    rating_id: int | None = Field(default=None, ge=1)
    album_id: int | None = Field(default=None, ge=1)
    user_id: int | None = Field(default=None, ge=1)
    score: Score | None = None
    delete: bool = False
    requested_by: int | None = Field(default=None, description="User id, when a user asked.")

    @model_validator(mode="after")
    def _names_one_rating(self) -> "UpdateRatingRequestedV2":
        if self.rating_id is None and (self.album_id is None or self.user_id is None):
            raise ValueError("name the rating: rating_id, or album_id and user_id")
        return self

    def partition_key(self) -> str:
        return str(self.rating_id) if self.rating_id else f"{self.album_id}:{self.user_id}"
