"""Platform accounts linked to fans: `account.linked` deliveries and operators' unlinks."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import DomainError
from chalicelib.domain.platform_events import AccountLinked
from chalicelib.observability import count
from chalicelib.persistence import links
from chalicelib.persistence.conflicts import LinkChanged, OldLinkGone
from chalicelib.services import fan_update, identity_cache
from chalicelib.services.deliveries import Delivery, Result, attempts, new_write


class LinkConflict(DomainError):
    code, status, title = "link_conflict", 409, "Account already linked to another fan"


class LinkNotFound(DomainError):
    code, status, title = "link_not_found", 404, "No such linked account"


def link(delivery: Delivery, data: AccountLinked, now: datetime) -> Result:
    """The platform vouches that this account is this fan's. Moving it to another fan needs an operator."""
    platform = delivery.platform

    def decide(fan: fans.Fan) -> fan_update.Decision[str | None]:
        """Always a versioned write, even when already linked: "nothing to change" is then confirmed, not guessed."""
        previous = fan.linked_accounts.get(platform)
        if previous == data.external_user_id:
            return fan_update.Decision(previous, fans.touch(fan, fan, now))
        return fan_update.Decision(previous, fans.touch(fan, fan.with_account(platform, data.external_user_id), now))

    def commit(decision: fan_update.Decision[str | None], token: str) -> None:
        write = new_write(delivery, now)
        write.link(data.external_user_id, data.fan_id)
        if decision.result is not None and decision.result != data.external_user_id:
            write.unlink(decision.result, data.fan_id)
        if decision.change is not None:
            write.fan(decision.change, token)
        try:
            write.commit()
        except OldLinkGone:
            raise fan_update.Reread() from None

    def step() -> Result:
        try:
            previous = fan_update.update(data.fan_id, decide, commit)
        except LinkChanged:
            raise LinkConflict(
                f"{platform} account {data.external_user_id} is linked to another fan; "
                "an operator must unlink it first."
            ) from None
        identity_cache.remember_link(platform, data.external_user_id, data.fan_id)
        if previous and previous != data.external_user_id:
            identity_cache.forget_link(platform, previous)
        count("AccountsLinked")
        return "accepted"

    return attempts(step)


def unlink(platform: str, external_user_id: str, now: datetime) -> str:
    """An operator's unlink, after which the account may be linked to another fan. Returns the fan id."""
    fan_id = links.linked_fan(platform, external_user_id)
    if fan_id is None:
        raise LinkNotFound(f"{platform} account {external_user_id} is not linked.")

    def decide(fan: fans.Fan) -> fan_update.Decision[None]:
        linked = fan.linked_accounts.get(platform) == external_user_id
        after = fan.with_account(platform, None) if linked else fan
        return fan_update.Decision(None, fans.touch(fan, after, now))

    def commit(decision: fan_update.Decision[None], token: str) -> None:
        if decision.change is not None:
            links.commit_unlink(platform, external_user_id, decision.change, token)

    try:
        fan_update.update(fan_id, decide, commit)
    except LinkChanged:
        raise LinkNotFound(f"{platform} account {external_user_id} is not linked to {fan_id}.") from None
    identity_cache.forget_link(platform, external_user_id)
    return fan_id
