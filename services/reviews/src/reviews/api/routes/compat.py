"""The original rating-update endpoint, kept for compatibility (service credentials only).

Its replacement is the UpdateRatingRequested command on ratings.commands; both end
in the same RatingChanged event.
"""

from typing import Annotated

from fastapi import APIRouter, Body, Query

from chorus_backbone.api_docs import errors
from chorus_backbone.request_auth import CallingService
from reviews.api.deps import RatingsHandler
from reviews.api.models import Confirmation, ScoreIn
from reviews.domain.scores import MAX_SCORE, MIN_SCORE, SCORE_STEP
from reviews.handlers.ratings import RatingCommand

router = APIRouter(prefix="/api/users/ratings", tags=["compatibility"])


@router.patch("/upd", response_model=Confirmation, responses=errors(403, 404))
async def update_rating(
    _: CallingService,
    ratings: RatingsHandler,
    id: Annotated[int, Query(ge=1, le=2**53, description="A rating id.")],
    delete: Annotated[bool, Query(alias="del", description="true deletes the rating.")] = False,
    score: Annotated[
        float | None,
        Query(
            ge=MIN_SCORE,
            le=MAX_SCORE,
            multiple_of=SCORE_STEP,
            description="The new score (or in the JSON body).",
        ),
    ] = None,
    body: Annotated[ScoreIn | None, Body()] = None,
) -> Confirmation:
    """Set (`score`) or delete (`del=true`) a rating by id; services only."""
    new_score = score if score is not None else (body.score if body else None)
    await ratings.apply_command(RatingCommand(rating_id=id, score=new_score, delete=delete))
    return Confirmation(message="rating deleted" if delete else "rating updated", id=id)
