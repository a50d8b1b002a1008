"""KPI drop: a KPI far below the same window on the same weekday of recent weeks.

Traffic has a daily and a weekly rhythm, so "now" is compared with the same clock window on the
same weekday (a Monday 09:00-10:00 with earlier Mondays 09:00-10:00), never with the hour before.
A level needs both a robust z below the median of those weeks and a relative drop (`drops`),
so a drop must be both unusual and large. Guards: at least `min_weeks` weeks with data, and a
median of at least `min_volume` (a quiet hour's figures are all noise). Missed weeks (None)
and a past outage are tolerated: the median ignores them.

Hysteresis: as a level needs both a z and a drop, a raised drop clears only once both are back
under `recovery` times their warning thresholds, and stay so for the clear period (the window's
length); in between, and in a window too quiet to judge (a night), the observation `holds`. A
KPI that stays low after churn, hovering at the warning line all evening, is one alert, not a
raise and a resolve every hour.

A lasting level: the same window was not back at its own weekday's level (the recovery line
above) on `lasting_days` of the `recent_days` days before; the caller supplies those days only
for a window that drops. After churn takes the evening's most active fans, every evening sits
under the earlier weeks until the baseline learns it: the first evenings raise, later ones hold
(an open alert stays open, nothing new is raised), and the KPI back at its weekday's level still
resolves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.alerts.model import Category, Level, Observation
from chalicelib.domain.risk.levels import Ladder, Timing, lowest
from chalicelib.domain.risk.stats import Baseline, ScaleFloor, baseline

RULE = "kpi_drop"
CATEGORY: Category = "operations"
RUNBOOK = "operations.md#kpi-drop"


@dataclass(frozen=True)
class KpiWindow:
    """One KPI over the window ending now, and over the same window 1, 2, ... weeks earlier (None: no data).

    Counts (check-ins, interactions, redemptions, accepted webhooks) or a daily snapshot figure
    (`dau` against earlier same weekdays); `stats.weekly_windows` builds it from bucketed counts.
    """

    kpi: str
    current: float
    previous_weeks: Sequence[float | None]
    previous_days: Sequence[KpiWindow] = ()  # the same window 1, 2, ... days earlier, each with its own weeks


@dataclass(frozen=True)
class KpiDropInput:
    now: datetime
    kpis: Sequence[KpiWindow]


@dataclass(frozen=True)
class KpiDropConfig:
    weeks: int = 8
    min_weeks: int = 3
    min_volume: float = 20.0
    floor: ScaleFloor = field(default_factory=lambda: ScaleFloor(absolute=1.0, relative=0.05))
    z_levels: Ladder = field(default_factory=lambda: Ladder(warning=4.0, activate=6.0, escalate=8.0))
    drops: Ladder = field(default_factory=lambda: Ladder(warning=0.3, activate=0.5, escalate=0.8))  # 1 - now/median
    recovery: float = 0.5  # of the warning thresholds: z and drop both under it, a raised drop has recovered
    recent_days: int = 3  # days before, judged for a lasting level
    lasting_days: int = 2  # of them dropped too: a lasting level, held rather than raised (0: never)
    timing: Timing = field(
        default_factory=lambda: Timing(clear_after=timedelta(minutes=60))  # the window is the pending period
    )

    def __post_init__(self) -> None:
        if not 1 <= self.min_weeks <= self.weeks:
            raise ValueError("min_weeks is 1 to weeks")
        if not 0 <= self.recovery <= 1:
            raise ValueError("recovery is a share of the warning thresholds, 0 to 1")
        if not 0 <= self.lasting_days <= self.recent_days:
            raise ValueError("lasting_days is 0 to recent_days")


def evaluate(signal: KpiDropInput, config: KpiDropConfig) -> list[Observation]:
    return [_judge(window, config) for window in sorted(signal.kpis, key=lambda w: w.kpi)]


def dropped(window: KpiWindow, config: KpiDropConfig) -> bool:
    """Whether the window is low enough, against enough history, for a level."""
    return _measured(window, config)[3] is not None


Measured = tuple[Baseline | None, float | None, float | None, Level | None]


def _measured(window: KpiWindow, config: KpiDropConfig) -> Measured:
    """The window's baseline, z below it, relative drop and level (None where it cannot be judged)."""
    history = [value for value in window.previous_weeks[: config.weeks] if value is not None]
    base = baseline(history, config.floor, min_history=config.min_weeks, min_volume=config.min_volume)
    if base is None:
        return None, None, None, None
    z = -base.z(window.current)
    drop = 1 - window.current / base.median
    return base, z, drop, lowest(config.z_levels.level(z), config.drops.level(drop))


def _recovered(z: float, drop: float, config: KpiDropConfig) -> bool:
    return z < config.z_levels.warning * config.recovery and drop < config.drops.warning * config.recovery


def _low(day: KpiWindow, config: KpiDropConfig) -> bool:
    """A day before was low: judged, and not back at its weekday's level (as a raised drop would hold)."""
    _, z, drop, _ = _measured(day, config)
    return z is not None and drop is not None and not _recovered(z, drop, config)


def _judge(window: KpiWindow, config: KpiDropConfig) -> Observation:
    base, z, drop, level = _measured(window, config)
    holds = True if z is None or drop is None else not _recovered(z, drop, config)  # unjudged: holds
    days = window.previous_days[: config.recent_days]
    low_days = sum(1 for day in days if _low(day, config))
    lasting = level is not None and 0 < config.lasting_days <= low_days
    if lasting:
        level = None
    evidence = {
        "kpi": window.kpi,
        "current": window.current,
        "previous_weeks": list(window.previous_weeks[: config.weeks]),
        "baseline_median": None if base is None else base.median,
        "baseline_scale": None if base is None else round(base.scale, 2),
        "z_below": None if z is None else round(z, 2),
        "drop": None if drop is None else round(drop, 3),
        "days_as_low_before": low_days,
    }
    if base is None:
        summary = f"{window.kpi}: too little history or volume on this weekday to judge."
    elif lasting and drop is not None:
        summary = (
            f"{window.kpi} is {window.current:g}, {drop:.0%} below the same weekday's median {base.median:g},"
            f" as it was on {low_days} of the last {len(days)} days: a lasting level, not a new drop."
        )
    elif level and drop is not None:
        usual = f"the same weekday's median {base.median:g}"
        summary = f"{window.kpi} is {window.current:g}, {drop:.0%} below {usual}."
    else:
        summary = f"{window.kpi} is {window.current:g}, within its usual range for this weekday."
    scope = f"kpi#{window.kpi}"
    return Observation(
        RULE,
        CATEGORY,
        scope,
        level,
        title=f"KPI drop: {window.kpi}",
        summary=summary,
        evidence=evidence,
        runbook=RUNBOOK,
        inhibited_by_technical=True,
        holds=level is None and holds,
    )
