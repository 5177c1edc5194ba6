"""The Chorus services themselves as local processes, for `just up`."""

import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from chorus_devinfra.process import ManagedProcess, StartError


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port: int
    env_prefix: str


SERVICES = (
    ServiceSpec("users", "users", 8101, "CHORUS_USERS_"),
    ServiceSpec("reviews", "reviews", 8102, "CHORUS_REVIEWS_"),
    ServiceSpec("forums", "forums", 8103, "CHORUS_FORUMS_"),
    ServiceSpec("gateway", "gateway", 8100, "CHORUS_GATEWAY_"),
)


def service_process(spec: ServiceSpec, state_dir: Path) -> ManagedProcess:
    return ManagedProcess(
        name=f"service-{spec.name}",
        command=[sys.executable, "-m", spec.module],
        port=spec.port,
        state_dir=state_dir,
        env={f"{spec.env_prefix}PORT": str(spec.port), f"{spec.env_prefix}LOG_JSON": "true"},
    )


def wait_until_ready(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}"
        except OSError as exc:
            last_error = str(exc)
        time.sleep(0.3)
    raise StartError(f"{url} not ready after {timeout:.0f}s: {last_error}")


def start_services(state_dir: Path) -> list[ManagedProcess]:
    processes = [service_process(spec, state_dir) for spec in SERVICES]
    for process in processes:
        process.launch()
    for spec, process in zip(SERVICES, processes, strict=True):
        process.wait_ready()
        wait_until_ready(f"http://127.0.0.1:{spec.port}/readyz")
    return processes


def stop_services(state_dir: Path) -> None:
    for spec in reversed(SERVICES):
        service_process(spec, state_dir).stop()
