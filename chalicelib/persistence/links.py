"""Platform accounts linked to fans: the link items, read alone or removed by an operator with the fan's change."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.fan import FanChange
from chalicelib.persistence import items, keys
from chalicelib.persistence.conflicts import raise_for
from chalicelib.persistence.models import LinkModel
from chalicelib.persistence.transaction import Cancelled, Transaction, with_retries
from chalicelib.persistence.writes import add_fan_change


def linked_fan(platform: str, external_user_id: str) -> str | None:
    def read() -> str | None:
        try:
            return str(LinkModel.get(keys.link(platform, external_user_id), consistent_read=True).fan_id)
        except DoesNotExist:
            return None

    return with_retries(read)


def commit_unlink(platform: str, external_user_id: str, change: FanChange, change_token: str) -> None:
    """An operator's unlink: the link goes and the fan's profile forgets it, together."""
    tx = Transaction()
    tx.delete(items.LINK, LinkModel(keys.link(platform, external_user_id)), LinkModel.fan_id == change.fan.fan_id)
    add_fan_change(tx, change, change_token)
    try:
        tx.commit()
    except Cancelled as cancelled:
        raise_for(cancelled)
