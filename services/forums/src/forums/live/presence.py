"""Who is in which room, across every forums replica, in Redis.

Each connection is an entry with an expiry that its replica renews; a replica that
dies stops renewing, and its members expire from every room.
"""

import time

from redis.asyncio import Redis

from chorus_backbone.single_flight import SingleFlight
from chorus_schemas.live_room import UserRef, user_ref


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return "" if value is None else str(value)


# Drop one connection's entry and count; what is left of the user's connections, or -1 when
# the entry was gone already (another replica's sweep took it): each entry is counted down once.
_LEAVE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end
local left = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
if left <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
return left
"""


class Presence:
    """Per room: each connection's entry with its expiry (a sorted set), each present user's
    number of connections (a hash, so a join's checks take O(1)), and users' names."""

    def __init__(self, redis: Redis, *, prefix: str, ttl_seconds: float) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl_seconds
        self._leave = redis.register_script(_LEAVE)
        self._members = SingleFlight(self._read_members)

    def _entries(self, room_id: int) -> str:
        return f"{self.prefix}presence:{room_id}"

    def _counts(self, room_id: int) -> str:
        return f"{self.prefix}present:{room_id}"

    def _names(self, room_id: int) -> str:
        return f"{self.prefix}names:{room_id}"

    async def enter(self, room_id: int, user_id: int, username: str | None, connection: str) -> bool:
        """Add a connection; True when the user was not in the room before."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._entries(room_id), {f"{user_id}:{connection}": time.time() + self.ttl})
            pipe.hset(self._names(room_id), str(user_id), username or "")
            pipe.hincrby(self._counts(room_id), str(user_id), 1)
            *_, connections = await pipe.execute()
        return int(connections) == 1

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
        keys = [self._entries(room_id), self._counts(room_id)]
        return int(await self._leave(keys=keys, args=[f"{user_id}:{connection}", str(user_id)])) == 0

    async def expire(self, room_id: int) -> set[int]:
        """Drop connections whose replica stopped renewing them; the users that left by it."""
        stale = await self.redis.zrangebyscore(self._entries(room_id), "-inf", time.time())
        if not stale:
            return set()
        keys = [self._entries(room_id), self._counts(room_id)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry in stale:
                user = _text(entry).split(":", 1)[0]
                await self._leave(keys=keys, args=[_text(entry), user], client=pipe)
            left = await pipe.execute()
        return {
            int(_text(entry).split(":", 1)[0]) for entry, n in zip(stale, left, strict=True) if int(n) == 0
        }

    async def count(self, room_id: int) -> int:
        """How many users are in the room (O(1))."""
        return int(await self.redis.hlen(self._counts(room_id)))

    async def member_ids(self, room_id: int) -> set[int]:
        return {int(_text(user)) for user in await self.redis.hkeys(self._counts(room_id))}

    async def member_ids_of(self, room_ids: list[int]) -> dict[int, set[int]]:
        """The members of each room, in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id in room_ids:
                pipe.hkeys(self._counts(room_id))
            found = await pipe.execute()
        return {
            room_id: {int(_text(user)) for user in users}
            for room_id, users in zip(room_ids, found, strict=True)
        }

    async def members(self, room_id: int) -> list[UserRef]:
        """The room's members with their names; joins arriving together share one read."""
        return await self._members.get(room_id)

    async def _read_members(self, room_id: int) -> list[UserRef]:
        ids = sorted(await self.member_ids(room_id))
        if not ids:
            return []
        names = await self.redis.hmget(self._names(room_id), [str(i) for i in ids])
        return [user_ref(user_id, _text(name) or None) for user_id, name in zip(ids, names, strict=True)]

    async def forget(self, room_id: int) -> None:
        await self.redis.delete(self._entries(room_id), self._counts(room_id), self._names(room_id))

    async def mute(self, room_id: int, user_id: int, minutes: int) -> None:
        await self.redis.set(f"{self.prefix}mute:{room_id}:{user_id}", b"1", ex=minutes * 60)

    async def muted(self, room_id: int, user_id: int) -> bool:
        return bool(await self.redis.exists(f"{self.prefix}mute:{room_id}:{user_id}"))
