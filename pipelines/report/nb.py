"""The few calls a notebook makes, so notebooks stay thin.

from pipelines.report import nb
from pipelines.report.sections import retention
ctx = nb.start(results_dir=results_dir, db=db, data_dir=data_dir, quarter=quarter,
               as_of=as_of, policy=policy, language=language, output_dir=output_dir)
nb.html(retention.section(ctx))
nb.chart(ctx, retention.breaches_by_category)   # the chart names its own table
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from pipelines.dates import LATEST
from pipelines.report import outline
from pipelines.report.kit import blocks, theme
from pipelines.report.kit.context import ReportContext, open_results


def start(
    results_dir: str = "",
    db: str = "",
    data_dir: str = "",
    quarter: str = LATEST,
    as_of: str = "",
    policy: str = "",
    language: str = "en",
    output_dir: str = "",
) -> ReportContext:
    """Enable the chart theme/renderer and open the results (see :func:`~pipelines.report.kit.context.open_results`)."""
    theme.setup()
    return open_results(
        results_dir,
        data_dir,
        db,
        quarter,
        as_of,
        policy,
        language=language,
        output_dir=output_dir,
    )


def html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def shows(ctx: ReportContext, make: Callable) -> bool:
    """Whether the policy has the kind of rule the chart ``make`` shows (pipelines/report/outline.py): an analyst
    notebook heads a chart with its subsection only then."""
    part = outline.part_of(make)
    return part is None or outline.shows(ctx.policy, part)


def chart(ctx: ReportContext, make: Callable, **kwargs) -> None:
    """Display a section's chart ``make`` (drawn from the table it names), or say why there is none; nothing when
    the policy has no rule of the kind it shows (:func:`~pipelines.report.outline.shows`)."""
    import inspect

    from IPython.display import display

    if not shows(ctx, make):
        return
    if "first_date" in inspect.signature(make).parameters:
        # a trend leaves the quarters before the exports begin empty (docs/report.md, "Trends before the exports begin")
        kwargs.setdefault("first_date", ctx.get("data.first_date"))
    result = make(ctx.table(make.table), ctx.language, **kwargs)
    if result is None:
        html(blocks.no_data(ctx, make.table))
    else:
        display(theme.localized(result, ctx.language))


def frame(ctx: ReportContext, table: str, **kwargs) -> None:
    """Show a results table as it is (analyst notebooks), or say it is absent."""
    from IPython.display import display

    data = ctx.table(table)
    if data is None:
        html(blocks.no_data(ctx, table))
    else:
        display(data)


def table(data, rows: int = 20) -> None:
    """Show a frame (polars, or a DuckDB relation) as an HTML table with all its columns and its first ``rows``
    rows, and how many rows there are (the exploration notebook; styled in an untrusted JupyterLab too).

    Only the rows shown leave the database: the rest are counted, never fetched.
    """
    import polars as pl

    if not isinstance(data, pl.DataFrame):  # a DuckDB relation: fetch the rows shown, count the rest
        total = data.aggregate("count(*)").fetchall()[0][0]
        frame = data.limit(rows).pl()
    else:
        total, frame = data.height, data.head(rows)
    numeric = [i for i, dtype in enumerate(frame.dtypes) if dtype.is_numeric()]
    cells = [["" if value is None else escape(str(value)) for value in row] for row in frame.iter_rows()]
    shown = f"{frame.height} of {total} rows" if total > frame.height else f"{total} rows"
    html(
        blocks.table_html(list(frame.columns), cells, numeric=numeric, table_class="pr-explore")
        + f'<p class="pr-how"{blocks.inline("how")}>{escape(shown)} · {len(frame.columns)} columns</p>'
    )
