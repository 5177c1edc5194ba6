"""Renders bench/results/*.json as Markdown tables with the ratio to each peer and each bar's verdict."""

from pathlib import Path
from typing import Any

import orjson

from chorus_bench import charts
from chorus_bench.harness import RESULTS_DIR

CHORUS_FANOUT = "chorus (2 forums replicas)"
CHANNELS = ("channels RedisChannelLayer", "channels RedisPubSubChannelLayer")
CEILING = "load generator ceiling (trivial broadcast server)"


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{name}.json"
    return orjson.loads(path.read_bytes()) if path.exists() else None


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def fanout(doc: dict[str, Any]) -> list[str]:
    points = doc["points"]
    lines = [
        "### Live fan-out",
        "",
        "| N | system | saturation deliveries/s | p50 ms | p99 ms | fully served up to (offered/s) |",
        "|---|---|---|---|---|---|",
    ]
    best: dict[tuple[int, str], dict[str, Any]] = {}
    for point in points:
        n, system, m = point["params"]["subscribers"], point["system"], point["metrics"]
        served = (m.get("delivered_fraction") or 0) >= 0.999
        entry = best.setdefault(
            (n, system), {"saturation": 0.0, "p50": None, "p99": None, "served_up_to": 0, "p99_at": {}}
        )
        entry["saturation"] = max(entry["saturation"], m.get("deliveries_per_s") or 0)
        entry["p99_at"][point["params"]["offered_deliveries_per_s"]] = (m.get("p99_ms"), served)
        if served:
            entry["served_up_to"] = max(entry["served_up_to"], point["params"]["offered_deliveries_per_s"])
            entry["p50"], entry["p99"] = m.get("p50_ms"), m.get("p99_ms")
    for (n, system), entry in sorted(best.items()):
        lines.append(
            f"| {n} | {system} | {_fmt(entry['saturation'], 0)} | {_fmt(entry['p50'])} | "
            f"{_fmt(entry['p99'])} | {_fmt(entry['served_up_to'])} |"
        )
    lines += [
        "",
        "| N | Chorus / better Channels (saturation) | bar >= 3x | Chorus p99 / Channels p99 at Channels' "
        "highest fully served rate | bar <= 1/3 | Chorus / Centrifugo |",
        "|---|---|---|---|---|---|",
    ]
    for n in sorted({key[0] for key in best}):
        chorus = best.get((n, CHORUS_FANOUT))
        peers = [best[(n, name)] for name in CHANNELS if (n, name) in best]
        if not chorus or not peers:
            continue
        better = max(peers, key=lambda e: e["saturation"])
        ratio = chorus["saturation"] / better["saturation"] if better["saturation"] else None
        rate = better["served_up_to"]
        chorus_p99 = chorus["p99_at"].get(rate, (None, False))[0]
        peer_p99 = better["p99_at"].get(rate, (None, False))[0]
        p99_ratio = chorus_p99 / peer_p99 if chorus_p99 and peer_p99 else None
        centrifugo = best.get((n, "centrifugo v6"))
        anchor = (
            chorus["saturation"] / centrifugo["saturation"]
            if centrifugo and centrifugo["saturation"]
            else None
        )
        lines.append(
            f"| {n} | {_fmt(ratio, 2)}x | {_verdict(bool(ratio and ratio >= 3))} | {_fmt(p99_ratio, 2)} "
            f"(at {_fmt(rate)}/s) | {_verdict(bool(p99_ratio is not None and p99_ratio <= 1 / 3))} | "
            f"{_fmt(anchor, 2)} |"
        )
    return lines


def gateway(doc: dict[str, Any]) -> list[str]:
    lines = [
        "### Gateway overhead",
        "",
        "| read | mode | system | req/s | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    by: dict[tuple[str, str, str], dict[str, Any]] = {}
    for point in doc["points"]:
        key = (point["params"]["read"], point["params"]["mode"], point["system"])
        by[key] = point["metrics"]
        m = point["metrics"]
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {_fmt(m.get('requests_per_s'), 0)} | "
            f"{_fmt(m.get('p50_ms'), 2)} | {_fmt(m.get('p99_ms'), 2)} |"
        )
    lines += [
        "",
        "| read | Chorus / nginx | bar >= 0.8 | Chorus / Express | bar >= 2 | added p50 at half saturation "
        "| bar <= 2 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for read in sorted({key[0] for key in by}):
        sat = {key[2]: m for key, m in by.items() if key[0] == read and key[1].startswith("saturation")}
        loop = {key[2]: m for key, m in by.items() if key[0] == read and key[1].startswith("open loop")}
        chorus = sat.get("chorus gateway", {}).get("requests_per_s")
        nginx = sat.get("nginx", {}).get("requests_per_s")
        express = sat.get("express + http-proxy-middleware", {}).get("requests_per_s")
        added = None
        if "chorus gateway" in loop and "direct to the service" in loop:
            added = loop["chorus gateway"]["p50_ms"] - loop["direct to the service"]["p50_ms"]
        to_nginx = chorus / nginx if chorus and nginx else None
        to_express = chorus / express if chorus and express else None
        lines.append(
            f"| {read} | {_fmt(to_nginx, 2)} | {_verdict(bool(to_nginx and to_nginx >= 0.8))} | "
            f"{_fmt(to_express, 2)} | {_verdict(bool(to_express and to_express >= 2))} | "
            f"{_fmt(added, 2)} ms | {_verdict(added is not None and added <= 2)} |"
        )
    return lines


def event_path(doc: dict[str, Any]) -> list[str]:
    lines = ["### Event path", "", "| path | p50 ms | p99 ms |", "|---|---|---|"]
    for point in doc["points"]:
        lines.append(
            f"| {point['system']} | {_fmt(point['metrics'].get('p50_ms'), 2)} | "
            f"{_fmt(point['metrics'].get('p99_ms'), 2)} |"
        )
    chorus = doc["points"][0]["metrics"].get("p50_ms")
    bar = doc["notes"]["bar_ms"]
    lines += [
        "",
        f"Bar: p50 <= 2 x (Kafka p50 + one insert) = {_fmt(bar, 2)} ms; Chorus p50 {_fmt(chorus, 2)} ms: "
        f"{_verdict(bool(chorus is not None and chorus <= bar))}.",
    ]
    if (at_pace := doc["notes"].get("floor_at_pace_ms")) is not None:
        lines.append(
            f"With the insert timed at the ratings' pace (one every 50 ms): {_fmt(2 * at_pace, 2)} ms."
        )
    return lines


def db_writes(doc: dict[str, Any]) -> list[str]:
    lines = ["### Database writes (the floor)", "", "| point | update ms | insert ms |", "|---|---|---|"]
    for point in doc["points"]:
        m = point["metrics"]
        lines.append(f"| {point['system']} | {_fmt(m.get('update_ms'), 2)} | {_fmt(m.get('insert_ms'), 2)} |")
    return lines


def write_path(doc: dict[str, Any]) -> list[str]:
    raw = next(p["metrics"] for p in doc["points"] if "inserts_per_s" in p["metrics"])
    lines = [
        "### Write path",
        "",
        "| system | per second | / raw inserts | bar >= 0.5 | aggregates wrong | exact after (s) "
        "| outbox drained (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for point in doc["points"]:
        m = point["metrics"]
        if "ratings_per_s" not in m:
            continue
        ratio = m["ratings_per_s"] / raw["inserts_per_s"] if raw["inserts_per_s"] else None
        met = bool(ratio and ratio >= 0.5 and m.get("albums_wrong") == 0)
        lines.append(
            f"| {point['system']} | {_fmt(m['ratings_per_s'])} | {_fmt(ratio, 3)} | {_verdict(met)} | "
            f"{m.get('albums_wrong')} of {m.get('albums_checked')} | {_fmt(m.get('exact_after_s'))} | "
            f"{_fmt(m.get('outbox_drained_after_s'))} |"
        )
    lines.append(f"| raw insert_one, same MongoDB-wire server | {_fmt(raw['inserts_per_s'])} | | | | | |")
    return lines


def read_path(doc: dict[str, Any]) -> list[str]:
    lines = ["### Read path", "", "| read | system | req/s | p50 ms | p99 ms |", "|---|---|---|---|---|"]
    for point in doc["points"]:
        m = point["metrics"]
        lines.append(
            f"| {point['params']['read']} | {point['system']} | {_fmt(m.get('requests_per_s'), 0)} | "
            f"{_fmt(m.get('p50_ms'), 2)} | {_fmt(m.get('p99_ms'), 2)} |"
        )
    return lines


def memory(doc: dict[str, Any]) -> list[str]:
    lines = ["### Memory", "", "| service | measure | value | bar | verdict |", "|---|---|---|---|---|"]
    for point in doc["points"]:
        m = point["metrics"]
        if "rss_mib" in m:
            lines.append(
                f"| {point['system']} | {point['params']['measure']} | {m['rss_mib']} MiB | <= 150 MiB | "
                f"{_verdict(m['rss_mib'] <= 150)} |"
            )
        else:
            lines.append(
                f"| {point['system']} | {point['params']['measure']} | {m['kib_per_member']} KiB | "
                f"<= 50 KiB | {_verdict(m['kib_per_member'] <= 50)} |"
            )
    return lines


def render() -> str:
    sections = []
    machine = None
    for name, renderer in (
        ("fanout", fanout),
        ("gateway", gateway),
        ("event-path", event_path),
        ("write-path", write_path),
        ("read-path", read_path),
        ("memory", memory),
        ("db-writes", db_writes),
    ):
        doc = _load(name)
        if doc is None:
            sections.append(f"### {name}\n\nNot measured yet.")
            continue
        machine = machine or doc["machine"]
        if name in charts.DRAWERS and doc["points"]:
            charts.DRAWERS[name](doc)
        sections.append("\n".join([*renderer(doc), "", f"_Measured {doc['measured_at']}._"]))
    head = ""
    if machine:
        head = (
            f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}, Linux "
            f"{machine['kernel']}, Python {machine['python']}; {machine['placement']}.\n\n"
        )
    return head + "\n\n".join(sections) + "\n"


def write(path: Path = RESULTS_DIR / "summary.md") -> Path:
    path.write_text(render())
    return path
