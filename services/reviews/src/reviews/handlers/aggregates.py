"""Album aggregates, folded behind the ratings: every rating change counted exactly once.

A rating's own transaction never touches its album, so raters of one album never
conflict. The changes reach this fold through ``ratings.events`` (keyed by album,
so one consumer folds any one album at a time), a batch per transaction, with the
batch's event ids recorded in the same transaction: a redelivered change is
recognised and skipped, and the aggregate is exact whatever the order.
"""

from chorus_backbone.unit_of_work import BatchInbox, Transaction, UnitOfWork
from chorus_schemas import Envelope
from chorus_schemas.events.ratings import AlbumAggregateChanged, RatingChangedV2
from reviews.domain.aggregates import deltas
from reviews.domain.scores import bucket_labels, to_half_stars
from reviews.store.ports import AlbumRepository, PageInvalidation


def _half_stars(score: float | None) -> int | None:
    return None if score is None else to_half_stars(score)


class AlbumAggregates:
    """Folds rating changes into their albums' aggregates and announces each new aggregate."""

    def __init__(
        self, albums: AlbumRepository, unit_of_work: UnitOfWork, inbox: BatchInbox, pages: PageInvalidation
    ) -> None:
        self.albums = albums
        self.unit_of_work = unit_of_work
        self.inbox = inbox
        self.pages = pages

    async def fold(self, changes: list[tuple[Envelope, RatingChangedV2]]) -> None:
        """Count each change once into its album's aggregate; then the album pages are stale."""

        by_id = {envelope.id: (envelope, change) for envelope, change in changes}  # a repeat counts once

        async def store(transaction: Transaction) -> list[int]:
            claimed = await self.inbox.claim_many([e for e, _ in by_id.values()], transaction.session)
            moves = (
                (change.album_id, _half_stars(change.previous_score), _half_stars(change.score))
                for change in (by_id[envelope.id][1] for envelope in claimed)
            )
            folded = await self.albums.fold(deltas(moves), session=transaction.session)
            labels = bucket_labels()
            for album_id, aggregate in folded.items():
                transaction.record(
                    AlbumAggregateChanged(
                        album_id=album_id,
                        ratings_count=max(0, aggregate.ratings_count),
                        avg_rating=aggregate.avg_rating,
                        histogram={labels[half - 1]: n for half, n in aggregate.histogram.items() if n > 0},
                        sequence=aggregate.sequence,
                    )
                )
            return list(folded)

        await self.pages.albums_changed(await self.unit_of_work.run(store))
