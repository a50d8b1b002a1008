"""The one-key moto table the simulator-shortcut tests compare answers on."""

from __future__ import annotations

from typing import Any


def one_key_table(db: Any, key: str = "id", *, stream: bool = False, name: str = "t") -> dict[str, Any]:
    """A pay-per-request table keyed by one string attribute, with a stream of both images if asked."""
    streamed = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
    answer: dict[str, Any] = db.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **(streamed if stream else {}),
    )
    return answer
