"""The ops dashboard (infra/resources.json, OpsDashboard) parses and plots only metrics that exist.

A dashboard that names a metric nobody emits shows an empty graph without any error, so every
metric of the app's namespace must be one the code emits, and every AWS metric must name a
function, queue or API of this template.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.domain.kpis.flows import ContentCounts, DayFlows
from chalicelib.domain.kpis.population import Population
from chalicelib.domain.kpis.snapshot import figures, snapshot
from chalicelib.domain.lifecycle import STAGES
from chalicelib.domain.tiers import TIERS

ROOT = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, Any] = json.loads((ROOT / "infra" / "resources.json").read_text())["Resources"]
NAMESPACE = "FanEngagement"  # .chalice/config.json's POWERTOOLS_METRICS_NAMESPACE
COUNTED = re.compile(r'count\(\s*"([A-Za-z]+)"')


def body() -> dict[str, Any]:
    dashboard = RESOURCES["OpsDashboard"]
    assert dashboard["Type"] == "AWS::CloudWatch::Dashboard"
    template = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    assert set(re.findall(r"\$\{([^}]+)\}", template)) == {"AWS::Region"}  # nothing else to substitute
    parsed: dict[str, Any] = json.loads(template.replace("${AWS::Region}", "us-east-1"))
    return parsed


def metrics() -> list[list[Any]]:
    return [m for w in body()["widgets"] for m in w["properties"]["metrics"]]


def kpi_metric_names() -> set[str]:
    """Every name `figures` can give: a snapshot whose ratios all have a value, every tier and stage present."""
    population = Population(
        fans_total=9, dau=1, mau=2, cohort_d1=1, cohort_d7=1, cohort_d28=1, active_previous_28=1, redeemers_28=1,
        tiers=dict.fromkeys(TIERS, 1), lifecycle=dict.fromkeys(STAGES, 1),
    )  # fmt: skip
    content = ContentCounts(likes=1, views=2, completion_sum=0.5, completion_views=1)
    flows = DayFlows(interactions={"checkin": 1}, content=content, churned=1)
    item = snapshot(date(2026, 11, 22), flows, population)
    counts, ratios = figures(item)
    return set(counts) | set(ratios)


def emitted_counts() -> set[str]:
    return {name for path in (ROOT / "chalicelib").rglob("*.py") for name in COUNTED.findall(path.read_text())}


def test_every_widget_is_a_metric_graph_placed_on_the_grid():
    widgets = body()["widgets"]
    assert len(widgets) >= 10
    for widget in widgets:
        assert widget["type"] == "metric" and widget["properties"]["metrics"]
        assert widget["x"] >= 0 and widget["x"] + widget["width"] <= 24


def test_the_app_metrics_on_the_dashboard_are_the_ones_the_code_emits():
    ours = {m[1] for m in metrics() if m[0] == NAMESPACE}
    kpis = {name for name in ours if name.startswith("Kpi.")}
    assert kpis <= kpi_metric_names(), kpis - kpi_metric_names()
    assert ours - kpis <= emitted_counts(), (ours - kpis) - emitted_counts()
    wanted = {"dau", "wau", "mau", "stickiness", "interactions", "points_earned", "points_spent", "points_expired"}
    assert {f"Kpi.{name}" for name in wanted} | {"Kpi.retention_d1", "Kpi.tiers.head", "Kpi.lifecycle.churned"} <= kpis
    assert "AlertNotifications" in ours


def test_the_aws_metrics_name_this_templates_functions_queues_and_api():
    props = [r.get("Properties", {}) for r in RESOURCES.values()]
    functions = {p["FunctionName"] for p in props if isinstance(p.get("FunctionName"), str)}
    queues = {p["QueueName"] for p in props if isinstance(p.get("QueueName"), str)}
    seen: dict[str, set[str]] = {"FunctionName": set(), "QueueName": set(), "ApiName": set()}
    for metric in metrics():
        if metric[0].startswith("AWS/"):
            dims = dict(zip(metric[2::2], metric[3::2], strict=False))
            for key in seen:
                if key in dims:
                    seen[key].add(dims[key])
    assert seen["FunctionName"] and seen["FunctionName"] <= functions, seen["FunctionName"] - functions
    assert {f for f in functions if f.endswith("_stream")} <= seen["FunctionName"]
    assert seen["QueueName"] and seen["QueueName"] <= queues
    assert seen["ApiName"] == {RESOURCES["Api5xxAlarm"]["Properties"]["Dimensions"][0]["Value"]}
