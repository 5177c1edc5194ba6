"""Repeats, medians, tables, JSON figures and plots: what every scenario reports the same way."""

import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from chorus_bench.cores import CLIENT_CORES, on_cores, placement

RESULTS_DIR = Path(__file__).resolve().parents[2] / "results"


@dataclass
class Point:
    """One measured point: a system at one setting, the median of its repeats."""

    system: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    runs: list[dict[str, Any]] = field(default_factory=list)


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in runs[0]:
        values = [run.get(key) for run in runs]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        merged[key] = statistics.median(numbers) if len(numbers) == len(values) else values[-1]
    return merged


def repeat(times: int, measure: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    runs = [measure() for _ in range(times)]
    return median_of(runs), runs


def load_generator(module: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run a load generator module on the client core; its last stdout line is its JSON result."""
    command = on_cores([sys.executable, "-m", module, *args], CLIENT_CORES)
    finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"{module} failed: {finished.stderr[-2000:]}")
    return dict(orjson.loads(finished.stdout.strip().splitlines()[-1]))


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import os  # noqa: PLC0415

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "placement": placement(),
    }


def save(scenario: str, points: list[Point], notes: dict[str, Any], *, merge: bool = False) -> Path:
    """Write the figures; with ``merge``, systems measured earlier and not now are kept."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{scenario}.json"
    kept: list[dict[str, Any]] = []
    if merge and path.exists():
        measured = {point.system for point in points}
        kept = [p for p in orjson.loads(path.read_bytes())["points"] if p["system"] not in measured]
    document = {
        "scenario": scenario,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "notes": notes,
        "points": kept + [asdict(point) for point in points],
    }
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return path


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
        return "-" if value is None else str(value)

    texts = [[cell(v) for v in row] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in texts)) if texts else len(c) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in texts:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    sys.stdout.flush()


def plot(
    scenario: str,
    points: list[Point],
    *,
    x: str,
    throughput: str,
    latencies: tuple[str, ...] = ("p50_ms", "p99_ms"),
    group: Callable[[Point], str] = lambda p: p.system,
    x_label: str = "offered rate",
    throughput_label: str = "throughput",
) -> Path:
    """Throughput and latency quantiles against the offered rate, one line per system (and size)."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 8), sharex=True)
    series: dict[str, list[Point]] = {}
    for point in points:
        series.setdefault(group(point), []).append(point)
    for name, members in sorted(series.items()):
        members.sort(key=lambda p: p.params[x])
        xs = [p.params[x] for p in members]
        (line,) = top.plot(xs, [p.metrics.get(throughput) or 0 for p in members], marker="o", label=name)
        for quantile, style in zip(latencies, ("-", "--", ":"), strict=False):
            ys = [p.metrics.get(quantile) for p in members]
            if any(y is not None for y in ys):
                bottom.plot(
                    xs,
                    [y if y is not None else float("nan") for y in ys],
                    style,
                    marker=".",
                    color=line.get_color(),
                    label=f"{name} {quantile}",
                )
    top.set_ylabel(throughput_label)
    top.set_title(f"{scenario}: throughput")
    top.legend(fontsize="small")
    bottom.set_ylabel("latency (ms)")
    bottom.set_yscale("log")
    bottom.set_xlabel(x_label)
    bottom.set_title(f"{scenario}: latency quantiles")
    bottom.legend(fontsize="x-small", ncol=2)
    for axis in (top, bottom):
        axis.set_xscale("log")
        axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{scenario}.png"
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
