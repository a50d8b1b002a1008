"""Actions into requests: fan routes with bearer tokens and platform webhooks signed at the simulated now.

Everything goes through chalice's test client (`bench.driver.Driver`), so the authorizer, middleware,
validation and handlers are the deployed ones; the simulator never writes a table itself.
"""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

from backtest.actions import Action
from bench.driver import Driver

FORGED_SIGNATURE = "v1," + base64.b64encode(b"forged by the backtest, 32 bytes!").decode()


class Sender:
    """Sends actions; `statuses` counts (action kind, HTTP status) for the run's summary."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.statuses: Counter[tuple[str, int]] = Counter()
        self._keys = 0

    def send(self, action: Action) -> int:
        response = self._request(action)
        status = int(response.status_code)
        self.statuses[action.kind, status] += 1
        return status

    def put_reward(self, reward_id: str, cost: int, stock: int) -> None:
        response = self.driver.put_reward(reward_id, cost=cost, stock_remaining=stock)
        if response.status_code >= 300:
            raise RuntimeError(f"reward {reward_id} refused: {response.status_code} {response.body!r}")

    def _key(self, action: Action) -> str:
        self._keys += 1
        return f"backtest-{action.kind}-{self._keys:08d}"

    def _request(self, action: Action) -> Any:
        d, now = self.driver, self.driver.now_iso()
        if action.kind == "checkin":
            return d.call("POST", "/v1/checkins", who=action.fan)
        if action.kind == "redeem":
            body = {"reward_id": action.reward, "quantity": 1}
            return d.call("POST", "/v1/redemptions", who=action.fan, body=body, key=self._key(action))
        if action.kind == "adjust":
            body = {"delta": action.points, "reason": "campaign credit"}
            path = f"/v1/admin/fans/{action.fan}/adjustments"
            return d.call("POST", path, who="ops", admin=True, body=body, key=self._key(action))
        if action.kind == "link":
            return d.deliver("account.linked", {"external_user_id": action.account, "fan_id": action.fan})
        if action.kind == "publish":
            published = {"content_id": action.content, "external_user_id": action.account, "published_at": now}
            return d.deliver("content.published", published)
        if action.kind == "flag":
            flagged = {"content_id": action.content, "reason": action.reason, "severity": action.severity}
            return d.deliver("content.flagged", flagged)
        data: dict[str, object] = {"content_id": action.content, "external_user_id": action.account, "occurred_at": now}
        if action.completion is not None:
            data["completion"] = action.completion
        if action.kind == "bad_signature":
            prepared = d.prepare(f"engagement.{action.engagement}", data)
            prepared.headers["webhook-signature"] = FORGED_SIGNATURE
            return d.send(prepared)
        return d.deliver(f"engagement.{action.engagement}", data)
