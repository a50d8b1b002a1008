"""Reading a report's JSON strictly: every value checked for its type, every refusal naming where it is.

A report file is data from another process (or another version of the simulator); a wrong shape must
fail at load with a readable path such as `days[3].kpis.dau`, never later while a chart is drawn.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any


class ReportError(ValueError):
    """The report's JSON or its figures are not a valid backtest report."""


def finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise ReportError(f"{what}: expected a finite number, got {value!r}")
    return value


def aware(value: datetime, what: str) -> datetime:
    """Instants must carry their offset: a naive time would be placed in whatever zone reads it."""
    if value.utcoffset() is None:
        raise ReportError(f"{what}: expected a time with a UTC offset, got {value.isoformat()}")
    return value


class Fields:
    """One JSON object of the report, with the path used in error messages."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ReportError(f"{path}: expected an object")
        self.data: dict[str, Any] = data
        self.path = path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str) -> Any:
        if key not in self.data:
            raise ReportError(f"{self._at(key)}: missing")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise ReportError(f"{self._at(key)}: expected a string")
        return value

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ReportError(f"{self._at(key)}: expected an integer")
        return value

    def number(self, key: str) -> float:
        value = self.raw(key)
        return number(value, self._at(key))

    def optional_number(self, key: str) -> float | None:
        value = self.data.get(key)
        return None if value is None else number(value, self._at(key))

    def flag(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise ReportError(f"{self._at(key)}: expected true or false")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self.data.get(key) is None else self.text(key)

    def day(self, key: str) -> date:
        try:
            return date.fromisoformat(self.text(key))
        except ValueError as error:
            raise ReportError(f"{self._at(key)}: expected a date YYYY-MM-DD") from error

    def instant(self, key: str) -> datetime:
        try:
            value = datetime.fromisoformat(self.text(key))
        except ValueError as error:
            raise ReportError(f"{self._at(key)}: expected an ISO 8601 time") from error
        return aware(value, self._at(key))

    def objects(self, key: str) -> list[Fields]:
        value = self.raw(key)
        if not isinstance(value, list):
            raise ReportError(f"{self._at(key)}: expected a list")
        return [Fields(item, f"{self._at(key)}[{index}]") for index, item in enumerate(value)]

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ReportError(f"{self._at(key)}: expected a list of strings")
        return tuple(value)

    def table(self, key: str) -> dict[str, Any]:
        value = self.raw(key)
        if not isinstance(value, dict):
            raise ReportError(f"{self._at(key)}: expected an object")
        return value

    def numbers(self, key: str) -> dict[str, float | None]:
        """Named figures; null stays None (a ratio over nothing has no value)."""
        return {
            name: None if v is None else number(v, f"{self._at(key)}.{name}") for name, v in self.table(key).items()
        }

    def counts(self, key: str) -> dict[str, int]:
        found = {}
        for name, value in self.table(key).items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise ReportError(f"{self._at(key)}.{name}: expected an integer")
            found[name] = value
        return found


def number(value: Any, what: str) -> float:
    """A JSON number, finite (NaN and Infinity, which Python's json accepts, are refused); integers stay integers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReportError(f"{what}: expected a number")
    try:
        finite(float(value), what)
    except OverflowError as error:
        raise ReportError(f"{what}: number out of range") from error
    return value
