"""The management HTML in a real browser (Debian's headless chromium), offline: every chart gets drawn, and fits a phone."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.report.chromium import CHROMIUM, FLAGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs /usr/bin/chromium (CI: apt-get install -y chromium)",
    ),
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        str(CHROMIUM),
        *FLAGS,
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        *args,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=True
    )


def figures(dom: str) -> list[str]:
    return re.findall(
        r'<figure\b[^>]*\bclass="pr-chart"[^>]*>.*?</figure>', dom, re.DOTALL
    )


def test_every_chart_is_drawn_offline(published, tmp_path):
    page = tmp_path / "quarterly-review.html"
    shutil.copy(published["html"], page)  # alone in a folder: nothing beside it to load
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    drawn = figures(dom)
    assert len(drawn) == 10
    for figure in drawn:
        assert 'data-chart-drawn="true"' in figure.split(">", 1)[0]
        assert "data-chart-error" not in figure
        view = re.sub(r"<noscript>.*?</noscript>", "", figure, flags=re.DOTALL)
        view = re.sub(
            r'<script type="application/json".*?</script>', "", view, flags=re.DOTALL
        )
        assert re.search(r"<(svg|canvas)\b", view), "vega-embed drew nothing"
        assert "vega-embed" in view
    assert "Javascript Error" not in dom and "Error loading script" not in dom

    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", page.as_uri())
    assert shot.stat().st_size > 50_000
    print(f"\nscreenshot: {shot}")


PHONE = 420


def test_charts_fit_a_phone_wide_window(published, tmp_path):
    """At 420 px nothing widens the page, every chart lies within it, and no legend entry is cut off."""
    from tests.report.chromium import browser, skip_without_browser, wait_for

    skip_without_browser()
    page = tmp_path / "quarterly-review.html"
    shutil.copy(published["html"], page)
    with browser(PHONE, 900) as driver:
        driver.get(page.as_uri())
        count = "return document.querySelectorAll(arguments[0]).length"
        total = driver.execute_script(count, "figure.pr-chart")
        wait_for(
            lambda: driver.execute_script(count, "figure.pr-chart[data-chart-drawn]") == total
        )
        page_width = driver.execute_script(
            "return [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
        )
        charts = driver.execute_script(
            """return Array.from(document.querySelectorAll('figure.pr-chart')).map(f => {
                 const g = f.querySelector('.vega-embed svg.marks'); if (!g) return [f.id, null];
                 const r = g.getBoundingClientRect();
                 const cut = Array.from(g.querySelectorAll('.role-legend text'))
                   .filter(t => t.textContent && t.getBoundingClientRect().right > r.right + 1)
                   .map(t => t.textContent);
                 return [f.id, [r.left, r.right], cut]; })"""
        )
        shot = tmp_path / "phone.png"
        driver.save_screenshot(str(shot))
    print(f"\nat {PHONE} px: page {page_width}, charts {charts}; screenshot {shot}")
    assert total == 10
    client, scroll = page_width
    assert client == PHONE and scroll <= PHONE, "something is wider than the phone"
    for ident, box, *cut in charts:
        assert box is not None, f"{ident} not drawn"
        assert 0 <= box[0] and box[1] <= PHONE, (ident, box)
        assert not cut[0], (ident, "legend cut off", cut[0])
