"""SQL parameters every family binds: the period's dates and the pseudonym salt."""

from __future__ import annotations

import duckdb

from pipelines.dates import end_of_local_day
from pipelines.metrics import Period
from pipelines.metrics.pseudonym import SALT_PARAM, salt
from pipelines.policy import Policy


def base_params(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> dict:
    """``as_of``; ``as_of_end``, the first instant after as_of's local day (``ts < as_of_end``
    means "on or before as_of" by local date, without converting every row); ``quarter_start``."""
    return {
        "as_of": period.as_of,
        "as_of_end": end_of_local_day(period.as_of, policy.zone),
        "quarter_start": period.start,
        SALT_PARAM: salt(con),
    }


def is_present(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether an (optional) table was exported; a database without ``load_tables`` has them all."""
    from pipelines.db import scalar, table_exists

    if not table_exists(con, "load_tables"):
        return True
    return bool(scalar(con, "SELECT present FROM load_tables WHERE table_name = ?", [table]))
