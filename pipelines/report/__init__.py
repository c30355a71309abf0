"""The report stage: notebooks run by papermill, exported to offline HTML, published atomically.

Public API (imported lazily, so a notebook importing ``pipelines.report.charts``
does not pay for nbconvert and papermill):

- :func:`execute_notebook` (``execute``): one notebook, this Python's kernel
- :func:`export_html` (``export``): executed notebook -> self-contained HTML
- :func:`build_report`, :func:`publish`, :func:`build_and_publish`, :func:`staging_dir` (``build``)
- :func:`build_index` (``index``): ``reports/index.html``
- :func:`open_results` (``context``): what a notebook reads
- :class:`NotebookFailed` (``execute``)
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "execute_notebook": "pipelines.report.execute",
    "NotebookFailed": "pipelines.report.execute",
    "export_html": "pipelines.report.export",
    "build_report": "pipelines.report.build",
    "build_and_publish": "pipelines.report.build",
    "publish": "pipelines.report.build",
    "staging_dir": "pipelines.report.build",
    "failed_dir": "pipelines.report.build",
    "default_notebooks_dir": "pipelines.report.build",
    "build_index": "pipelines.report.index",
    "open_results": "pipelines.report.context",
    "ReportContext": "pipelines.report.context",
}

__all__ = [
    "NotebookFailed",
    "ReportContext",
    "build_and_publish",
    "build_index",
    "build_report",
    "default_notebooks_dir",
    "execute_notebook",
    "export_html",
    "failed_dir",
    "open_results",
    "publish",
    "staging_dir",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'pipelines.report' has no attribute {name!r}")
