"""Starts what a scenario needs: the real parts, Chorus services, and peers, as pinned processes."""

import os
import shutil
import signal
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from chorus_bench.cores import SERVER_CORES, on_cores, pin
from chorus_devinfra.paths import cache_dir
from chorus_devinfra.process import ManagedProcess, free_port
from chorus_devinfra.stack import Stack, StackPorts

BENCH_DIR = cache_dir() / "bench"

# Limits that protect production from abuse would only measure themselves here.
FORUMS_BENCH_SETTINGS = {
    "MESSAGES_PER_SECOND": "1000000",
    "MESSAGE_BURST": "1000000",
    "MAX_MEMBERS_PER_ROOM": "5000",
    "MAX_OPEN_ROOMS_PER_USER": "1000",
    "HISTORY_ON_JOIN": "0",
}
GATEWAY_BENCH_SETTINGS = {
    "REQUESTS_PER_MINUTE_PER_ADDRESS": "100000000",
    "REQUESTS_PER_MINUTE_PER_USER": "100000000",
}


def wait_http(url: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not ready after {timeout:.0f}s")
        time.sleep(0.3)


@dataclass
class Running:
    """Everything started for one scenario, stopped together."""

    state: Path
    stack: Stack | None = None
    processes: list[ManagedProcess] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)

    def launch(
        self,
        name: str,
        command: list[str],
        port: int,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ManagedProcess:
        process = ManagedProcess(name, on_cores(command, SERVER_CORES), port, self.state, env, cwd)
        process.start(timeout=300)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop(grace=10)
        if self.stack is not None:
            self.stack.stop()


def _kill_leftovers(state: Path) -> None:
    """Processes a killed earlier run left behind would share this folder and this core."""
    for pid_file in state.rglob("*.pid"):
        with suppress(ValueError, OSError):
            os.killpg(int(pid_file.read_text().strip()), signal.SIGKILL)


@contextmanager
def running(name: str) -> Iterator[Running]:
    state = BENCH_DIR / "run" / name
    if state.exists():
        _kill_leftovers(state)
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    started = Running(state)
    try:
        yield started
    finally:
        started.stop()


def start_parts(run: Running, *, stores: tuple[str, ...] = ("forums",)) -> Stack:
    ports = StackPorts(
        kafka=[free_port()],
        kafka_controller=[free_port()],
        mongo={store: free_port() for store in stores},
        redis=free_port(),
    )
    stack = Stack(run.state / "parts", ports)
    stack.start()
    run.stack = stack
    for server in stack.servers():
        if (pid := server.pid()) is not None:
            pin(pid)
    return stack


def chorus_service(
    run: Running,
    stack: Stack,
    module: str,
    *,
    name: str | None = None,
    store: str | None = None,
    extra: dict[str, str] | None = None,
    ready_path: str = "/readyz",
    arguments: tuple[str, ...] = (),
) -> str:
    """Start one Chorus service process (the same `python -m <service>` as `just up`); its base URL."""
    port = free_port()
    prefix = f"CHORUS_{module.upper()}_"
    env = {
        f"{prefix}PORT": str(port),
        f"{prefix}LOG_LEVEL": "WARNING",
        f"{prefix}KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        f"{prefix}REDIS_URL": stack.redis_url,
        **({f"{prefix}MONGODB_URL": stack.mongo_url(store)} if store else {}),
        **{f"{prefix}{key}": value for key, value in (extra or {}).items()},
    }
    run.launch(name or module, [sys.executable, "-m", module, *arguments], port, env)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}{ready_path}")
    run.urls[name or module] = url
    return url


def python_env() -> dict[str, str]:
    return {"PYTHONUNBUFFERED": "1", "PATH": os.environ.get("PATH", "")}
