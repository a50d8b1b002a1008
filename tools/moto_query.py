"""moto's Query on a table's own key in O(partition) instead of O(table), for in-process simulations only.

moto answers every Query by sorting every item of the table and keeping those of the hash key
asked for: in the backtest the counters table (hour and day buckets of every signal, kept by every
shard) grows all run long, and the risk scan queries it dozens of times every 5 simulated minutes,
so late days were slower than early ones by that alone. A query on the table's own key can only
match the items of its hash key, so moto's own Query is run with the table's item list narrowed
to that partition: its conditions, filters, order, limits and cursors are moto's. Index queries go
to moto's implementation untouched. `tests/unit/test_moto_query.py` checks both give the same pages.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_query = Table.query


def _partition(table: Table, hash_key: DynamoType) -> list[Item]:
    found = table.items.get(hash_key)  # get, not []: the items mapping is a defaultdict
    if found is None:
        return []
    items = list(found.values()) if table.range_key_attr else [found]
    return sorted((i for i in items if isinstance(i, Item)), key=lambda i: (i.hash_key, i.range_key))


def partition_query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    if index_name or hash_key is None:
        return _query(self, hash_key, *args, **kwargs)
    narrowed = _partition(self, hash_key)
    self.all_items = lambda: narrowed  # type: ignore[method-assign]  # the instance's, for this call only
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def install() -> None:
    """Replace moto's Query in this process."""
    Table.query = partition_query  # type: ignore[method-assign]


def uninstall() -> None:
    Table.query = _query  # type: ignore[method-assign]
