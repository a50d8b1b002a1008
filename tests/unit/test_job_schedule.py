"""When a day's scheduled run is due: the community-local hour, whatever UTC says, across DST changes."""

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.jobs import due_day
from chalicelib.services.job_spec import Job


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "zone", "hour", "due"),
    [
        (at(2027, 1, 26, 16, 0), "Asia/Shanghai", 1, None),  # 00:00 on the 27th in Shanghai: not yet
        (at(2027, 1, 26, 17, 0), "Asia/Shanghai", 1, date(2027, 1, 27)),  # 01:00 local, 17:00 UTC the day before
        (at(2027, 1, 27, 1, 0), "Asia/Shanghai", 1, date(2027, 1, 27)),  # later the same local day: the same run
        (at(2027, 1, 27, 0, 0), "UTC", 1, None),
        (at(2027, 1, 27, 1, 0), "UTC", 1, date(2027, 1, 27)),
        (at(2027, 1, 26, 19, 0), "Asia/Kolkata", 1, None),  # 00:30 local: UTC ticks land on the half hour
        (at(2027, 1, 26, 20, 0), "Asia/Kolkata", 1, date(2027, 1, 27)),  # 01:30 local: the first tick past 01:00
        # Berlin springs forward at 02:00 CET to 03:00 CEST on 2027-03-28: 02:00 never happens
        (at(2027, 3, 28, 0, 0), "Europe/Berlin", 2, None),  # 01:00 CET
        (at(2027, 3, 28, 1, 0), "Europe/Berlin", 2, date(2027, 3, 28)),  # 03:00 CEST, the first tick after the gap
        # Berlin falls back at 03:00 CEST to 02:00 CET on 2027-10-31: 02:00 happens twice
        (at(2027, 10, 31, 0, 0), "Europe/Berlin", 2, date(2027, 10, 31)),  # 02:00 CEST, the first occurrence
        (at(2027, 10, 31, 1, 0), "Europe/Berlin", 2, date(2027, 10, 31)),  # 02:00 CET again: the same day, one run
        (at(2027, 1, 26, 16, 0), "Asia/Shanghai", 0, date(2027, 1, 27)),  # hour 0: the first tick of the day
    ],
)
def test_a_days_run_is_due_from_its_community_local_hour(instant, zone, hour, due):
    assert due_day(instant, zone, hour) == due


@pytest.mark.parametrize("hour", [-1, 24])
def test_a_job_hour_is_an_hour_of_the_day(hour):
    with pytest.raises(ValueError, match="hour"):
        Job("x", lambda fan, at, context: None, hour)  # type: ignore[arg-type,return-value]
