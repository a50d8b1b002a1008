"""A fan's ledger, newest first: stored entries merged with settled deferred awards not yet written."""

from __future__ import annotations

from chalicelib.domain.fan import LedgerEntry
from chalicelib.persistence import reads
from chalicelib.persistence.cursors import Page
from chalicelib.services import fan_update


def page(fan_id: str, limit: int, cursor: str | None) -> Page[LedgerEntry]:
    """The fan first, then the entries: an award written in between is then found in one or the other."""
    unwritten = fan_update.current(fan_id, reads.fan(fan_id)).settling
    return reads.ledger_page(fan_id, limit, cursor, unwritten)
