"""Installs the peers each scenario compares with, once, into .cache/bench (nothing by hand)."""

import shutil
import subprocess
import sys
from pathlib import Path

from chorus_bench.system import BENCH_DIR

PEERS_SOURCE = Path(__file__).resolve().parents[2] / "peers"
CENTRIFUGO_MODULE = "github.com/centrifugal/centrifugo/v6@v6.9.1"


def _run(command: list[str], **kwargs: object) -> None:
    print("  $", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]


def _sudo() -> list[str]:
    import os  # noqa: PLC0415

    return [] if os.geteuid() == 0 else ["sudo"]


def debian_tools() -> dict[str, str]:
    """wrk (HTTP load) and nginx (the reverse-proxy peer), from Debian's packages."""
    missing = [
        name
        for name in ("wrk", "nginx")
        if shutil.which(name) is None and not Path(f"/usr/sbin/{name}").exists()
    ]
    if missing:
        _run([*_sudo(), "apt-get", "install", "-y", "--no-install-recommends", *missing])
    return {"wrk": shutil.which("wrk") or "/usr/bin/wrk", "nginx": shutil.which("nginx") or "/usr/sbin/nginx"}


def channels_python() -> Path:
    """A separate virtual environment with Django Channels and channels_redis, pinned."""
    venv = BENCH_DIR / "channels-venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    requirements = PEERS_SOURCE / "channels_room" / "requirements.txt"
    if marker.exists() and marker.read_text() == requirements.read_text():
        return python
    uv = shutil.which("uv") or str(Path(sys.executable).parents[2] / ".tools" / "bin" / "uv")
    _run([uv, "venv", "--clear", "--python", sys.executable, str(venv)])
    _run([uv, "pip", "install", "--python", str(python), "-r", str(requirements)])
    marker.write_text(requirements.read_text())
    return python


def express_gateway() -> Path:
    """The Express gateway peer with its npm dependencies, from the committed lock file."""
    target = BENCH_DIR / "express-gateway"
    source = PEERS_SOURCE / "express_gateway"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "server.js"):
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    if not (target / "node_modules" / "express").exists():
        npm = ["npm", "ci"] if (source / "package-lock.json").exists() else ["npm", "install"]
        _run([*npm, "--no-audit", "--no-fund"], cwd=target)
        if not (source / "package-lock.json").exists():
            shutil.copy2(target / "package-lock.json", source / "package-lock.json")
    return target / "server.js"


def centrifugo() -> Path:
    """Centrifugo v6, built from the Go module proxy (about two minutes the first time)."""
    binary = BENCH_DIR / "bin" / "centrifugo"
    if not binary.exists():
        binary.parent.mkdir(parents=True, exist_ok=True)
        import os  # noqa: PLC0415

        _run(["go", "install", CENTRIFUGO_MODULE], env={**os.environ, "GOBIN": str(binary.parent)})
    return binary
