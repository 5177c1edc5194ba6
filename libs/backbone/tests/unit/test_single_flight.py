"""Callers asking for the same key while it is read share that read; later callers read again."""

import asyncio

import pytest

from chorus_backbone.single_flight import SingleFlight


async def test_callers_of_one_key_share_its_read_and_a_later_caller_reads_afresh() -> None:
    reads: list[int] = []
    release = asyncio.Event()

    async def read(key: int) -> str:
        reads.append(key)
        await release.wait()
        return f"value {key}"

    flight: SingleFlight[int, str] = SingleFlight(read)
    together = [asyncio.ensure_future(flight.get(7)) for _ in range(100)]
    other = asyncio.ensure_future(flight.get(8))
    await asyncio.sleep(0)
    release.set()

    assert set(await asyncio.gather(*together)) == {"value 7"}
    assert await other == "value 8"
    assert sorted(reads) == [7, 8]
    assert await flight.get(7) == "value 7"
    assert sorted(reads) == [7, 7, 8]


async def test_a_failed_read_fails_its_callers_and_is_not_kept() -> None:
    attempts = 0

    async def read(key: str) -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("store away")
        return key

    flight: SingleFlight[str, str] = SingleFlight(read)
    with pytest.raises(ConnectionError):
        await flight.get("room")
    assert await flight.get("room") == "room"


async def test_a_caller_that_goes_away_does_not_cancel_the_read_of_the_others() -> None:
    release = asyncio.Event()

    async def read(key: int) -> int:
        await release.wait()
        return key

    flight: SingleFlight[int, int] = SingleFlight(read)
    leaving = asyncio.ensure_future(flight.get(1))
    staying = asyncio.ensure_future(flight.get(1))
    await asyncio.sleep(0)
    leaving.cancel()
    release.set()

    assert await staying == 1
