"""Once a service has started, what it holds is out of the collector's sight and the young
generation is collected less often; garbage cycles made later are still collected."""

import gc
import weakref
from collections.abc import Iterator

import pytest

from chorus_backbone.collector import YOUNG_COLLECTION_EVERY, settle_after_start


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.mark.usefixtures("collector_restored")
def test_settling_freezes_what_is_held_and_later_cycles_are_still_collected() -> None:
    held_before = [object() for _ in range(10)]
    settle_after_start()

    assert gc.get_freeze_count() >= len(held_before)
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    gc.collect()
    assert gone() is None
