"""Pseudonymous keys: rows that must be named in a report carry a keyed hash, never an id.

The salt is kept in the database (``settings`` table, written by the loader)
and never in a report, so a key cannot be reversed by hashing guessed ids,
yet stays the same across reloads of the same database path. SQL writes
``pseudonym(account_id, $pseudonym_salt)`` (a macro of ``pipelines/metrics/sql/macros.sql``).
"""

from __future__ import annotations

import duckdb

from pipelines.db import scalar, table_exists

#: the ``settings`` row the loader writes the salt to; SQL binds it as ``$pseudonym_salt``
SALT_SETTING = "pseudonym_salt"


def salt(con: duckdb.DuckDBPyConnection) -> str:
    """The database's pseudonym salt ('' for a database without one, e.g. in tests)."""
    if not table_exists(con, "settings"):
        return ""
    return scalar(con, "SELECT value FROM settings WHERE name = ?", [SALT_SETTING]) or ""

