"""The backtest's SVG charts: values land on the expected coordinates, and odd series still draw."""

from __future__ import annotations

import math
import sys
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from backtest.charts.kpis import kpi_chart
from backtest.charts.palette import EXTRA, TIERS
from backtest.charts.stacked import stacked_chart
from backtest.charts.timeline import timeline_chart
from backtest.report import DayFigures, Incident, Notification
from backtest.scales import Linear, ticks
from tests.backtest_reports import START, local, report

DAYS = [START + timedelta(days=i) for i in range(3)]


def svg(markup: str) -> ET.Element:
    """Charts are well-formed XML, whatever text they carry."""
    return ET.fromstring(markup)


def points(chart: ET.Element) -> list[tuple[float, float]]:
    return [(float(c.get("cx")), float(c.get("cy"))) for c in chart.iter("circle") if c.get("class") == "point"]


def test_a_known_value_lands_on_its_day_centre_and_its_height():
    # Plot box x 56..308 (3 bands of 84: centres 98, 182, 266), y 164 (zero) up to 28 (the top tick, 10).
    chart = svg(kpi_chart("k", "dau", DAYS, [0, 5, 10], "day"))
    assert chart.find("path[@class='series']").get("d") == "M98,164 L182,96 L266,28"
    assert points(chart) == [(98, 164), (182, 96), (266, 28)]
    assert [t.text for t in chart.iter("title")][1:] == ["2026-03-02: 0", "2026-03-03: 5", "2026-03-04: 10"]


def test_the_value_axis_has_round_ticks_from_zero_and_a_label():
    chart = svg(kpi_chart("k", "dau", DAYS, [3, 7, 6], "community day"))
    axis = chart.find("g[@class='axis value-axis']")
    assert [t.text for t in axis.iter("text")] == ["0", "2", "4", "6", "8", "dau"]
    assert chart.find("g[@class='axis day-axis']")[-1].text == "community day"


def test_a_day_without_a_value_breaks_the_line():
    chart = svg(kpi_chart("k", "stickiness", DAYS, [1, None, 3], "day"))
    assert chart.find("path[@class='series']").get("d") == "M98,118.67 M266,28"
    assert len(points(chart)) == 2
    assert "1 days without a value" in chart.find("desc").text


def test_a_single_day_is_drawn_at_the_plot_centre():
    chart = svg(kpi_chart("k", "dau", DAYS[:1], [7], "day"))
    assert points(chart) == [(182, pytest.approx(164 - 7 / 8 * 136, abs=0.01))]
    assert chart.find("path[@class='series']").get("d") == "M182,45"


def test_zero_values_sit_on_the_baseline_of_a_zero_to_one_scale():
    chart = svg(kpi_chart("k", "dau", DAYS, [0, 0, 0], "day"))
    assert {y for _, y in points(chart)} == {164}
    assert [t.text for t in chart.find("g[@class='axis value-axis']").iter("text")][:5] == [
        "0",
        "0.25",
        "0.5",
        "0.75",
        "1",
    ]


def test_no_values_give_an_empty_chart_that_says_so():
    for values, days in (([None, None, None], DAYS), ([], [])):
        chart = svg(kpi_chart("k", "retention_d1", days, values, "day"))
        assert chart.find("path") is None and not points(chart)
        assert chart.find("text[@class='empty']").text == "no values"
        assert chart.find("title").text == "retention_d1"


@pytest.mark.parametrize(
    "values", [[sys.float_info.max, 1e300, 0], [-sys.float_info.max, sys.float_info.max, 1.0], [1e-320]]
)
def test_huge_tiny_and_negative_values_stay_inside_the_plot(values):
    markup = kpi_chart("k", "points", DAYS[: len(values)], values, "day")
    assert "nan" not in markup.lower() and "inf" not in markup.lower()
    assert all(28 <= y <= 164 for _, y in points(svg(markup)))


def test_negative_values_are_below_zero():
    chart = svg(kpi_chart("k", "net", DAYS[:2], [-5, 12], "day"))
    # ticks -5..15: zero is a quarter of the way up.
    assert points(chart) == [(119, 164), (245, pytest.approx(164 - 17 / 20 * 136, abs=0.01))]


def test_ticks_are_round_and_cover_zero_and_every_value():
    assert ticks([7]).values == (0, 2, 4, 6, 8)
    assert ticks([-5, 12]).values == (-5, 0, 5, 10, 15)
    assert ticks([]).values == (0, 0.25, 0.5, 0.75, 1)
    assert ticks(v for v in [3, 10]).high == 10  # a generator is read once
    huge = ticks([sys.float_info.max])
    assert all(math.isfinite(v) for v in huge.values) and huge.high == sys.float_info.max


def test_a_linear_scale_clamps_and_centres_a_zero_span():
    y = Linear(0, 10, 100, 0)
    assert (y(0), y(2.5), y(10), y(20), y(-5)) == (100, 75, 0, 0, 100)
    assert Linear(3, 3, 10, 20)(3) == 15


def test_stacked_bars_put_tiers_in_order_from_the_base_with_heights_by_count():
    # One day: the bar is centred (x 64..948); total 4 on ticks 0..4 maps 1 fan to 48 px above y=220.
    chart = svg(
        stacked_chart("t", "Fans per tier", DAYS[:1], [{"silent": 3, "head": 1}], ["head", "silent"], TIERS, "day")
    )
    rects = [r for r in chart.iter("rect") if r.get("class") == "segment"]
    assert [(float(r.get("y")), float(r.get("height")), r.get("fill")) for r in rects] == [
        (172, 48, TIERS["head"]),
        (28, 144, TIERS["silent"]),
    ]
    assert float(rects[0].get("x")) == pytest.approx(64 + 442 - 0.4 * 884, abs=0.01)
    assert rects[0].find("title").text == "2026-03-02 head: 1 of 4 (25.0%)"


def test_zero_counts_draw_nothing_and_unknown_names_get_a_colour_and_a_legend_entry():
    counts = [{"head": 0, "vip": 2}, {"head": 1, "vip": 0}]
    chart = svg(stacked_chart("t", "Fans per tier", DAYS[:2], counts, ["head", "vip"], TIERS, "day"))
    segments = [r for r in chart.iter("rect") if r.get("class") == "segment"]
    assert [r.get("fill") for r in segments] == [EXTRA[0], TIERS["head"]]
    legend = chart.find("g[@class='legend']")
    assert [t.text for t in legend.iter("text")] == ["head", "vip"]


def test_no_fans_give_an_empty_chart():
    chart = svg(stacked_chart("t", "Fans per tier", DAYS, [{}, {"head": 0}, {}], ["head"], TIERS, "day"))
    assert chart.find("text[@class='empty']").text == "no fans"
    empty = svg(stacked_chart("t", "Fans per tier", [], [], [], TIERS, "day"))
    assert empty.find("text[@class='empty']").text == "no fans"


def test_a_long_legend_wraps_and_the_chart_grows_for_it():
    names = [f"tier-with-a-long-name-{i}" for i in range(12)]
    one = svg(stacked_chart("t", "Fans", DAYS[:1], [{"head": 1}], ["head"], TIERS, "day"))
    many = svg(stacked_chart("t", "Fans", DAYS[:1], [dict.fromkeys(names, 1)], names, TIERS, "day"))
    assert float(many.get("height")) > float(one.get("height"))
    rows = {item.get("transform").split()[1] for item in many.find("g[@class='legend']")}
    assert len(rows) > 1


def test_the_timeline_places_alerts_and_incident_bands_on_the_period():
    # 3 days on x 110..948: noon of day 1 is the middle; the incident runs 09:00-15:00 of day 1.
    chart = svg(
        timeline_chart(
            report(notifications=(Notification("user:ring:1", "ring", "user", "warning", "raised", local(1, 12)),))
        )
    )
    mark = chart.find(".//g[@class='alert raised']/circle")
    assert float(mark.get("cx")) == 529
    band = chart.find(".//rect[@class='incident']")
    assert float(band.get("x")) == pytest.approx(110 + 33 / 72 * 838, abs=0.01)
    assert float(band.get("width")) == pytest.approx(6 / 72 * 838, abs=0.01)
    assert float(band.get("y")) < float(mark.get("cy")) < float(band.get("y")) + float(band.get("height"))


def test_levels_have_shapes_resolutions_are_hollow_and_lanes_follow_the_categories():
    chart = svg(timeline_chart(report()))
    shapes = [
        (g.get("class"), g[0].tag, g[0].get("fill")) for g in chart.iter("g") if "alert" in (g.get("class") or "")
    ]
    assert shapes == [
        ("alert raised", "circle", "#E69F00"),
        ("alert escalated", "rect", "#D55E00"),
        ("alert resolved", "rect", "#fff"),
        ("alert raised", "circle", "#E69F00"),
    ]
    assert [t.text for t in chart.iter("text") if t.get("class") == "lane-label"] == ["user", "operations"]
    titles = [t.text for t in chart.iter("title")]
    assert "2026-03-03 16:00 resolved activate: user:checkin_rings:cluster#1 (rule checkin_rings)" in titles


def test_an_unknown_category_gets_its_own_lane_and_markers_outside_the_period_are_clamped():
    late = Notification("billing:x:1", "x", "billing", "escalate", "raised", local(9))
    chart = svg(timeline_chart(report(notifications=(late,))))
    assert [t.text for t in chart.iter("text") if t.get("class") == "lane-label"] == ["user", "billing"]
    triangle = chart.find(".//g[@class='alert raised']/polygon")
    assert float(triangle.get("points").split()[0].split(",")[0]) == 948


def test_an_empty_timeline_says_so():
    chart = svg(timeline_chart(report(incidents=(), outcomes=(), notifications=())))
    assert chart.find("text[@class='empty']").text == "no incidents or notifications"
    assert chart.find("desc").text == "No incidents and no notifications in the run."


def test_a_long_incident_and_a_zero_length_one_are_both_visible():
    incidents = (
        Incident("inc-1", "outage", local(-5), local(20), 1, "technical"),
        Incident("inc-2", "blip", local(1, 3), local(1, 3), 1, "technical"),
    )
    chart = svg(timeline_chart(report(incidents=incidents, outcomes=(), notifications=())))
    bands = [r for r in chart.iter("rect") if r.get("class") == "incident"]
    assert [(float(r.get("x")), float(r.get("width"))) for r in bands] == [
        (110, 838),
        (pytest.approx(110 + 27 / 72 * 838, abs=0.01), 3),
    ]


def test_hostile_text_stays_text_in_every_chart():
    name = '</title><script>alert("x")</script>&amp;'
    key = "user:<b>ring</b>:\"'&"
    hostile = report(
        days=(DayFigures(START, {name: 1.0}, {name: 2}, {"awareness": 1}),),
        notifications=(Notification(key, name, name, "warning", "raised", local(0, 1)),),
    )
    charts = [
        kpi_chart("k", name, DAYS[:1], [1.0], name),
        stacked_chart("t", name, DAYS[:1], [{name: 2}], [name], TIERS, name),
        timeline_chart(hostile),
    ]
    for markup in charts:
        assert "<script>" not in markup and "<b>" not in markup
        chart = svg(markup)
        texts = [t.text for t in chart.iter() if t.text]
        assert any(name in text for text in texts)
    assert any(key in (t.text or "") for t in svg(charts[2]).iter("title"))


def test_a_year_long_timeline_thins_its_grid_and_labels_and_kpi_points_shrink():
    chart = svg(timeline_chart(report(days_count=365)))
    axis = chart.find("g[@class='axis time-axis']")
    labels = [t.text for t in axis.iter("text")][:-1]
    assert 5 <= len(labels) <= 15 and labels[0] == "03-02"
    assert len(list(axis.iter("line"))) == len(labels)
    month = svg(timeline_chart(report(days_count=30)))
    assert len(list(month.find("g[@class='axis time-axis']").iter("line"))) == 31
    year = [START + timedelta(days=i) for i in range(365)]
    dense = svg(kpi_chart("k", "dau", year, [float(i) for i in range(365)], "day"))
    assert {c.get("r") for c in dense.iter("circle")} == {"0.23"}  # 252 px / 365 days / 3


def test_many_dedup_keys_share_a_bounded_number_of_rows():
    many = tuple(Notification(f"user:ring:{i:03}", "ring", "user", "warning", "raised", local(0, 1)) for i in range(40))
    chart = svg(timeline_chart(report(incidents=(), outcomes=(), notifications=many)))
    rows = {float(c.get("cy")) for c in chart.iter("circle") if c.get("fill") == "#E69F00"} - {0.0}
    assert len(rows) == 12
    few = svg(timeline_chart(report(incidents=(), outcomes=(), notifications=many[:3])))
    assert float(chart.get("height")) == float(few.get("height")) + 9 * 18
