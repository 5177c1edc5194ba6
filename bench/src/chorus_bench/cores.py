"""Core placement: servers on one core, the load generator on the other, where taskset exists."""

import os
import shutil
import subprocess

SERVER_CORES = os.environ.get("BENCH_SERVER_CORES", "0")
CLIENT_CORES = os.environ.get("BENCH_CLIENT_CORES", "1")


def can_pin() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def on_cores(command: list[str], cores: str) -> list[str]:
    return ["taskset", "-c", cores, *command] if can_pin() else command


def pin(pid: int, cores: str = SERVER_CORES) -> None:
    """Move a running process, with all its threads, onto ``cores``."""
    if can_pin():
        subprocess.run(["taskset", "-a", "-cp", cores, str(pid)], check=False, capture_output=True)


def placement() -> str:
    if not can_pin():
        return "unpinned (taskset or a second core missing)"
    return f"servers on core {SERVER_CORES}, load generator on core {CLIENT_CORES}"
