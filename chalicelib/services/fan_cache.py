"""Recently seen fan states per process, so a warm container writes without reading first.

A cached state is only a guess: every write is conditioned on its version, and a stale guess
costs one cancelled transaction that returns the current item.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from cachetools import LRUCache

from chalicelib.domain.fan import Fan
from chalicelib.settings import get_settings

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _fans() -> LRUCache[str, Fan]:
    return LRUCache(maxsize=max(1, get_settings().fan_cache_size))


def get(fan_id: str) -> Fan | None:
    with _lock:
        return _fans().get(fan_id)


def remember(fan: Fan) -> None:
    """Keep the newest version seen; an older one never replaces a newer one."""
    if not fan.stored:
        return
    with _lock:
        known = _fans().get(fan.fan_id)
        if known is None or known.version <= fan.version:
            _fans()[fan.fan_id] = fan


def clear() -> None:
    with _lock:
        _fans().clear()
