"""What every chart shares: its box, the accessible `<svg>` wrapper, axes, a legend, the empty state.

Charts are fixed-size SVG (a viewBox, scaled by CSS), so a value's coordinates are known exactly and a
test can check where a point was drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from backtest.markup import Attributes, Markup, element, figure, join
from backtest.scales import Linear, Ticks, day_labels

TEXT = "#333"
GRID = "#ddd"
LEGEND = 48
"""The first legend row's centre, below the plot's bottom edge (under the day labels and the axis label)."""
CHAR_WIDTH = 6.5
"""Approximate width of a character at the 11px label size, to lay legends out without measuring text."""


@dataclass(frozen=True)
class Frame:
    """A chart of `width` x `height` whose plot area leaves the given margins for title, axes and legend."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y0(self) -> float:
        return self.top

    @property
    def y1(self) -> float:
        return self.height - self.bottom

    def band(self, count: int) -> float:
        """Width of one day's band when `count` days share the plot."""
        return (self.x1 - self.x0) / max(count, 1)

    def centre(self, index: int, count: int) -> float:
        """The x of day `index`'s band centre: lines and bars of the same day line up across charts."""
        return self.x0 + (index + 0.5) * self.band(count)

    def labels(self) -> int:
        """How many day labels (MM-DD, about 40 px) fit along the plot with room between them."""
        return max(1, int((self.x1 - self.x0) // 56))

    def values(self, ticks: Ticks) -> Linear:
        return Linear(ticks.low, ticks.high, self.y1, self.y0)


def chart(ident: str, frame: Frame, title: str, desc: str, *body: str) -> Markup:
    """The `<svg>`: a role, a `<title>` and `<desc>` for assistive technology, and the title drawn on top."""
    return element(
        "svg",
        {
            "class_": "chart",
            "id": ident,
            "role": "img",
            "viewBox": f"0 0 {frame.width:g} {frame.height:g}",
            "width": frame.width,
            "height": frame.height,
            "aria_labelledby": f"{ident}-title {ident}-desc",
        },
        element("title", {"id": f"{ident}-title"}, title),
        element("desc", {"id": f"{ident}-desc"}, desc),
        element("text", {"class_": "heading", "x": 4, "y": 16}, title),
        *body,
    )


def value_axis(frame: Frame, ticks: Ticks, label: str) -> Markup:
    """Horizontal grid lines with their values, and the axis label turned along the axis."""
    scale = frame.values(ticks)
    lines = []
    for value in ticks.values:
        y = scale(value)
        lines.append(element("line", {"x1": frame.x0, "x2": frame.x1, "y1": y, "y2": y, "stroke": GRID}))
        lines.append(
            element("text", {"class_": "tick", "x": frame.x0 - 4, "y": y + 4, "text_anchor": "end"}, figure(value))
        )
    middle = (frame.y0 + frame.y1) / 2
    turned: Attributes = {
        "class_": "axis-label",
        "x": 10,
        "y": middle,
        "text_anchor": "middle",
        "transform": f"rotate(-90 10 {middle:g})",
    }
    return element("g", {"class_": "axis value-axis"}, *lines, element("text", turned, label))


def day_axis(frame: Frame, days: Sequence[date], label: str) -> Markup:
    """Day labels (MM-DD, thinned to about ten) under the band centres, and the axis label."""
    marks = [element("line", {"x1": frame.x0, "x2": frame.x1, "y1": frame.y1, "y2": frame.y1, "stroke": TEXT})]
    for index in day_labels(len(days), frame.labels()):
        x = frame.centre(index, len(days))
        marks.append(
            element(
                "text",
                {"class_": "tick", "x": x, "y": frame.y1 + 14, "text_anchor": "middle"},
                days[index].strftime("%m-%d"),
            )
        )
    centre = (frame.x0 + frame.x1) / 2
    marks.append(
        element("text", {"class_": "axis-label", "x": centre, "y": frame.y1 + 30, "text_anchor": "middle"}, label)
    )
    return element("g", {"class_": "axis day-axis"}, *marks)


def legend(frame: Frame, y: float, entries: Sequence[tuple[str, Markup]]) -> Markup:
    """A row of (swatch, name) entries from the plot's left edge, wrapping at its right edge.

    Each swatch is drawn by the caller centred on (0, 0), so shapes and colours match the marks.
    """
    places = _places(frame, [name for name, _ in entries])
    items = [
        element(
            "g",
            {"class_": "legend-item", "transform": f"translate({x:g} {y + row * 16:g})"},
            swatch,
            element("text", {"class_": "tick", "x": 10, "y": 4}, name),
        )
        for (name, swatch), (x, row) in zip(entries, places, strict=True)
    ]
    return element("g", {"class_": "legend"}, *items)


def legend_rows(frame: Frame, names: Sequence[str]) -> int:
    """How many rows `legend` needs for these names (to size the chart before drawing it)."""
    return 1 + max((row for _, row in _places(frame, names)), default=0)


def _places(frame: Frame, names: Sequence[str]) -> list[tuple[float, int]]:
    """(x, row) of each legend entry: entries flow left to right and wrap when the next would not fit."""
    places = []
    x, row = frame.x0, 0
    for name in names:
        width = 18 + CHAR_WIDTH * len(name) + 12
        if x + width > frame.x1 and x > frame.x0:
            x, row = frame.x0, row + 1
        places.append((x, row))
        x += width
    return places


def empty(frame: Frame, message: str) -> Markup:
    """The plot box with a message, so an empty series still shows a chart that says why it is empty."""
    box: Attributes = {"x": frame.x0, "y": frame.y0, "width": frame.x1 - frame.x0, "height": frame.y1 - frame.y0}
    middle: Attributes = {
        "class_": "empty",
        "x": (frame.x0 + frame.x1) / 2,
        "y": (frame.y0 + frame.y1) / 2,
        "text_anchor": "middle",
    }
    return join([element("rect", {**box, "fill": "none", "stroke": GRID}), element("text", middle, message)])
