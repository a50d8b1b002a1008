"""What one evaluation of a rule found for one scope: the alert lifecycle's only input from a rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Level = Literal["warning", "activate", "escalate"]
LEVELS: tuple[Level, ...] = get_args(Level)
Category = Literal["user", "content", "compliance", "technical", "operations"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
EVIDENCE_ITEMS = 20  # per-fan (per-item) evidence is the top N plus a count of all


@dataclass(frozen=True)
class Observation:
    """`level` None means the condition is clear for this scope; `evidence` is JSON-able.

    `runbook` is an anchor in the docs (`operations.md#points-farming`). The alert's identity is
    `dedup_key`: stable across evaluations, so it never holds a time or a count.
    """

    rule: str
    category: Category
    scope: str
    level: Level | None
    title: str
    summary: str
    runbook: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        return f"{self.category}:{self.rule}:{self.scope}"

    @property
    def firing(self) -> bool:
        return self.level is not None


def top(items: Sequence[Any], limit: int = EVIDENCE_ITEMS) -> dict[str, Any]:
    """Bounded evidence: the first `limit` items (callers sort them, worst first) and how many there were."""
    return {"items": list(items[:limit]), "count": len(items)}
