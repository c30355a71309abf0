"""Column mapping: a user whose export names columns differently maps them in a TOML file.

    [accounts]
    account_id = "user_id"        # contract column = the column in your export
    created_at = "signup_date"
"""

from __future__ import annotations

from pathlib import Path

from pipelines.contract import TABLES
from pipelines.errors import BadInput, read_toml

#: Picked up automatically when it sits in the export directory.
DEFAULT_MAPPING_FILE = "column-mapping.toml"

Mapping = dict[str, dict[str, str]]  # table -> {export column (lower case): contract column}


def load_mapping(path: Path | None, data_dir: Path | None = None) -> Mapping:
    """The mapping from ``path``, else ``<data_dir>/column-mapping.toml`` if present, else none."""
    if path is None and data_dir is not None and (Path(data_dir) / DEFAULT_MAPPING_FILE).exists():
        path = Path(data_dir) / DEFAULT_MAPPING_FILE
    if path is None:
        return {}
    path = Path(path)
    raw = read_toml(path, "column mapping file")
    mapping: Mapping = {}
    for table, columns in raw.items():
        if table not in TABLES:
            raise BadInput(f"{path}: [{table}] is not a contract table ({', '.join(TABLES)})")
        if not isinstance(columns, dict):
            raise BadInput(f"{path}: [{table}] must map contract columns to export columns")
        for contract_col, export_col in columns.items():
            if contract_col not in TABLES[table].column_names:
                raise BadInput(f"{path}: [{table}] {contract_col} is not a column of {table}")
            if not isinstance(export_col, str) or not export_col.strip():
                raise BadInput(f"{path}: [{table}] {contract_col} must name a column of your export")
            mapping.setdefault(table, {})[export_col.strip().lower()] = contract_col
    return mapping


def contract_name(table: str, export_column: str, mapping: Mapping) -> str:
    """The contract name of an export's column (header names match case-insensitively)."""
    name = export_column.strip().lower()
    return mapping.get(table, {}).get(name, name)
