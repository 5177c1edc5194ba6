"""Use cases of ratings: rate and review, delete, like, the rating command (PATCH and event).

A rating's write and its announcement are one transaction of three statements (read
the ratings it touches, write them, write the events) shared by every rating
submitted while the previous one commits. The album aggregates follow from the
announcements (``handlers/aggregates.py``), so raters of one album never conflict.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.group_commit import GroupCommit, Submitted
from chorus_backbone.unit_of_work import Inbox, Transaction, UnitOfWork
from chorus_schemas import Envelope, Event
from chorus_schemas.events.ratings import RatingChangedV2, ReviewLiked, ReviewPosted
from reviews.domain.models import Rating, RatingChange
from reviews.domain.scores import check_review_text, to_half_stars, to_score
from reviews.store.ports import AlbumRepository, RatingRepository

EXCERPT_LENGTH = 280
MAX_BATCH = 64

Moved = tuple[Rating | None, Rating | None]


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


def announcements(before: Rating | None, after: Rating | None) -> list[Event]:
    """What a rating's move from ``before`` to ``after`` tells the others."""
    rating = after or before
    if rating is None:
        return []
    events: list[Event] = [
        RatingChangedV2(
            album_id=rating.album_id,
            rating_id=rating.id,
            user_id=rating.user_id,
            score=to_score(after.half_stars) if after else None,
            previous_score=to_score(before.half_stars) if before else None,
            version=after.version if after else rating.version + 1,
        )
    ]
    if after is not None and after.text and (before is None or before.text != after.text):
        events.append(
            ReviewPosted(
                album_id=after.album_id,
                review_id=after.id,
                user_id=after.user_id,
                score=to_score(after.half_stars),
                excerpt=after.text[:EXCERPT_LENGTH],
                spoiler=after.spoiler,
            )
        )
    return events


class Ratings:
    """Ratings, reviews and likes."""

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
        self._log: GroupCommit[RatingChange, Moved] = GroupCommit(
            unit_of_work, self._store, max_batch=MAX_BATCH
        )

    async def _store(
        self, batch: list[Submitted[RatingChange, Moved]], transaction: Transaction
    ) -> list[Moved]:
        moved = await self.ratings.apply([submitted.item for submitted in batch], session=transaction.session)
        for submitted, (before, after) in zip(batch, moved, strict=True):
            for event in announcements(before, after):
                submitted.record(transaction, event)
        return moved

    async def _require_album(self, album_id: int) -> None:
        if not await self.albums.exists(album_id):
            raise _unknown_album()

    async def rate(
        self, user_id: int, album_id: int, score: float, text: str | None, spoiler: bool
    ) -> Rating:
        """Rate an album (and optionally review it); rating again replaces the previous one."""
        half_stars = to_half_stars(score)
        text = check_review_text(text)
        await self._require_album(album_id)
        change = RatingChange(
            user_id, album_id, half_stars, await self.ratings.next_id(), datetime.now(UTC), text, spoiler
        )
        _, after = await self._log.submit(change)
        assert after is not None
        return after

    async def unrate(self, user_id: int, album_id: int) -> None:
        """Remove the caller's rating (and review) of an album."""
        before, _ = await self._log.submit(RatingChange(user_id, album_id, None, 0, datetime.now(UTC)))
        if before is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "no_rating", "you have not rated this album")

    async def _change_for(self, transaction: Transaction, command: RatingCommand) -> RatingChange:
        half_stars = None if command.delete or command.score is None else to_half_stars(command.score)
        now = datetime.now(UTC)
        if command.rating_id is not None:
            rating = await self.ratings.get(command.rating_id, session=transaction.session)
            if rating is None:
                raise ChorusError(ErrorKind.NOT_FOUND, "unknown_rating", "there is no such rating")
            user_id, album_id = rating.user_id, rating.album_id
        else:
            assert command.album_id is not None
            assert command.user_id is not None
            user_id, album_id = command.user_id, command.album_id
            existing = await self.ratings.of_user_for_album(user_id, album_id, session=transaction.session)
            if existing is None and half_stars is None:
                raise ChorusError(ErrorKind.NOT_FOUND, "unknown_rating", "there is no such rating")
            if existing is None:
                await self._require_album(album_id)
        if not command.delete and half_stars is None:
            raise ChorusError(ErrorKind.INVALID, "score_required", "give a score, or del=true to delete")
        return RatingChange(
            user_id, album_id, half_stars, await self.ratings.next_id(), now, keep_review=True
        )

    async def _apply(self, transaction: Transaction, command: RatingCommand) -> None:
        change = await self._change_for(transaction, command)
        [(before, after)] = await self.ratings.apply([change], session=transaction.session)
        for event in announcements(before, after):
            transaction.record(event)

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
