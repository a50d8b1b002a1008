"""Counter buckets of a period long past, remembered per process: a scan reads its history once, not every time.

The risk scan compares now with hours, days and weeks before, every 5 minutes: some 50 bucket
queries a scan, nearly all of periods that no longer change. A bucket is remembered once its
period ended `settled` ago (the caller says), so only the latest buckets are read at each scan. A
record re-driven into an old bucket after that is seen by a new container, not this one: rules
judge the present against a baseline, and a baseline that lags a late record does not change a
level. Cleared with every per-process cache (`caches.clear_all`).
"""

from __future__ import annotations

from chalicelib.persistence import counters
from chalicelib.services.settled import Settled

_buckets: Settled[str, dict[str, int]] = Settled(maxsize=512)  # a scan reads ~50 settled buckets: ten scans of room


def totals(bucket: str, settled: bool) -> dict[str, int]:
    """The bucket's counters summed over its shards (`counters.totals`), from memory when settled and seen."""
    return _buckets.read(bucket, settled, lambda: counters.totals(bucket))


def clear() -> None:
    _buckets.clear()
