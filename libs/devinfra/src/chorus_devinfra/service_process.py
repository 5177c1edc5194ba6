"""A Chorus service as a real process in a test: started from its settings, killed, started again."""

import asyncio
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from chorus_devinfra.probes import eventually

START_SECONDS = 90.0


def environment_of(settings: BaseSettings) -> dict[str, str]:
    """The settings as the environment a deployed service reads them from."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    environment: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        plain: Any = value.get_secret_value() if isinstance(value, SecretStr) else value
        text = orjson.dumps(plain).decode() if isinstance(plain, list | dict) else str(plain)
        environment[f"{prefix}{name.upper()}"] = text
    return environment


class ServiceProcess:
    """``python -m <module>`` with ``settings``, its output kept in ``log``."""

    def __init__(self, module: str, settings: BaseSettings, *, port: int, log: Path) -> None:
        self.module = module
        self.settings = settings
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start and wait until its /readyz answers 200."""
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                self.module,
                env={**os.environ, **environment_of(self.settings)},
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )
        async with httpx.AsyncClient() as client:
            await eventually(lambda: self._ready(client), lambda ready: ready, timeout=START_SECONDS)

    async def _ready(self, client: httpx.AsyncClient) -> bool:
        if self.process is not None and self.process.returncode is not None:
            raise AssertionError(f"{self.module} exited early:\n{self.log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            return (await client.get(f"{self.url}/readyz", timeout=2)).status_code == 200
        return False

    async def kill(self) -> None:
        """SIGKILL: no shutdown step runs, as in a crash."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def signal_and_wait(self, signum: int, timeout: float) -> int | None:
        """Send ``signum``; the exit code, or None when it has not exited within ``timeout``."""
        if self.process is None:
            return None
        self.process.send_signal(signum)
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(self.process.wait(), timeout)
        return None
