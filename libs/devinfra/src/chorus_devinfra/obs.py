"""Local observability: Prometheus (Debian's package) scraping every service, and Jaeger for traces.

Prometheus comes unpacked into .tools/ by ./dev; Jaeger v2 is built once from the Go
module proxy into .cache/ (a few minutes the first time; skipped when Go is missing).
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from chorus_devinfra.paths import cache_dir, repo_root
from chorus_devinfra.process import ManagedProcess

JAEGER_VERSION = "v1.76.0"
ALERT_RULES = Path("deploy") / "observability" / "alerts.yml"


def prometheus_config(targets: dict[str, list[str]], *, scrape_seconds: float = 5.0) -> str:
    """A Prometheus config (JSON is YAML) with one job per service, its instances as targets."""
    return json.dumps(
        {
            "global": {
                "scrape_interval": f"{scrape_seconds:g}s",
                "evaluation_interval": f"{scrape_seconds:g}s",
            },
            "rule_files": [str(repo_root() / ALERT_RULES)],
            "scrape_configs": [
                {"job_name": f"chorus-{job}", "static_configs": [{"targets": sorted(addresses)}]}
                for job, addresses in sorted(targets.items())
            ],
        },
        indent=2,
    )


def prometheus_process(config: str, *, port: int, state_dir: Path) -> ManagedProcess:
    # Resolved lazily: stopping a running Prometheus needs only its pid file.
    executable = shutil.which("prometheus") or "prometheus"
    folder = state_dir / "prometheus"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prometheus.yml").write_text(config)
    return ManagedProcess(
        name="prometheus",
        command=[
            executable,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=2d",
        ],
        port=port,
        state_dir=state_dir,
    )


def jaeger_binary() -> Path | None:
    """Jaeger v2, built from the Go module proxy on first use; None without a Go toolchain."""
    binary = cache_dir() / "jaeger" / JAEGER_VERSION / "jaeger"
    if binary.exists():
        return binary
    if shutil.which("go") is None:
        return None
    binary.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as module:
        env = {**os.environ, "GOFLAGS": "-mod=mod"}
        subprocess.run(["go", "mod", "init", "chorus.local/jaeger"], cwd=module, check=True, env=env)
        package = f"github.com/jaegertracing/jaeger/cmd/jaeger@{JAEGER_VERSION}"
        subprocess.run(["go", "get", "-tool", package], cwd=module, check=True, env=env)
        subprocess.run(
            ["go", "build", "-o", str(binary), "github.com/jaegertracing/jaeger/cmd/jaeger"],
            cwd=module,
            check=True,
            env=env,
        )
    return binary


def _jaeger_config(otlp_http: int, otlp_grpc: int, query: int) -> str:
    return json.dumps(
        {
            "service": {
                "extensions": ["jaeger_storage", "jaeger_query"],
                "pipelines": {
                    "traces": {
                        "receivers": ["otlp"],
                        "processors": ["batch"],
                        "exporters": ["jaeger_storage_exporter"],
                    }
                },
                "telemetry": {"metrics": {"level": "none"}},
            },
            "extensions": {
                "jaeger_query": {
                    "storage": {"traces": "memstore"},
                    "http": {"endpoint": f"127.0.0.1:{query}"},
                    "grpc": {"endpoint": f"127.0.0.1:{query - 1}"},
                },
                "jaeger_storage": {"backends": {"memstore": {"memory": {"max_traces": 100000}}}},
            },
            "receivers": {
                "otlp": {
                    "protocols": {
                        "grpc": {"endpoint": f"127.0.0.1:{otlp_grpc}"},
                        "http": {"endpoint": f"127.0.0.1:{otlp_http}"},
                    }
                }
            },
            "processors": {"batch": {}},
            "exporters": {"jaeger_storage_exporter": {"trace_storage": "memstore"}},
        },
        indent=2,
    )


def jaeger_process(
    binary: Path, *, otlp_http: int, otlp_grpc: int, query: int, state_dir: Path
) -> ManagedProcess:
    folder = state_dir / "jaeger"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "jaeger.yaml").write_text(_jaeger_config(otlp_http, otlp_grpc, query))
    return ManagedProcess(
        name="jaeger",
        command=[str(binary), f"--config=file:{folder / 'jaeger.yaml'}"],
        port=query,
        state_dir=state_dir,
    )
