"""Every risk rule in one place: its name, category, runbook anchor and default configuration.

`RiskRules` is the typed configuration the settings fill in (each field defaults to the rule's
defaults); the alert lifecycle reads a rule's `Timing` from it by name, and `RULES` says which
rules a technical alert holds back (their drop is likely its symptom).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain.alerts.model import Category
from chalicelib.domain.risk import (
    checkin_rings,
    churn_spike,
    flagged_content,
    kpi_drop,
    legal_flags,
    points_farming,
    redemption_farming,
    stock_out,
    webhook_signatures,
)
from chalicelib.domain.risk.levels import Timing


@dataclass(frozen=True)
class RuleInfo:
    rule: str
    category: Category
    runbook: str
    held_by_technical: bool = False


RULES: dict[str, RuleInfo] = {
    info.rule: info
    for info in (
        RuleInfo(points_farming.RULE, points_farming.CATEGORY, points_farming.RUNBOOK),
        RuleInfo(checkin_rings.RULE, checkin_rings.CATEGORY, checkin_rings.RUNBOOK),
        RuleInfo(redemption_farming.RULE, redemption_farming.CATEGORY, redemption_farming.RUNBOOK),
        RuleInfo(churn_spike.RULE, churn_spike.CATEGORY, churn_spike.RUNBOOK, held_by_technical=True),
        RuleInfo(flagged_content.RULE, flagged_content.CATEGORY, flagged_content.RUNBOOK),
        RuleInfo(legal_flags.RULE, legal_flags.CATEGORY, legal_flags.RUNBOOK),
        RuleInfo(kpi_drop.RULE, kpi_drop.CATEGORY, kpi_drop.RUNBOOK, held_by_technical=True),
        RuleInfo(stock_out.RULE, stock_out.CATEGORY, stock_out.RUNBOOK),
        RuleInfo(webhook_signatures.RULE, webhook_signatures.CATEGORY, webhook_signatures.RUNBOOK),
    )
}


@dataclass(frozen=True)
class RiskRules:
    points_farming: points_farming.PointsFarmingConfig = field(default_factory=points_farming.PointsFarmingConfig)
    checkin_rings: checkin_rings.CheckinRingConfig = field(default_factory=checkin_rings.CheckinRingConfig)
    redemption_farming: redemption_farming.RedemptionFarmingConfig = field(
        default_factory=redemption_farming.RedemptionFarmingConfig
    )
    churn_spike: churn_spike.ChurnSpikeConfig = field(default_factory=churn_spike.ChurnSpikeConfig)
    flagged_content_surge: flagged_content.FlaggedContentConfig = field(
        default_factory=flagged_content.FlaggedContentConfig
    )
    legal_flags: legal_flags.LegalFlagsConfig = field(default_factory=legal_flags.LegalFlagsConfig)
    kpi_drop: kpi_drop.KpiDropConfig = field(default_factory=kpi_drop.KpiDropConfig)
    stock_out: stock_out.StockOutConfig = field(default_factory=stock_out.StockOutConfig)
    webhook_signatures: webhook_signatures.WebhookSignaturesConfig = field(
        default_factory=webhook_signatures.WebhookSignaturesConfig
    )

    def timing(self, rule: str) -> Timing:
        """The lifecycle timing of a rule by its name (a field of this class is named after each rule)."""
        if rule not in RULES:
            raise KeyError(f"unknown risk rule {rule!r}")
        timing: Timing = getattr(self, rule).timing
        return timing
