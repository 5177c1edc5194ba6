"""The Chorus services themselves as local processes, for `just up`."""

import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from chorus_devinfra.obs import JAEGER_VERSION
from chorus_devinfra.paths import cache_dir
from chorus_devinfra.process import ManagedProcess, StartError
from chorus_devinfra.settings import InfraSettings
from chorus_devinfra.stack import Stack


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # also the process name
    module: str
    port_setting: str
    store: str | None  # the MongoDB-wire server it owns; None for the gateway
    registers: bool = True  # found through the gateway's registry (serves public routes)
    arguments: tuple[str, ...] = ()

    @property
    def env_prefix(self) -> str:
        return f"CHORUS_{self.module.upper()}_"


SERVICES = (
    ServiceSpec("gateway", "gateway", "gateway_port", None),
    ServiceSpec("users", "users", "users_port", "users"),
    ServiceSpec("reviews", "reviews", "reviews_port", "reviews"),
    ServiceSpec("forums", "forums", "forums_port", "forums"),
    ServiceSpec("forums-2", "forums", "forums_2_port", "forums"),
    # Not behind the gateway: it only reads the bus (its report is a command).
    ServiceSpec("analytics", "analytics", "analytics_port", "analytics", registers=False, arguments=("run",)),
)


def _port(spec: ServiceSpec, settings: InfraSettings) -> int:
    return int(getattr(settings, spec.port_setting))


def _environment(spec: ServiceSpec, stack: Stack, settings: InfraSettings) -> dict[str, str]:
    """Point the service at this stack's parts, whatever ports they were given."""
    prefix = spec.env_prefix
    env = {f"{prefix}PORT": str(_port(spec, settings)), f"{prefix}LOG_JSON": "true"}
    if tracing_backend(stack, settings).running():
        env[f"{prefix}OTLP_ENDPOINT"] = f"http://127.0.0.1:{settings.otlp_http_port}"
    if spec.store is None:
        env[f"{prefix}GRPC_PORT"] = str(settings.gateway_grpc_port)
        env[f"{prefix}REDIS_URL"] = stack.redis_url
        for upstream in ("users", "reviews"):
            env[f"{prefix}{upstream.upper()}_URL"] = (
                f"http://127.0.0.1:{getattr(settings, f'{upstream}_port')}"
            )
        # Forums replicas are found through the registry: they come and go.
        env[f"{prefix}FORUMS_URLS"] = "[]"
        return env
    if spec.registers:
        env[f"{prefix}REGISTRY_TARGET"] = f"127.0.0.1:{settings.gateway_grpc_port}"
    if spec.name == "users":
        env[f"{prefix}GRPC_PORT"] = str(settings.users_grpc_port)
    env[f"{prefix}KAFKA_BOOTSTRAP"] = stack.kafka_bootstrap
    env[f"{prefix}MONGODB_URL"] = stack.mongo_url(spec.store)
    env[f"{prefix}REDIS_URL"] = stack.redis_url
    return env


def scrape_targets(settings: InfraSettings) -> dict[str, list[str]]:
    """Every service instance's host:port, by service, for Prometheus."""
    targets: dict[str, list[str]] = {}
    for spec in SERVICES:
        targets.setdefault(spec.module, []).append(f"127.0.0.1:{_port(spec, settings)}")
    return targets


def tracing_backend(stack: Stack, settings: InfraSettings) -> ManagedProcess:
    """The Jaeger process of this stack (whether or not it runs)."""
    binary = cache_dir() / "jaeger" / JAEGER_VERSION / "jaeger"
    return ManagedProcess("jaeger", [str(binary)], settings.jaeger_query_port, stack.state_dir)


def service_process(
    spec: ServiceSpec, stack: Stack, settings: InfraSettings, extra_env: Mapping[str, str] | None = None
) -> ManagedProcess:
    """``extra_env`` adds settings of any service (each reads only its own prefix)."""
    return ManagedProcess(
        name=f"service-{spec.name}",
        command=[sys.executable, "-m", spec.module, *spec.arguments],
        port=_port(spec, settings),
        state_dir=stack.state_dir,
        env={**_environment(spec, stack, settings), **(extra_env or {})},
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


def start_services(
    stack: Stack, settings: InfraSettings, extra_env: Mapping[str, str] | None = None
) -> list[ManagedProcess]:
    processes = [service_process(spec, stack, settings, extra_env) for spec in SERVICES]
    for process in processes:
        process.launch()
    for process in processes:
        process.wait_ready()
        wait_until_ready(f"http://127.0.0.1:{process.port}/readyz")
    return processes


def stop_services(stack: Stack, settings: InfraSettings) -> None:
    for spec in reversed(SERVICES):
        service_process(spec, stack, settings).stop()
