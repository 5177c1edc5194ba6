"""Who is in which room, across every forums replica, in Redis.

Each connection is an entry with an expiry that its replica renews; a replica that
dies stops renewing, and its members expire from every room.
"""

import time

from redis.asyncio import Redis

from chorus_schemas.live_room import UserRef, user_ref


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return "" if value is None else str(value)


class Presence:
    def __init__(self, redis: Redis, *, prefix: str, ttl_seconds: float) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl_seconds

    def _entries(self, room_id: int) -> str:
        return f"{self.prefix}presence:{room_id}"

    def _names(self, room_id: int) -> str:
        return f"{self.prefix}names:{room_id}"

    async def enter(self, room_id: int, user_id: int, username: str | None, connection: str) -> bool:
        """Add a connection; True when the user was not in the room before."""
        before = await self.member_ids(room_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._entries(room_id), {f"{user_id}:{connection}": time.time() + self.ttl})
            pipe.hset(self._names(room_id), str(user_id), username or "")
            await pipe.execute()
        return user_id not in before

    async def renew(self, entries: list[tuple[int, int, str]]) -> None:
        """Push back the expiry of (room, user, connection) entries held by this replica."""
        if not entries:
            return
        expiry = time.time() + self.ttl
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id, user_id, connection in entries:
                pipe.zadd(self._entries(room_id), {f"{user_id}:{connection}": expiry}, xx=True)
            await pipe.execute()

    async def leave(self, room_id: int, user_id: int, connection: str) -> bool:
        """Remove a connection; True when that was the user's last one in the room."""
        await self.redis.zrem(self._entries(room_id), f"{user_id}:{connection}")
        return user_id not in await self.member_ids(room_id)

    async def expire(self, room_id: int) -> set[int]:
        """Drop connections whose replica stopped renewing them; the users that left by it."""
        now = time.time()
        stale = await self.redis.zrangebyscore(self._entries(room_id), "-inf", now)
        if not stale:
            return set()
        await self.redis.zrem(self._entries(room_id), *stale)
        gone = {int(_text(entry).split(":", 1)[0]) for entry in stale}
        return gone - await self.member_ids(room_id)

    async def member_ids(self, room_id: int) -> set[int]:
        entries = await self.redis.zrangebyscore(self._entries(room_id), time.time(), "+inf")
        return {int(_text(entry).split(":", 1)[0]) for entry in entries}

    async def member_ids_of(self, room_ids: list[int]) -> dict[int, set[int]]:
        """The members of each room, in one round trip."""
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id in room_ids:
                pipe.zrangebyscore(self._entries(room_id), now, "+inf")
            found = await pipe.execute()
        return {
            room_id: {int(_text(entry).split(":", 1)[0]) for entry in entries}
            for room_id, entries in zip(room_ids, found, strict=True)
        }

    async def members(self, room_id: int) -> list[UserRef]:
        ids = sorted(await self.member_ids(room_id))
        if not ids:
            return []
        names = await self.redis.hmget(self._names(room_id), [str(i) for i in ids])
        return [user_ref(user_id, _text(name) or None) for user_id, name in zip(ids, names, strict=True)]

    async def forget(self, room_id: int) -> None:
        await self.redis.delete(self._entries(room_id), self._names(room_id))

    async def mute(self, room_id: int, user_id: int, minutes: int) -> None:
        await self.redis.set(f"{self.prefix}mute:{room_id}:{user_id}", b"1", ex=minutes * 60)

    async def muted(self, room_id: int, user_id: int) -> bool:
        return bool(await self.redis.exists(f"{self.prefix}mute:{room_id}:{user_id}"))
