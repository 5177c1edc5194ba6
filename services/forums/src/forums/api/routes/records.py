"""Records: saved room logs."""

from typing import Annotated

from fastapi import APIRouter, Path

from chorus_backbone.api_docs import errors
from chorus_backbone.request_auth import CurrentUser
from forums.api.deps import Limit, Offset, RecordsHandler
from forums.api.models import Confirmation, NewRecord, RecordMoves, RecordSummary

router = APIRouter(prefix="/api/records", tags=["records"])


@router.post("/save", response_model=Confirmation)
async def save(body: NewRecord, caller: CurrentUser, records: RecordsHandler) -> Confirmation:
    """Save a log for the caller; answers with its id."""
    record = await records.save_record(caller.user_id, body.moves)
    return Confirmation(message="record saved", id=record.id)


@router.get("/get-all", response_model=list[RecordSummary])
async def get_all(
    caller: CurrentUser, records: RecordsHandler, limit: Limit = 20, offset: Offset = 0
) -> list[RecordSummary]:
    """The caller's records, newest first."""
    found = await records.list_records(caller.user_id, limit=limit, offset=offset)
    return [RecordSummary(id=record.id, datetime=record.saved_at) for record in found]


@router.get("/get/{id:int}", response_model=RecordMoves, responses=errors(404))
async def get_one(
    id: Annotated[int, Path(ge=1, le=2**53)],
    caller: CurrentUser,
    records: RecordsHandler,
) -> RecordMoves:
    """One of the caller's records; another user's is 404."""
    return RecordMoves(moves=(await records.get_record(caller.user_id, id)).moves)
