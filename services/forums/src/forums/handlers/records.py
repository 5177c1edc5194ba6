"""Use cases of records: saved room logs, each visible to its owner only."""

from chorus_backbone import mongo
from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_schemas.events.forums import RecordSaved
from forums.bootstrap import ForumsService
from forums.store.records import Record


async def save_record(service: ForumsService, owner: int, moves: list[str]) -> Record:
    """Keep a log (an ordered list of strings) for the caller."""
    settings = service.settings
    if len(moves) > settings.max_record_moves:
        raise ChorusError(
            ErrorKind.INVALID, "record_too_long", f"a record holds at most {settings.max_record_moves}"
        )
    if any(len(move) > settings.max_move_chars for move in moves):
        raise ChorusError(
            ErrorKind.INVALID, "move_too_long", f"a move is at most {settings.max_move_chars} characters"
        )
    record_id = await service.records.next_id()

    async def store(session: mongo.Session) -> Record:
        record = await service.records.add(owner, moves, session=session, record_id=record_id)
        await service.runtime.outbox.add(
            RecordSaved(record_id=record.id, user_id=owner, moves_count=len(moves)), session=session
        )
        return record

    record = await mongo.in_transaction(service.runtime.mongo_client, store)
    service.runtime.relay.notify()
    return record


async def list_records(service: ForumsService, owner: int, *, limit: int, offset: int) -> list[Record]:
    """The caller's records, newest first."""
    return await service.records.owned_by(owner, limit=limit, offset=offset)


async def get_record(service: ForumsService, owner: int, record_id: int) -> Record:
    """One of the caller's records; anyone else's is as good as missing."""
    record = await service.records.get(record_id, owner=owner)
    if record is None:
        raise ChorusError(ErrorKind.NOT_FOUND, "unknown_record", "there is no such record")
    return record
