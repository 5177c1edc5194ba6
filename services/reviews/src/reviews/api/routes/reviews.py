"""Ratings, reviews, likes and the friends feed."""

from typing import Annotated

from fastapi import APIRouter, Path

from chorus_backbone.api_docs import errors
from chorus_backbone.request_auth import CurrentUser
from reviews.api.deps import AlbumId, Limit, Offset, RatingsHandler, ReadingHandler
from reviews.api.models import Confirmation, LikeOut, RatingIn, RatingOut
from reviews.domain.models import ReviewSort
from reviews.handlers.reading import RatingView

router = APIRouter(prefix="/api/reviews", tags=["reviews"])

UserId = Annotated[int, Path(ge=1, le=2**53)]
ReviewId = Annotated[int, Path(ge=1, le=2**53)]


@router.put("/albums/{album_id:int}", response_model=RatingOut, responses=errors(404))
async def rate(album_id: AlbumId, body: RatingIn, caller: CurrentUser, ratings: RatingsHandler) -> RatingOut:
    """Rate an album in half stars, optionally with a review; PUT again to change it."""
    rating = await ratings.rate(caller.user_id, album_id, body.score, body.text, body.spoiler)
    return RatingOut.of(RatingView(rating, caller.username))


@router.delete("/albums/{album_id:int}", response_model=Confirmation, responses=errors(404))
async def unrate(album_id: AlbumId, caller: CurrentUser, ratings: RatingsHandler) -> Confirmation:
    """Remove the caller's rating and review of an album."""
    await ratings.unrate(caller.user_id, album_id)
    return Confirmation(message="rating removed", id=album_id)


@router.get("/albums/{album_id:int}", response_model=list[RatingOut], responses=errors(404))
async def album_reviews(
    album_id: AlbumId,
    reading: ReadingHandler,
    sort: ReviewSort = ReviewSort.NEWEST,
    limit: Limit = 20,
    offset: Offset = 0,
) -> list[RatingOut]:
    """Ratings and reviews of an album, newest or most liked first."""
    views = await reading.album_reviews(album_id, sort=sort, limit=limit, offset=offset)
    return [RatingOut.of(view) for view in views]


@router.get("/users/{user_id:int}", response_model=list[RatingOut], responses=errors(404))
async def user_ratings(
    user_id: UserId, reading: ReadingHandler, limit: Limit = 20, offset: Offset = 0
) -> list[RatingOut]:
    """A user's ratings and reviews, newest first."""
    return [RatingOut.of(view) for view in await reading.user_ratings(user_id, limit=limit, offset=offset)]


@router.get("/feed", response_model=list[RatingOut])
async def feed(
    caller: CurrentUser, reading: ReadingHandler, limit: Limit = 20, offset: Offset = 0
) -> list[RatingOut]:
    """Recent ratings and reviews by the caller's friends."""
    views = await reading.friends_feed(caller.user_id, limit=limit, offset=offset)
    return [RatingOut.of(view) for view in views]


@router.post("/{review_id:int}/like", response_model=LikeOut, responses=errors(400, 404))
async def like(review_id: ReviewId, caller: CurrentUser, ratings: RatingsHandler) -> LikeOut:
    """Like someone else's review (liking twice counts once)."""
    return LikeOut(message="liked", likes=await ratings.set_like(caller.user_id, review_id, True))


@router.delete("/{review_id:int}/like", response_model=LikeOut, responses=errors(400, 404))
async def unlike(review_id: ReviewId, caller: CurrentUser, ratings: RatingsHandler) -> LikeOut:
    """Take a like back."""
    return LikeOut(message="unliked", likes=await ratings.set_like(caller.user_id, review_id, False))
