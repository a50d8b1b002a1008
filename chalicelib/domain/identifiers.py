"""Identifier limits, checked before any storage call (API.md, "Identifiers").

Our own ids (fan, reward, redemption, alert) are 1-128 characters from a safe set that needs no
escaping anywhere: ASCII letters and digits first, then also `_ . : @ + -`. Ids that platforms
choose (content, platform user, webhook-id) are 1-256 characters of any kind but control
characters; storage encodes them (persistence/keys.py), so `#` or `/` in one is just a character.
"""

from __future__ import annotations

import re

OWN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,127}$"
PLATFORM_ID_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]{1,256}$"
OWN_ID_RULE = "1-128 characters: ASCII letters and digits, then also '_', '.', ':', '@', '+' or '-'"
PLATFORM_ID_RULE = "1-256 characters, no control characters"
_OWN = re.compile(OWN_ID_PATTERN)
_PLATFORM = re.compile(PLATFORM_ID_PATTERN)


def is_own_id(value: str) -> bool:
    return _OWN.fullmatch(value) is not None


def is_platform_id(value: str) -> bool:
    return _PLATFORM.fullmatch(value) is not None
