"""Integer ids from a counter that many requests use for the first time at once."""

import asyncio

import pytest

from chorus_backbone.mongo import Database, IdBlocks, next_sequence

pytestmark = pytest.mark.integration


async def test_first_uses_of_a_counter_at_once_each_get_an_id_of_their_own(mongo_database: Database) -> None:
    ids = await asyncio.gather(*(next_sequence(mongo_database, "users") for _ in range(40)))

    assert len(set(ids)) == len(ids) == 40  # distinct; a race lost on the way may leave a gap


async def test_blocks_from_several_processes_never_share_an_id(mongo_database: Database) -> None:
    replicas = [IdBlocks(mongo_database, "ratings", block=5) for _ in range(4)]

    ids = await asyncio.gather(*(replica.next_id() for replica in replicas for _ in range(12)))

    assert len(set(ids)) == len(ids) == 48
