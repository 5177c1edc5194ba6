"""Use cases that read reviews: an album's, a user's, the friends feed."""

from dataclasses import dataclass

from chorus_backbone.errors import ChorusError, ErrorKind
from reviews.bootstrap import ReviewsService
from reviews.domain.models import Rating
from reviews.store.ratings import ReviewSort


@dataclass(frozen=True)
class RatingView:
    rating: Rating
    username: str | None


async def _with_names(service: ReviewsService, ratings: list[Rating]) -> list[RatingView]:
    names = await (await service.people.current()).usernames([rating.user_id for rating in ratings])
    return [RatingView(rating, names.get(rating.user_id)) for rating in ratings]


async def album_reviews(
    service: ReviewsService, album_id: int, *, sort: ReviewSort, limit: int, offset: int
) -> list[RatingView]:
    """Ratings and reviews of an album, newest or most liked first."""
    if await service.albums.get(album_id) is None:
        raise ChorusError(ErrorKind.NOT_FOUND, "unknown_album", "there is no such album")
    ratings = await service.ratings.for_album(album_id, sort=sort, limit=limit, offset=offset)
    return await _with_names(service, ratings)


async def user_ratings(service: ReviewsService, user_id: int, *, limit: int, offset: int) -> list[RatingView]:
    """A user's ratings and reviews, newest first."""
    return await _with_names(service, await service.ratings.by_users([user_id], limit=limit, offset=offset))


async def friends_feed(service: ReviewsService, user_id: int, *, limit: int, offset: int) -> list[RatingView]:
    """Recent ratings and reviews by the caller's friends (as users.events told us)."""
    friends = await (await service.people.current()).friends_of(user_id)
    if not friends:
        return []
    return await _with_names(service, await service.ratings.by_users(friends, limit=limit, offset=offset))
