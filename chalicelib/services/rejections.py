"""Rejected webhook signatures, counted for the `webhook_signatures` rule on the rejected path only.

An accepted delivery never reaches this module, so it costs accepted traffic nothing. A rejection
costs one small write to this process's own counter item (no hot key), but each process writes at
most `CAP` per 5-minute slot and platform: a flood of forged requests cannot become a flood of
writes, and the rule's highest count step (1,000) is still reached. Platforms are the configured
ones only (an unknown platform is refused before its signature is checked), so names are bounded.
A failed write is logged and dropped: a count is evidence, never a reason to answer 5xx.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

from chalicelib.domain.risk import signals
from chalicelib.observability import logger
from chalicelib.persistence import counters

CAP = 1000
_SLOT = f"webhooks#{uuid.uuid4().hex[:16]}"  # this process's item in each bucket
_lock = threading.Lock()
_written: dict[tuple[str, str], int] = {}


def note(platform: str, now: datetime) -> None:
    bucket, name = signals.slot_key(f"{signals.REJECTED}{platform}", now)
    with _lock:
        done = _written.get((bucket, name), 0)
        if done >= CAP:
            return
        if not done:
            _forget_older_than(bucket)
        _written[(bucket, name)] = done + 1
    try:
        counters.bump(bucket, _SLOT, name, 1)
    except Exception:
        logger.exception("webhook rejection not counted", extra={"platform": platform})


def _forget_older_than(bucket: str) -> None:
    """Keeps the in-process tally to the current hour's slots (bucket names sort by time)."""
    for key in [key for key in _written if key[0] < bucket]:
        del _written[key]
