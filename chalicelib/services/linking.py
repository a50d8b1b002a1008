"""Platform accounts linked to fans: `account.linked` deliveries and operators' unlinks."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import DomainError, Unavailable
from chalicelib.domain.platform_events import AccountLinked
from chalicelib.observability import count
from chalicelib.persistence import platform, reads
from chalicelib.persistence.conflicts import LinkChanged, OldLinkGone, StaleFan
from chalicelib.services import fan_cache, identity_cache
from chalicelib.services.deliveries import Delivery, Result, attempts, fan_state, new_write
from chalicelib.settings import get_settings


class LinkConflict(DomainError):
    code, status, title = "link_conflict", 409, "Account already linked to another fan"


class LinkNotFound(DomainError):
    code, status, title = "link_not_found", 404, "No such linked account"


def link(delivery: Delivery, data: AccountLinked, now: datetime) -> Result:
    """The platform vouches that this account is this fan's. Moving it to another fan needs an operator."""
    state = {"fan": fan_state(data.fan_id)}

    def step() -> Result | None:
        fan = state["fan"]
        previous = fan.linked_accounts.get(delivery.platform)
        write = new_write(delivery, now)
        write.link(data.external_user_id, data.fan_id)
        token = uuid.uuid4().hex
        linked = fan
        if previous != data.external_user_id:
            if previous is not None:
                write.unlink(previous, data.fan_id)
            accounts = {**fan.linked_accounts, delivery.platform: data.external_user_id}
            change = fans.touch(fan, replace(fan, linked_accounts=accounts), now)
            write.fan(change, token)
            linked = change.fan
        try:
            write.commit()
        except LinkChanged:
            raise LinkConflict(
                f"{delivery.platform} account {data.external_user_id} is linked to another fan; "
                "an operator must unlink it first."
            ) from None
        except (StaleFan, OldLinkGone) as stale:
            if isinstance(stale, StaleFan) and stale.written_by(token):
                return "accepted"
            state["fan"] = reads.fan(data.fan_id) or fans.Fan(data.fan_id)
            return None
        identity_cache.remember_link(delivery.platform, data.external_user_id, data.fan_id)
        fan_cache.remember(linked)  # the fan's first engagement usually follows at once
        if previous and previous != data.external_user_id:
            identity_cache.forget_link(delivery.platform, previous)
        count("AccountsLinked")
        return "accepted"

    return attempts(step)


def unlink(platform_name: str, external_user_id: str, now: datetime) -> str:
    """An operator's unlink, after which the account may be linked to another fan. Returns the fan id."""
    fan_id = platform.linked_fan(platform_name, external_user_id)
    if fan_id is None:
        raise LinkNotFound(f"{platform_name} account {external_user_id} is not linked.")
    fan = reads.fan(fan_id) or fans.Fan(fan_id)
    for _ in range(get_settings().write_attempts):
        accounts = {k: v for k, v in fan.linked_accounts.items() if k != platform_name}
        token = uuid.uuid4().hex
        try:
            platform.commit_unlink(
                platform_name, external_user_id, fans.touch(fan, replace(fan, linked_accounts=accounts), now), token
            )
        except StaleFan as stale:
            if not stale.written_by(token):
                fan = stale.current or fans.Fan(fan_id)
                continue
        except LinkChanged:
            raise LinkNotFound(f"{platform_name} account {external_user_id} is not linked to {fan_id}.") from None
        identity_cache.forget_link(platform_name, external_user_id)
        return fan_id
    raise Unavailable("Too many concurrent changes to this fan; retry shortly.")
