"""Redis from Debian's redis-server package, run as a plain process."""

import shutil
from pathlib import Path

from chorus_devinfra.process import ManagedProcess


def redis_process(name: str, port: int, state_dir: Path) -> ManagedProcess:
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server not found; run ./dev bootstrap (apt-get install redis-server)")
    workdir = state_dir / name
    workdir.mkdir(parents=True, exist_ok=True)
    return ManagedProcess(
        name=name,
        command=[
            executable,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(workdir),
            "--save",
            "60 1",
            "--appendonly",
            "yes",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ],
        port=port,
        state_dir=state_dir,
    )
