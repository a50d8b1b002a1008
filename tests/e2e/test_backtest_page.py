"""The backtest's HTML report opened in headless Chromium: the charts are laid out and painted, offline.

A probe script (added to a copy only: the report itself has no script) measures every chart's marks
as the browser laid them out; a screenshot of the untouched page shows the charts' colours.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from backtest import codec, page
from backtest.charts.palette import LEVELS, LINE, STAGES, TIERS
from backtest.html import write
from tests import browser, png

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "backtest_report.json"
REPORT = codec.read(FIXTURE)
PROBE = """<script>
const charts = [...document.querySelectorAll("svg.chart")].map((svg) => {
  const box = svg.getBoundingClientRect();
  const drawn = {};
  for (const mark of svg.querySelectorAll(".series, .point, .segment, .alert, .incident")) {
    const b = mark.getBBox();
    if (b.width > 0 || b.height > 0) drawn[mark.classList[0]] = (drawn[mark.classList[0]] || 0) + 1;
  }
  const line = [...svg.querySelectorAll("path.series")].reduce((sum, path) => sum + path.getTotalLength(), 0);
  const spread = Math.max(0, ...[...svg.querySelectorAll("path.series")].map((path) => path.getBBox().height));
  return {id: svg.id, width: box.width, height: box.height, drawn, line, spread};
});
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify(charts);
document.body.append(out);
</script>"""


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backtest") / "report.html"
    write(REPORT, path)
    return path


def measured(report_page: Path) -> dict[str, dict]:
    """Per chart id, what the probe measured in the browser."""
    text = report_page.read_text(encoding="utf-8")
    policy = html.escape(page.POLICY)
    assert policy in text
    relaxed = text.replace(policy, html.escape(page.POLICY + "; script-src 'unsafe-inline'")).replace(
        "</body>", PROBE + "</body>"
    )
    probe_page = report_page.with_name("probe.html")
    probe_page.write_text(relaxed, encoding="utf-8")
    found = re.search(r'<pre id="probe">(.*?)</pre>', browser.dump_dom(probe_page), re.S)
    assert found, "the probe did not run"
    return {chart["id"]: chart for chart in json.loads(found.group(1).replace("&quot;", '"'))}


def test_every_chart_is_laid_out_with_its_marks(report_page):
    charts = measured(report_page)
    kpis = REPORT.kpi_names()
    assert list(charts) == [f"kpi-{i}" for i in range(len(kpis))] + ["tiers", "stages", "timeline"]
    assert all(chart["width"] > 100 and chart["height"] > 100 for chart in charts.values())
    for index, name in enumerate(kpis):
        points = sum(day.kpis.get(name) is not None for day in REPORT.days)
        assert charts[f"kpi-{index}"]["drawn"]["point"] == points, name
        assert charts[f"kpi-{index}"]["line"] > 100, name
        assert charts[f"kpi-{index}"]["spread"] > 10, name  # the fixture's KPIs vary: the line is not flat
    assert charts["tiers"]["drawn"]["segment"] == sum(count > 0 for day in REPORT.days for count in day.tiers.values())
    assert charts["stages"]["drawn"]["segment"] == sum(
        count > 0 for day in REPORT.days for count in day.stages.values()
    )
    assert charts["timeline"]["drawn"] == {"alert": len(REPORT.notifications), "incident": len(REPORT.incidents)}


def test_the_page_paints_the_charts_colours_and_fetches_nothing(report_page, tmp_path):
    shot = tmp_path / "report.png"
    result = browser.screenshot(report_page, shot, size=(1100, 2600))
    assert "Content Security Policy" not in result.stderr
    width, height, colours = png.colours(shot)
    assert (width, height) == (1100, 2600)
    expected = {*TIERS.values(), *STAGES.values(), *LEVELS.values(), LINE}
    assert {colour for colour in expected if rgb(colour) not in colours} == set()
    assert len(colours) > 100  # text antialiasing and blended bands: a blank or unstyled page has a handful


def test_a_page_that_fetches_is_caught(report_page, tmp_path):
    """The offline check above can fail: an external image is refused by the page's policy, and logged."""
    leaky = tmp_path / "leaky.html"
    text = report_page.read_text(encoding="utf-8")
    leaky.write_text(text.replace("<h1>", '<img src="http://example.invalid/x.png" alt=""><h1>'), encoding="utf-8")
    result = browser.screenshot(leaky, tmp_path / "leaky.png", size=(800, 600))
    assert "Content Security Policy" in result.stderr


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
