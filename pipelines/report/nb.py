"""The few calls a notebook makes, so notebooks stay thin.

from pipelines.report import nb
ctx = nb.start(results_dir=results_dir, db=db, data_dir=data_dir, quarter=quarter,
               as_of=as_of, policy=policy, language=language, output_dir=output_dir)
nb.chart(ctx, "retention_breaches", charts.breaches_by_category)
"""

from __future__ import annotations

from collections.abc import Callable

from pipelines.report import charts
from pipelines.report.context import ReportContext, open_results


def start(
    results_dir: str = "",
    db: str = "",
    data_dir: str = "",
    quarter: str = "latest",
    as_of: str = "",
    policy: str = "",
    language: str = "en",
    output_dir: str = "",
) -> ReportContext:
    """Enable the chart theme/renderer and open the results (see :func:`~pipelines.report.context.open_results`)."""
    charts.setup()
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


def chart(ctx: ReportContext, table: str, make: Callable, **kwargs) -> None:
    """Display ``make(ctx.table(table), ctx.language, **kwargs)``, or say why there is no chart."""
    from IPython.display import display

    from pipelines.report.management import no_data

    result = make(ctx.table(table), ctx.language, **kwargs)
    if result is None:
        html(no_data(ctx, table))
    else:
        display(result)


def frame(ctx: ReportContext, table: str, **kwargs) -> None:
    """Show a results table as it is (analyst notebooks), or say it is absent."""
    from IPython.display import display

    from pipelines.report.management import no_data

    data = ctx.table(table)
    if data is None:
        html(no_data(ctx, table))
    else:
        display(data)
