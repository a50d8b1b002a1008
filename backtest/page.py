"""The backtest report as one HTML file: inline CSS and SVG, no script, nothing loaded from anywhere.

The Content-Security-Policy forbids every fetch, so an external reference slipped in later would show
as a broken page in the browser test rather than as a silent network call where the file is opened.
"""

from __future__ import annotations

from backtest import tables
from backtest.charts.kpis import kpi_charts
from backtest.charts.stacked import distribution_charts
from backtest.charts.timeline import timeline_chart
from backtest.markup import Markup, element, join, void
from backtest.report import Report

POLICY = "default-src 'none'; style-src 'unsafe-inline'"
STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; color: #222; margin: 0 auto; max-width: 1000px; padding: 0 16px 32px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }
.how { color: #555; max-width: 70ch; }
.multiples { display: flex; flex-wrap: wrap; gap: 12px; }
svg.chart { max-width: 100%; height: auto; background: #fff; overflow: visible; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #333; }
svg.chart text.heading { font-size: 13px; font-weight: 600; }
svg.chart text.empty { font-size: 13px; fill: #888; }
svg.chart text.band-label { fill: #035; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.summary dt { color: #555; } dl.summary dd { margin: 0; font-weight: 600; }
table { border-collapse: collapse; margin: 16px 0; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } td.none { color: #888; }
"""
KPIS_HOW = (
    "One chart per KPI, each on its own scale from zero; a point per community day (hover for the value). "
    "A break in a line is a day without a value: a ratio over nothing (no fans to divide by), not a zero."
)
DISTRIBUTION_HOW = (
    "One bar per community day: fans per stored tier, and per lifecycle stage, stacked from the base up in "
    "the legend's order. Hover a segment for its count and its share of the day."
)
ALERTS_HOW = (
    "One lane per alert category, one row per dedup key. Bands are injected incidents, in the lane of the "
    "category that should answer them. Shape and colour give the level (circle warning, square activate, "
    "triangle escalate); a hollow mark is a resolution. A mark in its incident's band was a timely alert; "
    "a mark outside every band is noise or late; an empty band is a miss. Hover for times and keys."
)


def render(report: Report) -> str:
    title = f"Backtest report: {report.scenario.name}"
    kpis = kpi_charts(report) or [element("p", {"class_": "how"}, "No KPI values in the report.")]
    head = element(
        "head",
        None,
        void("meta", {"charset": "utf-8"}),
        void("meta", {"http-equiv": "Content-Security-Policy", "content": POLICY}),
        void("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
        element("title", None, title),
        element("style", None, Markup(STYLE)),
    )
    body = element(
        "body",
        None,
        element("h1", None, title),
        _section("summary", "Summary", tables.summary(report)),
        _section(
            "kpis",
            "KPIs per community day",
            element("p", {"class_": "how"}, KPIS_HOW),
            element("div", {"class_": "multiples"}, *kpis),
        ),
        _section(
            "distribution",
            "Tiers and lifecycle stages",
            element("p", {"class_": "how"}, DISTRIBUTION_HOW),
            *distribution_charts(report),
        ),
        _section(
            "alerts",
            "Alerts against incidents",
            element("p", {"class_": "how"}, ALERTS_HOW),
            timeline_chart(report),
            tables.outcomes(report),
            tables.false_alerts(report),
            tables.notifications(report),
        ),
    )
    return "<!doctype html>\n" + element("html", {"lang": "en"}, head, body) + "\n"


def _section(ident: str, heading: str, *content: str) -> Markup:
    return element(
        "section",
        {"id": ident, "aria_labelledby": f"{ident}-heading"},
        element("h2", {"id": f"{ident}-heading"}, heading),
        join(content),
    )
