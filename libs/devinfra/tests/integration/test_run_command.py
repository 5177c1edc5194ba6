"""The run command itself: `chorus-infra up` brings the whole system up, `down` stops it."""

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest

from chorus_devinfra.process import free_port

pytestmark = pytest.mark.integration

PORT_SETTINGS = (
    "KAFKA_PORT",
    "KAFKA_CONTROLLER_PORT",
    "MONGO_USERS_PORT",
    "MONGO_REVIEWS_PORT",
    "MONGO_FORUMS_PORT",
    "MONGO_ANALYTICS_PORT",
    "REDIS_PORT",
    "GATEWAY_PORT",
    "USERS_PORT",
    "REVIEWS_PORT",
    "FORUMS_PORT",
    "USERS_GRPC_PORT",
    "FORUMS_2_PORT",
    "GATEWAY_GRPC_PORT",
    "ANALYTICS_PORT",
)


async def _infra(env: dict[str, str], *args: str) -> tuple[int, str]:
    command = Path(sys.executable).parent / "chorus-infra"
    process = await asyncio.create_subprocess_exec(
        str(command),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode is not None
    return process.returncode, output.decode()


@pytest.mark.timeout(300)
async def test_up_starts_every_part_and_service_and_down_stops_them(tmp_path: Path) -> None:
    ports = {name: free_port() for name in PORT_SETTINGS}
    env = {
        **os.environ,
        "CHORUS_INFRA_DATA_DIR": str(tmp_path),
        **{f"CHORUS_INFRA_{name}": str(port) for name, port in ports.items()},
    }
    try:
        code, output = await _infra(env, "up")
        assert code == 0, output
        async with httpx.AsyncClient() as client:
            ready = await client.get(f"http://127.0.0.1:{ports['GATEWAY_PORT']}/readyz")
        status_code, status = await _infra(env, "status")
    finally:
        await _infra(env, "down")
    after_code, after = await _infra(env, "status")

    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
    assert status_code == 0, status
    assert (tmp_path / "logs" / "service-gateway.log").exists()
    assert after_code == 1
    assert "up " not in after
