"""A PNG per scenario from its JSON figures (the fan-out one is drawn by its run: rates on a
log axis). Drawn again with every summary, so the charts always match the figures."""

from pathlib import Path
from typing import Any

from chorus_bench.harness import RESULTS_DIR

Doc = dict[str, Any]


def _bars(scenario: str, panels: list[tuple[str, str, dict[str, dict[str, float]]]]) -> Path:
    """Grouped bars: each panel maps a group label to {series: value}."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(len(panels), 1, figsize=(10, 4 * len(panels)), squeeze=False)
    for axis, (title, unit, groups) in zip(axes[:, 0], panels, strict=True):
        series = sorted({name for values in groups.values() for name in values})
        width = 0.8 / max(1, len(series))
        for index, name in enumerate(series):
            xs = [position + index * width for position in range(len(groups))]
            ys = [groups[group].get(name, 0.0) for group in groups]
            bars = axis.bar(xs, ys, width=width, label=name)
            axis.bar_label(bars, fmt="%.4g", fontsize="x-small")
        axis.set_xticks([position + width * (len(series) - 1) / 2 for position in range(len(groups))])
        axis.set_xticklabels(list(groups), fontsize="small")
        axis.set_ylabel(unit)
        axis.set_title(f"{scenario}: {title}")
        axis.legend(fontsize="x-small")
        axis.grid(True, axis="y", alpha=0.3)
    figure.tight_layout()
    path = RESULTS_DIR / f"{scenario}.png"
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def gateway(doc: Doc) -> Path:
    throughput: dict[str, dict[str, float]] = {}
    latency: dict[str, dict[str, float]] = {}
    for point in doc["points"]:
        read = point["params"]["read"].split(" (")[0]
        mode, metrics = point["params"]["mode"], point["metrics"]
        if mode.startswith("saturation"):
            throughput.setdefault(read, {})[point["system"]] = metrics["requests_per_s"]
        else:
            latency.setdefault(f"{read} p50", {})[point["system"]] = metrics["p50_ms"]
            latency.setdefault(f"{read} p99", {})[point["system"]] = metrics["p99_ms"]
    return _bars(
        "gateway",
        [
            ("requests/s at saturation (wrk)", "requests/s", throughput),
            ("latency at half the gateway's saturation (open loop)", "ms", latency),
        ],
    )


def event_path(doc: Doc) -> Path:
    groups = {"p50": {}, "p99": {}}  # type: dict[str, dict[str, float]]
    for point in doc["points"]:
        groups["p50"][point["system"]] = point["metrics"]["p50_ms"]
        groups["p99"][point["system"]] = point["metrics"]["p99_ms"]
    return _bars("event-path", [("latency", "ms", groups)])


def write_path(doc: Doc) -> Path:
    writes = {
        point["system"]: point["metrics"].get("ratings_per_s") or point["metrics"].get("inserts_per_s", 0.0)
        for point in doc["points"]
    }
    return _bars("write-path", [("sustained writes", "per second", {"writes per second": writes})])


def read_path(doc: Doc) -> Path:
    groups: dict[str, dict[str, float]] = {}
    for point in doc["points"]:
        groups.setdefault(point["params"]["read"], {})[point["system"]] = point["metrics"]["requests_per_s"]
    return _bars("read-path", [("reads", "requests per second", groups)])


def memory(doc: Doc) -> Path:
    services: dict[str, dict[str, float]] = {"RSS at rest": {}}
    member: dict[str, dict[str, float]] = {"per idle member": {}}
    for point in doc["points"]:
        metrics = point["metrics"]
        if "rss_mib" in metrics:
            services["RSS at rest"][point["system"]] = metrics["rss_mib"]
        else:
            member["per idle member"][point["system"]] = metrics["kib_per_member"]
    services["RSS at rest"]["bar"] = 150
    member["per idle member"]["bar"] = 50
    return _bars("memory", [("each service at rest", "MiB", services), ("1,000 idle members", "KiB", member)])


DRAWERS = {
    "gateway": gateway,
    "event-path": event_path,
    "write-path": write_path,
    "read-path": read_path,
    "memory": memory,
}
