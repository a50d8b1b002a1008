"""Every per-process cache in one place, so "a new Lambda container" means the same thing everywhere."""

from __future__ import annotations

from chalicelib.services import (
    catalogue,
    counter_history,
    fan_cache,
    flag_history,
    identity_cache,
    newcomer_history,
    quiet_alerts,
    rankings,
)


def clear_all() -> None:
    """Forget what this process remembers (fans, rewards, links, authors, cut-offs, counter, newcomer and flag
    history, quiet alert keys); storage is untouched."""
    fan_cache.clear()
    rankings.clear()
    catalogue.clear()
    identity_cache.clear()
    counter_history.clear()
    newcomer_history.clear()
    flag_history.clear()
    quiet_alerts.clear()
