"""Dedup keys this process read as having no alert in progress: a quiet observation of one skips the read.

A scan observes every rule's keys every 5 minutes and nearly all are quiet with no alert: reading
each key's latest episode each time was most of a scan's requests. Open and acknowledged alerts
are read at every evaluation (`alerts.open_alerts`) and never skipped, and a hit always reads. A
pending alert is in no index, so one written by another container (two scans overlapping) is
missed for at most `QUIET_MEMORY`, after which the key is read again. Cleared with every
per-process cache (`caches.clear_all`).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from cachetools import LRUCache

QUIET_MEMORY = timedelta(minutes=30)

_lock = threading.Lock()
_read_at: LRUCache[str, datetime] = LRUCache(maxsize=4096)  # a key per rule and scope (a reward, a platform)


def known(key: str, now: datetime) -> bool:
    """Whether the key was read as quiet less than `QUIET_MEMORY` before `now` (never when the clock went back)."""
    with _lock:
        read_at = _read_at.get(key)
    return read_at is not None and read_at <= now < read_at + QUIET_MEMORY


def remember(key: str, now: datetime) -> None:
    """The key was read at `now` and has no alert in progress (none, or the latest resolved)."""
    with _lock:
        _read_at[key] = now


def forget(key: str) -> None:
    with _lock:
        _read_at.pop(key, None)


def clear() -> None:
    with _lock:
        _read_at.clear()
