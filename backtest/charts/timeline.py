"""Alerts against incidents over the simulated period: one lane per alert category, one row per dedup key.

An incident is a band in the lane of the category expected to answer it, so a marker inside a band of its
own lane is an alert that came, and a marker outside any band is worth a look (a false or late alert).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from backtest.charts.frame import CHAR_WIDTH, GRID, LEGEND, TEXT, Frame, chart, empty, legend, legend_rows
from backtest.charts.palette import INCIDENT, LEVELS, marker
from backtest.markup import Attributes, Markup, element, exact, join
from backtest.report import CATEGORIES, KINDS, Incident, Notification, Report
from backtest.scales import Linear, day_labels

FRAME = Frame(width=960, height=0, left=110, right=12, top=28, bottom=40)
"""`height` and `bottom` grow with the lanes and the legend."""
ROW = 18
MAX_ROWS = 12
"""Rows per lane at most: beyond, dedup keys share rows (in key order), so the chart stays readable."""
DAILY_GRID = 62
"""Up to about two months a grid line marks every local midnight; beyond, only the labelled days."""
PAD = 6
LEGEND_ENTRIES = (*LEVELS, "resolved (hollow)", "incident")


@dataclass(frozen=True)
class Lane:
    """A category's band of rows; `rows` gives each dedup key its row number."""

    category: str
    rows: dict[str, int]
    top: float

    @property
    def height(self) -> float:
        return min(max(len(self.rows), 1), MAX_ROWS) * ROW + 2 * PAD

    def row(self, key: str) -> float:
        """The y centre of a dedup key's row."""
        return self.top + PAD + (self.rows[key] + 0.5) * ROW


def timeline_chart(report: Report) -> Markup:
    zone = ZoneInfo(report.scenario.time_zone)
    lanes = _lanes(report, FRAME.top)
    plot = sum(lane.height for lane in lanes) or 3 * ROW
    extra = 16 * legend_rows(FRAME, LEGEND_ENTRIES) + 4
    frame = replace(FRAME, height=FRAME.top + plot + FRAME.bottom + extra, bottom=FRAME.bottom + extra)
    title = "Alerts and incidents"
    if not lanes:
        return chart(
            "timeline",
            frame,
            title,
            "No incidents and no notifications in the run.",
            empty(frame, "no incidents or notifications"),
        )
    start, end = report.scenario.period()
    x = Linear(start.timestamp(), end.timestamp(), frame.x0, frame.x1)
    by_category = {lane.category: lane for lane in lanes}
    bands = [_band(incident, by_category[incident.expected_category], x, zone) for incident in report.incidents]
    marks = [_mark(note, by_category[note.category], x, zone) for note in report.notifications]
    return chart(
        "timeline",
        frame,
        title,
        _desc(report, zone),
        _time_axis(frame, report, x, zone),
        join(_lane_marks(frame, lane) for lane in lanes),
        join(bands),
        join(marks),
        legend(frame, frame.y1 + LEGEND, _legend()),
    )


def _lanes(report: Report, top: float) -> list[Lane]:
    keys: dict[str, set[str]] = {incident.expected_category: set() for incident in report.incidents}
    for note in report.notifications:
        keys.setdefault(note.category, set()).add(note.dedup_key)
    order = [c for c in CATEGORIES if c in keys] + sorted(set(keys) - set(CATEGORIES))
    lanes = []
    for category in order:
        rows = {key: index % MAX_ROWS for index, key in enumerate(sorted(keys[category]))}
        lanes.append(Lane(category, rows, top))
        top += lanes[-1].height
    return lanes


def _time_axis(frame: Frame, report: Report, x: Linear, zone: ZoneInfo) -> Markup:
    """Grid lines at local midnights (every one up to `DAILY_GRID` days), thinned labels with the day each starts."""
    labelled = day_labels(report.scenario.days, frame.labels())
    marks = []
    for index in range(report.scenario.days + 1):
        if report.scenario.days > DAILY_GRID and index not in labelled:
            continue
        day = report.scenario.start + timedelta(days=index)
        at = x(datetime.combine(day, time(), zone).timestamp())
        marks.append(element("line", {"x1": at, "x2": at, "y1": frame.y0, "y2": frame.y1, "stroke": GRID}))
        if index in labelled:
            tick: Attributes = {"class_": "tick", "x": at, "y": frame.y1 + 14, "text_anchor": "middle"}
            marks.append(element("text", tick, day.strftime("%m-%d")))
    centre = (frame.x0 + frame.x1) / 2
    label: Attributes = {"class_": "axis-label", "x": centre, "y": frame.y1 + 30, "text_anchor": "middle"}
    marks.append(element("text", label, f"time ({report.scenario.time_zone}), day boundaries at local midnight"))
    return element("g", {"class_": "axis time-axis"}, *marks)


def _lane_marks(frame: Frame, lane: Lane) -> Markup:
    bottom = lane.top + lane.height
    label: Attributes = {
        "class_": "lane-label",
        "x": frame.x0 - 6,
        "y": lane.top + lane.height / 2 + 4,
        "text_anchor": "end",
    }
    return join(
        [
            element("line", {"x1": frame.x0, "x2": frame.x1, "y1": bottom, "y2": bottom, "stroke": TEXT}),
            element("text", label, lane.category),
        ]
    )


def _band(incident: Incident, lane: Lane, x: Linear, zone: ZoneInfo) -> Markup:
    left = x(incident.start.timestamp())
    width = max(x(incident.end.timestamp()) - left, 3.0)
    tip = (
        f"incident {incident.incident_id}: {incident.kind}, size {exact(incident.size)}, "
        f"{_local(incident.start, zone)} to {_local(incident.end, zone)}, expected {incident.expected_category}"
    )
    box: Attributes = {"x": left, "y": lane.top + 1, "width": width, "height": lane.height - 2}
    parts = [element("rect", {"class_": "incident", **box, "fill": INCIDENT, "fill_opacity": 0.3, "stroke": INCIDENT})]
    if width >= CHAR_WIDTH * len(incident.incident_id) + 6:
        parts.append(element("text", {"class_": "band-label", "x": left + 3, "y": lane.top + 11}, incident.incident_id))
    return element("g", {"class_": "incident-band"}, *parts, element("title", None, tip))


def _mark(note: Notification, lane: Lane, x: Linear, zone: ZoneInfo) -> Markup:
    tip = f"{_local(note.at, zone)} {note.kind} {note.level}: {note.dedup_key} (rule {note.rule})"
    shape = marker(note.level, x(note.at.timestamp()), lane.row(note.dedup_key), hollow=note.kind == "resolved")
    return element("g", {"class_": f"alert {note.kind}"}, shape, element("title", None, tip))


def _legend() -> Sequence[tuple[str, Markup]]:
    levels = [(level, marker(level, 0, 0)) for level in LEVELS]
    hollow = element("circle", {"cx": 0, "cy": 0, "r": 5, "fill": "#fff", "stroke": TEXT, "stroke_width": 1.5})
    band = element(
        "rect", {"x": -6, "y": -6, "width": 12, "height": 12, "fill": INCIDENT, "fill_opacity": 0.3, "stroke": INCIDENT}
    )
    return [*levels, ("resolved (hollow)", hollow), ("incident", band)]


def _desc(report: Report, zone: ZoneInfo) -> str:
    start, end = report.scenario.period()
    kinds = Counter(note.kind for note in report.notifications)
    counted = ", ".join(f"{kinds[kind]} {kind}" for kind in KINDS)
    return (
        f"Notifications from {_local(start, zone)} to {_local(end, zone)} ({report.scenario.time_zone}), in lanes by "
        f"alert category with one row per dedup key: {len(report.notifications)} in all ({counted}). "
        f"{len(report.incidents)} incidents drawn as bands in the lane of their expected category."
    )


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
