"""What a process may assume about links and authors without reading them."""

from __future__ import annotations

import pytest

from chalicelib.services import identity_cache


@pytest.fixture(autouse=True)
def empty_cache():
    identity_cache.clear()
    yield
    identity_cache.clear()


def test_unknown_content_is_not_known():
    assert identity_cache.author("tiktok", "c1") == (False, None)


def test_no_author_is_remembered_only_for_a_while(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(identity_cache.time, "monotonic", lambda: now[0])
    identity_cache.remember_author("tiktok", "c1", None)
    assert identity_cache.author("tiktok", "c1") == (True, None)
    now[0] += identity_cache.NO_AUTHOR_SECONDS + 1
    assert identity_cache.author("tiktok", "c1") == (False, None)


def test_a_publication_replaces_a_remembered_absence_and_sticks(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(identity_cache.time, "monotonic", lambda: now[0])
    identity_cache.remember_author("tiktok", "c1", None)
    identity_cache.remember_author("tiktok", "c1", "tt-author")
    now[0] += identity_cache.NO_AUTHOR_SECONDS * 10
    assert identity_cache.author("tiktok", "c1") == (True, "tt-author")
    assert identity_cache.author("youtube", "c1") == (False, None)


def test_links_are_kept_only_while_they_exist():
    identity_cache.remember_link("tiktok", "u1", "fan-1")
    assert identity_cache.linked_fan("tiktok", "u1") == "fan-1"
    identity_cache.remember_link("tiktok", "u1", None)
    assert identity_cache.linked_fan("tiktok", "u1") is None
