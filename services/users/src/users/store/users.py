"""Accounts in MongoDB: users with integer ids and case-insensitive unique usernames."""

import re
from typing import Protocol

from pymongo import ASCENDING

from chorus_backbone.mongo import Database, Document, Session, next_sequence
from users.domain.models import User


class UserRepository(Protocol):
    """Where accounts live."""

    async def next_id(self) -> int: ...
    async def add(self, user: User, *, session: Session | None) -> None: ...
    async def by_id(self, user_id: int) -> User | None: ...
    async def by_username(self, username_key: str) -> User | None: ...
    async def by_ids(self, user_ids: list[int]) -> list[User]: ...
    async def search(self, fragment: str, *, exclude: int, limit: int, offset: int) -> list[User]: ...


def _user(document: Document) -> User:
    return User(
        id=document["_id"],
        username=document["username"],
        password_hash=document["password_hash"],
        created_at=document["created_at"],
    )


class MongoUserRepository:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.users = database["users"]

    async def ensure_indexes(self) -> None:
        await self.users.create_index("username_key", unique=True, name="unique_username")

    async def next_id(self) -> int:
        return await next_sequence(self.database, "users")

    async def add(self, user: User, *, session: Session | None) -> None:
        await self.users.insert_one(
            {
                "_id": user.id,
                "username": user.username,
                "username_key": user.username.casefold(),
                "password_hash": user.password_hash,
                "created_at": user.created_at,
            },
            session=session,
        )

    async def by_id(self, user_id: int) -> User | None:
        document = await self.users.find_one({"_id": user_id})
        return _user(document) if document else None

    async def by_username(self, username_key: str) -> User | None:
        document = await self.users.find_one({"username_key": username_key})
        return _user(document) if document else None

    async def by_ids(self, user_ids: list[int]) -> list[User]:
        cursor = self.users.find({"_id": {"$in": user_ids}}).sort("_id", ASCENDING)
        return [_user(document) async for document in cursor]

    async def search(self, fragment: str, *, exclude: int, limit: int, offset: int) -> list[User]:
        cursor = (
            self.users.find(
                {
                    "username_key": {"$regex": re.escape(fragment.casefold())},
                    "_id": {"$ne": exclude},
                }
            )
            .sort("username_key", ASCENDING)
            .skip(offset)
            .limit(limit)
        )
        return [_user(document) async for document in cursor]
