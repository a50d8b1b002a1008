"""Fans per tier and per lifecycle stage as one stacked bar per day, in the domain's order from the base up.

Bars show counts, so growth stays visible; each segment's tooltip gives its share of the day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from backtest.charts.frame import LEGEND, Frame, chart, day_axis, empty, legend, legend_rows, value_axis
from backtest.charts.palette import STAGES, TIERS, colours, ordered
from backtest.markup import Markup, element, exact, join
from backtest.report import STAGES as STAGE_ORDER
from backtest.report import TIERS as TIER_ORDER
from backtest.report import Report
from backtest.scales import ticks

FRAME = Frame(width=960, height=260, left=64, right=12, top=28, bottom=40)
"""Without the legend, which adds rows under the day axis."""


def distribution_charts(report: Report) -> list[Markup]:
    days = [figures.day for figures in report.days]
    axis = f"community day ({report.scenario.time_zone})"
    tiers = [figures.tiers for figures in report.days]
    stages = [figures.stages for figures in report.days]
    return [
        stacked_chart("tiers", "Fans per tier", days, tiers, ordered(_names(tiers), TIER_ORDER), TIERS, axis),
        stacked_chart(
            "stages", "Fans per lifecycle stage", days, stages, ordered(_names(stages), STAGE_ORDER), STAGES, axis
        ),
    ]


def stacked_chart(
    ident: str,
    title: str,
    days: Sequence[date],
    counts: Sequence[Mapping[str, int]],
    names: Sequence[str],
    known: dict[str, str],
    axis: str,
) -> Markup:
    """One bar per day, `names` stacked from the bottom; `known` colours the names it has."""
    extra = 16 * legend_rows(FRAME, names) + 4
    frame = replace(FRAME, height=FRAME.height + extra, bottom=FRAME.bottom + extra)
    totals = [sum(day.values()) for day in counts]
    if not names or not any(totals):
        return chart(ident, frame, title, f"{title}: no fans counted in the simulated period.", empty(frame, "no fans"))
    palette = colours(names, known)
    scale_ticks = ticks(totals)
    y = frame.values(scale_ticks)
    width = max(frame.band(len(days)) * 0.8, 1.0)
    bars = []
    for index, (day, by_name, total) in enumerate(zip(days, counts, totals, strict=True)):
        base = 0
        for name in names:
            count = by_name.get(name, 0)
            if count == 0:
                continue
            top = y(base + count)
            tip = f"{day} {name}: {exact(count)} of {exact(total)} ({count / total:.1%})"
            box = {
                "x": frame.centre(index, len(days)) - width / 2,
                "y": top,
                "width": width,
                "height": max(y(base) - top, 0.5),
            }
            bars.append(
                element("rect", {"class_": "segment", **box, "fill": palette[name]}, element("title", None, tip))
            )
            base += count
    latest = ", ".join(f"{name} {exact(counts[-1].get(name, 0))}" for name in names)
    order = ", ".join(names)
    desc = f"{title} per community day, {days[0]} to {days[-1]}, stacked in the order {order}. Last day: {latest}."
    swatches = [(name, _swatch(palette[name])) for name in names]
    return chart(
        ident,
        frame,
        title,
        desc,
        value_axis(frame, scale_ticks, "fans"),
        day_axis(frame, days, axis),
        join(bars),
        legend(frame, frame.y1 + LEGEND, swatches),
    )


def _names(counts: Sequence[Mapping[str, int]]) -> list[str]:
    return list(dict.fromkeys(name for day in counts for name in day))


def _swatch(colour: str) -> Markup:
    return element("rect", {"x": -5, "y": -5, "width": 10, "height": 10, "fill": colour})
