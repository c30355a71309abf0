"""The auditor's layout points, in Debian's headless Chromium at a laptop's 1280 px, at 800 px and on a phone.

- Table cells break between words only ("Marketingcontacte/n" was broken
  inside the word), numbers not at all: the Dutch management report.
- The retention chart's bar labels lie inside the chart, with the longest
  realistic figures (1.234.567 records, the oldest 3.650 days overdue).
- The open-request age chart names all eight ages (analyst notebook 40,
  exported here on its own), in both languages.

Skipped, with the reason, where Chromium, chromedriver or Selenium is missing.
"""

from __future__ import annotations

import shutil

import polars as pl
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from pipelines.report.export import export_html
from pipelines.report.kit import theme
from pipelines.report.kit.words import label
from pipelines.report.sections import rights
from tests.report.chromium import browser, skip_without_browser, wait_for
from tests.report.conftest import NOTEBOOKS, publish_report
from tests.report.fake_results import (
    QUARTER,
    fake_summary,
    fake_tables,
    write_fake_results,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (1280, 800)
PHONE = 420
LONGEST = {"breaches": 1_234_567, "oldest_days_overdue": 3_650}

#: every chart's texts, those reaching past its drawing, its bar labels and its axis labels (with opacity)
CHARTS = """return Array.from(document.querySelectorAll('figure.pr-chart')).map(f => {
  const svg = f.querySelector('.vega-embed svg');
  if (!svg) return {id: f.id, drawn: false};
  const r = svg.getBoundingClientRect();
  const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim());
  return {id: f.id, drawn: true, title: (f.querySelector('.pr-chart-title') || {}).textContent || '',
    cut: texts.filter(t => { const b = t.getBoundingClientRect();
                             return b.right > r.right + 0.5 || b.left < r.left - 0.5; }).map(t => t.textContent),
    marks: Array.from(svg.querySelectorAll('.role-mark text')).map(t => t.textContent),
    axis: Array.from(svg.querySelectorAll('.role-axis-label text'))
            .map(t => [t.textContent, t.getAttribute('opacity') || '1'])};
})"""

#: words (letters and digits) a table cell breaks over two lines, number cells on more than one line,
#: tables reaching past the page's column, and how far the page scrolls sideways
BROKEN = """const lines = range => new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
const broken = [];
document.querySelectorAll('table.pr-table th, table.pr-table td').forEach(cell => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const words = /[\\p{L}\\p{N}]+/gu;
    let m;
    while ((m = words.exec(node.data))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      if (lines(range) > 1) broken.push(m[0]);
    }
  }
  if (cell.tagName === 'TD' && cell.classList.contains('num')) {
    const range = document.createRange();
    range.selectNodeContents(cell);
    if (lines(range) > 1) broken.push(cell.textContent);
  }
});
const main = document.querySelector('.pr-main').getBoundingClientRect();
const wider = Array.from(document.querySelectorAll('table.pr-table'))
  .filter(t => t.getBoundingClientRect().right > main.right + 0.5).length;
return [document.querySelectorAll('table.pr-table td').length, broken, wider,
        document.documentElement.scrollWidth - document.documentElement.clientWidth];"""


def drawn_page(driver, path):
    driver.get(path.as_uri())
    count = "return document.querySelectorAll(arguments[0]).length"
    total = driver.execute_script(count, "figure.pr-chart")
    wait_for(lambda: driver.execute_script(count, "figure.pr-chart[data-chart-drawn]") == total)
    return driver.execute_script(CHARTS)


@pytest.fixture(scope="module")
def dutch_report(tmp_path_factory):
    """The Dutch management report on the fake results, logs at 1,234,567 records the oldest 3,650 days overdue."""
    skip_without_browser()
    results = write_fake_results(tmp_path_factory.mktemp("results-long") / QUARTER)
    table = results / "tables" / "retention_breaches.csv"
    frame = pl.read_csv(table)
    logs = pl.col("category") == "logs"
    frame.with_columns(
        pl.when(logs).then(value).otherwise(pl.col(column)).alias(column) for column, value in LONGEST.items()
    ).write_csv(table)
    notebooks = tmp_path_factory.mktemp("notebooks-layout")
    shutil.copy(NOTEBOOKS / "00_quarterly_review.ipynb", notebooks)
    reports = tmp_path_factory.mktemp("reports-layout")
    return publish_report(results, reports, language="nl", notebooks_dir=notebooks)


@pytest.mark.parametrize("width", WIDTHS)
def test_dutch_table_cells_break_between_words_only(dutch_report, width, tmp_path):
    with browser(width, 1000) as driver:
        drawn_page(driver, dutch_report)
        cells, broken, wider, overflow = driver.execute_script(BROKEN)
        shot = tmp_path / f"nl-{width}.png"
        driver.save_screenshot(str(shot))
    print(f"\nat {width} px: {cells} cells; screenshot {shot}")
    assert cells > 0
    assert not broken, f"broken inside a word at {width} px: {broken}"
    # whole words need room: the tables still fit the page, which does not scroll sideways
    assert wider == 0 and overflow <= 0, (width, wider, overflow)


@pytest.mark.parametrize("width", (*WIDTHS, PHONE))
def test_dutch_chart_texts_lie_inside_their_charts(dutch_report, width):
    with browser(width, 1000) as driver:
        charts = drawn_page(driver, dutch_report)
    assert charts and all(c["drawn"] for c in charts)
    retention_chart = next(c for c in charts if "1.234.567" in c["marks"] or any(
        m.startswith("1.234.567 ·") for m in c["marks"]))
    if width == 1280:
        assert "1.234.567 · oudste 3.650 dagen over termijn" in retention_chart["marks"]
    for chart in charts:
        # a phone-wide page leaves legends and axes to test_browser.py; the bar labels must fit everywhere
        cut = chart["cut"] if width != PHONE else [t for t in chart["cut"] if t in chart["marks"]]
        assert not cut, (width, chart["title"], cut)


def ageing_notebook():
    theme.setup()
    frame = fake_tables(fake_summary())["rights_open_ageing"]
    cells = []
    for language in ("en", "nl"):
        chart = theme.localized(rights.open_ageing(frame, language), language)
        bundle, metadata = chart._repr_mimebundle_()
        cells.append(new_code_cell("chart", outputs=[new_output("display_data", data=bundle, metadata=metadata)]))
    notebook = new_notebook(cells=cells)
    notebook.metadata = {"title": "Open requests", "papermill": {"parameters": {"language": "en"}}}
    return notebook, frame


@pytest.mark.parametrize("width", (*WIDTHS, PHONE))
def test_every_open_request_age_is_shown(width, tmp_path):
    skip_without_browser()
    notebook, frame = ageing_notebook()
    page = export_html(notebook, tmp_path / "ageing.html")
    codes = frame.sort("bucket_order").get_column("bucket").to_list()
    with browser(width, 1000) as driver:
        charts = drawn_page(driver, page)
    assert len(charts) == 2
    for chart, language in zip(charts, ("en", "nl")):
        ages = [label(language, "age", code) for code in codes]
        shown = [text for text, opacity in chart["axis"] if text in ages and opacity != "0"]
        assert shown == ages, (width, language, chart["axis"])
        assert len(chart["marks"]) == 8
        assert not [t for t in chart["cut"] if t in chart["marks"] or t in ages], (width, language, chart["cut"])
