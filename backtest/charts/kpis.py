"""KPI small multiples: one line chart per KPI over the simulated days, each on its own zero-based scale.

A day without a value (a ratio over nothing) breaks the line instead of drawing a false zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from backtest.charts.frame import Frame, chart, day_axis, empty, value_axis
from backtest.charts.palette import LINE
from backtest.markup import Markup, coordinate, element, exact, join
from backtest.report import Report
from backtest.scales import ticks

FRAME = Frame(width=320, height=200, left=56, right=12, top=28, bottom=36)


def kpi_charts(report: Report) -> list[Markup]:
    days = [figures.day for figures in report.days]
    axis = f"community day ({report.scenario.time_zone})"
    return [
        kpi_chart(f"kpi-{index}", name, days, [figures.kpis.get(name) for figures in report.days], axis)
        for index, name in enumerate(report.kpi_names())
    ]


def kpi_chart(ident: str, name: str, days: Sequence[date], values: Sequence[float | None], axis: str) -> Markup:
    known = [(index, value) for index, value in enumerate(values) if value is not None]
    if not known:
        return chart(ident, FRAME, name, f"{name}: no values in the simulated period.", empty(FRAME, "no values"))
    scale_ticks = ticks(value for _, value in known)
    y = FRAME.values(scale_ticks)
    points = [(FRAME.centre(index, len(days)), y(value), index, value) for index, value in known]
    low = min(known, key=lambda pair: pair[1])
    high = max(known, key=lambda pair: pair[1])
    desc = (
        f"{name} per community day, {days[0]} to {days[-1]}: lowest {exact(low[1])} on {days[low[0]]}, "
        f"highest {exact(high[1])} on {days[high[0]]}; {len(values) - len(known)} days without a value."
    )
    radius = min(2.5, FRAME.band(len(days)) / 3)
    dots = [
        element(
            "circle",
            {"class_": "point", "cx": x, "cy": py, "r": radius, "fill": LINE},
            element("title", None, f"{days[index]}: {exact(value)}"),
        )
        for x, py, index, value in points
    ]
    return chart(
        ident,
        FRAME,
        name,
        desc,
        value_axis(FRAME, scale_ticks, name),
        day_axis(FRAME, days, axis),
        element("path", {"class_": "series", "d": _path(points), "fill": "none", "stroke": LINE, "stroke_width": 2}),
        join(dots),
    )


def _path(points: Sequence[tuple[float, float, int, float]]) -> str:
    """Consecutive days joined by lines; a missing day starts a new segment (`M`)."""
    parts = []
    previous = None
    for x, y, index, _ in points:
        command = "L" if previous is not None and index == previous + 1 else "M"
        parts.append(f"{command}{coordinate(x)},{coordinate(y)}")
        previous = index
    return " ".join(parts)
