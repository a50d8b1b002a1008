"""Flag records of UTC days long over, remembered per process: a scan re-reads only the days still receiving.

Flags are filed by the day they arrived (`flag_records`), so a day that ended `settled` ago (the
caller says) gets no more and is read whole once; a day still receiving is read from the scan's
look-back on. Cleared with every per-process cache (`caches.clear_all`).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

from chalicelib.domain.risk.flagged_content import ContentFlag
from chalicelib.persistence import flag_records
from chalicelib.services.settled import Settled

_days: Settled[date, list[ContentFlag]] = Settled(maxsize=8)  # a look-back spans two or three days


def of_day(day: date, since: datetime, settled: bool) -> list[ContentFlag]:
    """The day's flags; from `since` on unless settled (then the whole day, from memory once read)."""
    if settled:
        return _days.read(day, True, partial(flag_records.of_day, day))
    return flag_records.of_day(day, since)


def clear() -> None:
    _days.clear()
