"""Request and response bodies of the reviews API."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chorus_backbone.json_types import ACCEPTS_WHOLE_FLOAT
from reviews.domain.models import Album
from reviews.domain.scores import MAX_SCORE, MIN_SCORE, REVIEW_TEXT_MAX, SCORE_STEP, bucket_labels, to_score
from reviews.handlers.reading import RatingView

Score = Annotated[
    float,
    Field(ge=MIN_SCORE, le=MAX_SCORE, multiple_of=SCORE_STEP, description="0.5 to 5.0 in steps of 0.5."),
]


class NewAlbum(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    title: str = Field(min_length=1, max_length=300)
    artist: str = Field(min_length=1, max_length=300)
    year: Annotated[int, Field(ge=1000, le=2100), ACCEPTS_WHOLE_FLOAT] | None = None
    genres: list[str] = Field(default_factory=list, max_length=10)


class AlbumOut(BaseModel):
    id: int
    title: str
    artist: str
    year: int | None
    genres: list[str]
    avg_rating: float
    ratings_count: int

    @classmethod
    def of(cls, album: Album) -> "AlbumOut":
        return cls(
            id=album.id,
            title=album.title,
            artist=album.artist,
            year=album.year,
            genres=album.genres,
            avg_rating=album.aggregate.avg_rating,
            ratings_count=max(0, album.aggregate.ratings_count),
        )


class AlbumDetail(AlbumOut):
    histogram: dict[str, int] = Field(description="Ratings per score, 0.5 … 5.0.")

    @classmethod
    def of(cls, album: Album) -> "AlbumDetail":
        counts = album.aggregate.histogram
        buckets = {label: max(0, counts.get(index + 1, 0)) for index, label in enumerate(bucket_labels())}
        return cls(**AlbumOut.of(album).model_dump(), histogram=buckets)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    score: Score = Field(examples=[4.5])
    text: str | None = Field(default=None, max_length=REVIEW_TEXT_MAX)
    spoiler: bool = False


class Author(BaseModel):
    id: int
    username: str | None


class RatingOut(BaseModel):
    id: int
    album_id: int
    user: Author
    score: float
    text: str | None
    spoiler: bool
    likes: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: RatingView) -> "RatingOut":
        rating = view.rating
        return cls(
            id=rating.id,
            album_id=rating.album_id,
            user=Author(id=rating.user_id, username=view.username),
            score=to_score(rating.half_stars),
            text=rating.text,
            spoiler=rating.spoiler,
            likes=rating.likes,
            created_at=rating.created_at,
            updated_at=rating.updated_at,
        )


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    score: Score


class Confirmation(BaseModel):
    message: str
    id: int | None = None


class LikeOut(BaseModel):
    message: str
    likes: int
