"""The newest recalculation's cut-offs, remembered per process for a few minutes.

They change once a day and every profile shows progress against them; remembering them keeps a
profile read at one request (a container's first profile fetches them with the fan's own read).
A container may show yesterday's cut-offs for up to `TTL_SECONDS` after a run.
"""

from __future__ import annotations

import threading

from cachetools import TTLCache

from chalicelib.domain.jobs import JobRun
from chalicelib.domain.ranking import Ranking

TTL_SECONDS = 300
_KEY = "latest"
_lock = threading.Lock()
_rankings: TTLCache[str, Ranking | None] = TTLCache(maxsize=1, ttl=TTL_SECONDS)


def known() -> tuple[bool, Ranking | None]:
    """Whether the cut-offs are remembered, and they (None: no recalculation has finished yet)."""
    with _lock:
        if _KEY in _rankings:
            return True, _rankings[_KEY]
    return False, None


def remember(latest: JobRun | None) -> Ranking | None:
    ranked = Ranking.from_dict(latest.context) if latest is not None and latest.context is not None else None
    with _lock:
        _rankings[_KEY] = ranked
    return ranked


def clear() -> None:
    with _lock:
        _rankings.clear()
