"""moto's segmented Scan in O(page) instead of O(table) per page, for the scale benchmarks only.

moto answers every Scan page by sorting the whole table and walking it from the start, hashing
each key to find its segment: O(N log N) per page, O(N² / page) per pass, so 100,000 fans would
take hours of moto, not of the code measured. This keeps, per table and segment count, each
segment's hash keys in moto's order and answers a page from the start key by bisection, with
moto's own size limit and last-evaluated key; items are not deep-copied, as moto's response only
reads them into new dicts and a single-threaded (or serialised) moto changes none meanwhile. The
key order is rebuilt whenever the number of items changes; a benchmark never deletes one key and
puts another between two pages.
Anything but a plain segmented scan of a hash-key-only table goes to moto's implementation.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from moto.dynamodb.comparisons import OpDefault
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table

_scan = Table.scan
_segments: dict[tuple[int, int, int], tuple[int, list[str]]] = {}


def _segment(table: Table, segment: int, total: int) -> list[str]:
    """The segment's hash keys in moto's order (sorted), remembered while the item count holds."""
    key = (id(table), segment, total)
    known = _segments.get(key)
    if known is None or known[0] != len(table.items):
        keys = sorted((str(value.value), item) for value, item in table.items.items() if isinstance(item, Item))
        inside = [value for value, item in keys if item.is_within_segment((segment, total))]
        known = (len(table.items), inside)
        _segments[key] = known
    return known[1]


def fast_scan(
    self: Table,
    filters: dict[str, Any],
    limit: int,
    exclusive_start_key: dict[str, Any],
    filter_expression: Any = None,
    index_name: str | None = None,
    consistent_read: bool = False,
    projection_expression: list[list[str]] | None = None,
    segments: tuple[None, None] | tuple[int, int] = (None, None),
) -> tuple[list[Item], int, dict[str, Any] | None]:
    unfiltered = filter_expression is None or isinstance(filter_expression, OpDefault)  # moto's "no expression"
    plain = unfiltered and not (index_name or filters or projection_expression)
    segment, total = segments
    if not plain or self.range_key_attr is not None or segment is None or total is None:
        return _scan(
            self,
            filters,
            limit,
            exclusive_start_key,
            filter_expression,
            index_name,
            consistent_read,
            projection_expression,
            segments,
        )
    order = _segment(self, segment, total)
    start = 0
    if exclusive_start_key:
        start = bisect_right(order, str(exclusive_start_key[self.hash_key_attr]["S"]))
    results: list[Item] = []
    size = 0
    last: dict[str, Any] | None = None
    for value in order[start:]:
        item = self.items.get(DynamoType({"S": value}))
        if not isinstance(item, Item):
            continue  # deleted since the order was built
        item_size = item.size()
        if len(results) == limit or size + item_size > RESULT_SIZE_LIMIT:
            last = self._get_last_evaluated_key(results[-1], None)
            break
        results.append(item)  # moto's response only reads the attributes: no copy needed
        size += item_size
    return results, len(results), last


def install() -> None:
    """Replace moto's Scan in this process (a benchmark's moto server)."""
    Table.scan = fast_scan  # type: ignore[method-assign]
