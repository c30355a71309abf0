"""Every chart of every notebook draws its marks (docs/report.md, "Charts").

The report's notebooks as the shipped sample's run executed them (``sample_run``) and as the fake results'
report did (``published``), and the exploration notebook on the sample's database (``explored``): each chart
output is drawn to SVG as the page's ``<noscript>`` fallback is (``export.static_svg``: vl-convert, the Vega the
page runs), at the width the notebook gives it and, a single view, at the plot width of a phone (the page draws
those as wide as the page). Then every data layer (Vega's ``role-mark`` groups: bars and rects, points, lines,
areas, rules; their text labels aside) is read back: a layer with items none of which is visible (at least
``MIN_PX`` across) is empty, and so is a bar drawn thinner than ``MIN_PX`` (the exploration chart's 0.05 px bars,
issue 32). A bar of 0 is not drawn at all (0 px long) and is not a fault.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import nbformat
import pytest

from pipelines.report.build import report_notebooks
from pipelines.report.export import chart_spec, static_svg
from tests.report.conftest import NOTEBOOKS
from tests.report.svg_marks import faults, item_size

#: a phone's plot width (px): a 420 px page less its padding and a chart's axis
PHONE_PLOT = 300


def charts(path) -> list[tuple[int, dict, str]]:
    """(cell number, spec, vega-embed mode) of every chart output of an executed notebook."""
    nb = nbformat.read(str(path), as_version=4)
    found = []
    for number, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            spec = chart_spec(output.get("data", {}))
            if spec:
                found.append((number, *spec))
    return found


def as_drawn(spec: dict, mode: str) -> list[tuple[str, dict]]:
    """The chart as the notebook draws it and, a single Vega-Lite view, at a phone's plot width."""
    drawn = [("as given", spec)]
    if mode == "vega-lite" and ("mark" in spec or "layer" in spec):
        drawn.append((f"{PHONE_PLOT} px", {**spec, "width": PHONE_PLOT}))
    return drawn


def test_a_bar_a_pixel_wide_or_less_is_an_empty_mark():
    """The check itself: the 0.05 px bars of issue 32 are empty, a bar of 0 among drawn bars is not."""
    bars = '<svg xmlns="http://www.w3.org/2000/svg"><g class="mark-rect role-mark marks">{}</g></svg>'
    thin = bars.format('<path d="M433.49,120h0.0494v120h-0.0494Z"/><path d="M520,27h0.0494v213h-0.0494Z"/>')
    assert faults(thin) and "draws nothing visible" in faults(thin)[0]
    one_thin = bars.format('<path d="M10,0h20v100h-20Z"/><path d="M40,50h0.05v50h-0.05Z"/>')
    assert faults(one_thin) == ["rect layer: 1 of 2 items thinner than 1.0 px, e.g. [(0.05, 50.0)]"]
    with_zero = bars.format('<path d="M10,0h20v100h-20Z"/><path d="M40,100h20v0h-20Z"/>')
    assert faults(with_zero) == []
    circle = '<path transform="translate(5,5)" d="M4.183,0A4.183,4.183,0,1,1,-4.183,0A4.183,4.183,0,1,1,4.183,0"/>'
    assert faults(bars.replace("mark-rect", "mark-symbol").format(circle)) == []
    assert item_size(ET.fromstring(circle)) == pytest.approx((8.366, 8.366))
    flat = '<path d="M0,240L75,240L150,240"/>'
    assert faults(bars.replace("mark-rect", "mark-line").format(flat)) == []
    assert faults('<svg xmlns="http://www.w3.org/2000/svg"><g class="mark-text role-mark"/></svg>') == [
        "no data layer"]


@pytest.mark.slow
def test_every_chart_of_every_notebook_draws_its_marks(sample_run, published, explored):
    report = [p.name for p in report_notebooks(NOTEBOOKS)]
    notebooks = [(source, quarter["dir"] / "notebooks" / name)
                 for source, quarter in (("sample", sample_run), ("fake results", published)) for name in report]
    notebooks.append(("sample", explored["notebook"]))
    drawn, wrong = [], []
    for source, path in notebooks:
        for number, spec, mode in charts(path):  # every notebook of the report ran: a missing one raises
            for size, variant in as_drawn(spec, mode):
                svg = static_svg(variant, mode)
                drawn.append(path.name)
                name = f"{source}: {path.name} cell {number} ({size})"
                wrong += [f"{name}: {fault}" for fault in faults(svg)] if svg else [f"{name}: not drawn"]
    print(f"\n{len(drawn)} charts drawn from {len(notebooks)} notebooks")
    assert explored["notebook"].name in drawn, "the exploration notebook's chart"
    assert set(report) <= set(drawn), "charts of every notebook of the report"
    assert wrong == [], "\n".join(wrong)
