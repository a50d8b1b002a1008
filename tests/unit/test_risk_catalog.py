"""The rule catalog agrees with the rule modules and with the runbooks in docs/operations.md."""

import json
import re
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

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
from chalicelib.domain.risk.catalog import RULES, RiskRules
from chalicelib.domain.risk.observation import CATEGORIES

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def anchors(markdown):
    """GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces to '-'."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE):
        found.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return found


def test_every_runbook_anchor_is_a_heading_of_operations_md():
    present = anchors(OPERATIONS.read_text())
    assert "risk-rules" in present
    for info in RULES.values():
        page, _, anchor = info.runbook.partition("#")
        assert page == "operations.md"
        assert anchor in present, info.rule


def test_every_rule_is_documented_under_risk_rules_with_its_config():
    section = OPERATIONS.read_text().split("## Risk rules", 1)[1]
    for rule in RULES:
        assert f"`{rule}`" in section


def test_the_catalog_has_one_config_per_rule_named_after_it():
    assert {item.name for item in fields(RiskRules)} == set(RULES)
    assert all(info.category in CATEGORIES for info in RULES.values())
    assert {rule for rule, info in RULES.items() if info.held_by_technical} == {"kpi_drop", "churn_spike"}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_timing_by_rule_name(rule):
    timing = RiskRules().timing(rule)
    assert timing.pending <= timedelta(minutes=5)  # real-time kinds must alert within 5 minutes
    assert set(timing.repeat) == {"warning", "activate", "escalate"}


def test_timing_of_an_unknown_rule_is_refused():
    with pytest.raises(KeyError):
        RiskRules().timing("made_up")


def quiet_observations():
    now = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
    rules = RiskRules()
    yield from points_farming.evaluate(points_farming.PointsFarmingInput(now.date(), []), rules.points_farming)
    yield from checkin_rings.evaluate(checkin_rings.CheckinRingInput(now, []), rules.checkin_rings)
    yield from redemption_farming.evaluate(
        redemption_farming.RedemptionFarmingInput(now, [], {"poster": 5}), rules.redemption_farming
    )
    yield from churn_spike.evaluate(churn_spike.ChurnInput(now.date(), 0, {}), rules.churn_spike)
    yield from flagged_content.evaluate(flagged_content.FlaggedContentInput(now, {}), rules.flagged_content_surge)
    yield from legal_flags.evaluate(legal_flags.LegalFlagsInput(now, []), rules.legal_flags)
    yield from kpi_drop.evaluate(kpi_drop.KpiDropInput(now, [kpi_drop.KpiWindow("dau", 10, [])]), rules.kpi_drop)
    yield from stock_out.evaluate(
        stock_out.StockOutInput(now, [stock_out.RewardStock("poster", 5, 0, 0)]), rules.stock_out
    )
    yield from webhook_signatures.evaluate(
        webhook_signatures.WebhookSignaturesInput(now, {"tube": {}}), rules.webhook_signatures
    )


def test_every_rule_observes_under_its_catalog_identity():
    seen = list(quiet_observations())
    assert {observation.rule for observation in seen} == set(RULES)
    for observation in seen:
        info = RULES[observation.rule]
        assert (observation.category, observation.runbook) == (info.category, info.runbook)
        assert observation.level is None and observation.title and observation.summary
        json.dumps(observation.evidence)
