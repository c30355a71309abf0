"""Run the notebooks and export the management HTML (the report stage; publishing is pipelines/publish/).

Layout of a published quarter (contract §4)::

    reports/2024Q3/
        quarterly-review.html     the management report (offline, no code)
        summary.json, tables/     the results the notebooks read
        notebooks/*.ipynb         the executed notebooks (analysts open these)

The report is built inside the staging folder the publish stage made
(pipelines/publish/quarter.py), which is swapped into place only when every
notebook ran and the privacy scan found nothing. A failed notebook is moved
to ``failed/<notebook>.ipynb`` of the folder it ran in.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from pipelines import inputs
from pipelines.dates import LATEST
from pipelines.errors import PipelineFailure
from pipelines.ownership import FAILED_DIR
from pipelines.policy import Policy, default_policy_path, load_policy
from pipelines.report import outline
from pipelines.report.editions import Edition
from pipelines.report.kernel import package_root
from pipelines.report.kit.words import check_language, t
from pipelines.results import SUMMARY_FILE

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
MANAGEMENT_NOTEBOOK = "00_quarterly_review.ipynb"
NOTEBOOKS_ENV = "PRIVACY_REVIEW_NOTEBOOKS"
MAX_JOBS = 4

log = logging.getLogger(__name__)


#: the package the wheel ships ``notebooks/`` as (setup.py; docs/design.md, "Packaging")
NOTEBOOKS_PACKAGE = "pipelines.notebooks"


def packaged_notebooks_dir() -> Path | None:
    """The folder of the notebooks installed with the package (``pipelines/notebooks/``), if any.

    An installed wheel has them there. A checkout has no such package (None),
    editable install or not: setuptools' editable finder does not resolve a
    folder-only package mapped outside ``pipelines/``, so a checkout is found
    by its ``notebooks/`` beside ``pipelines/`` (:func:`default_notebooks_dir`).
    """
    from importlib.resources import files

    try:
        entry = files(NOTEBOOKS_PACKAGE).joinpath(MANAGEMENT_NOTEBOOK)
    except (ModuleNotFoundError, ValueError):
        return None
    path = Path(str(entry))
    return path.parent if path.is_file() else None  # e.g. inside a zip: not a folder papermill can run in


def default_notebooks_dir() -> Path:
    """Where the report's notebooks are: ``$PRIVACY_REVIEW_NOTEBOOKS``, else the installed package's
    (:func:`packaged_notebooks_dir`), else ``notebooks/`` of the checkout holding this package,
    else ``./notebooks``."""
    candidates = (
        [Path(os.environ[NOTEBOOKS_ENV])] if os.environ.get(NOTEBOOKS_ENV) else []
    )
    packaged = packaged_notebooks_dir()
    candidates += [packaged] if packaged is not None else []
    candidates += [package_root() / "notebooks", Path.cwd() / "notebooks"]
    for candidate in candidates:
        if (candidate / MANAGEMENT_NOTEBOOK).is_file():
            return candidate.resolve()
    raise PipelineFailure(
        f"cannot find the report notebooks ({MANAGEMENT_NOTEBOOK}) in: {', '.join(map(str, candidates))}; "
        f"set {NOTEBOOKS_ENV} to the notebooks folder"
    )


def report_notebooks(notebooks_dir: Path, policy: Policy | None = None) -> list[Path]:
    """The notebooks a report runs, in reading order (``00_…`` first); with ``policy``, only those of the sections
    its report shows (pipelines/report/outline.py: no support notebook without a response standard)."""
    found = sorted(Path(notebooks_dir).glob(NOTEBOOK_GLOB))
    if not any(p.name == MANAGEMENT_NOTEBOOK for p in found):
        raise PipelineFailure(f"{notebooks_dir}: no {MANAGEMENT_NOTEBOOK}")
    return [p for p in found if policy is None or outline.notebook_shown(policy, p.name)]


def _abs(value) -> str:
    return str(Path(value).resolve()) if value not in (None, "") else ""


class Counter:
    """A count shared by the notebook threads (the progress lines' "[k/N]")."""

    def __init__(self, total: int) -> None:
        self.total, self.value, self.lock = total, 0, threading.Lock()

    def next(self) -> int:
        with self.lock:
            self.value += 1
            return self.value


def build_report(
    results_dir: Path,
    out_dir: Path,
    *,
    db: Path | None = None,
    data_dir: str | Path | None = "",
    quarter: str = LATEST,
    as_of: str = "",
    policy_path: str | Path | None = "",
    language: str = "en",
    notebooks_dir: Path | None = None,
    jobs: int | None = None,
    edition: Edition | None = None,
    beside: tuple[Edition, ...] = (),
) -> Path:
    """Run every notebook on ``results_dir`` into ``out_dir/notebooks/``; export ``out_dir/quarterly-review.html``.

    ``edition``: the names of the report in ``language`` (pipelines/report/editions.py; default the main
    edition); ``beside``: the editions published with it, which its HTML links to (docs/report.md, "Languages").

    Only the notebooks of the sections the policy's report shows run (:func:`report_notebooks`).
    Up to ``jobs`` notebooks run at once (default: the CPU count, at most
    :data:`MAX_JOBS`): ``jobs`` kernels, each started once and reused, take the
    next notebook in reading order (docs/report.md, "Steps"). On a cell error the executed
    notebook (error cell included) is moved to ``out_dir/failed/`` and
    :class:`~pipelines.report.execute.NotebookFailed` is raised from
    papermill's ``PapermillExecutionError`` (the first failing notebook in
    reading order; notebooks not yet started are not run). Returns the HTML's path.
    """
    # deferred: papermill and nbconvert load only when notebooks run (--no-report and the CLI's --help never do)
    from papermill.exceptions import PapermillExecutionError

    from pipelines.report.execute import NotebookFailed, NotebookKernel, execute_notebook
    from pipelines.report.export import export_html

    language = check_language(language)
    edition = edition or Edition(language)
    # absolute once: the notebooks run in threads, and a relative path must mean one folder for all
    notebooks_dir = Path(notebooks_dir).resolve() if notebooks_dir else default_notebooks_dir()
    out_dir = Path(out_dir).resolve()
    results_dir = Path(results_dir).resolve()
    if not (results_dir / SUMMARY_FILE).is_file():
        raise PipelineFailure(
            f"{results_dir}: no {SUMMARY_FILE} to build a report from"
        )
    parameters = {
        "results_dir": _abs(results_dir),
        "db": _abs(db),
        "data_dir": _abs(data_dir),
        "quarter": str(quarter or LATEST),
        "as_of": str(as_of or ""),
        "policy": _abs(policy_path),
        "language": language,
        "output_dir": "",
    }
    executed_dir = out_dir / edition.notebooks
    # the notebooks read the policy without its documents, as the run already checked them
    notebooks = report_notebooks(notebooks_dir, load_policy(policy_path or None, verify_documents=False))
    jobs = max(1, min(jobs or os.cpu_count() or 1, MAX_JOBS, len(notebooks)))

    log.info("running %d notebooks, %d at a time", len(notebooks), jobs)
    done = Counter(len(notebooks))
    pending = list(notebooks)  # reading order; each kernel takes the next one
    lock, stop = threading.Lock(), threading.Event()
    failures: dict[str, PapermillExecutionError] = {}
    errors: list[BaseException] = []

    def take() -> Path | None:
        with lock:
            return pending.pop(0) if pending and not stop.is_set() else None

    def kernel_runs() -> None:
        """One kernel runs notebooks until none is left or one failed (docs/report.md, "Steps")."""
        try:
            if take_first := take():
                started = time.monotonic()
                with NotebookKernel(notebooks_dir) as kernel:
                    log.info("notebook kernel started in %.1f s", time.monotonic() - started)
                    notebook: Path | None = take_first
                    while notebook is not None:
                        started = time.monotonic()
                        try:
                            execute_notebook(notebook, executed_dir / notebook.name, parameters,
                                             cwd=notebooks_dir, kernel=kernel)
                        except PapermillExecutionError as exc:
                            with lock:
                                failures[notebook.name] = exc
                            stop.set()  # notebooks not yet started: not run
                            return
                        log.info("[%d/%d] notebook %s done in %.1f s", done.next(), len(notebooks),
                                 notebook.name, time.monotonic() - started)
                        notebook = take()
        except BaseException as exc:  # e.g. a full disk or a kernel that died: raised once every kernel stopped
            with lock:
                errors.append(exc)
            stop.set()

    if jobs == 1:
        kernel_runs()
    else:
        # each kernel is its own process, started, used and shut down by one thread (pipelines/report/execute.py)
        threads = [threading.Thread(target=kernel_runs, name=f"notebook-{i}") for i in range(jobs)]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except BaseException:
            stop.set()  # e.g. Ctrl-C: each kernel finishes its notebook and starts no other
            raise
    if errors:
        raise errors[0]
    if failures:
        name = min(failures)  # the first failure in reading order
        exc = failures[name]
        kept = None
        for failed_name in sorted(failures):
            src = executed_dir / failed_name
            if src.exists():
                dst = out_dir / FAILED_DIR / failed_name
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
                kept = dst if failed_name == name else kept
        raise NotebookFailed(name, kept, exc) from exc
    period = (
        json.loads((results_dir / SUMMARY_FILE).read_text(encoding="utf-8")).get(
            "period"
        )
        or quarter
    )
    html = out_dir / edition.html
    started = time.monotonic()
    export_html(
        executed_dir / MANAGEMENT_NOTEBOOK,
        html,
        title=f"{t(language, 'report_title')} {period}",
        language=language,
        beside=tuple((e.language, e.html) for e in beside if e != edition),
    )
    log.info("exported %s in %.1f s", html.name, time.monotonic() - started)
    return html


# --- publishing ----------------------------------------------------------------


#: the injected parameters of a published notebook: results beside it, no local path (docs/operations.md,
#: "Safe by construction"); an analyst opening it in JupyterLab reads the quarter it sits in
PORTABLE_PARAMETERS = {"results_dir": "..", "db": "", "data_dir": "", "output_dir": ""}
#: a policy file other than the packaged one is published beside the results, for the notebooks to read
POLICY_COPY = "policy.toml"


def make_portable(folder: Path, *, policy: str = "") -> None:
    """Rewrite the executed notebooks in ``folder`` so that they name no local path.

    Papermill records the run's absolute paths in the injected-parameters cell and in the
    notebook's metadata (``input_path``, ``output_path``, ``parameters``): a published notebook
    carries instead ``results_dir = ".."`` (the quarter it sits in), no database, no exports,
    the policy as ``policy`` (relative, or empty for the packaged one), and file names only.
    """
    import nbformat

    values = {**PORTABLE_PARAMETERS, "policy": policy}
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell.source = "\n".join(
                    _portable_line(line, values) for line in cell.source.splitlines()
                )
        meta = nb.metadata.get("papermill", {})
        for key in ("input_path", "output_path"):
            if isinstance(meta.get(key), str):
                meta[key] = Path(meta[key]).name
        parameters = meta.get("parameters")
        if isinstance(parameters, dict):
            for key in parameters:
                if key in values:
                    parameters[key] = values[key]
        meta.pop("environment_variables", None)
        nbformat.write(nb, path)


def _portable_line(line: str, values: dict[str, str]) -> str:
    name = line.split("=", 1)[0].strip()
    if "=" in line and name in values:
        return f"{name} = {json.dumps(values[name])}"
    return line


def _publish_policy(policy_path: str | Path | None, folder: Path) -> str:
    """Copy a policy file other than the packaged one into ``folder``; the notebooks' ``policy`` parameter."""
    if not policy_path or Path(policy_path).resolve() == default_policy_path().resolve():
        return ""
    if not Path(policy_path).is_file():  # the notebooks will say so, naming it
        return str(policy_path)
    # the bytes the review read, through the one gate (pipelines/inputs.py): never a FIFO's or a device's
    (Path(folder) / POLICY_COPY).write_bytes(inputs.read_bytes(Path(policy_path), inputs.POLICY))
    return f"../{POLICY_COPY}"


def render_report(folder: Path, *, quarter: str, as_of: str = "", language: str = "en",
                  policy_path: str | Path | None = "",
                  db: Path | None = None, data_dir: str | Path | None = "", notebooks_dir: Path | None = None,
                  jobs: int | None = None, edition: Edition | None = None, beside: tuple[Edition, ...] = ()) -> Path:
    """The report of the results in ``folder`` (those of ``quarter``), built in ``folder`` and made portable: returns the HTML's path.

    A policy file other than the packaged one is copied beside the results for the notebooks; the
    executed notebooks (and, when one fails, the kept ones in ``failed/``) name no local path
    (:func:`make_portable`). Publishing is the caller's (pipelines/publish/quarter.py).
    """
    # deferred, as in build_report: papermill loads only when notebooks run
    from pipelines.report.execute import NotebookFailed

    folder = Path(folder)
    edition = edition or Edition(language)
    published_policy = _publish_policy(policy_path, folder)
    try:
        html = build_report(folder, folder, db=db, data_dir=data_dir,
                            quarter=quarter,
                            as_of=as_of, policy_path=policy_path, language=language, notebooks_dir=notebooks_dir,
                            jobs=jobs, edition=edition, beside=beside)
    except NotebookFailed:
        for name in (edition.notebooks, FAILED_DIR):
            make_portable(folder / name, policy=published_policy)
        raise
    make_portable(folder / edition.notebooks, policy=published_policy)
    return html
