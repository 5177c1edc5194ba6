"""A write waiting for its batch is refused once its deadline passes, and never stored after it."""

import asyncio

import pytest

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.group_commit import GroupCommit, Submitted
from chorus_backbone.memory import InMemoryUnitOfWork
from chorus_backbone.unit_of_work import Transaction


async def test_a_write_queued_past_its_deadline_is_refused_and_not_stored() -> None:
    stored: list[str] = []
    first_batch_running = asyncio.Event()
    release_first_batch = asyncio.Event()

    async def store(batch: list[Submitted[str, str]], transaction: Transaction) -> list[str]:
        if batch[0].item == "slow":
            first_batch_running.set()
            await release_first_batch.wait()  # a batch stuck behind a lock, say
        stored.extend(submitted.item for submitted in batch)
        return [submitted.item for submitted in batch]

    commit: GroupCommit[str, str] = GroupCommit(InMemoryUnitOfWork(timeout_seconds=0.2), store)
    slow = asyncio.create_task(commit.submit("slow"))
    await first_batch_running.wait()
    queued = asyncio.create_task(commit.submit("queued"))
    await asyncio.sleep(0.3)  # the queued write's deadline passes while the first batch runs
    release_first_batch.set()

    assert await slow == "slow"
    with pytest.raises(ChorusError) as refused:
        await queued
    assert refused.value.kind is ErrorKind.UNAVAILABLE
    assert stored == ["slow"]


async def test_writes_within_their_deadline_are_stored_in_one_batch() -> None:
    batches: list[list[str]] = []

    async def store(batch: list[Submitted[str, str]], transaction: Transaction) -> list[str]:
        batches.append([submitted.item for submitted in batch])
        return [submitted.item for submitted in batch]

    commit: GroupCommit[str, str] = GroupCommit(InMemoryUnitOfWork(timeout_seconds=5), store)

    assert await asyncio.gather(*(commit.submit(item) for item in "abc")) == ["a", "b", "c"]
    assert sorted(item for batch in batches for item in batch) == ["a", "b", "c"]
