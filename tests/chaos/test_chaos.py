"""The short chaos run: the whole system as processes, three Kafka brokers, a mixed load through
the gateway; a forums replica, the reviews MongoDB-wire server and Redis are each killed
(SIGKILL) and started again. After each: nothing acknowledged lost or doubled,
every member saw its rooms without gap or repeat, every projection equals a replay.

`./dev chaos` runs every part in turn (docs/chaos.md).
"""

import logging
from pathlib import Path

import pytest

from chorus_chaos.report import findings, table
from chorus_chaos.run import SHORT, run_chaos

pytestmark = pytest.mark.integration


@pytest.mark.timeout(900)
async def test_killing_each_part_in_turn_loses_and_doubles_nothing_acknowledged(tmp_path: Path) -> None:
    rows = await run_chaos(tmp_path, SHORT, say=logging.getLogger(__name__).info)

    assert [row.fault for row in rows] == list(SHORT.faults)
    assert findings(rows) == [], table(rows)
    for row in rows:
        assert row.acknowledged > 0, table(rows)
        assert row.back_after_seconds is not None, table(rows)
