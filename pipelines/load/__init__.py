"""Loading: exports in, one typed DuckDB file out, every row accounted for.

rows in = rows loaded + rows set aside, per table. Rows that cannot be loaded
go to ``quarantine`` with file, line, column and reason (contract §1, §5).
"""

from pipelines.load.build import LoadReport, load_exports

__all__ = ["LoadReport", "load_exports"]
