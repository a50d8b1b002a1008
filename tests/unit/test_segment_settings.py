"""SCORE_RULES, LIFECYCLE_RULES and TIER_RULES: overrides take effect, and a bad value stops start-up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.settings import SettingsError, load_settings


def test_defaults_are_the_documented_ones() -> None:
    settings = load_settings({})
    assert settings.tier_rules.entry_shares == (0.05, 0.25, 0.55)
    assert settings.tier_rules.exit_shares == (0.075, 0.30, 0.60)
    assert settings.tier_rules.warning_days == 7
    assert settings.score_rules.weights["shared"] == 5
    assert settings.lifecycle_rules.churned_after == timedelta(days=30)


def test_tier_rules_override_keeps_unnamed_defaults() -> None:
    rules = load_settings({"TIER_RULES": '{"exit_shares": [0.1, 0.35, 0.7], "warning_days": 5}'}).tier_rules
    assert rules.exit_shares == (0.1, 0.35, 0.7)
    assert rules.entry_shares == (0.05, 0.25, 0.55)
    assert rules.warning_days == 5


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"entry_shares": [0.05, 0.25]}',
        '{"entry_shares": [0.3, 0.25, 0.55]}',
        '{"exit_shares": [0.04, 0.3, 0.6]}',
        '{"warning_days": 40}',
        '{"warning_day": 7}',
        '{"entry_shares": ["a", "b", "c"]}',
        "[1, 2, 3]",
    ],
)
def test_bad_tier_rules_refuse_to_start(raw: str) -> None:
    with pytest.raises(SettingsError, match="TIER_RULES"):
        load_settings({"TIER_RULES": raw})


def test_score_and_lifecycle_overrides() -> None:
    settings = load_settings(
        {
            "SCORE_RULES": '{"weights": {"shared": 8}, "half_life_days": 21}',
            "LIFECYCLE_RULES": '{"participation_days": 5, "churned_after_days": 45}',
        }
    )
    assert settings.score_rules.weights["shared"] == 8
    assert settings.score_rules.weights["liked"] == 1
    assert settings.score_rules.half_life == timedelta(days=21)
    assert settings.lifecycle_rules.participation_days == 5
    assert settings.lifecycle_rules.churned_after == timedelta(days=45)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("SCORE_RULES", '{"weights": {"shared": "lots"}}'),
        ("SCORE_RULES", "{"),
        ("LIFECYCLE_RULES", '{"at_risk_after_days": 40, "churned_after_days": 30}'),
        ("LIFECYCLE_RULES", '{"no_such_threshold": 3}'),
    ],
)
def test_bad_score_or_lifecycle_rules_refuse_to_start(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: raw})
