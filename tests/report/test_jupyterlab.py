"""An executed analyst notebook opened in a real JupyterLab 4 (untrusted, offline): every chart is drawn.

JupyterLab's own Vega renderer draws Vega 5 / Vega-Lite 5 and is safe, so
it draws in a notebook nobody trusted; SVG is not shown there. The server
gets fresh Jupyter config/data/runtime folders, so the notebook is
untrusted and no earlier workspace or setting plays a part.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.report.chromium import browser, skip_without_browser, wait_for
from tests.report.conftest import NOTEBOOKS, REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "10_inactivity.ipynb"
CHART_MIMES = ("application/vnd.vega.v5+json", "application/vnd.vegalite.v5+json")
#: a chart JupyterLab drew: the canvas or SVG Vega draws its marks on, in JupyterLab's Vega renderer
DRAWN = ".jp-RenderedVegaCommon5 canvas.marks, .jp-RenderedVegaCommon5 svg.marks"


def chart_outputs(nb: nbformat.NotebookNode) -> int:
    return sum(
        1
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if any(m in output.get("data", {}) for m in CHART_MIMES)
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 over ``tmp_path/root``; stopped (kernels too) afterwards."""
    skip_without_browser()
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("needs jupyterlab in this environment")
    root = tmp_path / "root"
    root.mkdir()
    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env[name] = str(tmp_path / name.lower())
    command = [
        str(Path(sys.executable).parent / "jupyter-lab"),
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
    ]
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        up = wait_for(
            lambda: server.poll() is not None or _status(f"{base}/api/status?token={token}"),
            limit=90,
        )
        if not up or server.poll() is not None:
            pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
        yield {"root": root, "base": base, "token": token}
    finally:
        stop(server)
        log.close()


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (the server shuts its kernels down), SIGKILL if it hangs."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, None)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            pass
        try:
            server.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def executed(results_dir, tmp_path_factory) -> Path:
    """The inactivity analyst notebook run by papermill on the fake results."""
    from pipelines.report.execute import execute_notebook

    out = tmp_path_factory.mktemp("executed") / NOTEBOOK
    execute_notebook(
        NOTEBOOKS / NOTEBOOK,
        out,
        {"results_dir": str(results_dir), "language": "en"},
        cwd=NOTEBOOKS,
    )
    return out


def test_every_chart_is_drawn_in_jupyterlab(executed, lab):
    nb = nbformat.read(executed, as_version=4)
    expected = chart_outputs(nb)
    assert expected >= 3, "the inactivity notebook draws its charts"
    shutil.copy(executed, lab["root"] / NOTEBOOK)

    with browser(1280, 1000) as driver:
        driver.get(f"{lab['base']}/lab/tree/{NOTEBOOK}?token={lab['token']}")

        def drawn() -> int:
            return driver.execute_script(
                "return document.querySelectorAll(arguments[0]).length", DRAWN
            )

        wait_for(lambda: drawn() >= expected, limit=90)
        sizes = driver.execute_script(
            """return Array.from(document.querySelectorAll(arguments[0]))
                 .map(e => [e.tagName, e.getAttribute('width'), e.getAttribute('height')])""",
            DRAWN,
        )
        shot = Path(lab["root"]).parent / "jupyterlab-chart.png"
        first = driver.find_element("css selector", ".jp-RenderedVegaCommon5")
        driver.execute_script("arguments[0].scrollIntoView()", first)
        first.screenshot(str(shot))
        print(f"\ncharts drawn by JupyterLab: {len(sizes)} of {expected}; screenshot {shot}")
    assert len(sizes) == expected, sizes
    assert all(float(w) > 100 and float(h) > 100 for _, w, h in sizes), sizes


MANAGEMENT = "00_quarterly_review.ipynb"


def rgb(hex_colour: str) -> str:
    """``#B34A00`` as the browser's computed ``rgb(179, 74, 0)``."""
    return "rgb({}, {}, {})".format(*(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)))


def test_a_published_notebook_keeps_its_tiles_and_verdicts_in_jupyterlab(published, lab):
    """The executed management notebook of a published quarter, opened untrusted: JupyterLab's sanitizer drops
    its ``<style>``, and the inline styles it keeps lay the KPI tiles out side by side and keep the overall
    verdict's mark and words apart, in the verdict's colour (docs/report.md, "Opening the notebooks in JupyterLab")."""
    from pipelines.report.kit.blocks import component_rules
    from pipelines.report.kit.verdicts import findings_of, overall
    from pipelines.report.sections.overview import KPIS

    shutil.copy(published["dir"] / "notebooks" / MANAGEMENT, lab["root"] / MANAGEMENT)
    verdict = overall(findings_of(published["summary"])).verdict
    with browser(1280, 1000) as driver:
        driver.get(f"{lab['base']}/lab/tree/{MANAGEMENT}?token={lab['token']}")
        found = wait_for(
            lambda: driver.execute_script(
                "return document.querySelectorAll('.jp-OutputArea .kpi').length && document.querySelector('.pr-headline')"
            ),
            limit=90,
        )
        assert found, "JupyterLab shows the notebook's outputs"
        seen = driver.execute_script(
            """const out = document.querySelector('.jp-Notebook');
               const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
               const head = out.querySelector('.pr-headline');
               const grid = out.querySelector('.kpi-grid');
               return {
                 styles: out.querySelectorAll('.jp-OutputArea style').length,
                 headline: head.innerText,
                 badge: getComputedStyle(head.querySelector('.pr-badge')).color,
                 boxed: getComputedStyle(head).borderTopStyle,
                 grid: box(grid),
                 tiles: Array.from(out.querySelectorAll('.kpi')).map(box),
                 edge: getComputedStyle(out.querySelector('.kpi')).borderLeftWidth,
               };""",
        )
        tiles = driver.find_element("css selector", ".jp-Notebook .pr-kpis")
        driver.execute_script("arguments[0].scrollIntoView()", tiles)
        shot = Path(lab["root"]).parent / "jupyterlab-tiles.png"
        driver.save_screenshot(str(shot))
        print(f"\nJupyterLab, untrusted: {seen}; screenshot {shot}")

    assert seen["styles"] == 0, "the notebook is untrusted: its <style> blocks are gone"
    # the mark and its label, the figure and the detail each apart ("✖ Overall 2 of 10…", never "Overall2 of 10")
    assert re.match(r"^\S+\s+\S+\s+\d", seen["headline"]), seen["headline"]
    assert not re.search(r"[A-Za-z]\d", seen["headline"]), seen["headline"]
    assert seen["badge"] == rgb(component_rules()[f".pr-pill--{verdict}"]["color"]), seen["badge"]
    assert seen["boxed"] == "solid", "the verdict line is a box"
    tiles, grid = seen["tiles"], seen["grid"]
    assert len(tiles) == len(KPIS)
    first_row = [t for t in tiles if abs(t[1] - tiles[0][1]) < 1]
    assert len(first_row) == 4, tiles  # four tiles side by side, as in the report at this width
    lefts = [t[0] for t in first_row]
    assert lefts == sorted(lefts) and len(set(lefts)) == 4, tiles
    assert all(t[2] < grid[2] / 3 for t in tiles), (tiles, grid)
    assert seen["edge"] == "5px", "each tile has its coloured left edge"


def test_a_notebook_opened_where_it_was_published_never_blocks_run_force(lab, tmp_path, monkeypatch, capsys):
    """A quarter published by ``run``, its management notebook opened in place in a real JupyterLab (which writes
    its checkpoint beside it), then ``run --force`` while JupyterLab is still open: the quarter is published again,
    the checkpoint carried over unchanged and outside the manifest, and verify passes (docs/report.md, "Opening the
    notebooks in JupyterLab"; docs/operations.md, "Safe by construction")."""
    from pipelines import cli, evidence, ownership

    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    data, reports = REPO / "data_samples", lab["root"] / "reports"
    run = ["run", "--data", str(data), "--out", str(reports)]
    assert cli.main(run) == 0, capsys.readouterr().err
    quarter = Path(capsys.readouterr().out.strip())
    checkpoint = quarter / "notebooks" / ".ipynb_checkpoints" / MANAGEMENT.replace(".ipynb", "-checkpoint.ipynb")
    with browser(1280, 1000) as driver:
        driver.get(f"{lab['base']}/lab/tree/reports/{quarter.name}/notebooks/{MANAGEMENT}?token={lab['token']}")
        assert wait_for(checkpoint.is_file, limit=90), "JupyterLab writes its checkpoint beside the notebook it opens"
        assert wait_for(lambda: driver.execute_script("return document.querySelectorAll('.jp-Cell').length"), limit=60)
        traces = {name: (quarter / name).read_bytes() for name in ownership.editor_traces(quarter)}
        assert ownership.foreign_entries(quarter) == [] and list(traces) == [checkpoint.relative_to(quarter).as_posix()]
        started = evidence.read(quarter)["run"]["started_at"]
        assert cli.main([*run, "--force"]) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "carried over 1 editor trace(s)" in err and evidence.read(quarter)["run"]["started_at"] != started
    assert {name: (quarter / name).read_bytes() for name in ownership.editor_traces(quarter)} == traces
    assert not [name for name in ownership.quarter_manifest(quarter) if ".ipynb_checkpoints" in name]
    assert cli.main(["verify", str(quarter), "--data", str(data)]) == 0, capsys.readouterr()
