"""Every per-process cache in one place, so "a new Lambda container" means the same thing everywhere."""

from __future__ import annotations

from chalicelib.services import catalogue, fan_cache, identity_cache


def clear_all() -> None:
    """Forget what this process remembers (fans, rewards, links and authors); storage is untouched."""
    fan_cache.clear()
    catalogue.clear()
    identity_cache.clear()
