"""Each account's last activity and erasure deadline at as_of: shared by inactivity and retention."""

from __future__ import annotations

import duckdb

from pipelines.db import read_sql
from pipelines.metrics import Period
from pipelines.metrics.params import base_params
from pipelines.policy import Policy


def materialize_account_deadlines(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> None:
    """(Re)create the temp table ``account_deadlines`` for this period (policy §1.1)."""
    params = base_params(con, period, policy)
    con.sql(
        "CREATE OR REPLACE TEMP TABLE account_deadlines AS " + read_sql("pipelines.metrics", "account_deadlines"),
        params={"as_of": params["as_of"], "as_of_end": params["as_of_end"], "period_months": policy.inactivity_months},
    )
