"""Per-process memory of platform links and content authors, so attributed events skip their reads.

Links are kept only when they exist: a cached link is re-checked inside every award transaction
(a condition check on the link item), so an operator's unlink cannot be outrun by a stale cache,
while forgetting that a user is unlinked would cost points right after they link. An author never
changes once published. Most engagement is on content nobody published through us (the artist's
own posts), so "no author" is remembered too, for NO_AUTHOR_SECONDS only: a publication delivered
late can then be missed for that long, which at worst lets its author's own early likes count.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TypeVar

V = TypeVar("V")
_lock = threading.Lock()
_LIMIT = 50_000
NO_AUTHOR_SECONDS = 60.0
_links: OrderedDict[str, str] = OrderedDict()
_authors: OrderedDict[str, str] = OrderedDict()
_no_author_until: OrderedDict[str, float] = OrderedDict()


def _get(store: OrderedDict[str, str], key: str) -> str | None:
    with _lock:
        value = store.get(key)
        if value is not None:
            store.move_to_end(key)
        return value


def _put(store: OrderedDict[str, V], key: str, value: V) -> None:
    with _lock:
        store[key] = value
        store.move_to_end(key)
        while len(store) > _LIMIT:
            store.popitem(last=False)


def linked_fan(platform: str, external_user_id: str) -> str | None:
    return _get(_links, f"{platform}#{external_user_id}")


def remember_link(platform: str, external_user_id: str, fan_id: str | None) -> None:
    if fan_id is None:
        forget_link(platform, external_user_id)
    else:
        _put(_links, f"{platform}#{external_user_id}", fan_id)


def forget_link(platform: str, external_user_id: str) -> None:
    with _lock:
        _links.pop(f"{platform}#{external_user_id}", None)


def author(platform: str, content_id: str) -> tuple[bool, str | None]:
    """(known, author): whether the cache can answer, and the author's platform user id if any."""
    key = f"{platform}#{content_id}"
    found = _get(_authors, key)
    if found is not None:
        return True, found
    with _lock:
        until = _no_author_until.get(key)
    return (until is not None and time.monotonic() < until), None


def remember_author(platform: str, content_id: str, external_user_id: str | None) -> None:
    key = f"{platform}#{content_id}"
    if external_user_id is None:
        _put(_no_author_until, key, time.monotonic() + NO_AUTHOR_SECONDS)
        return
    with _lock:
        _no_author_until.pop(key, None)
    _put(_authors, key, external_user_id)


def clear() -> None:
    with _lock:
        _links.clear()
        _authors.clear()
        _no_author_until.clear()
