"""Column mapping: a user whose export names columns differently maps them in a TOML file.

    [accounts]
    account_id = "user_id"        # contract column = the column in your export
    created_at = "signup_date"
"""

from __future__ import annotations

from pathlib import Path

from pipelines import inputs
from pipelines.contract import TABLES
from pipelines.errors import BadInput

#: Picked up automatically when it sits in the export directory.
DEFAULT_MAPPING_FILE = "column-mapping.toml"

Mapping = dict[str, dict[str, str]]  # table -> {export column (lower case): contract column}


def mapping_file(path: Path | None, data_dir: Path | None) -> Path | None:
    """The mapping a load reads: ``path`` (``--mapping``), else ``<data_dir>/column-mapping.toml`` when anything
    of that name is there (a FIFO or a broken link too: the gate refuses it, it is never taken for absent),
    else None."""
    if path is not None:
        return Path(path)
    default = Path(data_dir) / DEFAULT_MAPPING_FILE if data_dir is not None else None
    return default if default is not None and (default.exists() or default.is_symlink()) else None


def load_mapping(path: Path | None, data_dir: Path | None = None) -> Mapping:
    """The mapping from ``path``, else ``<data_dir>/column-mapping.toml`` if present (:func:`mapping_file`), else
    none."""
    path = mapping_file(path, data_dir)
    if path is None:
        return {}
    raw, _ = inputs.read_toml(path, inputs.MAPPING)  # the one gate: a regular file, 1 MiB at most, UTF-8
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
