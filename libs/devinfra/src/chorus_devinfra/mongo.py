"""The MongoDB-wire server: SecantusDB (WiredTiger storage) run as a daemon per store.

``CHORUS_MONGO_SERVER`` names another server executable that takes the same flags
(``--host --port --storage-path --log-level``), e.g. SecantusDB's Rust server
``secantusd-rs``; by default the Python server installed with the workspace.
"""

import os
import shutil
import sys
from pathlib import Path

from chorus_devinfra.process import ManagedProcess


def secantus_executable() -> str:
    if chosen := os.environ.get("CHORUS_MONGO_SERVER"):
        return chosen
    beside_python = Path(sys.executable).parent / "secantusd-py"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("secantusd-py")
    if found is None:
        raise RuntimeError("secantusd-py not found; install the workspace (uv sync)")
    return found


def mongo_process(name: str, port: int, state_dir: Path) -> ManagedProcess:
    storage = state_dir / name
    storage.mkdir(parents=True, exist_ok=True)
    return ManagedProcess(
        name=name,
        command=[
            secantus_executable(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(storage),
            "--log-level",
            "WARNING",
        ],
        port=port,
        state_dir=state_dir,
    )


def mongo_url(port: int) -> str:
    # Retryable writes slow this server down sharply; transactions still retry.
    return f"mongodb://127.0.0.1:{port}/?retryWrites=false&directConnection=true"
