"""Driving the app in-process: chalice's test client, bearer tokens, signed webhooks and a settable clock."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from tools import testclient


class SettableClock(Protocol):
    now: datetime


class Clock:
    """What `chalicelib.clock.now` answers while installed; move `now` to cross days."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    from chalicelib import clock as clock_module

    original = clock_module.now
    clock_module.now = clock
    try:
        yield clock
    finally:
        clock_module.now = original


@dataclass(frozen=True)
class Prepared:
    """A signed webhook delivery, ready to send (signing is the platform's work, not ours)."""

    path: str
    headers: dict[str, str]
    body: bytes


class Driver:
    """JSON calls and webhook deliveries through `chalice.test.Client`, as API Gateway would send them."""

    def __init__(self, client: Any, clock: SettableClock, platform: str = "tiktok") -> None:
        from chalicelib.settings import get_settings

        self.client, self.clock, self.platform = client, clock, platform
        self.secret = get_settings().webhook_secrets[platform][0]
        self._keys = Path(os.environ["DEV_JWT_PUBLIC_KEY"]).parent
        self._tokens: dict[tuple[str, bool], str] = {}
        self._sequence = 0

    def token(self, subject: str, admin: bool = False) -> str:
        from tools import devtokens

        if (subject, admin) not in self._tokens:
            self._tokens[subject, admin] = devtokens.mint(subject, admin, 24 * 3600, directory=self._keys)
        return self._tokens[subject, admin]

    def call(
        self,
        method: str,
        path: str,
        who: str | None = None,
        admin: bool = False,
        body: Any = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        bearer = self.token(who, admin) if who is not None else None
        return testclient.request(self.client, method, path, bearer, body, key, headers)

    def put_reward(self, reward_id: str, **definition: Any) -> Any:
        return self.call("PUT", f"/v1/admin/rewards/{reward_id}", "ops", True, {"name": reward_id, **definition})

    def webhook_id(self) -> str:
        self._sequence += 1
        return f"msg_bench_{self._sequence:08d}"

    def prepare(self, event_type: str, data: dict[str, Any], webhook_id: str | None = None) -> Prepared:
        """A delivery signed now (Standard Webhooks: `v1,<base64 HMAC>` over `id.timestamp.body`)."""
        from standardwebhooks.webhooks import Webhook

        body = json.dumps({"type": event_type, "data": data}).encode()
        msg_id = webhook_id or self.webhook_id()
        when = self.clock.now
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(self.secret).sign(msg_id, when, body.decode()),
        }
        return Prepared(f"/v1/webhooks/{self.platform}", headers, body)

    def send(self, delivery: Prepared) -> Any:
        return self.client.http.request("POST", delivery.path, headers=delivery.headers, body=delivery.body)

    def deliver(self, event_type: str, data: dict[str, Any], webhook_id: str | None = None) -> Any:
        return self.send(self.prepare(event_type, data, webhook_id))

    def like(self, external_user_id: str, content_id: str) -> Prepared:
        data = {"content_id": content_id, "external_user_id": external_user_id, "occurred_at": self.now_iso()}
        return self.prepare("engagement.liked", data)

    def now_iso(self) -> str:
        return self.clock.now.isoformat()


def status_of(response: Any) -> tuple[int, str | None]:
    """The HTTP status and, for problem details, the stable `code`."""
    code = None
    if response.status_code >= 400:
        try:
            code = json.loads(response.body).get("code")
        except (ValueError, AttributeError):
            code = None
    return int(response.status_code), code
