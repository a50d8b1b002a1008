"""Reads of periods long past, remembered per process: what no longer changes is read once, not at every scan."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Settled(Generic[K, V]):
    """An LRU of settled reads; an unsettled one is read every time and not kept."""

    def __init__(self, maxsize: int) -> None:
        self._lock = threading.Lock()
        self._kept: LRUCache[K, V] = LRUCache(maxsize=maxsize)

    def read(self, key: K, settled: bool, read: Callable[[], V]) -> V:
        if settled:
            with self._lock:
                found = self._kept.get(key)
            if found is not None:
                return found
        value = read()
        if settled:
            with self._lock:
                self._kept[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
