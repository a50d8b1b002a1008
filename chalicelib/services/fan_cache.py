"""Recently seen fan states per process, so a warm container writes without reading first.

A cached state is only a guess: every write is conditioned on its version, and a stale guess
costs one cancelled transaction that returns the current item.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from chalicelib.domain.fan import Fan
from chalicelib.settings import get_settings

_lock = threading.Lock()
_fans: OrderedDict[str, Fan] = OrderedDict()


def get(fan_id: str) -> Fan | None:
    with _lock:
        fan = _fans.get(fan_id)
        if fan is not None:
            _fans.move_to_end(fan_id)
        return fan


def remember(fan: Fan) -> None:
    """Keep the newest version seen; an older one never replaces a newer one."""
    if not fan.stored:
        return
    with _lock:
        known = _fans.get(fan.fan_id)
        if known is not None and known.version > fan.version:
            return
        _fans[fan.fan_id] = fan
        _fans.move_to_end(fan.fan_id)
        while len(_fans) > get_settings().fan_cache_size:
            _fans.popitem(last=False)


def clear() -> None:
    with _lock:
        _fans.clear()
