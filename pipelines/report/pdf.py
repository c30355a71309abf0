"""The management report as a PDF: the published HTML printed by headless Chromium (docs/report.md, "PDF").

The PDF *is* the HTML printed: the same words, charts and language, laid out by the report's
print CSS (``templates/privacy_report/report.css``'s ``@media print`` and the ``@page`` rule
:func:`pipelines.report.export.page_css` writes: A4, the first screen on page 1, a page per
section, nothing split, the title with the quarter and ``page n / N`` in every page's footer).
So printing the HTML from a browser gives the same pages.

The converter is Debian's ``chromium``, found on ``PATH`` (``chromium``, ``chromium-browser``,
``google-chrome``) or named by ``$PRIVACY_REVIEW_CHROMIUM``: it runs offline (the HTML is
self-contained and the flags below keep the browser off the network), it is the engine the
browser tests already draw the report with (vega-embed's charts, the same fonts), and it honours
the print CSS, page margin boxes included (Chromium 131 or later). It runs with a throwaway
profile in a temporary folder (never the user's home or the output folder) and a timeout.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pipelines
from pipelines.errors import BadInput, PipelineFailure
from pipelines.report.editions import Edition

log = logging.getLogger(__name__)

REPORT_PDF = Edition("en").pdf  # the main edition's (pipelines/report/editions.py)
#: the Chromium (or Chrome) program to print with, a path or a name on PATH
CHROMIUM_ENV = "PRIVACY_REVIEW_CHROMIUM"
#: the names looked for on PATH, in this order
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: seconds Chromium may take to print a report before it is stopped
TIMEOUT = 180
#: the page's scripts (vega-embed drawing the charts) get this much (virtual) time before printing, in ms
SCRIPT_BUDGET_MS = 20000
NO_CHROMIUM = f"--pdf needs Chromium: apt-get install chromium, or set {CHROMIUM_ENV}"
#: the window (px) Chromium lays the page out in before it prints: A4 at 96 px per inch. The charts are drawn
#: as wide as the page's column in it and printed scaled to the A4 column, whatever Chromium's own default
#: window; the tests draw the report in this window too (docs/report.md, "Charts")
WINDOW = (794, 1123)

#: keep Chromium offline and quiet: no first-run pages, background fetches, sync, component or
#: extension updates, crash reports or DNS lookups (the page needs none: it is self-contained)
OFFLINE_FLAGS = (
    "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-sync", "--disable-component-update", "--disable-extensions",
    "--disable-default-apps", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--disable-breakpad", "--disable-crash-reporter", "--no-service-autorun", "--password-store=basic",
    "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--no-proxy-server", "--mute-audio", "--hide-scrollbars",
)


def find_chromium() -> str:
    """The Chromium to print with: ``$PRIVACY_REVIEW_CHROMIUM`` when set, else the first of :data:`CANDIDATES`
    on ``PATH``; :class:`BadInput` (exit 2, :data:`NO_CHROMIUM`) when there is none."""
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        found = shutil.which(named)
        if found is None:
            raise BadInput(f"{CHROMIUM_ENV}={named} is not a program that can be run; {NO_CHROMIUM}")
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise BadInput(NO_CHROMIUM)


def command(chromium: str, html: Path, pdf: Path, profile: Path) -> list[str]:
    """Chromium's command line: print ``html`` to ``pdf`` with a throwaway ``profile``, offline."""
    sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # root has no sandbox
    return [
        chromium, *OFFLINE_FLAGS, *sandbox, f"--user-data-dir={profile}", f"--crash-dumps-dir={profile}",
        # the PDF's Creator is the browser's user agent: name the tool (Chromium's "HeadlessChrome/156.0.0.0"
        # reads like an IPv4 address to the privacy scan, and says nothing a reader needs)
        f"--user-agent=privacy-review {pipelines.__version__}",
        "--no-pdf-header-footer", f"--window-size={WINDOW[0]},{WINDOW[1]}",
        f"--virtual-time-budget={SCRIPT_BUDGET_MS}", "--run-all-compositor-stages-before-draw",
        f"--print-to-pdf={pdf}", Path(html).resolve().as_uri(),
    ]


def write_pdf(html: Path, pdf: Path, *, chromium: str | None = None, timeout: float = TIMEOUT) -> Path:
    """Print ``html`` to ``pdf`` (written whole or not at all); return ``pdf``.

    No Chromium: :class:`BadInput` (exit 2). Chromium failing, hanging past ``timeout`` seconds or
    writing no PDF: :class:`PipelineFailure` (exit 1), one line.
    """
    html, pdf = Path(html), Path(pdf)
    chromium = chromium or find_chromium()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="privacy-review-chromium-") as tmp:
        tmp = Path(tmp)
        profile, printed = tmp / "profile", tmp / REPORT_PDF
        profile.mkdir()
        # Chromium writes under $HOME and the XDG folders too: give it the throwaway folder instead
        env = {**os.environ, "HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp / "config"),
               "XDG_CACHE_HOME": str(tmp / "cache"), "XDG_DATA_HOME": str(tmp / "data")}
        try:
            proc = subprocess.Popen(command(chromium, html, printed, profile), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp,
                                    start_new_session=True)
        except OSError as exc:
            raise PipelineFailure(f"{REPORT_PDF}: could not start {chromium}: {exc.strerror or exc}") from None
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            raise PipelineFailure(f"{REPORT_PDF}: {chromium} did not print {html.name} within {timeout:g} s") from None
        finally:
            _stop(proc)  # its helpers, if any outlive it
        if proc.returncode != 0 or not _is_pdf(printed):
            said = _last_line(err.decode("utf-8", errors="replace"))
            raise PipelineFailure(f"{REPORT_PDF}: {chromium} could not print {html.name} "
                                  f"(exit {proc.returncode}{': ' + said if said else ''})")
        partial = pdf.with_name(f".{pdf.name}.tmp")
        shutil.copyfile(printed, partial)
        os.chmod(partial, 0o644)
        os.replace(partial, pdf)
    log.info("printed %s in %.1f s", pdf.name, time.monotonic() - started)
    return pdf


def _stop(proc: subprocess.Popen) -> None:
    """End Chromium's process group (it started it; nothing else is in it)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(5) == b"%PDF-"
    except OSError:
        return False


#: Chromium's chatter on a machine without a desktop session, never the reason it failed
_NOISE = ("dbus", "bus.cc", "object_proxy", "Fontconfig", "bytes written to file")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not any(n in line for n in _NOISE)]
    return lines[-1][:300] if lines else ""
