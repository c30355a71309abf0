"""The policy's retention rules as SQL: one evaluated model, generated from a few templates.

docs/policy-file.md says what each key means; docs/design.md, "Rules as SQL", how it becomes SQL.
Each rule part (a table, a scope, an action) is one ``SELECT`` of the rows still holding what the
action removes, with their deadline (anchor, then start, then period; several deadlines combined as the
earliest or the latest), kept when the deadline is before ``as_of``. A table is read once for all of
the rules that read it: one CTE per table computes every part's ``applies_<n>`` and ``deadline_<n>``.

The generated models are
- ``retention_rule_rows``: every row past its deadline, with its rule, figure (``category``), subject,
  deadline, table, id, account, whether legal hold exempts it (``held``) and whether the register of
  exceptions may (``register_applies``); ``staging/retention_past_deadline_rows.sql`` reads it;
- ``retention_figure_tables``: (category, source_table) of every figure, for the register of exceptions;
- ``retention_rule_scope``: per rule, the rows it applies to at ``as_of`` (its scope, whatever their deadline or
  state): none makes its finding "nothing to judge", never "kept" (docs/report.md, "Findings").

Only names the contract and the validated policy file declare reach the SQL text: table and column names
are the contract's (quoted), ids match ``[a-z][a-z0-9_]*``, coded values are escaped literals.
Both engines run the text (Spark through pipelines/spark/sql.py).
"""

from __future__ import annotations

from pipelines.contract import ROW_TIME, SUBJECT, TABLES
from pipelines.policy import Policy, Rule
from pipelines.policy import model as m

#: the generated models' names (pipelines/db.py builds them like the SQL files)
RULE_ROWS, FIGURE_TABLES, RULE_SCOPE = "retention_rule_rows", "retention_figure_tables", "retention_rule_scope"
#: a date before as_of, as the metric SQL writes it
_BEFORE_AS_OF = "< CAST($as_of AS DATE)"


def models(policy: Policy) -> dict[str, str]:
    """The SQL of the models generated from ``policy``'s rules, by name."""
    return {RULE_ROWS: rule_rows_sql(policy), FIGURE_TABLES: figure_tables_sql(policy), RULE_SCOPE: rule_scope_sql(policy)}


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _column(alias: str, name: str) -> str:
    return f'{alias}."{name}"'


def figure_tables_sql(policy: Policy) -> str:
    """-- the tables each retention figure reads: the register of exceptions matches a row by figure and id"""
    rows = [f"({_literal(f)}, {_literal(t)})" for f in policy.figures for t in policy.figure_tables(f)]
    if not rows:
        return "SELECT CAST(NULL AS VARCHAR) AS category, CAST(NULL AS VARCHAR) AS source_table WHERE false"
    return f"SELECT * FROM (VALUES {', '.join(rows)}) AS t(category, source_table)"


class _Table:
    """The CTE reading one export table for every rule part on it."""

    def __init__(self, name: str):
        self.name = name
        self.columns: list[str] = []
        self.latest_joins: dict[tuple, str] = {}

    @property
    def cte(self) -> str:
        return f"rows_{self.name}"


class _Builder:
    def __init__(self, policy: Policy):
        self.policy = policy
        self.latest: dict[tuple, str] = {}  # (subject, events) -> CTE name
        self.tables: dict[str, _Table] = {}
        self.selects: list[str] = []
        self.parts: dict[tuple[str, str], str] = {}  # (rule id, table) -> the part's column suffix

    # --- expressions -----------------------------------------------------------------------------

    def latest_cte(self, anchor: m.Anchor) -> str:
        key = (anchor.subject, anchor.events)
        if key not in self.latest:
            self.latest[key] = f"latest_{len(self.latest) + 1}"
        return self.latest[key]

    def anchor_sql(self, anchor: m.Anchor, table: _Table) -> str:
        """The anchor's local date for a row ``r`` of ``table`` (its account's state is ``s``); NULL when
        the anchor has not happened by as_of (contract reading 8)."""
        if anchor.kind in (m.ROW, m.FIRST_PRESENT):
            happened = [f"CASE WHEN {_column('r', c)} < $as_of_end THEN {_column('r', c)} END" for c in anchor.columns]
            return f"local_date({happened[0] if len(happened) == 1 else 'coalesce(' + ', '.join(happened) + ')'})"
        if anchor.kind == m.SUBJECT_LATEST:
            cte = self.latest_cte(anchor)
            alias = f"l{cte.rsplit('_', 1)[1]}"
            table.latest_joins[(cte, anchor.subject)] = alias
            return f"{alias}.latest_on"
        if anchor.kind == m.ACCOUNT_LAST_ACTIVITY:
            return "s.last_activity_on"
        if anchor.kind == m.ACCOUNT_ERASURE:
            return "s.erased_on"
        if anchor.kind == m.ACCOUNT_CLOSURE:
            return "s.closed_on"
        other = self.policy.rule(anchor.rule)
        return self.deadline_sql(other.deadlines[0], table)

    def deadline_sql(self, deadline: m.Deadline, table: _Table) -> str:
        date = self.anchor_sql(deadline.anchor, table)
        if deadline.starts == "next_year":
            date = f"make_date(year({date}) + 1, 1, 1)"
        period = deadline.period
        if period.months is not None:
            return f"add_months({date}, {period.months})" if period.months else date
        if period.unit == m.DAYS:
            return f"({date} + {period.amount})" if period.amount else date
        return date  # none: the deadline is the anchor itself

    def rule_deadline_sql(self, rule: Rule, table: _Table) -> str:
        parts = [self.deadline_sql(d, table) for d in rule.deadlines]
        if len(parts) == 1:
            return parts[0]
        # a part whose anchor has not happened (or whose row has no account) is left out of the comparison,
        # as greatest/least skip NULL on both engines (docs/policy-file.md, "deadlines")
        return f"{'least' if rule.combine == m.EARLIEST else 'greatest'}({', '.join(parts)})"

    @staticmethod
    def scope_sql(part: m.Part) -> list[str]:
        conditions = {
            m.ANY: None,
            m.KNOWN: "(r.account_id IS NULL OR s.account_id IS NOT NULL)",
            m.WITH_ACCOUNT: "coalesce(s.exists_now, false)",
            m.WITHOUT_ACCOUNT: "r.account_id IS NULL",
            m.ERASED: "coalesce(s.erased, false)",
            m.NOT_ERASED: "(r.account_id IS NULL OR (s.account_id IS NOT NULL AND NOT s.erased))",
            m.CLOSED: "s.closed_on IS NOT NULL",
            m.NOT_CLOSED: "(r.account_id IS NULL OR (s.account_id IS NOT NULL AND s.closed_on IS NULL))",
        }
        found = [conditions[part.account]] if conditions[part.account] else []
        for column, values in part.where:
            found.append(f"lower(trim({_column('r', column)})) IN ({', '.join(map(_literal, values))})")
        return found

    @staticmethod
    def holding_sql(part: m.Part) -> list[str]:
        """What the action removes, still there at as_of: a breach is a row still holding it."""
        if part.action == m.CLEAR:
            return ["(" + " OR ".join(f"{_column('r', c)} IS NOT NULL" for c in part.columns) + ")"]
        if part.action == m.MARK:
            marker = _column("r", part.marker)
            return [f"({marker} IS NULL OR {marker} >= $as_of_end)"]
        return []  # delete, aggregate: the row itself is what goes

    # --- the model -------------------------------------------------------------------------------

    def build(self) -> str:
        rules = self.policy.retention_rules
        for rule in rules:
            for part in rule.parts:
                table = self.tables.setdefault(part.table, _Table(part.table))
                suffix = f"{len(table.columns) + 1}"
                table.columns.append(suffix)
                self.parts[(rule.id, part.table)] = suffix
        table_columns: dict[str, list[str]] = {name: [] for name in self.tables}
        for rule in rules:
            for part in rule.parts:
                table = self.tables[part.table]
                n = self.parts[(rule.id, part.table)]
                applies = self.scope_sql(part) + self.holding_sql(part)
                table_columns[part.table] += [
                    f"{' AND '.join(applies) if applies else 'true'} AS applies_{n}",
                    f"{self.rule_deadline_sql(rule, table)} AS deadline_{n}",
                ]
                self.selects.append(self.select_sql(rule, part, n))
        if not self.selects:
            return ("SELECT CAST(NULL AS VARCHAR) AS rule, CAST(NULL AS VARCHAR) AS category, "
                    "CAST(NULL AS VARCHAR) AS subject_id, CAST(NULL AS DATE) AS deadline, "
                    "CAST(NULL AS VARCHAR) AS source_table, CAST(NULL AS VARCHAR) AS row_id, "
                    "CAST(NULL AS VARCHAR) AS account_id, false AS held, false AS register_applies WHERE false")
        ctes = [self.account_state_cte()]
        ctes += [self.latest_sql(name, subject, events) for (subject, events), name in self.latest.items()]
        ctes += [self.table_cte(self.tables[name], cols) for name, cols in table_columns.items()]
        return "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL\n".join(self.selects)

    @staticmethod
    def account_state_cte() -> str:
        # every account of the export, whether it exists at as_of and, if so, its state there
        # (account_deadlines holds the rules: reading 19's existence, the erasure by as_of, the last activity)
        return """account_state AS (
    SELECT
        a.account_id,
        coalesce(a.legal_hold, false) AS legal_hold,
        d.account_id IS NOT NULL AS exists_now,
        coalesce(d.erased, false) AS erased,
        d.erased_on,
        -- closed (cancelled) on or before as_of, by an account that exists by then: not the same as erased
        CASE WHEN d.account_id IS NOT NULL AND local_date(a.closed_at) <= $as_of THEN local_date(a.closed_at) END
            AS closed_on,
        d.last_activity_on
    FROM accounts AS a
    LEFT JOIN account_deadlines AS d ON d.account_id = a.account_id
)"""

    @staticmethod
    def latest_sql(name: str, subject: str, events: tuple) -> str:
        union = "\n        UNION ALL\n".join(
            f"        SELECT {_column('e', subject)} AS subject, {_column('e', column)} AS event_at FROM {table} AS e "
            f"WHERE {_column('e', column)} < $as_of_end"
            for table, column in events
        )
        return (f"{name} AS (\n    -- each subject's latest event on or before as_of\n"
                f"    SELECT subject, max(local_date(event_at)) AS latest_on FROM (\n{union}\n    ) AS events "
                f"GROUP BY subject\n)")

    def table_cte(self, table: _Table, columns: list[str]) -> str:
        spec = TABLES[table.name]
        has_account = "account_id" in spec.column_names
        key = _column("r", spec.key)
        subject = SUBJECT[table.name]
        subject_sql = _column("r", subject[0]) if len(subject) == 1 else \
            "coalesce(" + ", ".join(_column("r", c) for c in subject) + ")"
        joins = ["LEFT JOIN account_state AS s ON s.account_id = r.account_id"] if has_account else []
        joins += [f"LEFT JOIN {cte} AS {alias} ON {alias}.subject = {_column('r', subject_column)}"
                  for (cte, subject_column), alias in table.latest_joins.items()]
        select = [
            f"{key} AS row_id",
            f"CAST({subject_sql} AS VARCHAR) AS subject_id",
            "r.account_id" if has_account else "CAST(NULL AS VARCHAR) AS account_id",
            "coalesce(s.legal_hold, false) AS legal_hold" if has_account else "false AS legal_hold",
            *columns,
        ]
        return (f"{table.cte} AS (\n    -- {table.name}: every rule's rows in one read (a row dated after as_of does "
                f"not exist yet)\n    SELECT\n        " + ",\n        ".join(select)
                + f"\n    FROM {table.name} AS r\n    " + "\n    ".join(joins)
                + f"\n    WHERE {_column('r', ROW_TIME[table.name])} < $as_of_end\n)")

    def select_sql(self, rule: Rule, part: m.Part, n: str) -> str:
        conditions = [f"applies_{n}", f"deadline_{n} {_BEFORE_AS_OF}"]
        # contract reading 20: a row past the deadline of a rule this one yields to is that rule's breach only
        for other in rule.yields_to:
            k = self.parts.get((other, part.table))
            if k is not None:
                conditions.append(f"NOT coalesce(applies_{k} AND deadline_{k} {_BEFORE_AS_OF}, false)")
        held = "legal_hold" if m.LEGAL_HOLD in rule.exempt else "false"
        register = "true" if m.REGISTER in rule.exempt else "false"
        return (f"SELECT {_literal(rule.id)} AS rule, {_literal(rule.figure)} AS category, subject_id, "
                f"deadline_{n} AS deadline, {_literal(part.table)} AS source_table, row_id, account_id, "
                f"{held} AS held, {register} AS register_applies\n"
                f"FROM {self.tables[part.table].cte}\nWHERE {' AND '.join(conditions)}")


def rule_rows_sql(policy: Policy) -> str:
    """-- every row held past its retention deadline, by rule (module docstring)"""
    return _Builder(policy).build()


def rule_scope_sql(policy: Policy) -> str:
    """-- per retention rule, the rows of its tables in its scope that exist at as_of (one read per table)"""
    builder = _Builder(policy)
    parts: dict[str, list[tuple[str, m.Part]]] = {}
    for rule in policy.retention_rules:
        for part in rule.parts:
            parts.setdefault(part.table, []).append((rule.id, part))
    if not parts:
        return "SELECT CAST(NULL AS VARCHAR) AS rule, CAST(0 AS BIGINT) AS in_scope WHERE false"
    ctes, selects = [builder.account_state_cte()], []
    for table, found in parts.items():
        has_account = "account_id" in TABLES[table].column_names
        sums = []
        for n, (rule_id, part) in enumerate(found, 1):
            scope = builder.scope_sql(part)
            sums.append(f"sum(CASE WHEN {' AND '.join(scope) if scope else 'true'} THEN 1 ELSE 0 END) AS n_{n}")
            selects.append(f"SELECT {_literal(rule_id)} AS rule, n_{n} AS in_scope FROM scope_{table}")
        join = "\n    LEFT JOIN account_state AS s ON s.account_id = r.account_id" if has_account else ""
        ctes.append(f"scope_{table} AS (\n    SELECT {', '.join(sums)}\n    FROM {table} AS r{join}\n"
                    f"    WHERE {_column('r', ROW_TIME[table])} < $as_of_end\n)")
    union = "\n    UNION ALL\n    ".join(selects)
    return ("WITH " + ",\n".join(ctes) + f"\nSELECT rule, CAST(sum(coalesce(in_scope, 0)) AS BIGINT) AS in_scope FROM (\n"
            f"    {union}\n) AS parts GROUP BY rule")
