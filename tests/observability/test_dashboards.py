"""Dashboards and alert rules speak only of metrics that Chorus exports."""

import json
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

# Importing these modules registers every metric Chorus exports.
import forums.live.metrics  # noqa: F401
import gateway.metrics  # noqa: F401
from chorus_backbone import metrics  # noqa: F401

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def _exported() -> set[str]:
    return {family.name for family in REGISTRY.collect()}


def _base(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


@pytest.mark.parametrize("path", sorted(DEPLOY.glob("dashboard-*.json")), ids=lambda p: p.name)
def test_every_dashboard_panel_queries_an_exported_metric(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {_base(name) for expr in exprs for name in re.findall(r"\bchorus_[a-z_]+", expr)}

    assert exprs
    assert used <= {_base(name) for name in _exported()}, used - _exported()


def test_there_are_dashboards_for_services_events_and_live_rooms() -> None:
    titles = {json.loads(p.read_text())["uid"] for p in DEPLOY.glob("dashboard-*.json")}

    assert titles == {"chorus-overview", "chorus-event-flow", "chorus-live-rooms"}


def test_alert_rules_query_exported_metrics() -> None:
    used = {_base(name) for name in re.findall(r"\bchorus_[a-z_]+", (DEPLOY / "alerts.yml").read_text())}

    assert used <= {_base(name) for name in _exported()}
