"""A tiny pass of the benchmark harness: it still starts what it needs, drives it and reports.

Nothing here is timed or compared: the figures come from `just bench`.
"""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.timeout(600)
def test_the_harness_drives_the_live_fan_out_and_the_write_path_end_to_end() -> None:
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "chorus_bench.cli",
            "--smoke",
            "fanout",
            "write-path",
            "--only",
            "ceiling",
            "--only",
            "chorus through the gateway",
        ],
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )

    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    fanout_rows = [
        line for line in finished.stdout.splitlines() if line.startswith(("chorus through", "load generator"))
    ]
    assert len(fanout_rows) == 2
    for row in fanout_rows:
        assert row.split()[-5] == "1", row  # every message reached every subscriber
    write_rows = [line for line in finished.stdout.splitlines() if line.startswith("chorus: PUT rating")]
    assert len(write_rows) == 1
    assert write_rows[0].split()[-3] == "0", write_rows[0]  # no album's aggregate is wrong
