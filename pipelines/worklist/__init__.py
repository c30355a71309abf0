"""``privacy-review worklist``: the rows behind the report's breach figures, by their real ids, for the people who act.

The report counts; the worklist names (docs/operations.md, "The worklist"). One CSV
per retention figure of the policy file and per other check, each the rows of the metric model the report's figure is computed from
(``pipelines/metrics/sql/staging/retention_breach_rows.sql``, ``rights_evaluated.sql``, ...),
read by name from ``sql/*.sql``, so a rule is written once and each file's row count
is its figure in ``summary.json``. These files hold personal data: they are created
with mode 0600 and never written inside a reports folder.
"""

from pipelines.worklist.lists import (
    WorklistFile,
    WorklistOptions,
    reports_folder,
    worklist,
)

__all__ = ["WorklistFile", "WorklistOptions", "reports_folder", "worklist"]
