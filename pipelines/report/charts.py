"""The report's charts: Altair charts from small, already aggregated polars frames.

Every function takes a results table (as written by the metric families)
and the report language, and returns an Altair chart whose title states the
finding, or ``None`` when the table is absent or empty (the notebook then
says so instead of drawing an empty chart). Charts never receive
row-per-person data: the one per-request table is aggregated here first.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies); meaning is never carried by colour alone (labels, shapes,
titles say it too).

:func:`setup` enables the theme and the ``privacy_review`` renderer, whose
output carries the Vega-Lite spec (for the offline HTML export, which embeds
it with vega-embed) plus a static SVG made by vl-convert (shown by
JupyterLab, which has no Vega-Lite 6 renderer, and by any notebook viewer).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import altair as alt
import polars as pl

from pipelines.report.text import fmt_hours, fmt_int, fmt_pct, label, t, tn

# --- palette and theme --------------------------------------------------------

BLUE, SKY, GREEN, ORANGE, VERMILLION, PURPLE, YELLOW = (
    "#0072B2",
    "#56B4E9",
    "#009E73",
    "#E69F00",
    "#D55E00",
    "#CC79A7",
    "#F0E442",
)
GREY = "#8C8C8C"
INK = "#1F2328"
#: categorical colours (Okabe-Ito order chosen for contrast on white; yellow last)
PALETTE = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, GREY, YELLOW]
GOOD, BAD, NEUTRAL = GREEN, VERMILLION, BLUE

BUCKETS = ["0-3m", "3-6m", "6-9m", "9-12m", "12m+"]
#: blues while within the period, orange in the last quarter before the deadline, vermillion past it
BUCKET_COLOURS = [BLUE, SKY, "#B7DCF2", ORANGE, VERMILLION]
CHANNELS = ["help_center", "live_chat", "email", "other"]
#: the families' row for all channels together (support_durations, support_duration_histogram)
ALL_CHANNELS = "all"
RIGHTS = [
    "access",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "portability",
    "consent_withdrawal",
]
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif'

WIDTH, HEIGHT = 600, 240
THEME = "privacy_review"
RENDERER = "privacy_review"
MAX_ROWS = 5000

MONTHS = {
    "en": [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ],
    "nl": [
        "jan",
        "feb",
        "mrt",
        "apr",
        "mei",
        "jun",
        "jul",
        "aug",
        "sep",
        "okt",
        "nov",
        "dec",
    ],
}


def theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "padding": {"left": 4, "right": 12, "top": 4, "bottom": 4},
            "view": {
                "stroke": None,
                "continuousWidth": WIDTH,
                "continuousHeight": HEIGHT,
            },
            "title": {
                "anchor": "start",
                "fontSize": 15,
                "fontWeight": 600,
                "color": INK,
                "subtitleFontSize": 12,
                "subtitleColor": "#57606A",
                "subtitlePadding": 4,
                "offset": 14,
            },
            "axis": {
                "labelFontSize": 11.5,
                "labelColor": "#3D444D",
                "titleFontSize": 12,
                "titleFontWeight": 600,
                "titleColor": "#3D444D",
                "gridColor": "#E8EAED",
                "domainColor": "#9AA0A6",
                "tickColor": "#9AA0A6",
                "titlePadding": 8,
            },
            "axisBand": {"grid": False},
            "legend": {
                "labelFontSize": 11.5,
                "titleFontSize": 12,
                "titleFontWeight": 600,
                "labelColor": "#3D444D",
                "titleColor": "#3D444D",
                "orient": "top",
                "direction": "horizontal",
                "symbolType": "square",
            },
            "header": {
                "labelFontSize": 12,
                "labelFontWeight": 600,
                "titleFontSize": 12,
                "labelColor": INK,
            },
            "range": {"category": PALETTE},
            "bar": {"color": BLUE},
            "line": {"color": BLUE, "strokeWidth": 2.5},
            "point": {"color": BLUE, "filled": True, "size": 60},
            "text": {"fontSize": 11.5, "color": "#3D444D"},
        }
    }


def _mimetype() -> str:
    major = alt.SCHEMA_VERSION.lstrip("v").split(".")[0]
    return f"application/vnd.vegalite.v{major}+json"


#: the output mimetype holding the spec (the HTML export embeds any ``application/vnd.vegalite.v*`` it finds)
VEGALITE_MIMETYPE = _mimetype()


def vegalite_version() -> str | None:
    """The ``major.minor`` Vega-Lite version of Altair's specs, if vl-convert bundles it."""
    import vl_convert as vlc

    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vlc.get_vegalite_versions() else None


def _title_text(spec: dict) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title or "chart")


def render(spec: dict, **metadata) -> dict:
    """Altair renderer: the Vega-Lite spec, a static SVG, and a plain-text line (never a ``<VegaLite`` placeholder)."""
    bundle: dict = {
        VEGALITE_MIMETYPE: spec,
        "text/plain": f"Chart: {_title_text(spec)}",
    }
    try:
        import vl_convert as vlc

        bundle["image/svg+xml"] = vlc.vegalite_to_svg(
            spec, vl_version=vegalite_version()
        )
    except Exception as exc:  # noqa: BLE001 - the spec still reaches the HTML export; viewers show the text line
        logging.getLogger(__name__).warning(
            "no static SVG for chart %r: %s", _title_text(spec), exc
        )
    return bundle


def setup() -> None:
    """Enable the report's theme and renderer in this kernel (idempotent)."""
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(theme)
    alt.theme.enable(THEME)
    alt.renderers.register(RENDERER, render)
    alt.renderers.enable(RENDERER)
    alt.data_transformers.enable("default", max_rows=MAX_ROWS)


# --- helpers -----------------------------------------------------------------


def _usable(frame: pl.DataFrame | None, *columns: str) -> bool:
    return (
        frame is not None
        and frame.height > 0
        and all(c in frame.columns for c in columns)
    )


def _to_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def quarter_label(value) -> str:
    """A quarter end (date or ISO text) as ``2024Q3``; other text unchanged."""
    d = _to_date(value)
    if d is None:
        return str(value)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def month_label(value, language: str = "en") -> str:
    """``2024-07``, ``2024-07-01`` or a date -> ``Jul 2024`` (``jul 2024`` in Dutch)."""
    text = str(value)
    d = _to_date(value) or _to_date(text + "-01")
    if d is None:
        return text
    return f"{MONTHS[language][d.month - 1]} {d.year}"


def day_label(d: date, language: str = "en") -> str:
    return f"{d.day} {MONTHS[language][d.month - 1]}"


def _sum(frame: pl.DataFrame, column: str) -> int:
    value = frame.get_column(column).fill_null(0).sum()
    return int(value or 0)


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined)


def _bucket_scale() -> alt.Scale:
    return alt.Scale(domain=BUCKETS, range=BUCKET_COLOURS)


def _channel_frame(
    frame: pl.DataFrame, language: str
) -> tuple[pl.DataFrame, list[str]]:
    present = set(frame.get_column("channel").cast(pl.Utf8).to_list())
    channels = [c for c in [ALL_CHANNELS, *CHANNELS] if c in present]
    channels += sorted(
        set(frame.get_column("channel").cast(pl.Utf8).to_list()) - set(channels)
    )
    labels = [label(language, "channel", c) for c in channels]
    mapping = dict(zip(channels, labels))
    return frame.with_columns(
        pl.col("channel")
        .cast(pl.Utf8)
        .replace_strict(mapping, default=pl.col("channel"))
        .alias("channel_label")
    ), labels


def _channel_scale(labels: list[str]) -> alt.Scale:
    return alt.Scale(domain=labels, range=PALETTE[: len(labels)])


def _without_all(frame: pl.DataFrame) -> pl.DataFrame:
    """Per-channel rows only, when the family also wrote an ``all`` row."""
    rest = frame.filter(pl.col("channel").cast(pl.Utf8) != ALL_CHANNELS)
    return rest if rest.height else frame


def _ordered(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Sorted by ``<column>_order`` when the family wrote one, else as written."""
    order = f"{column}_order"
    return frame.sort(order, maintain_order=True) if order in frame.columns else frame


def _optional(
    frame: pl.DataFrame, column: str, dtype, default=None, alias: str | None = None
) -> pl.Expr:
    """``column`` cast to ``dtype`` when the family wrote it, else ``default`` on every row."""
    expr = (
        pl.col(column).cast(dtype)
        if column in frame.columns
        else pl.lit(default, dtype)
    )
    return expr.alias(alias or column)


def _quarter_col(column: str, alias: str) -> pl.Expr:
    return pl.col(column).map_elements(quarter_label, return_dtype=pl.Utf8).alias(alias)


def _by_total(frame: pl.DataFrame, column: str, value: str) -> list:
    """The values of ``column``, largest total ``value`` first."""
    return (
        frame.group_by(column)
        .agg(pl.col(value).sum())
        .sort(value, descending=True)
        .get_column(column)
        .to_list()
    )


def _tips(language: str, *fields: tuple) -> list[alt.Tooltip]:
    """Tooltips from ``(field, title key[, format])``; a ``None`` key leaves the title to Vega-Lite."""
    return [
        alt.Tooltip(
            field,
            title=t(language, key) if key else alt.Undefined,
            format=fmt[0] if fmt else alt.Undefined,
        )
        for field, key, *fmt in fields
    ]


def _x(field: str, title: str, sort, angle: float = 0) -> alt.X:
    """A discrete x axis in the given order, labels at ``angle``."""
    return alt.X(field, title=title, sort=sort, axis=alt.Axis(labelAngle=angle))


def _titled(
    chart, title: str, subtitle: str | None = None, width=WIDTH, height=HEIGHT
) -> alt.Chart:
    return chart.properties(width=width, height=height, title=_title(title, subtitle))


def _by_measure(chart: alt.Chart) -> alt.FacetChart:
    """One row per measure (first response, resolution), its name above the row."""
    return chart.facet(
        row=alt.Row(
            "measure_label:N",
            title=None,
            header=alt.Header(
                labelAngle=0,
                labelAlign="left",
                labelAnchor="start",
                labelOrient="top",
            ),
        )
    )


def _measure_col(language: str) -> pl.Expr:
    return (
        pl.col("measure")
        .map_elements(lambda v: _measure_label(v, language), return_dtype=pl.Utf8)
        .alias("measure_label")
    )


def _bucket_frame(frame: pl.DataFrame, date_column: str, alias: str) -> pl.DataFrame:
    """Accounts by quarter (``alias``) and months-inactive bucket, with the bucket's stacking order."""
    return frame.select(
        _quarter_col(date_column, alias),
        pl.col("bucket").cast(pl.Utf8),
        pl.col("accounts").fill_null(0).cast(pl.Int64),
    ).with_columns(
        pl.col("bucket")
        .replace_strict({b: i for i, b in enumerate(BUCKETS)}, default=99)
        .alias("order")
    )


def _bucket_stack(
    data: pl.DataFrame, language: str, x_field: str, x_title_key: str, angle: float
) -> alt.Chart:
    """Accounts per quarter, stacked by months-inactive bucket."""
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=_x(x_field, t(language, x_title_key), "ascending", angle),
            y=alt.Y("sum(accounts):Q", title=t(language, "ch_accounts")),
            color=alt.Color(
                "bucket:N",
                title=t(language, "ch_months_inactive"),
                scale=_bucket_scale(),
                sort=BUCKETS,
            ),
            order=alt.Order("order:Q"),
            tooltip=_tips(
                language,
                (x_field, x_title_key),
                ("bucket:N", "ch_months_inactive"),
                ("accounts:Q", "ch_accounts", ","),
            ),
        )
    )


def _channel_bars(
    data: pl.DataFrame, labels: list[str], language: str, x: alt.X, tooltip: list
) -> alt.Chart:
    """Tickets as bars grouped by channel (side by side, one colour each) along ``x``."""
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            xOffset=alt.XOffset("channel_label:N", sort=labels),
            y=alt.Y("tickets:Q", title=t(language, "ch_tickets")),
            color=alt.Color(
                "channel_label:N",
                title=t(language, "ch_channel"),
                scale=_channel_scale(labels),
                sort=labels,
            ),
            tooltip=tooltip,
        )
    )


def _table_bars(
    data: pl.DataFrame,
    language: str,
    colour: str,
    colours: list[str],
    title_key: str | None = None,
    table_sort=alt.Undefined,
) -> alt.Chart:
    """Rows per table, stacked by ``colour`` (largest total first), for the data-quality charts."""
    shown = _by_total(data, colour, "rows")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("table_name:N", title=t(language, "ch_table"), sort=table_sort),
            x=alt.X("sum(rows):Q", title=t(language, "ch_rows")),
            color=alt.Color(
                f"{colour}:N",
                title=t(language, title_key) if title_key else None,
                sort=shown,
                scale=alt.Scale(domain=shown, range=(colours * 3)[: len(shown)]),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=320),
            ),
            tooltip=_tips(
                language,
                ("table_name:N", "ch_table"),
                (f"{colour}:N", title_key),
                ("rows:Q", "ch_rows", ","),
            ),
        )
    )


# --- inactivity --------------------------------------------------------------


def inactivity_cohorts(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts by signup quarter, stacked by months since last activity."""
    if not _usable(frame, "signup_quarter", "bucket", "accounts"):
        return None
    data = _bucket_frame(frame, "signup_quarter", "signup_quarter")
    past = _sum(data.filter(pl.col("bucket") == "12m+"), "accounts")
    return _titled(
        _bucket_stack(data, language, "signup_quarter:O", "ch_signup_quarter", -45),
        tn(language, "t_cohorts", past),
        t(language, "t_cohorts_sub"),
    )


def inactivity_buckets(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts per months-inactive bucket."""
    if not _usable(frame, "bucket", "accounts"):
        return None
    data = frame.select(
        pl.col("bucket").cast(pl.Utf8), pl.col("accounts").fill_null(0).cast(pl.Int64)
    )
    past = _sum(data.filter(pl.col("bucket") == "12m+"), "accounts")
    base = alt.Chart(data).encode(
        x=_x("bucket:N", t(language, "ch_months_inactive"), BUCKETS),
        y=alt.Y("accounts:Q", title=t(language, "ch_accounts")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("bucket:N", scale=_bucket_scale(), legend=None),
        tooltip=_tips(
            language,
            ("bucket:N", "ch_months_inactive"),
            ("accounts:Q", "ch_accounts", ","),
        ),
    )
    labels = base.mark_text(dy=-7).encode(text=alt.Text("accounts:Q", format=","))
    return _titled(
        bars + labels,
        t(language, "t_buckets", n=fmt_int(past, language)),
        t(language, "t_buckets_sub"),
    )


def inactivity_trend(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Bucket counts at each of the last eight quarter ends."""
    if not _usable(frame, "quarter_end", "bucket", "accounts"):
        return None
    return _titled(
        _bucket_stack(
            _bucket_frame(frame, "quarter_end", "quarter"),
            language,
            "quarter:O",
            "ch_quarter_end",
            0,
        ),
        t(language, "t_inactivity_trend"),
        t(language, "t_inactivity_trend_sub"),
    )


def erasure_pipeline(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts reaching their erasure deadline in the next 90 days, by week (Monday)."""
    if not _usable(frame, "deadline", "accounts"):
        return None
    rows: dict[date, int] = {}
    for deadline, accounts in frame.select("deadline", "accounts").iter_rows():
        d = _to_date(deadline)
        if d is None:
            continue
        monday = d - timedelta(days=d.weekday())
        rows[monday] = rows.get(monday, 0) + int(accounts or 0)
    if not rows:
        return None
    weeks = sorted(rows)
    data = pl.DataFrame(
        {
            "week": [day_label(w, language) for w in weeks],
            "week_start": [w.isoformat() for w in weeks],
            "accounts": [rows[w] for w in weeks],
        }
    )
    total = sum(rows.values())
    order = data.get_column("week").to_list()
    base = alt.Chart(data).encode(
        x=_x("week:O", t(language, "ch_deadline_week"), order),
        y=alt.Y("accounts:Q", title=t(language, "ch_accounts")),
    )
    bars = base.mark_bar(color=ORANGE).encode(
        tooltip=_tips(
            language,
            ("week_start:N", "ch_deadline_week"),
            ("accounts:Q", "ch_accounts", ","),
        )
    )
    labels = base.mark_text(dy=-7).encode(text=alt.Text("accounts:Q", format=","))
    return _titled(
        bars + labels, tn(language, "t_pipeline", total), t(language, "t_pipeline_sub")
    )


# --- retention ---------------------------------------------------------------


def breaches_by_category(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Records past their deadline by category, labelled with the oldest overdue (days)."""
    if not _usable(frame, "category", "breaches"):
        return None
    data = frame.select(
        pl.col("category").cast(pl.Utf8),
        _optional(frame, "clause", pl.Utf8, ""),
        pl.col("breaches").cast(pl.Int64),
        _optional(frame, "oldest_days_overdue", pl.Int64, alias="oldest"),
        _optional(frame, "table_present", pl.Boolean, True, alias="present"),
    )
    rows = []
    for category, clause, breaches, oldest, present in data.iter_rows():
        name = label(language, "cat", category) + (f" ({clause})" if clause else "")
        if present is False:
            note = t(language, "not_checked")
        elif breaches is None:
            note = t(language, "not_computable")
        elif breaches > 0 and oldest is not None:
            note = f"{fmt_int(breaches, language)} · {t(language, 'oldest_days', days=fmt_int(oldest, language))}"
        else:
            note = fmt_int(breaches or 0, language)
        rows.append(
            {
                "category": name,
                "breaches": int(breaches or 0),
                "oldest": oldest,
                "note": note,
                "status": "breach"
                if (breaches or 0) > 0
                else (
                    "none"
                    if present is not False and breaches is not None
                    else "unchecked"
                ),
            }
        )
    chart_data = pl.DataFrame(
        rows,
        schema={
            "category": pl.Utf8,
            "breaches": pl.Int64,
            "oldest": pl.Int64,
            "note": pl.Utf8,
            "status": pl.Utf8,
        },
    )
    total = _sum(chart_data, "breaches")
    account = (
        data.filter(pl.col("category") == "account").get_column("breaches").to_list()
    )
    if total == 0:
        title = t(language, "t_breaches_none")
    elif account and account[0] and account[0] == total:
        title = tn(language, "t_account_breaches", total)
    else:
        title = tn(language, "t_breaches", total)
    order = chart_data.get_column("category").to_list()
    base = alt.Chart(chart_data).encode(
        y=alt.Y("category:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
        x=alt.X(
            "breaches:Q",
            title=t(language, "ch_records"),
            scale=alt.Scale(domainMin=0, nice=True),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(
                domain=["breach", "none", "unchecked"], range=[BAD, GOOD, GREY]
            ),
            legend=None,
        ),
        tooltip=_tips(
            language,
            ("category:N", "ch_category"),
            ("breaches:Q", "ch_records", ","),
            ("oldest:Q", "ch_oldest", ","),
        ),
    )
    notes = base.mark_text(align="left", dx=5).encode(text="note:N")
    return _titled(
        bars + notes,
        title,
        t(language, "t_breaches_sub"),
        width=WIDTH - 200,
        height=alt.Step(26),
    )


def retention_trend(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts past their erasure deadline at each of the last eight quarter ends."""
    if not _usable(frame, "quarter_end", "accounts_past_deadline"):
        return None
    data = frame.sort("quarter_end").select(
        _quarter_col("quarter_end", "quarter"),
        pl.col("quarter_end")
        .map_elements(lambda v: str(_to_date(v) or v), return_dtype=pl.Utf8)
        .alias("quarter_end"),
        pl.col("accounts_past_deadline").cast(pl.Int64).alias("accounts"),
    )
    values = data.get_column("accounts").to_list()
    last, date_text = values[-1], data.get_column("quarter_end").to_list()[-1]
    if len(values) >= 2 and values[-2] is not None and last is not None:
        prev = values[-2]
        change = (
            t(
                language,
                "up_from" if last > prev else "down_from",
                n=fmt_int(prev, language),
            )
            if last != prev
            else t(language, "same_as")
        )
    else:
        change = ""
    title = t(
        language,
        "t_retention_trend",
        n=fmt_int(last, language),
        date=date_text,
        change=change,
    ).rstrip(", ")
    base = alt.Chart(data).encode(
        x=_x("quarter:O", t(language, "ch_quarter_end"), "ascending"),
        y=alt.Y(
            "accounts:Q", title=t(language, "ch_accounts"), scale=alt.Scale(domainMin=0)
        ),
        tooltip=_tips(
            language,
            ("quarter_end:N", "ch_quarter_end"),
            ("accounts:Q", "ch_accounts", ","),
        ),
    )
    line = base.mark_line(color=VERMILLION) + base.mark_point(color=VERMILLION, size=70)
    labels = base.mark_text(dy=-12, color=INK).encode(
        text=alt.Text("accounts:Q", format=",")
    )
    return _titled(line + labels, title, t(language, "t_retention_trend_sub"))


# --- support -----------------------------------------------------------------


def tickets_by_channel_month(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Tickets created per month, grouped by channel."""
    if not _usable(frame, "month", "channel", "tickets"):
        return None
    data, labels = _channel_frame(
        frame.with_columns(pl.col("tickets").fill_null(0).cast(pl.Int64)), language
    )
    data = data.sort("month").with_columns(
        pl.col("month")
        .map_elements(lambda v: month_label(v, language), return_dtype=pl.Utf8)
        .alias("month_label")
    )
    months = list(dict.fromkeys(data.get_column("month_label").to_list()))
    total = _sum(data, "tickets")
    top = _by_total(data, "channel_label", "tickets")[0] if total else "-"
    bars = _channel_bars(
        data,
        labels,
        language,
        x=_x("month_label:O", t(language, "ch_month"), months),
        tooltip=_tips(
            language,
            ("month_label:O", "ch_month"),
            ("channel_label:N", "ch_channel"),
            ("tickets:Q", "ch_tickets", ","),
        ),
    )
    return _titled(
        bars,
        t(language, "t_channel_month", n=fmt_int(total, language), channel=top),
        t(language, "t_channel_month_sub"),
    )


def support_by_category(
    frame: pl.DataFrame | None, language: str = "en", privacy_category: str = "privacy"
) -> alt.Chart | None:
    """Tickets by category; the privacy category stands out."""
    if not _usable(frame, "category", "tickets"):
        return None
    data = (
        frame.select(
            pl.col("category").cast(pl.Utf8).fill_null("-"),
            pl.col("tickets").fill_null(0).cast(pl.Int64),
        )
        .sort("tickets", descending=True)
        .with_columns((pl.col("category") == privacy_category).alias("is_privacy"))
    )
    top = data.get_column("category").to_list()[0]
    order = data.get_column("category").to_list()
    base = alt.Chart(data).encode(
        y=alt.Y("category:N", title=t(language, "ch_category"), sort=order),
        x=alt.X("tickets:Q", title=t(language, "ch_tickets")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "is_privacy:N",
            scale=alt.Scale(domain=[False, True], range=[BLUE, ORANGE]),
            legend=None,
        ),
        tooltip=_tips(
            language,
            ("category:N", "ch_category"),
            ("tickets:Q", "ch_tickets", ","),
        ),
    )
    text = base.mark_text(align="left", dx=4).encode(
        text=alt.Text("tickets:Q", format=",")
    )
    return _titled(
        bars + text,
        t(language, "t_by_category", category=top),
        t(language, "t_by_category_sub"),
        width=WIDTH - 120,
        height=alt.Step(24),
    )


def _measure_label(value: str, language: str) -> str:
    v = str(value)
    if v.startswith("first"):
        return t(language, "first_response")
    if v.startswith("resol"):
        return t(language, "resolution")
    return v.replace("_", " ")


def support_durations(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Median (dot) and 90th percentile (diamond) of first-response and resolution hours, by channel."""
    if not _usable(frame, "channel", "measure", "median_hours", "p90_hours"):
        return None
    data, labels = _channel_frame(frame, language)
    data = data.with_columns(
        _measure_col(language),
        pl.col("median_hours").cast(pl.Float64),
        pl.col("p90_hours").cast(pl.Float64),
        _optional(frame, "tickets", pl.Int64),
    ).filter(pl.col("median_hours").is_not_null())
    if data.height == 0:
        return None
    first = (
        _without_all(data)
        .filter(pl.col("measure").cast(pl.Utf8).str.starts_with("first"))
        .sort("median_hours", descending=True)
    )
    if first.height:
        title = t(
            language,
            "t_durations",
            channel=first.get_column("channel_label")[0],
            hours=fmt_hours(first.get_column("median_hours")[0], language),
        )
    else:
        title = t(language, "t_durations_sub")
    long = pl.concat(
        [
            data.select(
                "channel_label",
                "measure_label",
                "tickets",
                pl.col("median_hours").alias("hours"),
                pl.lit(t(language, "median")).alias("statistic"),
            ),
            data.select(
                "channel_label",
                "measure_label",
                "tickets",
                pl.col("p90_hours").alias("hours"),
                pl.lit(t(language, "p90")).alias("statistic"),
            ),
        ]
    )
    stats = [t(language, "median"), t(language, "p90")]
    tooltip = _tips(
        language,
        ("channel_label:N", "ch_channel"),
        ("statistic:N", "ch_measure"),
        ("hours:Q", "ch_hours", ",.1f"),
        ("tickets:Q", "ch_tickets", ","),
    )
    y = alt.Y("channel_label:N", title=None, sort=labels)
    rule = (
        alt.Chart()
        .mark_rule(color=GREY, strokeWidth=2)
        .encode(
            y=y,
            x=alt.X("min(hours):Q", title=t(language, "ch_hours")),
            x2="max(hours):Q",
        )
    )
    points = (
        alt.Chart()
        .mark_point(filled=True, size=90, opacity=1)
        .encode(
            y=y,
            x=alt.X("hours:Q", title=t(language, "ch_hours")),
            color=alt.Color(
                "statistic:N",
                title=None,
                scale=alt.Scale(domain=stats, range=[BLUE, ORANGE]),
            ),
            shape=alt.Shape(
                "statistic:N",
                title=None,
                scale=alt.Scale(domain=stats, range=["circle", "diamond"]),
            ),
            tooltip=tooltip,
        )
    )
    rows = alt.layer(rule, points, data=long).properties(
        width=WIDTH - 120, height=alt.Step(26)
    )
    return (
        _by_measure(rows)
        .resolve_scale(x="independent")
        .properties(title=_title(title, t(language, "t_durations_sub")))
    )


def support_duration_histogram(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Tickets by elapsed-time bin, per channel, for first response and resolution."""
    if not _usable(frame, "channel", "measure", "bin", "tickets"):
        return None
    data = _ordered(_without_all(frame), "bin").with_columns(
        pl.col("tickets").fill_null(0).cast(pl.Int64)
    )
    data, labels = _channel_frame(data, language)
    if "bin_order" not in data.columns and data.schema["bin"].is_numeric():
        data = data.sort("bin")
    bins = list(dict.fromkeys(str(b) for b in data.get_column("bin").to_list()))
    data = data.with_columns(pl.col("bin").cast(pl.Utf8), _measure_col(language))
    bars = _channel_bars(
        data,
        labels,
        language,
        x=_x("bin:O", t(language, "ch_hours_bin"), bins),
        tooltip=_tips(
            language,
            ("measure_label:N", "ch_measure"),
            ("channel_label:N", "ch_channel"),
            ("bin:O", "ch_hours_bin"),
            ("tickets:Q", "ch_tickets", ","),
        ),
    )
    return _by_measure(bars.properties(width=WIDTH, height=170)).properties(
        title=_title(t(language, "t_histogram"), t(language, "t_histogram_sub"))
    )


# --- rights ------------------------------------------------------------------


def requests_by_right(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Requests received, completed and completed on time, by right."""
    if not _usable(frame, "right", "received"):
        return None
    cols = [c for c in ("received", "completed", "on_time") if c in frame.columns]
    names = {
        "received": t(language, "received"),
        "completed": t(language, "completed"),
        "on_time": t(language, "completed_on_time"),
    }
    data = frame.with_columns(pl.col("right").cast(pl.Utf8))
    rights = [r for r in RIGHTS if r in data.get_column("right").to_list()] + sorted(
        set(data.get_column("right").to_list()) - set(RIGHTS)
    )
    right_labels = [label(language, "right", r) for r in rights]
    long = pl.concat(
        [
            data.select(
                pl.col("right")
                .replace_strict(
                    dict(zip(rights, right_labels)), default=pl.col("right")
                )
                .alias("right_label"),
                pl.lit(names[c]).alias("status"),
                pl.col(c).fill_null(0).cast(pl.Int64).alias("requests"),
            )
            for c in cols
        ]
    )
    received = _sum(data, "received")
    top_row = data.sort("received", descending=True).row(0, named=True)
    statuses = [names[c] for c in cols]
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("right_label:N", title=None, sort=right_labels),
            yOffset=alt.YOffset("status:N", sort=statuses),
            x=alt.X("requests:Q", title=t(language, "ch_requests")),
            color=alt.Color(
                "status:N",
                title=None,
                sort=statuses,
                scale=alt.Scale(
                    domain=statuses, range=[SKY, BLUE, GREEN][: len(statuses)]
                ),
            ),
            tooltip=_tips(
                language,
                ("right_label:N", "ch_right"),
                ("status:N", "ch_status"),
                ("requests:Q", "ch_requests", ","),
            ),
        )
    )
    title = t(
        language,
        "t_by_right",
        n=fmt_int(received, language),
        right=label(language, "right", top_row["right"]),
    )
    return _titled(
        bars,
        title,
        t(language, "t_by_right_sub"),
        width=WIDTH - 140,
        height=alt.Step(9),
    )


def days_to_complete(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Completed requests: days taken against days allowed (points above the diagonal are late).

    The per-request table is aggregated first, to (days allowed, days taken,
    on time, count): the chart holds no request keys and stays small.
    """
    if not _usable(frame, "days_to_complete", "days_allowed"):
        return None
    on_time_col = (
        pl.col("on_time").cast(pl.Boolean)
        if "on_time" in frame.columns
        else (pl.col("days_to_complete") <= pl.col("days_allowed"))
    )
    data = (
        frame.filter(
            pl.col("days_to_complete").is_not_null()
            & pl.col("days_allowed").is_not_null()
        )
        .select(
            pl.col("days_allowed").cast(pl.Int64),
            pl.col("days_to_complete").cast(pl.Int64),
            on_time_col.fill_null(False).alias("on_time"),
        )
        .group_by("days_allowed", "days_to_complete", "on_time")
        .agg(pl.len().cast(pl.Int64).alias("requests"))
        .with_columns(
            pl.when(pl.col("on_time"))
            .then(pl.lit(t(language, "on_time")))
            .otherwise(pl.lit(t(language, "late")))
            .alias("status")
        )
        .sort("days_allowed", "days_to_complete")
    )
    if data.height == 0:
        return None
    n = _sum(data, "requests")
    late = _sum(data.filter(~pl.col("on_time")), "requests")
    hi = (
        int(
            max(
                data.get_column("days_allowed").max(),
                data.get_column("days_to_complete").max(),
            )
        )
        + 5
    )
    statuses = [t(language, "on_time"), t(language, "late")]
    diagonal = (
        alt.Chart(pl.DataFrame({"d": [0, hi]}))
        .mark_line(color=GREY, strokeDash=[4, 4], strokeWidth=1.5)
        .encode(x="d:Q", y="d:Q")
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, opacity=0.8)
        .encode(
            x=alt.X(
                "days_allowed:Q",
                title=t(language, "ch_days_allowed"),
                scale=alt.Scale(domain=[0, hi]),
            ),
            y=alt.Y(
                "days_to_complete:Q",
                title=t(language, "ch_days_taken"),
                scale=alt.Scale(domain=[0, hi]),
            ),
            size=(
                alt.Size(
                    "requests:Q",
                    title=t(language, "ch_requests"),
                    scale=alt.Scale(range=[60, 400], zero=False),
                    legend=alt.Legend(format="d", tickMinStep=1),
                )
                if int(data.get_column("requests").max()) > 1
                else alt.value(110)
            ),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(domain=statuses, range=[GOOD, BAD]),
            ),
            shape=alt.Shape(
                "status:N",
                title=None,
                scale=alt.Scale(domain=statuses, range=["circle", "triangle-up"]),
            ),
            tooltip=_tips(
                language,
                ("days_allowed:Q", "ch_days_allowed"),
                ("days_to_complete:Q", "ch_days_taken"),
                ("status:N", "ch_status"),
                ("requests:Q", "ch_requests"),
            ),
        )
    )
    return _titled(
        diagonal + points,
        t(language, "t_days", late=fmt_int(late, language), n=fmt_int(n, language)),
        t(language, "t_days_sub"),
        width=WIDTH - 160,
        height=WIDTH - 160,
    )


def on_time_trend(frame: pl.DataFrame | None, language: str = "en") -> alt.Chart | None:
    """On-time rate by quarter of completion, against the 100% the law requires."""
    if not _usable(frame, "quarter", "on_time_rate"):
        return None
    data = frame.select(
        _quarter_col("quarter", "quarter"),
        pl.col("on_time_rate").cast(pl.Float64).alias("rate"),
        _optional(frame, "completed", pl.Int64),
        _optional(frame, "on_time", pl.Int64),
    ).sort("quarter")
    known = data.filter(pl.col("rate").is_not_null())
    if known.height == 0:
        return None
    last = known.row(known.height - 1, named=True)
    base = alt.Chart(data).encode(
        x=_x("quarter:O", t(language, "ch_quarter"), "ascending"),
        y=alt.Y(
            "rate:Q",
            title=t(language, "ch_on_time_rate"),
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        tooltip=_tips(
            language,
            ("quarter:O", "ch_quarter"),
            ("rate:Q", "ch_on_time_rate", ".1%"),
            ("completed:Q", "completed"),
            ("on_time:Q", "on_time"),
        ),
    )
    target = (
        alt.Chart(pl.DataFrame({"target": [1.0]}))
        .mark_rule(color=GREEN, strokeDash=[6, 4], strokeWidth=1.5)
        .encode(y="target:Q")
    )
    line = base.mark_line(color=BLUE) + base.mark_point(color=BLUE, size=70)
    labels = base.mark_text(dy=14, color=INK).encode(
        text=alt.Text("rate:Q", format=".0%")
    )
    title = t(
        language,
        "t_on_time",
        rate=fmt_pct(last["rate"], language),
        quarter=last["quarter"],
    )
    return _titled(target + line + labels, title, t(language, "t_on_time_sub"))


def rights_open_ageing(
    frame: pl.DataFrame | None, language: str = "en", open_overdue: int | None = None
) -> alt.Chart | None:
    """Open requests by age bucket (the family's buckets, in its order), overdue ones in vermillion."""
    if not _usable(frame, "bucket", "requests"):
        return None
    data = _ordered(frame, "bucket").select(
        pl.col("bucket").cast(pl.Utf8),
        pl.col("requests").fill_null(0).cast(pl.Int64),
        _optional(frame, "status", pl.Utf8, "open"),
    )
    statuses = {
        "open_overdue": t(language, "overdue"),
        "open_not_due": t(language, "not_yet_due"),
    }
    data = data.with_columns(
        pl.col("status")
        .replace_strict(statuses, default=pl.col("status"))
        .alias("status_label")
    )
    order = data.get_column("bucket").to_list()
    shown = list(dict.fromkeys(data.get_column("status_label").to_list()))
    colours = [BAD if s == statuses["open_overdue"] else BLUE for s in shown]
    base = alt.Chart(data).encode(
        x=_x("bucket:N", t(language, "ch_age"), order, -30),
        y=alt.Y(
            "requests:Q", title=t(language, "ch_requests"), axis=alt.Axis(tickMinStep=1)
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "status_label:N", title=None, scale=alt.Scale(domain=shown, range=colours)
        ),
        tooltip=_tips(language, ("bucket:N", "ch_age"), ("requests:Q", "ch_requests")),
    )
    text = base.mark_text(dy=-7).encode(text="requests:Q")
    overdue = (
        fmt_int(open_overdue, language)
        if open_overdue is not None
        else t(language, "na")
    )
    title = t(
        language,
        "t_ageing",
        n=fmt_int(_sum(data, "requests"), language),
        overdue=overdue,
    )
    return _titled(bars + text, title, t(language, "t_ageing_sub"))


# --- data quality ------------------------------------------------------------


def _quality_rows(frame: pl.DataFrame | None, column: str) -> pl.DataFrame | None:
    """Rows per (table, ``column``), those with none left out; ``None`` when nothing is left."""
    if not _usable(frame, "table_name", column, "rows"):
        return None
    data = frame.select(
        pl.col("table_name").cast(pl.Utf8),
        pl.col(column).cast(pl.Utf8),
        pl.col("rows").fill_null(0).cast(pl.Int64),
    ).filter(pl.col("rows") > 0)
    return data if data.height else None


def quality_rejects(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Rows set aside at load, by table and reason."""
    data = _quality_rows(frame, "reason")
    if data is None:
        return None
    tables = _by_total(data, "table_name", "rows")
    bars = _table_bars(
        data, language, "reason", PALETTE, "ch_reason", table_sort=tables
    ).encode(order=alt.Order("rows:Q", sort="descending"))
    return _titled(
        bars,
        tn(language, "t_quality", _sum(data, "rows")),
        t(language, "t_quality_sub"),
        width=WIDTH - 120,
        height=alt.Step(28),
    )


def quality_flags(frame: pl.DataFrame | None, language: str = "en") -> alt.Chart | None:
    """Loaded rows flagged (orphans, impossible orders) by table and flag."""
    data = _quality_rows(frame, "flag")
    if data is None:
        return None
    return _titled(
        _table_bars(data, language, "flag", PALETTE[1:]),
        t(language, "t_flags", n=fmt_int(_sum(data, "rows"), language)),
        t(language, "t_flags_sub"),
        width=WIDTH - 120,
        height=alt.Step(28),
    )
