"""Dependencies of the reviews routes, declared once."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from reviews.bootstrap import ReviewsService


def _service(request: Request) -> ReviewsService:
    service: ReviewsService = request.app.state.reviews
    return service


Reviews = Annotated[ReviewsService, Depends(_service)]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
AlbumId = Annotated[int, Path(ge=1, le=2**53, description="An album's id.")]
