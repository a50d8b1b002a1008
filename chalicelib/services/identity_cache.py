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

from cachetools import LRUCache, TTLCache

LIMIT = 50_000
NO_AUTHOR_SECONDS = 60.0
Key = tuple[str, str]  # (platform, id): a tuple, so no id can run into another's key

_lock = threading.Lock()
_links: LRUCache[Key, str] = LRUCache(maxsize=LIMIT)
_authors: LRUCache[Key, str] = LRUCache(maxsize=LIMIT)
_no_author: TTLCache[Key, bool] = TTLCache(maxsize=LIMIT, ttl=NO_AUTHOR_SECONDS, timer=lambda: time.monotonic())


def linked_fan(platform: str, external_user_id: str) -> str | None:
    with _lock:
        return _links.get((platform, external_user_id))


def remember_link(platform: str, external_user_id: str, fan_id: str | None) -> None:
    if fan_id is None:
        forget_link(platform, external_user_id)
        return
    with _lock:
        _links[(platform, external_user_id)] = fan_id


def forget_link(platform: str, external_user_id: str) -> None:
    with _lock:
        _links.pop((platform, external_user_id), None)


def author(platform: str, content_id: str) -> tuple[bool, str | None]:
    """(known, author): whether the cache can answer, and the author's platform user id if any."""
    key = (platform, content_id)
    with _lock:
        found = _authors.get(key)
        if found is not None:
            return True, found
        return key in _no_author, None


def remember_author(platform: str, content_id: str, external_user_id: str | None) -> None:
    key = (platform, content_id)
    with _lock:
        if external_user_id is None:
            _no_author[key] = True
            return
        _no_author.pop(key, None)
        _authors[key] = external_user_id


def clear() -> None:
    with _lock:
        _links.clear()
        _authors.clear()
        _no_author.clear()
