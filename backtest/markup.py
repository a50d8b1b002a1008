"""Building HTML and SVG text safely: plain strings are always escaped, only `Markup` passes through.

Scenario names, dedup keys, rule and category names are data; treating every `str` as text (and only
what `element` built as markup) means a forgotten escape cannot happen.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping


class Markup(str):
    """Text that is already HTML/SVG, built by `element` or `join`."""


Attribute = str | int | float | None
Attributes = dict[str, Attribute]


def escape(text: str) -> str:
    return text if isinstance(text, Markup) else html.escape(text, quote=True)


def element(name: str, attributes: Mapping[str, Attribute] | None = None, *children: str) -> Markup:
    """`<name a="v">children</name>`; a None attribute is left out, numbers are written compactly."""
    return Markup(f"<{name}{_pairs(attributes or {})}>{join(children)}</{name}>")


def void(name: str, attributes: Mapping[str, Attribute]) -> Markup:
    """An element with no content or end tag (`<meta>`), for HTML's void elements."""
    return Markup(f"<{name}{_pairs(attributes)}>")


def join(parts: Iterable[str]) -> Markup:
    return Markup("".join(escape(part) for part in parts))


def _pairs(attributes: Mapping[str, Attribute]) -> str:
    """Python names to attribute names: `class_` is `class`, `stroke_width` is `stroke-width`."""
    return "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(_value(value))}"'
        for key, value in attributes.items()
        if value is not None
    )


def _value(value: str | int | float) -> str:
    return coordinate(value) if isinstance(value, float) else str(value)


def coordinate(value: float) -> str:
    """A coordinate to two decimals, without trailing zeros (small, stable SVG text)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def figure(value: float) -> str:
    """A value for an axis or a table cell: short, but exact enough to read (1,234 / 0.312 / 4.5M / 2.1e+20)."""
    magnitude = abs(value)
    if magnitude >= 1e15:
        return f"{value:.2g}"
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    if value == math.floor(value):
        return f"{int(value):,}"
    return f"{value:,.0f}" if magnitude >= 1000 else f"{value:.3g}"


def exact(value: float) -> str:
    """A value for a tooltip: every digit an operator may want to compare, up to four decimals."""
    if 1e-4 <= abs(value) < 1e15:
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{value:.6g}"
