"""An executed analyst notebook opened in a real JupyterLab 4 (untrusted, offline): every chart is drawn.

JupyterLab's own Vega renderer draws Vega 5 / Vega-Lite 5 and is safe, so
it draws in a notebook nobody trusted; SVG is not shown there. The server
gets fresh Jupyter config/data/runtime folders, so the notebook is
untrusted and no earlier workspace or setting plays a part.
"""

from __future__ import annotations

import os
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
from tests.report.conftest import NOTEBOOKS

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
