"""Use cases that read reviews: an album's, a user's, the friends feed."""

from dataclasses import dataclass

from chorus_backbone.errors import ChorusError, ErrorKind
from reviews.domain.models import Rating, ReviewSort
from reviews.store.ports import AlbumRepository, PeopleDirectory, RatingRepository


@dataclass(frozen=True)
class RatingView:
    rating: Rating
    username: str | None


class Reading:
    """Ratings and reviews as people read them, with their authors' names."""

    def __init__(self, albums: AlbumRepository, ratings: RatingRepository, people: PeopleDirectory) -> None:
        self.albums = albums
        self.ratings = ratings
        self.people = people

    async def _with_names(self, ratings: list[Rating]) -> list[RatingView]:
        names = await self.people.usernames([rating.user_id for rating in ratings])
        return [RatingView(rating, names.get(rating.user_id)) for rating in ratings]

    async def album_reviews(
        self, album_id: int, *, sort: ReviewSort, limit: int, offset: int
    ) -> list[RatingView]:
        """Ratings and reviews of an album, newest or most liked first."""
        if await self.albums.get(album_id) is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "unknown_album", "there is no such album")
        return await self._with_names(
            await self.ratings.for_album(album_id, sort=sort, limit=limit, offset=offset)
        )

    async def user_ratings(self, user_id: int, *, limit: int, offset: int) -> list[RatingView]:
        """A user's ratings and reviews, newest first."""
        return await self._with_names(await self.ratings.by_users([user_id], limit=limit, offset=offset))

    async def friends_feed(self, user_id: int, *, limit: int, offset: int) -> list[RatingView]:
        """Recent ratings and reviews by the caller's friends (as users.events told us)."""
        friends = await self.people.friends_of(user_id)
        if not friends:
            return []
        return await self._with_names(await self.ratings.by_users(friends, limit=limit, offset=offset))
