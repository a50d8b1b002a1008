"""Storage keys built from ids that platforms choose, so that no two distinct ids ever share a key.

Each part is written with its length in front (`<len>:<part>`), which makes the encoding
injective whatever characters the parts contain (`#`, `:`, digits). A key longer than DynamoDB
allows (2,048 bytes for a partition key, 1,024 for a sort key; only ids of 256 mostly non-ASCII
characters come near) is stored as the SHA-256 of its encoding instead.
"""

from __future__ import annotations

PARTITION_KEY_BYTES = 2048
SORT_KEY_BYTES = 1024


def compose(*parts: str, limit: int = PARTITION_KEY_BYTES) -> str:
    encoded = "".join(f"{len(part)}:{part}" for part in parts)
    if len(encoded.encode("utf-8")) <= limit:
        return encoded
    import hashlib  # rare: only ids far beyond ASCII lengths get here, so cold starts skip its import

    return "sha256:" + hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def delivery(platform: str, webhook_id: str) -> str:
    return compose(platform, webhook_id)


def link(platform: str, external_user_id: str) -> str:
    return compose(platform, external_user_id)


def content(platform: str, content_id: str) -> str:
    return compose(platform, content_id)


def engagement(platform: str, content_id: str, external_user_id: str, kind: str) -> str:
    return compose(platform, content_id, external_user_id, kind)


def stats_shard(platform: str, content_id: str, shard: int) -> str:
    return compose(platform, content_id, f"{shard:02d}")


STATS_USER_PREFIX = "u/"


def stats_user(external_user_id: str) -> str:
    return STATS_USER_PREFIX + compose(external_user_id, limit=SORT_KEY_BYTES - len(STATS_USER_PREFIX))
