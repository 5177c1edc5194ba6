"""Use cases of ratings: rate and review, delete, like, the rating command (PATCH and event)."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.unit_of_work import Inbox, Transaction, UnitOfWork
from chorus_schemas import Envelope
from chorus_schemas.events.ratings import RatingChanged, ReviewLiked, ReviewPosted
from reviews.domain.models import Aggregate, Rating
from reviews.domain.scores import check_review_text, to_half_stars, to_score
from reviews.store.ports import AlbumRepository, RatingRepository

EXCERPT_LENGTH = 280


@dataclass(frozen=True)
class RatingCommand:
    """Set or delete a rating: what the PATCH and UpdateRatingRequested both say.

    The rating is named by its id, or (version 2 of the command) by album and user,
    in which case setting a score creates the rating if there is none yet.
    """

    rating_id: int | None
    score: float | None
    delete: bool
    album_id: int | None = None
    user_id: int | None = None


def _unknown_album() -> ChorusError:
    return ChorusError(ErrorKind.NOT_FOUND, "unknown_album", "there is no such album")


def _changed(rating: Rating, aggregate: Aggregate, new: int | None, old: int | None) -> RatingChanged:
    return RatingChanged(
        album_id=rating.album_id,
        rating_id=rating.id,
        user_id=rating.user_id,
        score=to_score(new) if new is not None else None,
        previous_score=to_score(old) if old is not None else None,
        avg_rating=aggregate.avg_rating,
        ratings_count=aggregate.ratings_count,
    )


class Ratings:
    """Ratings, reviews and likes; every change keeps its album's aggregate exact."""

    def __init__(
        self,
        albums: AlbumRepository,
        ratings: RatingRepository,
        unit_of_work: UnitOfWork,
        commands_inbox: Inbox,
    ) -> None:
        self.albums = albums
        self.ratings = ratings
        self.unit_of_work = unit_of_work
        self.commands_inbox = commands_inbox

    async def _move(
        self, transaction: Transaction, album_id: int, old: int | None, new: int | None
    ) -> Aggregate:
        aggregate = await self.albums.apply_rating_change(album_id, old, new, session=transaction.session)
        if aggregate is None:
            raise _unknown_album()
        return aggregate

    async def rate(
        self, user_id: int, album_id: int, score: float, text: str | None, spoiler: bool
    ) -> Rating:
        """Rate an album (and optionally review it); rating again replaces the previous one."""
        half_stars = to_half_stars(score)
        text = check_review_text(text)
        fresh_id = await self.ratings.next_id()
        now = datetime.now(UTC)

        async def change(transaction: Transaction) -> Rating:
            existing = await self.ratings.of_user_for_album(user_id, album_id, session=transaction.session)
            old = existing.half_stars if existing else None
            aggregate = await self._move(transaction, album_id, old, half_stars)
            rating = (
                replace(existing, half_stars=half_stars, text=text, spoiler=spoiler, updated_at=now)
                if existing
                else Rating(fresh_id, album_id, user_id, half_stars, text, spoiler, 0, now, now)
            )
            await self.ratings.save(rating, session=transaction.session)
            transaction.record(_changed(rating, aggregate, half_stars, old))
            if text and (existing is None or existing.text != text):
                transaction.record(
                    ReviewPosted(
                        album_id=album_id,
                        review_id=rating.id,
                        user_id=user_id,
                        score=to_score(half_stars),
                        excerpt=text[:EXCERPT_LENGTH],
                        spoiler=spoiler,
                    )
                )
            return rating

        return await self.unit_of_work.run(change)

    async def unrate(self, user_id: int, album_id: int) -> None:
        """Remove the caller's rating (and review) of an album."""

        async def change(transaction: Transaction) -> None:
            existing = await self.ratings.of_user_for_album(user_id, album_id, session=transaction.session)
            if existing is None:
                raise ChorusError(ErrorKind.NOT_FOUND, "no_rating", "you have not rated this album")
            await self._remove(transaction, existing)

        await self.unit_of_work.run(change)

    async def _remove(self, transaction: Transaction, rating: Rating) -> None:
        aggregate = await self._move(transaction, rating.album_id, rating.half_stars, None)
        await self.ratings.delete(rating.id, session=transaction.session)
        transaction.record(_changed(rating, aggregate, None, rating.half_stars))

    async def _named_rating(self, transaction: Transaction, command: RatingCommand) -> Rating | None:
        if command.rating_id is not None:
            return await self.ratings.get(command.rating_id, session=transaction.session)
        assert command.album_id is not None
        assert command.user_id is not None
        return await self.ratings.of_user_for_album(
            command.user_id, command.album_id, session=transaction.session
        )

    async def _create_from(self, transaction: Transaction, command: RatingCommand) -> None:
        assert command.album_id is not None
        assert command.user_id is not None
        assert command.score is not None
        half_stars = to_half_stars(command.score)
        aggregate = await self._move(transaction, command.album_id, None, half_stars)
        now = datetime.now(UTC)
        rating_id = await self.ratings.next_id()
        rating = Rating(rating_id, command.album_id, command.user_id, half_stars, None, False, 0, now, now)
        await self.ratings.save(rating, session=transaction.session)
        transaction.record(_changed(rating, aggregate, half_stars, None))

    async def _apply(self, transaction: Transaction, command: RatingCommand) -> None:
        """Set or delete the rating the command names, inside ``transaction``."""
        rating = await self._named_rating(transaction, command)
        if rating is None and command.rating_id is None and not command.delete and command.score is not None:
            await self._create_from(transaction, command)
            return
        if rating is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "unknown_rating", "there is no such rating")
        if command.delete:
            await self._remove(transaction, rating)
            return
        if command.score is None:
            raise ChorusError(ErrorKind.INVALID, "score_required", "give a score, or del=true to delete")
        half_stars = to_half_stars(command.score)
        aggregate = await self._move(transaction, rating.album_id, rating.half_stars, half_stars)
        await self.ratings.set_half_stars(rating.id, half_stars, session=transaction.session)
        transaction.record(_changed(rating, aggregate, half_stars, rating.half_stars))

    async def apply_command(self, command: RatingCommand) -> None:
        """The compatibility PATCH: the same change the UpdateRatingRequested command makes."""
        if not command.delete and command.score is not None:
            to_half_stars(command.score)  # refuse a bad score before touching anything

        async def change(transaction: Transaction) -> None:
            await self._apply(transaction, command)

        await self.unit_of_work.run(change)

    async def apply_requested(self, envelope: Envelope, command: RatingCommand) -> bool:
        """The command as an event: applied once however often it is delivered."""

        async def change(transaction: Transaction) -> None:
            await self._apply(transaction, command)

        return await self.unit_of_work.run_once(self.commands_inbox, envelope, change)

    async def set_like(self, user_id: int, review_id: int, liked: bool) -> int:
        """Like or unlike someone else's review; returns its like count. Repeating is harmless."""

        async def change(transaction: Transaction) -> int:
            review = await self.ratings.get(review_id, session=transaction.session)
            if review is None or not review.text:
                raise ChorusError(ErrorKind.NOT_FOUND, "unknown_review", "there is no such review")
            if review.user_id == user_id:
                raise ChorusError(ErrorKind.BAD_REQUEST, "own_review", "you cannot like your own review")
            mark = self.ratings.like if liked else self.ratings.unlike
            changed = await mark(review_id, user_id, session=transaction.session)
            likes = review.likes + (1 if liked else -1) * changed
            if changed:
                transaction.record(
                    ReviewLiked(
                        album_id=review.album_id,
                        review_id=review_id,
                        user_id=user_id,
                        liked=liked,
                        likes=likes,
                    )
                )
            return likes

        return await self.unit_of_work.run(change)
