"""Use cases of ratings: rate and review, delete, the rating command (PATCH and event)."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from chorus_backbone import mongo
from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_schemas.events.ratings import RatingChanged, ReviewLiked, ReviewPosted
from reviews.bootstrap import ReviewsService
from reviews.domain.models import Aggregate, Rating
from reviews.domain.scores import check_review_text, to_half_stars, to_score

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


async def rate(
    service: ReviewsService, user_id: int, album_id: int, score: float, text: str | None, spoiler: bool
) -> Rating:
    """Rate an album (and optionally review it); rating again replaces the previous one."""
    half_stars = to_half_stars(score)
    text = check_review_text(text)
    fresh_id = await service.ratings.next_id()
    now = datetime.now(UTC)

    async def change(session: mongo.Session) -> Rating:
        existing = await service.ratings.of_user_for_album(user_id, album_id, session=session)
        old = existing.half_stars if existing else None
        aggregate = await service.albums.apply_rating_change(album_id, old, half_stars, session=session)
        if aggregate is None:
            raise _unknown_album()
        rating = (
            replace(existing, half_stars=half_stars, text=text, spoiler=spoiler, updated_at=now)
            if existing
            else Rating(fresh_id, album_id, user_id, half_stars, text, spoiler, 0, now, now)
        )
        await service.ratings.save(rating, session=session)
        outbox = service.runtime.outbox
        await outbox.add(_changed(rating, aggregate, half_stars, old), session=session)
        if text and (existing is None or existing.text != text):
            await outbox.add(
                ReviewPosted(
                    album_id=album_id,
                    review_id=rating.id,
                    user_id=user_id,
                    score=to_score(half_stars),
                    excerpt=text[:EXCERPT_LENGTH],
                    spoiler=spoiler,
                ),
                session=session,
            )
        return rating

    rating = await mongo.in_transaction(service.runtime.mongo_client, change)
    service.runtime.relay.notify()
    return rating


async def unrate(service: ReviewsService, user_id: int, album_id: int) -> None:
    """Remove the caller's rating (and review) of an album."""

    async def change(session: mongo.Session) -> None:
        existing = await service.ratings.of_user_for_album(user_id, album_id, session=session)
        if existing is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "no_rating", "you have not rated this album")
        await _remove(service, existing, session)

    await mongo.in_transaction(service.runtime.mongo_client, change)
    service.runtime.relay.notify()


async def _remove(service: ReviewsService, rating: Rating, session: mongo.Session) -> None:
    aggregate = await service.albums.apply_rating_change(
        rating.album_id, rating.half_stars, None, session=session
    )
    if aggregate is None:
        raise _unknown_album()
    await service.ratings.delete(rating.id, session=session)
    await service.runtime.outbox.add(_changed(rating, aggregate, None, rating.half_stars), session=session)


async def _named_rating(
    service: ReviewsService, command: RatingCommand, session: mongo.Session
) -> Rating | None:
    if command.rating_id is not None:
        return await service.ratings.get(command.rating_id, session=session)
    assert command.album_id is not None
    assert command.user_id is not None
    return await service.ratings.of_user_for_album(command.user_id, command.album_id, session=session)


async def _create_from(service: ReviewsService, command: RatingCommand, session: mongo.Session) -> None:
    assert command.album_id is not None
    assert command.user_id is not None
    assert command.score is not None
    half_stars = to_half_stars(command.score)
    aggregate = await service.albums.apply_rating_change(command.album_id, None, half_stars, session=session)
    if aggregate is None:
        raise _unknown_album()
    now = datetime.now(UTC)
    rating = Rating(
        await service.ratings.next_id(),
        command.album_id,
        command.user_id,
        half_stars,
        None,
        False,
        0,
        now,
        now,
    )
    await service.ratings.save(rating, session=session)
    await service.runtime.outbox.add(_changed(rating, aggregate, half_stars, None), session=session)


async def apply_command_in(service: ReviewsService, command: RatingCommand, session: mongo.Session) -> None:
    """Set or delete the rating the command names, inside the caller's transaction."""
    rating = await _named_rating(service, command, session)
    if rating is None and command.rating_id is None and not command.delete and command.score is not None:
        await _create_from(service, command, session)
        return
    if rating is None:
        raise ChorusError(ErrorKind.NOT_FOUND, "unknown_rating", "there is no such rating")
    if command.delete:
        await _remove(service, rating, session)
        return
    if command.score is None:
        raise ChorusError(ErrorKind.INVALID, "score_required", "give a score, or del=true to delete")
    half_stars = to_half_stars(command.score)
    aggregate = await service.albums.apply_rating_change(
        rating.album_id, rating.half_stars, half_stars, session=session
    )
    if aggregate is None:
        raise _unknown_album()
    await service.ratings.set_half_stars(rating.id, half_stars, session=session)
    await service.runtime.outbox.add(
        _changed(rating, aggregate, half_stars, rating.half_stars), session=session
    )


async def apply_command(service: ReviewsService, command: RatingCommand) -> None:
    """The compatibility PATCH: the same change the UpdateRatingRequested command makes."""
    if not command.delete and command.score is not None:
        to_half_stars(command.score)  # refuse a bad score before touching anything

    async def change(session: mongo.Session) -> None:
        await apply_command_in(service, command, session)

    await mongo.in_transaction(service.runtime.mongo_client, change)
    service.runtime.relay.notify()


async def set_like(service: ReviewsService, user_id: int, review_id: int, liked: bool) -> int:
    """Like or unlike someone else's review; returns its like count. Repeating is harmless."""

    async def change(session: mongo.Session) -> int:
        review = await service.ratings.get(review_id, session=session)
        if review is None or not review.text:
            raise ChorusError(ErrorKind.NOT_FOUND, "unknown_review", "there is no such review")
        if review.user_id == user_id:
            raise ChorusError(ErrorKind.BAD_REQUEST, "own_review", "you cannot like your own review")
        ratings = service.ratings
        changed = await (ratings.like if liked else ratings.unlike)(review_id, user_id, session=session)
        likes = review.likes + (1 if liked else -1) * changed
        if changed:
            await service.runtime.outbox.add(
                ReviewLiked(
                    album_id=review.album_id,
                    review_id=review_id,
                    user_id=user_id,
                    liked=liked,
                    likes=likes,
                ),
                session=session,
            )
        return likes

    likes = await mongo.in_transaction(service.runtime.mongo_client, change)
    service.runtime.relay.notify()
    return likes
