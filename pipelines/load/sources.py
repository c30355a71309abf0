"""Finds each contract table's export in a directory: CSV, Parquet file, or a directory of Parquet files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.contract import TABLES
from pipelines.errors import BadInput


@dataclass(frozen=True)
class Source:
    table: str
    path: Path
    format: str  # "csv" | "parquet"

    @property
    def files(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(self.path.glob("*.parquet"))
        return [self.path]


def find_sources(data_dir: Path) -> dict[str, Source | None]:
    """Every contract table's source (None for an absent optional table).

    A missing required table is bad input; two sources for one table are
    ambiguous and also refused, rather than silently picking one.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise BadInput(f"{data_dir}: export directory not found")
    found: dict[str, Source | None] = {}
    for name, table in TABLES.items():
        candidates = [
            Source(name, p, fmt)
            for p, fmt in (
                (data_dir / f"{name}.csv", "csv"),
                (data_dir / f"{name}.parquet", "parquet"),
                (data_dir / name, "parquet"),
            )
            if p.exists()
        ]
        if len(candidates) > 1:
            listed = ", ".join(str(c.path) for c in candidates)
            raise BadInput(f"{data_dir}: table {name} has more than one export ({listed}): keep one")
        if candidates and candidates[0].path.is_dir() and not candidates[0].files:
            raise BadInput(f"{candidates[0].path}: directory holds no .parquet files")
        if not candidates and table.required:
            raise BadInput(
                f"{data_dir / (name + '.csv')}: required table {name} is missing"
                f" (expected {name}.csv, {name}.parquet or a directory {name}/ of Parquet files)"
            )
        found[name] = candidates[0] if candidates else None
    return found
