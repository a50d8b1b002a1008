"""One thing a fan, a platform or a campaign does at an instant: what the traffic model and the incidents emit.

The simulator (`backtest.drive`) turns each action into the request the app would receive:
a fan route with a bearer token, or a signed platform webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ActionKind = Literal["link", "checkin", "engage", "publish", "redeem", "flag", "bad_signature", "adjust"]
EngagementKind = Literal["liked", "commented", "shared", "viewed"]
BASELINE = "baseline"


@dataclass(frozen=True)
class Action:
    """`source` is `baseline` or the incident id that injected it (so a report can tell them apart)."""

    at: datetime
    kind: ActionKind
    fan: str = ""
    account: str = ""
    content: str = ""
    engagement: EngagementKind = "liked"
    completion: float | None = None
    reward: str = ""
    reason: str = ""
    severity: Literal["low", "medium", "high"] = "low"
    points: int = 0
    source: str = BASELINE
