"""Legal flags (compliance): content a platform flagged for a legal reason, at its severity.

Any one such flag is an alert: copyright, privacy or defamation claims have deadlines. The
reason is free text from the platform, so it is matched by words: a flag is legal when any word
of its reason (split on anything but letters and digits, lower-cased) is in `legal_reasons`.
The level follows the most severe legal flag in the look-back (`severity_levels`). All legal
flags make one observation listing the items, so a wave of claims is one alert, not fifty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.alerts.evidence import top
from chalicelib.domain.alerts.model import LEVELS, Category, Level, Observation
from chalicelib.domain.risk.flagged_content import SEVERITIES, ContentFlag, Severity
from chalicelib.domain.risk.levels import Timing

RULE = "legal_flags"
CATEGORY: Category = "compliance"
RUNBOOK = "operations.md#legal-flags"
SCOPE = "community"
_WORD = re.compile(r"[a-z0-9]+")
LEGAL_REASONS = frozenset(
    {
        "legal", "law", "copyright", "dmca", "trademark", "privacy", "gdpr", "defamation", "libel",
        "illegal", "court", "subpoena", "takedown", "csam", "terrorism",
    }
)  # fmt: skip


def _severity_levels() -> dict[Severity, Level]:
    return {"low": "warning", "medium": "activate", "high": "escalate"}


def _repeats() -> dict[Level, timedelta]:
    return {"warning": timedelta(hours=4), "activate": timedelta(hours=1), "escalate": timedelta(minutes=30)}


@dataclass(frozen=True)
class LegalFlagsInput:
    """The content flags received in (at least) the look-back."""

    now: datetime
    flags: Sequence[ContentFlag]


@dataclass(frozen=True)
class LegalFlagsConfig:
    legal_reasons: frozenset[str] = LEGAL_REASONS
    lookback: timedelta = timedelta(hours=24)
    severity_levels: Mapping[Severity, Level] = field(default_factory=_severity_levels)
    timing: Timing = field(default_factory=lambda: Timing(clear_after=timedelta(0), repeat=_repeats()))

    def __post_init__(self) -> None:
        if set(self.severity_levels) != set(SEVERITIES):
            raise ValueError("severity_levels maps every severity (low, medium, high) to a level")


def is_legal(reason: str, legal_reasons: frozenset[str]) -> bool:
    return any(word in legal_reasons for word in _WORD.findall(reason.lower()))


def evaluate(signal: LegalFlagsInput, config: LegalFlagsConfig) -> list[Observation]:
    legal = [
        flag
        for flag in signal.flags
        if signal.now - config.lookback <= flag.at <= signal.now and is_legal(flag.reason, config.legal_reasons)
    ]
    legal.sort(key=lambda f: (SEVERITIES.index(f.severity), f.at), reverse=True)
    levels = [config.severity_levels[flag.severity] for flag in legal]
    level = max(levels, key=LEVELS.index) if levels else None
    items = [
        {
            "platform": f.platform,
            "content_id": f.content_id,
            "reason": f.reason,
            "severity": f.severity,
            "flagged_at": f.at.isoformat(),
        }
        for f in legal
    ]
    hours = int(config.lookback / timedelta(hours=1))
    summary = (
        f"{len(legal)} content items flagged for legal reasons in {hours} h, the worst {legal[0].severity}:"
        f" {legal[0].platform} {legal[0].content_id} ({legal[0].reason})."
        if legal
        else f"No content flagged for legal reasons in {hours} h."
    )
    evidence = {"lookback_hours": hours, "flags": top(items)}
    return [
        Observation(
            RULE,
            CATEGORY,
            SCOPE,
            level,
            title="Content flagged for legal reasons",
            summary=summary,
            evidence=evidence,
            runbook=RUNBOOK,
        )
    ]
