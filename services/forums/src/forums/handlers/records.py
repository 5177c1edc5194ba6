"""Use cases of records: saved room logs, each visible to its owner only."""

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas.events.forums import RecordSaved
from forums.domain.models import Record
from forums.settings import ForumsSettings
from forums.store.ports import RecordRepository


class Records:
    """Saving, listing and reading one's records."""

    def __init__(self, records: RecordRepository, unit_of_work: UnitOfWork, settings: ForumsSettings) -> None:
        self.records = records
        self.unit_of_work = unit_of_work
        self.settings = settings

    async def save_record(self, owner: int, moves: list[str]) -> Record:
        """Keep a log (an ordered list of strings) for the caller."""
        settings = self.settings
        if len(moves) > settings.max_record_moves:
            raise ChorusError(
                ErrorKind.INVALID, "record_too_long", f"a record holds at most {settings.max_record_moves}"
            )
        if any(len(move) > settings.max_move_chars for move in moves):
            raise ChorusError(
                ErrorKind.INVALID, "move_too_long", f"a move is at most {settings.max_move_chars} characters"
            )
        record_id = await self.records.next_id()

        async def store(transaction: Transaction) -> Record:
            record = await self.records.add(owner, moves, session=transaction.session, record_id=record_id)
            transaction.record(RecordSaved(record_id=record.id, user_id=owner, moves_count=len(moves)))
            return record

        return await self.unit_of_work.run(store)

    async def list_records(self, owner: int, *, limit: int, offset: int) -> list[Record]:
        """The caller's records, newest first."""
        return await self.records.owned_by(owner, limit=limit, offset=offset)

    async def get_record(self, owner: int, record_id: int) -> Record:
        """One of the caller's records; anyone else's is as good as missing."""
        record = await self.records.get(record_id, owner=owner)
        if record is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "unknown_record", "there is no such record")
        return record
