"""A background server process with a pid file, a log file and a port to wait on."""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Popen handles of the servers this process started, so they are reaped on stop
# rather than garbage-collected while still running.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class StartError(RuntimeError):
    """A server did not come up; the message names its log file."""


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, and never one this process handed out before
    (the OS may offer a just-released port again before its first user binds it)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def _exited(pid: int) -> bool:
    """Whether ``pid`` is a zombie: exited, its parent not having reaped it yet (reaped here if ours)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"  # the state follows the parenthesised name


def pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _exited(pid)


@dataclass
class ManagedProcess:
    name: str
    command: Sequence[str]
    port: int
    state_dir: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def running(self) -> bool:
        return self.pid() is not None

    def start(self, timeout: float = 60.0) -> None:
        """Start unless already running, then wait until the port accepts connections."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start unless already running, without waiting."""
        if self.running():
            return
        if port_open(self.port):
            raise StartError(f"{self.name}: port {self.port} is taken by another process")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                list(self.command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, **(self.env or {})},
                cwd=self.cwd,
            )
        _CHILDREN[process.pid] = process
        self.pid_file.write_text(str(process.pid))

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if not self.running():
                raise StartError(f"{self.name} exited; see {self.log_file}")
            if time.monotonic() > deadline:
                self.stop()
                raise StartError(f"{self.name} not listening on {self.port}; see {self.log_file}")
            time.sleep(0.1)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        pid = self.pid()
        if pid is not None:
            self.signal(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid_alive(pid):
                self.signal(signal.SIGKILL)
                while pid_alive(pid):
                    time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """Die at once, as in a crash."""
        pid = self.pid()
        if pid is not None:
            self.signal(signal.SIGKILL)
            while pid_alive(pid):
                time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)

    def signal(self, signum: signal.Signals) -> None:
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signum)
