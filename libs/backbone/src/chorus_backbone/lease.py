"""A time-bound lease in MongoDB, so only one replica at a time does a singleton job."""

from datetime import UTC, datetime, timedelta

from pymongo.errors import DuplicateKeyError

from chorus_backbone.mongo import Database

LEASES_COLLECTION = "leases"


class Lease:
    """Held by ``owner`` until ``duration`` passes without a renewal."""

    def __init__(self, database: Database, *, name: str, owner: str, duration: timedelta) -> None:
        self.collection = database[LEASES_COLLECTION]
        self.name = name
        self.owner = owner
        self.duration = duration
        self._held_until: datetime | None = None

    async def hold(self) -> bool:
        """Whether this owner holds the lease, renewing it once half of it has run out.

        While more than half is left it answers without asking the database.
        """
        now = datetime.now(UTC)
        if self._held_until is not None and self._held_until - now > self.duration / 2:
            return True
        return await self.acquire()

    async def acquire(self) -> bool:
        """Take or renew the lease; False while another live owner holds it."""
        now = datetime.now(UTC)
        try:
            await self.collection.update_one(
                {"_id": self.name, "$or": [{"owner": self.owner}, {"expires_at": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "expires_at": now + self.duration}},
                upsert=True,
            )
        except DuplicateKeyError:
            self._held_until = None
            return False
        self._held_until = now + self.duration
        return True

    async def release(self) -> None:
        self._held_until = None
        await self.collection.delete_one({"_id": self.name, "owner": self.owner})
