"""Scenario files: the shipped ones load; a wrong one is refused with a message naming the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from backtest.scenario import ScenarioError, load, parse

SCENARIOS = Path(__file__).resolve().parents[2] / "events" / "scenarios"
GOOD: dict[str, Any] = {
    "seed": 1,
    "start": "2026-03-02",
    "days": 3,
    "time_zone": "Asia/Shanghai",
    "fans": 50,
    "rewards": [{"reward_id": "poster", "cost": 40, "stock": 3}],
    "incidents": [{"kind": "kpi_drop", "start": "2026-03-03T10:00:00+08:00", "duration_minutes": 60, "size": 0.5}],
}


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.json")), ids=lambda p: p.stem)
def test_shipped_scenarios_load(path: Path) -> None:
    spec = load(path)
    assert spec.name == path.stem and spec.days >= 1


def test_the_shipped_incident_scenario_injects_every_kind() -> None:
    from backtest.scenario import INCIDENT_KINDS

    kinds = {i.kind for i in load(SCENARIOS / "incidents.json").incidents}
    assert kinds == set(INCIDENT_KINDS)


def test_a_good_scenario_parses_with_ids_and_ends() -> None:
    spec = parse(GOOD, "good")
    [drop] = spec.incidents
    assert drop.incident_id == "01-kpi_drop"
    assert (drop.end - drop.start).total_seconds() == 3600


def with_change(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("days",), 0, "days: 0 is outside 1..366"),
        (("days",), "3", "days: expected an integer"),
        (("fans",), True, "fans: expected an integer"),
        (("time_zone",), "Mars/Olympus", "time_zone: unknown IANA time zone"),
        (("start",), "March 2nd", "start: expected a date"),
        (("seed",), KeyError, "seed: expected an integer"),
        (("rewards", 0, "reward_id"), "Big Poster", "rewards[0].reward_id"),
        (("rewards", 0, "stock"), -1, "rewards[0].stock"),
        (("incidents", 0, "kind"), "ddos", "incidents[0].kind: unknown kind 'ddos'"),
        (("incidents", 0, "size"), 1.5, "incidents[0].size: kpi_drop takes the fraction"),
        (("incidents", 0, "start"), "2026-03-03T10:00:00", "incidents[0].start: expected a time with a UTC offset"),
        (("incidents", 0, "start"), "2026-04-03T10:00:00+08:00", "outside the simulated period"),
        (("incidents", 0, "duration_minutes"), 0, "incidents[0].duration_minutes"),
        (("incidents", 0, "colour"), "red", "incidents[0]: unknown fields ['colour']"),
        (("settings",), {"WEBHOOK_SECRETS": "{}"}, "settings.WEBHOOK_SECRETS: not a setting a scenario may override"),
        (("settings",), {"LIFECYCLE_RULES": 5}, "settings.LIFECYCLE_RULES: expected a string"),
    ],
)
def test_bad_scenarios_are_refused_naming_the_field(path: tuple[Any, ...], value: Any, message: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse(with_change(path, value), "bad")
    assert message in str(refused.value)


def test_counted_sizes_must_be_whole_and_reward_kinds_need_rewards() -> None:
    ring = {"kind": "checkin_ring", "start": "2026-03-03T10:00:00+08:00", "duration_minutes": 60, "size": 2.5}
    with pytest.raises(ScenarioError, match="checkin_ring takes a whole number"):
        parse({**GOOD, "incidents": [ring]}, "bad")
    runout = {**ring, "kind": "stock_runout", "size": 10}
    with pytest.raises(ScenarioError, match="stock_runout needs at least one reward"):
        parse({**GOOD, "rewards": [], "incidents": [runout]}, "bad")
    with pytest.raises(ScenarioError, match="'nope' is not one of the scenario's rewards"):
        parse({**GOOD, "incidents": [{**runout, "reward_id": "nope"}]}, "bad")


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.json: not JSON"):
        load(broken)
    with pytest.raises(ScenarioError, match=r"missing\.json: cannot read"):
        load(tmp_path / "missing.json")
    listed = tmp_path / "listed.json"
    listed.write_text(json.dumps([GOOD]), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"listed\.json: scenario: expected an object"):
        load(listed)
