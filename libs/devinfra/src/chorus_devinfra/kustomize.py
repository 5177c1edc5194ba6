"""kustomize, built once from the Go module proxy into the cache (no cluster, no kubectl needed)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from chorus_devinfra.paths import cache_dir

KUSTOMIZE_VERSION = os.environ.get("CHORUS_KUSTOMIZE_VERSION", "v5.8.1")


def _go() -> str:
    for candidate in (shutil.which("go"), "/usr/local/go/bin/go"):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("kustomize is built with Go; install Go (https://go.dev/dl) or put it on PATH")


def kustomize_binary() -> Path:
    binary = cache_dir() / "tools" / f"kustomize-{KUSTOMIZE_VERSION}"
    if binary.exists():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as gobin:
        subprocess.run(
            [_go(), "install", f"sigs.k8s.io/kustomize/kustomize/v5@{KUSTOMIZE_VERSION}"],
            env={**os.environ, "GOBIN": gobin, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"},
            check=True,
            capture_output=True,
        )
        shutil.move(Path(gobin) / "kustomize", binary)
    return binary


def build(directory: Path) -> str:
    """The rendered manifests of a kustomization, as one YAML stream."""
    result = subprocess.run(
        [str(kustomize_binary()), "build", str(directory)], check=False, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"kustomize build {directory} failed:\n{result.stderr}")
    return result.stdout
