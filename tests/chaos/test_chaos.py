"""The short chaos run on the whole system as `chorus-infra up` starts it (`./dev up`'s command),
with three Kafka brokers and a mixed load through the gateway: a forums replica, the reviews
MongoDB-wire server and Redis are each killed (SIGKILL) and started again. After each:
nothing acknowledged lost or doubled, every member saw its rooms without gap or repeat,
every projection equals a replay. Then `chorus-infra down` stops it all.

`./dev chaos` runs every part in turn (docs/chaos.md).
"""

import logging
from pathlib import Path

import pytest

from chorus_chaos.report import findings, table
from chorus_chaos.run import SHORT, ChaosRun
from chorus_chaos.system import ChaosSystem

pytestmark = pytest.mark.integration


@pytest.mark.timeout(900)
async def test_the_system_up_loses_and_doubles_nothing_as_each_part_is_killed_and_down_stops_it(
    tmp_path: Path,
) -> None:
    system = ChaosSystem(tmp_path)
    await system.start()
    try:
        rows = await ChaosRun(system, SHORT, logging.getLogger(__name__).info).execute()
        after_faults, after_faults_status = await system.infra("status")
    finally:
        await system.stop()
    after_down, after_down_status = await system.infra("status")

    assert [row.fault for row in rows] == list(SHORT.faults)
    assert findings(rows) == [], table(rows)
    for row in rows:
        assert row.acknowledged > 0, table(rows)
        assert row.back_after_seconds is not None, table(rows)
    assert after_faults == 0, after_faults_status  # every part and service runs again
    assert (tmp_path / "logs" / "service-gateway.log").exists()
    assert after_down == 1
    assert "up " not in after_down_status
