"""Fans a page at a time from one segment of a parallel scan: the read side of the scheduled jobs."""

from __future__ import annotations

import json

from chalicelib.domain.settlement import StoredFan
from chalicelib.persistence import codec
from chalicelib.persistence.models import FanModel
from chalicelib.persistence.transaction import with_retries


def page(segment: int, segments: int, cursor: str | None, size: int) -> tuple[list[StoredFan], str | None]:
    """Up to `size` fans of the segment after `cursor`, and the cursor to continue from (None: the end).

    Eventually consistent: a job decides from this snapshot, and every write it makes is
    conditioned on the version it read, so a fan changed meanwhile is decided again from its
    current item.
    """
    start = json.loads(cursor) if cursor else None

    def read() -> tuple[list[StoredFan], str | None]:
        results = FanModel.scan(
            segment=segment, total_segments=segments, last_evaluated_key=start, limit=size, page_size=size
        )
        found = [codec.fan_from_item(item) for item in results]
        last = results.last_evaluated_key
        return found, json.dumps(last, sort_keys=True) if last and len(found) == size else None

    return with_retries(read)
