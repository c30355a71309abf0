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
        """The Parquet files, in file-name order: the order "first in file order" refers to (reading 1)."""
        if self.path.is_dir():
            try:
                return sorted(self.path.glob("*.parquet"))
            except OSError as exc:
                raise BadInput(f"{self.path}: cannot read the directory: {exc.strerror or exc}") from None
        return [self.path]


def find_sources(data_dir: Path) -> dict[str, Source | None]:
    """Every contract table's source (None for an absent optional table).

    A missing required table is bad input; two sources for one table are
    ambiguous and also refused, rather than silently picking one.
    """
    data_dir = Path(data_dir)
    if not data_dir.exists():
        raise BadInput(f"{data_dir}: export directory not found")
    if not data_dir.is_dir():
        raise BadInput(f"{data_dir}: not a directory (give the directory that holds the exports)")
    try:
        next(data_dir.iterdir(), None)
    except OSError as exc:
        raise BadInput(f"{data_dir}: cannot read the export directory: {exc.strerror or exc}") from None
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
        if candidates and candidates[0].path == data_dir / name and not candidates[0].files:
            raise BadInput(f"{candidates[0].path}: directory holds no .parquet files")
        if not candidates and table.required:
            raise BadInput(
                f"{data_dir / (name + '.csv')}: required table {name} is missing"
                f" (expected {name}.csv, {name}.parquet or a directory {name}/ of Parquet files)"
            )
        found[name] = candidates[0] if candidates else None
    return found
