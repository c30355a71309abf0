"""SQL that casts staged export columns to the contract's types and lists each row's problems.

The expressions are built from the contract (identifiers only); the data is
never formatted into SQL. Explicit formats, no type guessing: a timestamp is
ISO-8601 (offset honoured, none means the input zone, UTC by default). A local
time the input zone skips (a daylight-saving gap) is a bad timestamp, one it
shows twice (a fold) is its first occurrence: :func:`local_instant`, the one
place local times become instants (docs/bad-data.md, "Daylight saving time").
"""

from __future__ import annotations

from pipelines.contract import SQL_TYPES, Column, Table

#: A UTC offset the loader reads: -14:00 to +14:00, minutes 00 to 59 (docs/bad-data.md, "UTC offsets").
#: The world's zones run from -12:00 to +14:00 (docs/design.md, as for EARLIEST/LATEST below); the
#: range is kept symmetric so that no offset a real clock shows is refused. DuckDB's own cast reads any two digits (``+99:00`` is 99 hours,
#: ``+05:60`` is six hours): a value outside this range is a bad timestamp, never a wrong instant.
ISO_OFFSET = r"[+-](0\d|1[0-3])(:?[0-5]\d)?|[+-]14(:?00)?"
# ISO-8601 date or date-time, optional fraction, optional Z or ±hh[:mm] offset.
ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?)?\s?([Zz]|" + ISO_OFFSET + r")?"
# Instants whose local date exists in every time zone (UTC-12 to UTC+14): years 1 to 9999 as
# dates, so no later step meets a date it cannot represent (docs/bad-data.md, "Dates far out").
EARLIEST = "TIMESTAMPTZ '0001-01-01 12:00:00+00'"
LATEST = "TIMESTAMPTZ '9999-12-31 09:59:59.999999+00'"
#: The input zone's changes of UTC offset, as a session variable (one bit per UTC day from :data:`COVERED`'s
#: first: set within two days of a change): a local time is checked for a gap or a fold only on those days
#: (:func:`local_instant`). It covers the years a quarter may name (pipelines/dates.py) and one on each side;
#: an instant outside is always checked.
ZONE_CHANGES = "zone_change_days"
COVERED = ("1899-01-01", "2202-01-01")
COVERED_FROM, COVERED_TO = (f"TIMESTAMPTZ '{d} 00:00:00+00'" for d in COVERED)
_DAY_US = 86_400_000_000
#: the column of a timestamp's reading (DuckDB's cast, computed once per value: :func:`with_readings`)
_READING = "reading:"
TRUE_WORDS = ("true", "t", "1", "yes", "y")
FALSE_WORDS = ("false", "f", "0", "no", "n")

MISSING = "missing required value"
BAD_TIMESTAMP = "bad timestamp"
BAD_BOOLEAN = "bad boolean"
DUPLICATE = "duplicate key"
WRONG_FIELDS = "wrong number of fields"
UNTERMINATED_QUOTE = "unterminated quote"


_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_NESTED = ("[", "STRUCT", "MAP", "UNION")


def stored_type_problem(col: Column, source_type: str) -> str | None:
    """Why a Parquet column's stored type cannot hold ``col``'s values, or None when it can.

    A timestamp is a Parquet TIMESTAMP or DATE, or ISO-8601 text; a boolean a
    BOOLEAN, an integer 0/1 or text; text anything but nested values or bytes.
    A column of the wrong type would set every row aside, so it is refused as a
    whole (docs/bad-data.md).
    """
    if source_type == "VARCHAR":
        return None
    if col.type == "timestamp" and not (source_type.startswith("TIMESTAMP") or source_type == "DATE"):
        return "a timestamp must be stored as a Parquet TIMESTAMP or DATE, or as ISO-8601 text"
    if col.type == "boolean" and source_type != "BOOLEAN" and source_type not in _INTEGER_TYPES:
        return "a boolean must be stored as a Parquet BOOLEAN, an integer 0/1, or text"
    if col.type == "text" and (source_type == "BLOB" or any(n in source_type for n in _NESTED)):
        return "text must be stored as a Parquet string or number, not as bytes or nested values"
    return None


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_list(words: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{w}'" for w in words) + ")"


def zone_changes_sql() -> str:
    """SET the session variable :data:`ZONE_CHANGES` on a connection whose TimeZone is the input zone: the zone's
    offset at 00:00 UTC of each day of :data:`COVERED` (about 110,000 conversions, once per load), a bit per day
    set within two days of a change. A zone without daylight saving time (UTC) sets none."""
    days = f"(SELECT CAST(epoch(TIMESTAMP '{COVERED[1]}') - epoch(TIMESTAMP '{COVERED[0]}') AS BIGINT) // 86400)"
    return (
        f"SET VARIABLE {ZONE_CHANGES} = (\n"
        f"  WITH offsets AS (SELECT i, date_part('timezone', timezone('UTC', TIMESTAMP '{COVERED[0]}' + to_days(i)))"
        f" AS utc_offset FROM range({days}) AS r(i)),\n"
        "  changed AS (SELECT i FROM (SELECT i, utc_offset, lag(utc_offset) OVER (ORDER BY i) AS before FROM offsets)"
        " WHERE utc_offset <> before),\n"
        "  marked AS (SELECT DISTINCT i + k AS i FROM changed, range(-2, 3) AS r(k))\n"
        "  SELECT CAST(string_agg(CASE WHEN marked.i IS NULL THEN '0' ELSE '1' END, '' ORDER BY d.i) AS BIT)\n"
        f"  FROM range({days}) AS d(i) LEFT JOIN marked ON marked.i = d.i)"
    )


def local_instant(wall: str, reading: str, *, day: str = "false", offset_given: str = "false") -> str:
    """The instant of the local time ``wall`` (a TIMESTAMP, in the session's zone: the input zone) as SQL.

    ``reading`` is DuckDB's own cast of it to TIMESTAMPTZ, which moves a time in a gap forward and reads a time
    in a fold as its second occurrence. The rule (docs/bad-data.md, "Daylight saving time"): a time the zone
    skips does not exist, NULL (a bad timestamp: the row is set aside with its line and column); a time it shows
    twice is its first occurrence, the earlier instant (``zoneinfo``'s ``fold=0``). A date alone (``day``) is
    the first instant of that local day, which exists even where midnight is skipped. Found by the round trip:
    the reading's local time is not ``wall`` in a gap; in a fold the reading less the hour (or half hour) the
    clock went back shows ``wall`` too. Checked only where ``reading`` falls on a day near a change of offset
    (:data:`ZONE_CHANGES`), so a table costs one bit per value, no conversion; ``offset_given``: text that
    carried its own offset, which is not a local time. ``reading`` should be a column (:func:`with_readings`):
    it is read several times.
    """
    back = f"(date_part('timezone', {reading} - to_seconds(86400)) - date_part('timezone', {reading}))"
    earlier = f"({reading} - to_seconds({back}))"
    exact = (f"CASE WHEN {_skipped(wall, reading)} THEN CASE WHEN {day} THEN {reading} END "
             f"WHEN {back} > 0 AND CAST({earlier} AS TIMESTAMP) = {wall} THEN {earlier} ELSE {reading} END")
    day_index = f"CAST((epoch_us({reading}) - epoch_us({COVERED_FROM})) // {_DAY_US} AS INTEGER)"
    near = (f"({reading}) BETWEEN {EARLIEST} AND {LATEST} AND CASE WHEN {reading} >= {COVERED_FROM} AND {reading} < "
            f"{COVERED_TO} THEN get_bit(getvariable('{ZONE_CHANGES}'), {day_index}) = 1 ELSE true END")
    return f"CASE WHEN NOT ({near}) OR {offset_given} THEN {reading} ELSE {exact} END"


def _skipped(wall: str, reading: str) -> str:
    """The round trip: the local time of DuckDB's reading is not the one written (a gap)."""
    return f"CAST({reading} AS TIMESTAMP) <> {wall}"


def _local_parts(c: str, source_type: str) -> dict[str, str] | None:
    """How a column's local time is read: ``wall``, ``reading``, ``day``, ``offset_given`` (:func:`local_instant`);
    None when its values are instants (a Parquet TIMESTAMP with a zone)."""
    if source_type.startswith("TIMESTAMP") or source_type == "DATE":
        if "WITH TIME ZONE" in source_type or source_type.startswith("TIMESTAMPTZ"):
            return None
        return {"wall": f"CAST({c} AS TIMESTAMP)", "reading": f"CAST({c} AS TIMESTAMPTZ)",
                "day": "true" if source_type == "DATE" else "false", "offset_given": "false"}
    text = f"NULLIF(trim(CAST({c} AS VARCHAR)), '')"
    dotted = f"replace({text}, ',', '.')"
    return {
        "wall": f"TRY_CAST({dotted} AS TIMESTAMP)",
        "reading": f"CASE WHEN regexp_full_match({text}, '{ISO_TIMESTAMP}') THEN TRY_CAST({dotted} AS TIMESTAMPTZ) END",
        "day": f"length({text}) = 10",
        # an offset after the date (Z, +hh, -hh:mm): an instant as written; none: a local time
        "offset_given": f"regexp_matches(substr({text}, 11), '[Zz+-]')",
    }


def skipped_local_time(col: Column, source_type: str | None) -> str | None:
    """SQL: the column's value is a local time the input zone skips (the detail of its bad timestamp), or None
    when the column cannot hold one."""
    parts = _local_parts(q(col.name), source_type) if col.type == "timestamp" and source_type else None
    if parts is None:
        return None
    return (f"({parts['reading']}) IS NOT NULL AND NOT ({parts['day']}) AND NOT coalesce({parts['offset_given']}, false) "
            f"AND {_skipped(parts['wall'], parts['reading'])}")


def with_readings(table: Table, stage: str, source_types: dict[str, str | None]) -> str:
    """``stage`` with each timestamp column that holds local times read once by DuckDB (``reading:<name>``), for
    :func:`typed_expression` with ``read``: a value's text is matched and cast once, not once per use."""
    readings = [f"{parts['reading']} AS {q(_READING + col.name)}" for col in table.columns
                if col.type == "timestamp" and source_types.get(col.name)
                and (parts := _local_parts(q(col.name), source_types[col.name])) is not None]
    return f"(SELECT *, {', '.join(readings)} FROM {stage})" if readings else stage


def typed_expression(col: Column, source_type: str | None, *, read: bool = False) -> tuple[str, str | None]:
    """(typed value, problem condition or None) for one column of the stage.

    ``source_type`` is the staged column's DuckDB type (None: column absent); ``read``: the stage is
    :func:`with_readings`'s.
    """
    c = q(col.name)
    if source_type is None:
        return f"CAST(NULL AS {SQL_TYPES[col.type]})", None
    text = f"NULLIF(trim(CAST({c} AS VARCHAR)), '')"
    if col.type == "text":
        return text, None
    if col.type == "timestamp":
        # native Parquet types: an instant, or a local time in the input zone; text: ISO-8601, with or without offset
        native = source_type.startswith("TIMESTAMP") or source_type == "DATE"
        parts = _local_parts(c, source_type)
        if parts is not None and read:
            parts["reading"] = q(_READING + col.name)
        parsed = f"CAST({c} AS TIMESTAMPTZ)" if parts is None else local_instant(**parts)
        given = f"{c} IS NOT NULL" if native else f"{text} IS NOT NULL"
        value = f"CASE WHEN ({parsed}) BETWEEN {EARLIEST} AND {LATEST} THEN {parsed} END"
        return value, f"{given} AND ({value}) IS NULL"
    if col.type == "boolean":
        if source_type == "BOOLEAN":
            return c, None
        value = (
            f"CASE WHEN lower({text}) IN {_sql_list(TRUE_WORDS)} THEN true "
            f"WHEN lower({text}) IN {_sql_list(FALSE_WORDS)} THEN false END"
        )
        return value, f"{text} IS NOT NULL AND ({value}) IS NULL"
    raise ValueError(f"unknown contract type {col.type}")


def parse_query(table: Table, stage: str, source_types: dict[str, str | None], raw_expression: str) -> str:
    """SELECT over ``stage``: typed contract columns, ``_ok``, and for bad rows only ``_problems`` and ``_raw``.

    Problems are listed (and the raw record kept) only for rows that have one,
    so a clean 20M-row table costs one boolean per row, not a list and a string.
    Run it with DuckDB's ``filter_pushdown`` off (:data:`LOAD_SETTINGS`): see :func:`_typed`.
    """
    _, problem_list, _ = parse_parts(table, source_types, typed=True)
    return (
        f"SELECT _source, _seq, _line, {_typed_columns(table)},\n"
        "  NOT _bad AS _ok,\n"
        f"  CASE WHEN _bad THEN {problem_list} END AS _problems,\n"
        f"  CASE WHEN _bad THEN {raw_expression} END AS _raw\n"
        f"FROM ({_typed(table, stage, source_types)})"
    )


def ok_query(table: Table, stage: str, source_types: dict[str, str | None]) -> str:
    """SELECT over ``stage`` of the rows without a problem: ``_seq`` and the typed contract columns only.

    The loaded rows' query: no problem list, no raw record, so nothing per row
    beyond the typed values and one condition. Run it as :func:`parse_query`.
    """
    return f"SELECT _seq, {_typed_columns(table)} FROM ({_typed(table, stage, source_types)}) WHERE NOT _bad"


#: Session settings for the parsing queries. DuckDB computes an expression written several
#: times in one SELECT list once (a timestamp's regular expression and cast appear in its
#: value, its bounds and each of its checks), but a filter pushed down below that SELECT
#: gets the expressions written into it again, each evaluated anew: on a CSV export of 20M
#: sessions, where every timestamp is text, that made the load about seven times slower.
LOAD_SETTINGS = {"disabled_optimizers": "filter_pushdown"}


def _typed(table: Table, stage: str, source_types: dict[str, str | None]) -> str:
    """``stage``, plus each typed contract column as ``typed:<name>`` and ``_bad`` (the row has a problem).

    Three SELECTs: each timestamp's text is read once in the innermost (:func:`with_readings`), the values
    are parsed once in the next, and the checks read them as columns.
    """
    selects, _, _ = parse_parts(table, source_types)
    _, _, any_problem = parse_parts(table, source_types, typed=True)
    typed = [f"{s.rsplit(' AS ', 1)[0]} AS {q(_TYPED + c.name)}" for s, c in zip(selects, table.columns)]
    return (f"SELECT *, {any_problem} AS _bad FROM (SELECT *, {', '.join(typed)} "
            f"FROM {with_readings(table, stage, source_types)})")


_TYPED = "typed:"


def _typed_columns(table: Table) -> str:
    return ", ".join(f"{q(_TYPED + c.name)} AS {q(c.name)}" for c in table.columns)


def key_expression(table: Table, source_types: dict[str, str | None]) -> str:
    """The typed key (trimmed text, NULL when empty) as an expression over the stage."""
    value, _ = typed_expression(table.column(table.key), source_types.get(table.key))
    return value


def _checked(col: Column, source_type: str | None, typed: bool) -> tuple[str, str | None]:
    """(typed value, problem condition or None); ``typed``: read from the ``typed:<name>`` column, else computed
    over :func:`with_readings`'s stage."""
    value, bad = typed_expression(col, source_type, read=True)
    if not typed or source_type is None:
        return value, bad
    value, c = q(_TYPED + col.name), q(col.name)
    if col.type == "timestamp" and (source_type.startswith("TIMESTAMP") or source_type == "DATE"):
        return value, f"{c} IS NOT NULL AND {value} IS NULL"
    if bad is not None:  # a timestamp or boolean given as text
        return value, f"NULLIF(trim(CAST({c} AS VARCHAR)), '') IS NOT NULL AND {value} IS NULL"
    return value, None


def parse_parts(
    table: Table, source_types: dict[str, str | None], *, typed: bool = False
) -> tuple[list[str], str, str]:
    """(typed select items, the row's problem list expression, the any-problem condition).

    ``typed``: the value and the checks read the ``typed:<name>`` columns of :func:`_typed`.
    """
    selects, problems, conditions = [], [], []
    for col in table.columns:
        value, bad = _checked(col, source_types.get(col.name), typed)
        selects.append(f"{value} AS {q(col.name)}")
        if bad is not None:
            reason = BAD_TIMESTAMP if col.type == "timestamp" else BAD_BOOLEAN
            conditions.append(bad)
            detail = f"concat('{col.name}: ', {q(col.name)}, ' is not a valid {col.type}')"
            skipped = skipped_local_time(col, source_types.get(col.name))
            if skipped is not None:  # docs/bad-data.md, "Daylight saving time"
                detail = (f"CASE WHEN {skipped} THEN concat('{col.name}: ', {q(col.name)}, ' does not exist in ', "
                          f"current_setting('TimeZone'), ': the clocks skip it (daylight saving time)') ELSE {detail} END")
            problems.append(
                f"CASE WHEN {bad} THEN {{'column_name': '{col.name}', 'reason': '{reason}', 'detail': {detail}}} END"
            )
        if col.required:
            missing = f"({value}) IS NULL AND NOT ({bad or 'false'})"
            conditions.append(missing)
            problems.append(
                f"CASE WHEN {missing} THEN {{'column_name': '{col.name}', "
                f"'reason': '{MISSING}', 'detail': '{col.name}: no value'}} END"
            )
    any_problem = " OR ".join(f"({c})" for c in conditions) or "false"
    problem_list = "list_filter([" + ", ".join(problems) + "], lambda p: p IS NOT NULL)" if problems else "[]"
    return selects, problem_list, any_problem


def literal(text: str) -> str:
    """A SQL string literal (for identifiers and paths in view definitions, which cannot bind parameters)."""
    return "'" + text.replace("'", "''") + "'"
