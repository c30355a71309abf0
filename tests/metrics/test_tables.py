"""Each metric table's columns are declared once (the family's TABLES) and hold for real and fake results."""

from __future__ import annotations

import re

import polars as pl
import pytest

from pipelines.contract import TABLES as CONTRACT_TABLES
from pipelines.dates import Quarter
from pipelines.db import SQL_PACKAGE, read_sql, sql_names
from pipelines.errors import PipelineFailure
from pipelines.metrics import Period, checked, families, table_schemas
from pipelines.policy import load_policy
from pipelines.results import compute_results
from tests.report.fake_results import fake_summary, fake_tables

Q3 = Period.of(Quarter(2024, 3))


def test_every_family_declares_distinct_tables():
    names = [name for family in families().values() for name in family.TABLES]
    assert len(names) == len(set(names)) == len(table_schemas()) == 24


def test_a_real_run_writes_exactly_the_declared_tables(make_db):
    con = make_db(
        {
            "accounts": [{"account_id": "a", "created_at": "2023-01-10 10:00", "plan": "free", "status": "active"}],
            "support_tickets": [
                {"ticket_id": "t", "account_id": "a", "channel": "Email ", "category": "privacy",
                 "created_at": "2024-07-02 10:00", "first_response_at": "2024-07-02 12:00"}
            ],
            "rights_requests": [
                {"request_id": "r", "right": "Access", "channel": "email", "received_at": "2024-07-05 10:00"}
            ],
        }
    )
    tables = compute_results(con, Q3, load_policy()).tables
    assert {name: frame.schema for name, frame in tables.items()} == table_schemas()


def test_every_fake_table_matches_its_declaration():
    fakes = fake_tables(fake_summary())
    assert set(fakes) == set(table_schemas())
    for name, frame in fakes.items():
        assert frame.schema == table_schemas()[name], name
        assert frame.height > 0, name


def test_a_table_that_differs_from_its_declaration_is_an_internal_error_naming_it():
    declared = {"x_counts": pl.Schema({"bucket": pl.String, "accounts": pl.Int64})}
    good = pl.DataFrame({"bucket": ["a"], "accounts": [1]})
    assert checked({}, {"x_counts": good}, declared).tables["x_counts"].equals(good)
    with pytest.raises(PipelineFailure, match="'x_counts'"):
        checked({}, {"x_counts": good.with_columns(pl.col("accounts").cast(pl.UInt32))}, declared)
    with pytest.raises(PipelineFailure, match="'x_counts'"):
        checked({}, {"x_counts": good.rename({"accounts": "n"})}, declared)
    with pytest.raises(PipelineFailure, match="declared"):
        checked({}, {}, declared)


def test_no_sql_file_is_named_like_a_contract_table():
    # a file named like an export table would shadow it: `FROM rights_requests` would read the file
    assert not sql_names() & set(CONTRACT_TABLES)


def test_every_model_starts_with_a_line_naming_the_clause_it_implements():
    """dbt's staging and marts (pipelines/metrics/sql/README.md, "Layout"): a model's first line cites its clause."""
    for name in sql_names():
        first = read_sql(SQL_PACKAGE, name).splitlines()[0]
        assert first.startswith("-- ") and re.search(r"§|Art\. |docs/", first), name
