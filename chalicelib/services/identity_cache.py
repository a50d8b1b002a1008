"""Per-process memory of platform links and content authors, so attributed events skip their reads.

Only positive facts are kept. A cached link is re-checked inside every award transaction (a
condition check on the link item), so an operator's unlink cannot be outrun by a stale cache; an
author never changes once published.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

_lock = threading.Lock()
_LIMIT = 50_000
_links: OrderedDict[str, str] = OrderedDict()
_authors: OrderedDict[str, str] = OrderedDict()


def _get(store: OrderedDict[str, str], key: str) -> str | None:
    with _lock:
        value = store.get(key)
        if value is not None:
            store.move_to_end(key)
        return value


def _put(store: OrderedDict[str, str], key: str, value: str) -> None:
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


def author(platform: str, content_id: str) -> str | None:
    return _get(_authors, f"{platform}#{content_id}")


def remember_author(platform: str, content_id: str, external_user_id: str | None) -> None:
    if external_user_id is not None:
        _put(_authors, f"{platform}#{content_id}", external_user_id)


def clear() -> None:
    with _lock:
        _links.clear()
        _authors.clear()
