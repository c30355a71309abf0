"""The machine-readable result of a run: ``summary.json`` and ``tables/*.csv``.

Computes every family once; notebooks and the report read what this wrote,
so the HTML's figures are the summary's figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

import pipelines
from pipelines import db as dbmod
from pipelines import findings, spreadsheet
from pipelines.contract import ACTIVITY_TABLES, TABLES, is_synthetic_export
from pipelines.dates import LATEST, Quarter, end_of_local_day, latest_complete_quarter
from pipelines.errors import BadInput
from pipelines.metrics import Period, families, table_schemas
from pipelines.metrics.params import columns_absent, is_present
from pipelines.policy import Policy

SUMMARY_FILE = "summary.json"
TABLES_DIR = "tables"


@dataclass
class Results:
    summary: dict
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)


def compute_results(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy, *,
                    summary_only: bool = False) -> Results:
    """Every family's figures for one period (contract §3, §4); ``summary_only``: a family may leave out the tables
    only the report reads (the previous quarter's results serve only its summary)."""
    summary: dict = {"period": str(period.quarter), "as_of": period.as_of.isoformat(), "policy": policy.label,
                     "generator": generator()}
    summary["data"] = data_coverage(con, period.as_of)
    tables: dict[str, pl.DataFrame] = {}
    for name, family in families().items():
        result = family.compute(con, period, policy, summary_only=summary_only)
        summary[name] = result.summary
        tables.update(result.tables)
    return Results(summary, tables)


#: more than the widest gap between two UTC offsets (-12:00 to +14:00): an instant this long
#: before another always has an earlier or the same local date
_OFFSET_SPAN = "INTERVAL 2 DAY"


def _activity_timestamps() -> list[tuple[str, str]]:
    """(table, column) of every timestamp in accounts, sessions and support tickets (contract §2)."""
    return [(t, c.name) for t in ACTIVITY_TABLES for c in TABLES[t].columns if c.type == "timestamp"]


def _edge_local_date(con: duckdb.DuckDBPyConnection, edge: str) -> date | None:
    """``max`` (or ``min``) of the local dates of every activity timestamp.

    Converting 20 million timestamps to local dates takes seconds; the extreme
    local date is among the instants within :data:`_OFFSET_SPAN` of the extreme
    instant, so only those are converted (exactly the same date, DST included).
    """
    bound, op = ("max", ">=") if edge == "max" else ("min", "<=")
    shift = "-" if edge == "max" else "+"
    parts = [
        f"SELECT {edge}(local_date({c})) AS d FROM {t} "
        f"WHERE {c} {op} (SELECT {bound}({c}) FROM {t}) {shift} {_OFFSET_SPAN}"
        for t, c in _activity_timestamps()
    ]
    return dbmod.scalar(con, f"SELECT {edge}(d) FROM (" + " UNION ALL ".join(parts) + ")")


def newest_data_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The local date of the newest timestamp in accounts, sessions and support tickets (contract §2)."""
    return _edge_local_date(con, "max")


def oldest_data_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The local date of the oldest timestamp in accounts, sessions and support tickets."""
    return _edge_local_date(con, "min")


def data_coverage(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> dict:
    """What the loaded exports are: their date range and whether they are a synthetic sample.

    Goes into ``summary.json`` as ``data`` so the report can say when a quarter
    lies outside the exports' dates and when the data is made up. With
    ``as_of``, also ``rows_as_of``: the rows of each exported table that exist
    by then, so the report can tell "nothing to judge" from "no breach"
    (docs/report.md, "Verdicts").
    """
    data_dir = (
        dbmod.scalar(con, "SELECT value FROM settings WHERE name = 'data_dir'")
        if dbmod.table_exists(con, "settings")
        else None
    )
    oldest, newest = oldest_data_date(con), newest_data_date(con)
    coverage = {
        "first_date": oldest.isoformat() if oldest else None,
        "last_date": newest.isoformat() if newest else None,
        "synthetic_sample": is_synthetic_export(data_dir),
    }
    if as_of is not None:
        coverage["rows_as_of"] = rows_as_of(con, as_of)
    # optional columns an exported table's header lacks: a rule reading one is not assessable (findings.py)
    coverage["columns_absent"] = columns_absent(con)
    return coverage


def rows_as_of(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, int]:
    """Rows of each exported table dated on or before ``as_of`` (local date); absent tables are left out.

    A row's date is its table's first required timestamp (an account's
    creation, a session's start, a marketing row's last communication...):
    a row dated after ``as_of`` does not exist yet (reading 8).
    """
    # local date <= as_of is "before the first instant after as_of's local day": no row converted
    zone = dbmod.scalar(con, "SELECT current_setting('TimeZone')")
    end = end_of_local_day(as_of, zone)
    counts = {}
    for name, spec in TABLES.items():
        if not is_present(con, name):
            continue
        dated = next(c.name for c in spec.columns if c.type == "timestamp" and c.required)
        counts[name] = dbmod.scalar(con, f"SELECT count(*) FROM {name} WHERE {dated} < ?", [end])
    return counts


def resolve_period(con: duckdb.DuckDBPyConnection, quarter: str, as_of: date | None, today: date) -> Period:
    """``latest`` or a named quarter, with ``as_of`` defaulting to its last day."""
    if quarter.strip().lower() == LATEST:
        newest = newest_data_date(con)
        if newest is None:
            raise BadInput("the exports hold no dated rows: name a quarter with --quarter")
        q = latest_complete_quarter(today, newest)
    else:
        try:
            q = Quarter.parse(quarter)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    if as_of is not None and not (q.start <= as_of):
        raise BadInput(f"--as-of {as_of} is before the start of {q} ({q.start})")
    return Period.of(q, as_of)


def compute_with_previous(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> Results:
    """The period's results, with the previous quarter's summary under ``previous`` for changes."""
    # the previous quarter first: the models left in ``con`` are then this period's, which
    # pipelines.records.compute reads without computing the families again (docs/design.md, "Compute once")
    previous = compute_results(con, period.previous(), policy, summary_only=True)
    results = compute_results(con, period, policy)
    results.summary["previous"] = previous.summary
    # one verdict per promise, judged here once (docs/report.md, "Findings"); the report only shows them
    results.summary["findings"] = findings.judge(results.summary, policy, previous=previous.summary)
    return results


def generator() -> dict[str, str]:
    """What made a summary: ``summary.json``'s ``generator`` (the report's About section names it)."""
    return {"name": pipelines.DISTRIBUTION, "version": pipelines.__version__}


def write_results(results: Results, out_dir: Path) -> None:
    """``summary.json`` (naming its generator, even for results built without one) and ``tables/*.csv``
    (safe to open in a spreadsheet: :func:`pipelines.spreadsheet.write_csv`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = results.summary if "generator" in results.summary else {**results.summary, "generator": generator()}
    (out_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, default=json_default) + "\n", encoding="utf-8")
    tables_dir = out_dir / TABLES_DIR
    tables_dir.mkdir(exist_ok=True)
    for name, frame in results.tables.items():
        # text cells a spreadsheet would run as formulas get a leading ' (docs/operations.md)
        spreadsheet.write_csv(frame, tables_dir / f"{name}.csv")


def read_results(out_dir: Path) -> Results:
    """A results directory as written by :func:`write_results`; each table typed as its family declares it.

    A declared table whose header differs from the declaration (a directory written by
    another version) is bad input naming the file; an undeclared table is read as found.
    Reads every table: a notebook reads only the ones it shows, with :func:`read_summary`
    and :func:`read_table`.
    """
    summary = read_summary(out_dir)
    tables = {p.stem: read_table(out_dir, p.stem) for p in sorted((Path(out_dir) / TABLES_DIR).glob("*.csv"))}
    return Results(summary, tables)


def read_summary(out_dir: Path) -> dict:
    """``summary.json`` of a results directory."""
    return json.loads((Path(out_dir) / SUMMARY_FILE).read_text(encoding="utf-8"))


def read_table(out_dir: Path, name: str) -> pl.DataFrame | None:
    """One table of a results directory, typed as its family declares it; ``None`` when it was not written."""
    path = Path(out_dir) / TABLES_DIR / f"{name}.csv"
    if not path.is_file():
        return None
    return _read_table(path, table_schemas().get(name))


def _read_table(path: Path, schema: pl.Schema | None) -> pl.DataFrame:
    if schema is None:
        # whole-file type inference: a column empty in its first rows must not become text
        return pl.read_csv(path, try_parse_dates=True, infer_schema_length=None)
    header = pl.read_csv(path, n_rows=0).columns
    if header != schema.names():
        raise BadInput(f"{path}: columns {', '.join(header)}; expected {', '.join(schema.names())} (re-run the metrics)")
    return pl.read_csv(path, schema=schema)


def json_default(value):
    """Dates as ISO text: how summary.json writes them (verify reads a recomputed summary the same way)."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
