"""Names of the items in our transactions, shared by the writers and the conflict decoder."""

from __future__ import annotations

FAN = "fan"
LEDGER = "ledger"
IDEMPOTENCY = "idempotency"
REWARD = "reward"
REDEMPTION = "redemption"
DELIVERY = "delivery"
LINK = "link"
LINK_GUARD = "link_guard"
UNLINK = "unlink"
CONTENT = "content"
ENGAGEMENT = "engagement"
STATS = "stats"
JOB_LOCK = "job_lock"
JOB_RUN = "job_run"
JOB_SEGMENT = "job_segment"
