"""The report page: every chart present and accessible, nothing external, data escaped; and its CLI."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from backtest import codec, page
from backtest.html import main
from backtest.report import DayFigures, Report
from tests.backtest_reports import FIXTURE, START, report, scenario


class Elements(HTMLParser):
    """Tags with their attributes, and the text inside each `<title>`, as the browser's parser reads them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.titles: list[str] = []
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs in self.tags if attrs.get("id")}


def test_every_chart_is_on_the_page_with_a_title_and_description_it_points_to():
    fixture = codec.read(FIXTURE)
    parsed = Elements(page.render(fixture))
    charts = [attrs for tag, attrs in parsed.tags if tag == "svg"]
    assert [c["id"] for c in charts] == [f"kpi-{i}" for i in range(len(fixture.kpi_names()))] + [
        "tiers",
        "stages",
        "timeline",
    ]
    for chart in charts:
        assert chart["role"] == "img"
        assert set(chart["aria-labelledby"].split()) <= parsed.ids()
        assert chart["aria-labelledby"] == f"{chart['id']}-title {chart['id']}-desc"


def test_the_page_loads_nothing_and_runs_nothing():
    text = page.render(codec.read(FIXTURE))
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import", text, re.I)
    policy = [attrs for tag, attrs in Elements(text).tags if attrs.get("http-equiv") == "Content-Security-Policy"]
    assert policy == [
        {"http-equiv": "Content-Security-Policy", "content": "default-src 'none'; style-src 'unsafe-inline'"}
    ]


def test_scenario_names_and_keys_are_escaped_everywhere():
    name = "<script>alert(1)</script> & \"quotes\" 'too'"
    hostile = report(scenario=scenario(name=name))
    hostile = replace(
        hostile,
        notifications=tuple(replace(n, dedup_key=f"user:<img src=x>:{i}") for i, n in enumerate(hostile.notifications)),
    )
    text = page.render(hostile)
    assert "<script>" not in text and "<img" not in text
    parsed = Elements(text)
    assert parsed.titles[0] == f"Backtest report: {name}"
    assert "user:&lt;img src=x&gt;:0" in text


def test_the_summary_gives_detection_speed_and_noise():
    summary = Elements(page.render(report()))
    text = page.render(report())
    found = re.search(r'<dl class="summary">(.*?)</dl>', text, re.S)
    assert found
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", found.group(1))
    assert dict(pairs) == {
        "scenario": "unit",
        "seed": "1",
        "period": "2026-03-02 + 3 days (Asia/Shanghai)",
        "fans": "100",
        "incidents alerted": "1 of 1 assessed (1 injected)",
        "median minutes to alert": "30",
        "slowest alert (minutes)": "30",
        "false alerts": "1",
        "notifications": "4",
        "most for one dedup key": "3 (user:checkin_rings:cluster#1)",
    }
    assert summary.titles[0] == "Backtest report: unit"


def test_a_report_without_days_incidents_or_alerts_still_renders_every_section():
    text = page.render(Report(scenario(days=1)))
    parsed = Elements(text)
    assert [attrs["id"] for tag, attrs in parsed.tags if tag == "section"] == [
        "summary",
        "kpis",
        "distribution",
        "alerts",
    ]
    assert "No KPI values in the report." in text
    assert text.count('class="empty"') == 3  # tiers, stages, timeline
    assert text.count("<td colspan=") == 3  # the three tables say "none"


def test_a_single_day_with_zero_counts_and_a_null_ratio_renders():
    one = Report(scenario(days=1), days=(DayFigures(START, {"dau": 0, "stickiness": None}, {"head": 0}, {}),))
    text = page.render(one)
    assert text.count("<svg") == 5
    assert ">no values<" in text and ">no fans<" in text


def test_the_cli_renders_a_saved_report(tmp_path, capsys):
    out = tmp_path / "nested" / "report.html"
    assert main([str(FIXTURE), str(out)]) == 0
    assert out.read_text(encoding="utf-8") == page.render(codec.read(FIXTURE))
    assert capsys.readouterr().out.strip() == str(out)


def test_the_cli_refuses_what_is_not_a_report_without_writing(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 1, "scenario": {}}', encoding="utf-8")
    out = tmp_path / "out.html"
    assert main([str(broken), str(out)]) == 2
    assert "scenario.name: missing" in capsys.readouterr().err
    assert main([str(tmp_path / "absent.json"), str(out)]) == 2
    assert "absent.json: not a backtest report" in capsys.readouterr().err
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    assert main([str(binary), str(out)]) == 2
    assert not out.exists()
