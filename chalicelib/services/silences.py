"""Silences: operators mute matching alerts until a time; evaluations still record what they decide."""

from __future__ import annotations

import uuid
from datetime import datetime

from chalicelib.domain.alerts.model import Category, Silence
from chalicelib.domain.errors import SilenceNotFound
from chalicelib.persistence import silences
from chalicelib.services import idempotent
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render


def create(
    category: Category | None,
    rule: str | None,
    ends_at: datetime,
    reason: str,
    by: str,
    request: IdempotentRequest,
    render: Render[Silence],
    now: datetime,
) -> Outcome:
    def operation() -> Outcome:
        silence = Silence("sil_" + uuid.uuid4().hex, category, rule, ends_at, reason, by, now)
        status, body = render(silence)
        silences.create(silence, request.record(status, body, now), now)
        return Outcome(status, body)

    return idempotent.run(request, now, operation, look_first=False)


def active(now: datetime) -> list[Silence]:
    """Silences still muting, soonest to end first (ended ones are left for TTL to reclaim)."""
    return sorted((s for s in silences.everything() if s.active(now)), key=lambda s: (s.ends_at, s.silence_id))


def delete(silence_id: str) -> Silence:
    """End a silence now; the silence as it was. A second delete finds nothing (404)."""
    found = silences.get(silence_id)
    if found is None or not silences.delete(silence_id):
        raise SilenceNotFound(f"No silence {silence_id}.")
    return found
