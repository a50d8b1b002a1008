"""Colours and marker shapes: Okabe-Ito hues (distinguishable with colour-vision deficiencies), and every
level carries a shape as well as a colour, so the timeline reads in greyscale too.
"""

from __future__ import annotations

from collections.abc import Sequence

from backtest.markup import Attributes, Markup, element
from backtest.report import Level

TIERS = {"head": "#0072B2", "active": "#009E73", "potential": "#E69F00", "silent": "#BBBBBB"}
STAGES = {
    "awareness": "#56B4E9",
    "interest": "#0072B2",
    "participation": "#009E73",
    "loyalty": "#E69F00",
    "advocacy": "#D55E00",
    "churned": "#999999",
}
EXTRA = ("#CC79A7", "#F0E442", "#000000", "#7F3C8D", "#11A579", "#3969AC")
"""For names the report has and the known orders lack (a newer tier or stage): never left uncoloured."""
LEVELS: dict[Level, str] = {"warning": "#E69F00", "activate": "#D55E00", "escalate": "#A50026"}
LINE = "#0072B2"
INCIDENT = "#56B4E9"


def ordered(names: Sequence[str], known: Sequence[str]) -> list[str]:
    """The known names first in their order (only those present), then the others sorted."""
    present = set(names)
    return [name for name in known if name in present] + sorted(present - set(known))


def colours(names: Sequence[str], known: dict[str, str]) -> dict[str, str]:
    extra = iter(EXTRA * (len(names) // len(EXTRA) + 1))
    return {name: known[name] if name in known else next(extra) for name in names}


def marker(level: Level, x: float, y: float, hollow: bool = False, size: float = 5) -> Markup:
    """A level's mark centred on (x, y): warning a circle, activate a square, escalate a triangle.

    Hollow marks are resolutions: the same shape, outlined.
    """
    colour = LEVELS[level]
    paint: Attributes = {
        "fill": "#fff" if hollow else colour,
        "stroke": colour,
        "stroke_width": 1.5,
        "class_": f"mark {level}",
    }
    if level == "warning":
        return element("circle", {"cx": x, "cy": y, "r": size, **paint})
    if level == "activate":
        return element("rect", {"x": x - size, "y": y - size, "width": 2 * size, "height": 2 * size, **paint})
    points = f"{x:.2f},{y - size * 1.2:.2f} {x + size * 1.15:.2f},{y + size:.2f} {x - size * 1.15:.2f},{y + size:.2f}"
    return element("polygon", {"points": points, **paint})
