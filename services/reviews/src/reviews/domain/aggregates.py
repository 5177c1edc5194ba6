"""Folding rating changes into album aggregates: exact whatever order the changes come in."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviews.domain.models import Aggregate, Rating, RatingChange
from reviews.domain.scores import average


@dataclass
class Delta:
    """What a set of rating changes adds to an album's aggregate (sums, so order does not matter)."""

    ratings_count: int = 0
    half_star_sum: int = 0
    histogram: Counter[int] = field(default_factory=Counter)

    def add(self, old: int | None, new: int | None) -> None:
        """One rating moved from half-star ``old`` to ``new`` (None: absent)."""
        self.ratings_count += (new is not None) - (old is not None)
        self.half_star_sum += (new or 0) - (old or 0)
        if old is not None:
            self.histogram[old] -= 1
        if new is not None:
            self.histogram[new] += 1


def folded(aggregate: Aggregate, delta: Delta) -> Aggregate:
    """``aggregate`` with ``delta`` applied, one sequence later."""
    histogram = Counter(aggregate.histogram)
    histogram.update(delta.histogram)
    count = aggregate.ratings_count + delta.ratings_count
    total = aggregate.half_star_sum + delta.half_star_sum
    return Aggregate(
        ratings_count=count,
        half_star_sum=total,
        avg_rating=average(total, count),
        histogram={half: n for half, n in sorted(histogram.items()) if n},
        sequence=aggregate.sequence + 1,
    )


def applied(before: Rating | None, change: RatingChange) -> Rating | None:
    """The rating after ``change``; None when it is removed (or was never there)."""
    if change.half_stars is None:
        return None
    if before is None:
        return Rating(
            change.fresh_id,
            change.album_id,
            change.user_id,
            change.half_stars,
            None if change.keep_review else change.text,
            False if change.keep_review else change.spoiler,
            0,
            change.at,
            change.at,
            1,
        )
    text, spoiler = (before.text, before.spoiler) if change.keep_review else (change.text, change.spoiler)
    return Rating(
        before.id,
        before.album_id,
        before.user_id,
        change.half_stars,
        text,
        spoiler,
        before.likes,
        before.created_at,
        change.at,
        before.version + 1,
    )


def deltas(changes: Iterable[tuple[int, int | None, int | None]]) -> dict[int, Delta]:
    """Per album, the delta of (album, old half-stars, new half-stars) changes."""
    by_album: dict[int, Delta] = {}
    for album_id, old, new in changes:
        by_album.setdefault(album_id, Delta()).add(old, new)
    return by_album
