"""One community day's KPIs (API.md, "KPIs"), from that day's flows and population; and a period's.

Every ratio keeps its numerator and denominator (`Ratio`), so weeks and months are pooled from
the daily snapshots rather than averaged. Definitions, with the reasons behind each choice, are
in docs/kpis.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from chalicelib.domain import activity as activities
from chalicelib.domain.kpis.flows import DayFlows
from chalicelib.domain.kpis.population import Population
from chalicelib.domain.kpis.ratio import Ratio, pooled

EARNING_KINDS = ("checkin", "engagement", "referral", "adjustment")


@dataclass(frozen=True)
class KpiSnapshot:
    day: date
    fans_total: int
    new_fans: int
    dau: int
    wau: int
    mau: int
    stickiness: Ratio
    active_fan_ratio: Ratio
    interactions: int
    interactions_by_kind: Mapping[str, int]
    interaction_rate: Ratio
    interaction_depth: Ratio
    retention_d1: Ratio
    retention_d7: Ratio
    retention_d28: Ratio
    monthly_retention: Ratio
    redemption_conversion: Ratio
    content_interaction_rate: Ratio
    view_completion: Ratio
    points_earned: int
    points_spent: int
    points_expired: int
    points_refunded: int
    points_reversed: int
    points_outstanding: int
    tiers: Mapping[str, int]
    lifecycle: Mapping[str, int]
    growth_quick_ratio: Ratio
    partial_fans: int

    def to_dict(self) -> dict[str, Any]:
        """The API's snapshot: ratios as `{"value", "numerator", "denominator"}`, interactions with their kinds."""
        body: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Ratio):
                body[item.name] = value.to_dict()
            elif isinstance(value, date):
                body[item.name] = value.isoformat()
            elif isinstance(value, Mapping):
                body[item.name] = dict(value)
            else:
                body[item.name] = value
        body["interactions"] = {"total": body["interactions"], "by_kind": body.pop("interactions_by_kind")}
        return body


RATIOS = tuple(item.name for item in fields(KpiSnapshot) if item.type == "Ratio")


def snapshot(day: date, flows: DayFlows, population: Population) -> KpiSnapshot:
    """The KPIs of community `day`: `flows` counted during it, `population` tallied for it."""
    by_kind: dict[str, int] = {kind: flows.interactions.get(kind, 0) for kind in sorted(activities.CORE_KINDS)}
    interactions = sum(by_kind.values())
    content = flows.content
    credited = sum(flows.credits.values())
    debited = sum(flows.debits.values())
    refunded = flows.credits.get("refund", 0)
    spent = flows.debits.get("redemption", 0)
    expired = flows.debits.get("expiry", 0)
    p = population
    return KpiSnapshot(
        day=day,
        fans_total=p.fans_total,
        new_fans=p.new_fans,
        dau=p.dau,
        wau=p.wau,
        mau=p.mau,
        stickiness=Ratio(p.dau, p.mau),
        active_fan_ratio=Ratio(p.mau, p.fans_total),
        interactions=interactions,
        interactions_by_kind=by_kind,
        interaction_rate=Ratio(p.dau, p.fans_total - p.churned),
        interaction_depth=Ratio(interactions, p.dau),
        retention_d1=Ratio(p.retained_d1, p.cohort_d1),
        retention_d7=Ratio(p.retained_d7, p.cohort_d7),
        retention_d28=Ratio(p.retained_d28, p.cohort_d28),
        monthly_retention=Ratio(p.retained_28, p.active_previous_28),
        redemption_conversion=Ratio(p.redeemers_28, p.mau),
        content_interaction_rate=Ratio(content.likes + content.comments + content.shares, content.views),
        view_completion=Ratio(content.completion_sum, content.completion_views),
        points_earned=credited - refunded,
        points_spent=spent,
        points_expired=expired,
        points_refunded=refunded,
        points_reversed=debited - spent - expired,
        points_outstanding=p.points_outstanding,
        tiers=dict(p.tiers),
        lifecycle=dict(p.lifecycle),
        growth_quick_ratio=Ratio(p.new_fans + flows.resurrected, flows.churned),
        partial_fans=p.partial,
    )


def period(snapshots: Iterable[KpiSnapshot]) -> dict[str, Ratio]:
    """Every ratio of a period, pooled over its days (a day counts once however often it is given).

    A pooled ratio weighs each day by its denominator: a week's stickiness is the week's
    fan-days active over its fan-days in the monthly window, not the mean of seven values.
    """
    by_day = {item.day: item for item in snapshots}
    return {name: pooled(getattr(item, name) for item in by_day.values()) for name in RATIOS}


RECOMPUTE_HORIZON_DAYS = activities.HISTORY_DAYS - 1
"""How far back a snapshot can be recomputed: the activity masks reach no further (docs/kpis.md)."""


def recomputable(day: date, today: date) -> bool:
    """A community day that is over and that the fans' activity masks still reach."""
    return today - timedelta(days=RECOMPUTE_HORIZON_DAYS) <= day < today


def figures(item: KpiSnapshot) -> tuple[dict[str, int], dict[str, float]]:
    """The snapshot as metric values, named `Kpi.<field>`: (counts, ratio values). A ratio over nothing is left out.

    Bounded: tiers, stages and interaction kinds are fixed sets, so the metric names are too.
    """
    counts: dict[str, int] = {}
    ratios: dict[str, float] = {}
    for name, value in item.to_dict().items():
        if name == "interactions":
            counts["Kpi.interactions"] = value["total"]
            counts.update({f"Kpi.interactions.{kind}": n for kind, n in value["by_kind"].items()})
        elif name in ("tiers", "lifecycle"):
            counts.update({f"Kpi.{name}.{key}": n for key, n in value.items()})
        elif isinstance(value, dict):
            if value["value"] is not None:
                ratios[f"Kpi.{name}"] = value["value"]
        elif isinstance(value, int):
            counts[f"Kpi.{name}"] = value
    return counts, ratios
