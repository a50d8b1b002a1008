"""Newcomers' hourly records, the hours long past remembered per process: a scan re-reads only the latest hours.

The ring and redemption rules look back over a week of newcomers every 5 minutes. Their records
are filed by the hour the fan acted (`user_records`), so an hour that ended `settled` ago (the
caller says) no longer changes and is read once per process; a warm scan reads about two hours.
The settled hours' records are also gathered per fan once for as long as the same hours are
settled (an hour), so a scan merges the two latest hours onto them instead of a week of records.
A record re-driven into an old hour after that is seen by a new container, not this one, as with
`counter_history`. Cleared with every per-process cache (`caches.clear_all`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.risk import fan_signals
from chalicelib.domain.risk.fan_signals import Newcomer
from chalicelib.persistence import user_records
from chalicelib.services.settled import Settled

_lock = threading.Lock()
_hours: Settled[datetime, list[Newcomer]] = Settled(maxsize=512)  # 3 weeks of hours; the look-back: 8 days
_gathered: dict[tuple[datetime, ...], dict[str, Newcomer]] = {}  # the settled hours, their records gathered


def of_hour(start: datetime, settled: bool) -> list[Newcomer]:
    """The newcomers' records of the hour starting at `start`, from memory when settled and seen."""
    return _hours.read(start, settled, lambda: user_records.newcomers_of_hour(start))


def newcomers(hours: Sequence[tuple[datetime, bool]]) -> list[Newcomer]:
    """Every fan with a record in `hours` (start, settled), its records gathered (`fan_signals.gathered`)."""
    settled = tuple(start for start, done in hours if done)
    with _lock:
        earlier = _gathered.get(settled)
    if earlier is None:
        earlier = fan_signals.gathered(record for start in settled for record in of_hour(start, True))
        with _lock:
            _gathered.clear()
            _gathered[settled] = earlier
    latest = [record for start, done in hours if not done for record in of_hour(start, False)]
    return list(fan_signals.gathered(latest, earlier).values())


def clear() -> None:
    _hours.clear()
    with _lock:
        _gathered.clear()
