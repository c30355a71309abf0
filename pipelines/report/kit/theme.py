"""The charts' common ground: palette, Altair theme, the notebook renderer and small frame helpers.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies) and follow a value's code, never its translated label, so a
category keeps its colour in every language. Meaning is never carried by
colour alone. :func:`setup` enables the theme and the renderer.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from datetime import date, datetime, timedelta

# jsonschema (altair's chart validation) imports rfc3987_syntax when installed (Jupyter's
# packages pull it in), which compiles a grammar on import: seconds in every report kernel.
# It only checks "iri" formats, which the Vega-Lite schema never uses; without it jsonschema
# skips that one check. Only when nothing imported it yet (an analyst's own import wins).
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import altair as alt  # noqa: E402
import polars as pl

from pipelines import contract
from pipelines.report.kit.words import label, t

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


#: the contract's vocabulary, written once in pipelines/contract.py; lists here, as Altair wants for a domain
BUCKETS = list(contract.INACTIVITY_BUCKETS)


#: blues while within the period, orange in the last quarter before the deadline, vermillion past it
BUCKET_COLOURS = [BLUE, SKY, "#B7DCF2", ORANGE, VERMILLION]


CHANNELS = list(contract.CHANNELS)


#: the families' row for all channels together (support_durations, support_duration_histogram)
ALL_CHANNELS = "all"


RIGHTS = list(contract.RIGHTS)


FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif'


WIDTH, HEIGHT = 600, 240


#: the least room (px) between two tick labels of an axis: Vega hides every other label until those left are
#: this far apart, so two numbers never run together ("350400" on the printed page; docs/report.md, "Charts")
LABEL_GAP = 6


#: the least width (px) of a bar or rect on a continuous axis (a time unit or a bin): Vega-Lite draws such a bar
#: as wide as its unit less 1 px of spacing, so a day on an axis of quarters was 0.05 px wide (docs/report.md,
#: "Charts"); a narrower unit's bar is drawn this wide, a wider one at least this wide less the 1 px
MIN_BAND = 3


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
                # a narrow (phone-wide or printed) chart drops every other label rather than overlap them,
                # and keeps those it shows apart (docs/report.md, "Charts")
                "labelOverlap": True,
                "labelSeparation": LABEL_GAP,
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
            # no bar or rect thinner than a pixel, whatever its time unit or bin (docs/report.md, "Charts")
            "bar": {"color": BLUE, "minBandSize": MIN_BAND},
            "rect": {"minBandSize": MIN_BAND},
            "line": {"color": BLUE, "strokeWidth": 2.5},
            "point": {"color": BLUE, "filled": True, "size": 60},
            "text": {"fontSize": 11.5, "color": "#3D444D"},
        }
    }


#: JupyterLab 4's own chart renderer (@jupyterlab/vega5-extension) draws Vega 5 and Vega-Lite 3 to 5,
#: and only it and PNG are safe in an untrusted notebook (SVG is not shown there); Altair writes
#: Vega-Lite 6. So a chart goes out as Vega-Lite 5 (checked by compiling it with Vega-Lite 5), as the
#: Vega 5 spec that compile gave (what JupyterLab draws, tooltips included), and as a PNG.
VEGALITE_MIMETYPE = "application/vnd.vegalite.v5+json"
VEGA_MIMETYPE = "application/vnd.vega.v5+json"
VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
VEGALITE_MAJOR = 5
PNG_SCALE = 1
#: vega-embed's menu in JupyterLab: saving as SVG/PNG only (the editor and source views need the network)
EMBED_OPTIONS = {"actions": {"export": True, "source": False, "compiled": False, "editor": False}}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def vegalite_version() -> str | None:
    """The newest Vega-Lite 5 (``major.minor``) that vl-convert bundles: charts are compiled and the HTML's script inlined with it."""
    import vl_convert as vlc

    fives = [
        v for v in vlc.get_vegalite_versions() if _version_key(v)[:1] == (VEGALITE_MAJOR,)
    ]
    return max(fives, key=_version_key) if fives else None


def as_vegalite5(spec: dict) -> dict:
    """The spec labelled Vega-Lite 5 (Altair's specs use nothing newer; :func:`compile_vega` checks)."""
    return {"$schema": VEGALITE_SCHEMA, **{k: v for k, v in spec.items() if k != "$schema"}}


def compile_vega(spec: dict) -> dict:
    """The Vega 5 spec Vega-Lite 5 compiles ``spec`` to; raises when Vega-Lite 5 cannot."""
    import vl_convert as vlc

    return vlc.vegalite_to_vega(spec, vl_version=vegalite_version())


def _title_text(spec: dict) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title or "chart")


def render(spec: dict, **metadata) -> tuple[dict, dict]:
    """Altair renderer: Vega-Lite 5 and Vega 5 specs, a PNG and a text line (never a ``<VegaLite`` placeholder).

    JupyterLab draws the Vega spec interactively, trusted or not and offline;
    a viewer without a Vega renderer shows the PNG; the HTML export embeds
    the Vega-Lite spec.
    """
    spec = as_vegalite5(spec)
    bundle: dict = {
        VEGALITE_MIMETYPE: spec,
        "text/plain": f"Chart: {_title_text(spec)}",
    }
    try:
        import vl_convert as vlc

        vega = compile_vega(spec)
        png = vlc.vega_to_png(vega, scale=PNG_SCALE)
        bundle[VEGA_MIMETYPE] = vega
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    except Exception as exc:  # noqa: BLE001 - the spec still reaches the HTML export; viewers show the text line
        logging.getLogger(__name__).warning(
            "no Vega 5 spec or PNG for chart %r: %s", _title_text(spec), exc
        )
    embed = {"embed_options": EMBED_OPTIONS}
    return bundle, {VEGA_MIMETYPE: embed, VEGALITE_MIMETYPE: embed}


def draws(table: str, *, part: str | None = None):
    """Mark a chart function with the results table it draws: the notebook reads that table for it.

    ``part`` names the kind of rule the chart shows when it is not its section's (pipelines/report/outline.py):
    the chart is drawn only when the policy states such a rule.
    """

    def mark(make):
        make.table = table
        make.part = part
        return make

    return mark


#: d3 number and time locales per report language (Vega's own format), so axis labels,
#: bar labels and tooltips read ``1.234,5`` and ``mrt`` in a Dutch report (docs/report.md, "Languages")
D3_LOCALES = {
    "nl": {
        "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€\u00a0", ""]},
        "time": {
            "dateTime": "%a %e %B %Y %X", "date": "%d-%m-%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
            "days": ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
            "shortDays": ["zo", "ma", "di", "wo", "do", "vr", "za"],
            "months": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                       "september", "oktober", "november", "december"],
            "shortMonths": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
        },
    },
    "en": {
        "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
        "time": {
            "dateTime": "%a %e %B %Y %X", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
            "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
            "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
            "months": ["January", "February", "March", "April", "May", "June", "July", "August",
                       "September", "October", "November", "December"],
            "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        },
    },
}


def localized(chart, language: str):
    """A copy of ``chart`` whose numbers and dates Vega formats in ``language`` (its ``config.locale``)."""
    locale = D3_LOCALES.get(language, D3_LOCALES["en"])
    chart = chart.copy()
    if chart.config is alt.Undefined:
        chart.config = alt.Config()
    chart.config.locale = alt.Locale(number=alt.NumberLocale(**locale["number"]), time=alt.TimeLocale(**locale["time"]))
    return chart


def setup() -> None:
    """Enable the report's theme and renderer in this kernel (idempotent)."""
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(theme)
    alt.theme.enable(THEME)
    alt.renderers.register(RENDERER, render)
    alt.renderers.enable(RENDERER)
    alt.data_transformers.enable("default", max_rows=MAX_ROWS)


def usable(frame: pl.DataFrame | None, *columns: str) -> bool:
    return (
        frame is not None
        and frame.height > 0
        and all(c in frame.columns for c in columns)
    )


def to_date(value) -> date | None:
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
    d = to_date(value)
    if d is None:
        return str(value)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def quarter_end(value) -> date | None:
    """A quarter's last day from ``2024Q3``, or a date (ISO text too) as it is."""
    text = str(value).strip().upper()
    if len(text) == 6 and text[:4].isdigit() and text[4] == "Q" and text[5] in "1234":
        year, q = int(text[:4]), int(text[5])
        return date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    return to_date(value)


def before_data(end, first_date) -> bool:
    """Whether a quarter ending on ``end`` ends before the exports' first date (``data.first_date``).

    The results' trend tables count such a quarter as 0, but the exports say
    nothing about it: a trend draws nothing there, a gap, never 0
    (docs/report.md, "Trends before the exports begin").
    """
    end, first = quarter_end(end), to_date(first_date)
    return end is not None and first is not None and end < first


def month_label(value, language: str = "en") -> str:
    """``2024-07``, ``2024-07-01`` or a date -> ``Jul 2024`` (``jul 2024`` in Dutch)."""
    text = str(value)
    d = to_date(value) or to_date(text + "-01")
    if d is None:
        return text
    return f"{MONTHS[language][d.month - 1]} {d.year}"


def day_label(d: date, language: str = "en") -> str:
    return f"{d.day} {MONTHS[language][d.month - 1]}"


#: advance widths (em) of DejaVu Sans, among the widest fonts ``FONT`` may fall back to (Linux's
#: system-ui): an estimate of a label's width errs on the wide side in every browser
_NARROW, _SEMI, _WIDE = " .,:;'!|·ijl", "()-/frtI", "mwMW%+@"


def text_width(text: str, size: float = 11.5) -> float:
    """A generous estimate of ``text``'s width in pixels at ``size``, for reserving room beside a bar.

    Vega measures text only when it draws, so a chart that must leave room for its
    labels estimates them (docs/report.md, "The offline template": bar labels).
    """
    em = sum(
        0.34 if c in _NARROW else 0.42 if c in _SEMI else 1.0 if c in _WIDE
        else 0.8 if c.isupper() else 0.64
        for c in text
    )
    return em * size


def column_sum(frame: pl.DataFrame, column: str) -> int:
    value = frame.get_column(column).fill_null(0).sum()
    return int(value or 0)


def chart_title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined)


#: a kind's known codes and their colours, whatever else a chart shows and in every language
COLOURS: dict[str, dict[str, str]] = {
    "bucket": dict(zip(BUCKETS, BUCKET_COLOURS)),
    "channel": {
        "help_center": BLUE,
        "live_chat": ORANGE,
        "email": GREEN,
        "other": VERMILLION,
        ALL_CHANNELS: GREY,
    },
    "right": dict(zip(RIGHTS, PALETTE)),
}


def code_colours(kind: str, codes, palette: list[str] = PALETTE) -> dict[str, str]:
    """Code -> colour: a known code's own colour; other codes, in code order, the palette's unused colours.

    Keyed by code, never by translated label, so a category keeps its colour in both languages.
    """
    fixed = COLOURS.get(kind, {})
    spare = [c for c in palette if c not in fixed.values()] or list(palette)
    unknown = sorted({str(c) for c in codes} - set(fixed))
    extra = {code: spare[i % len(spare)] for i, code in enumerate(unknown)}
    return {str(c): fixed.get(str(c)) or extra[str(c)] for c in codes}


def colour_scale(kind: str, codes, palette: list[str] = PALETTE) -> alt.Scale:
    """A colour scale over ``codes`` (legend in that order), each code in its :func:`code_colours` colour."""
    codes = list(dict.fromkeys(str(c) for c in codes))
    colours = code_colours(kind, codes, palette)
    return alt.Scale(domain=codes, range=[colours[c] for c in codes])


def legend_labels(language: str, kind: str, codes) -> str:
    """A Vega expression giving each code's name in ``language`` (``label(language, kind, code)``), for ``labelExpr``."""
    expr = "datum.label"
    for code in reversed(list(dict.fromkeys(str(c) for c in codes))):
        expr = f"datum.value === {json.dumps(code)} ? {json.dumps(label(language, kind, code))} : {expr}"
    return expr


def code_colour(
    field: str,
    kind: str,
    codes,
    language: str,
    title: str | None = None,
    palette: list[str] = PALETTE,
    **legend,
) -> alt.Color:
    """Colour on the code column ``field`` (nominal): fixed colours per code, legend in ``language``."""
    codes = list(dict.fromkeys(str(c) for c in codes))
    return alt.Color(
        f"{field}:N",
        title=title,
        sort=codes,
        scale=colour_scale(kind, codes, palette),
        legend=alt.Legend(labelExpr=legend_labels(language, kind, codes), **legend),
    )


def channel_codes(frame: pl.DataFrame) -> list[str]:
    """The channels in ``frame``: ``all`` first, the known ones in their order, then any others sorted."""
    present = set(frame.get_column("channel").cast(pl.Utf8).to_list())
    channels = [c for c in [ALL_CHANNELS, *CHANNELS] if c in present]
    return channels + sorted(present - set(channels))


def channel_frame(
    frame: pl.DataFrame, language: str
) -> tuple[pl.DataFrame, list[str]]:
    """``frame`` with ``channel`` as text and its name in ``channel_label``; the names in channel order."""
    channels = channel_codes(frame)
    labels = [label(language, "channel", c) for c in channels]
    mapping = dict(zip(channels, labels))
    return frame.with_columns(
        pl.col("channel").cast(pl.Utf8),
        pl.col("channel")
        .cast(pl.Utf8)
        .replace_strict(mapping, default=pl.col("channel").cast(pl.Utf8))
        .alias("channel_label"),
    ), labels


def without_all(frame: pl.DataFrame) -> pl.DataFrame:
    """Per-channel rows only, when the family also wrote an ``all`` row."""
    rest = frame.filter(pl.col("channel").cast(pl.Utf8) != ALL_CHANNELS)
    return rest if rest.height else frame


def ordered(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Sorted by ``<column>_order`` when the family wrote one, else as written."""
    order = f"{column}_order"
    return frame.sort(order, maintain_order=True) if order in frame.columns else frame


def optional_column(
    frame: pl.DataFrame, column: str, dtype, default=None, alias: str | None = None
) -> pl.Expr:
    """``column`` cast to ``dtype`` when the family wrote it, else ``default`` on every row."""
    expr = (
        pl.col(column).cast(dtype)
        if column in frame.columns
        else pl.lit(default, dtype)
    )
    return expr.alias(alias or column)


def quarter_col(column: str, alias: str) -> pl.Expr:
    return pl.col(column).map_elements(quarter_label, return_dtype=pl.Utf8).alias(alias)


def by_total(frame: pl.DataFrame, column: str, value: str) -> list:
    """The values of ``column``, largest total ``value`` first."""
    return (
        frame.group_by(column)
        .agg(pl.col(value).sum())
        .sort(value, descending=True)
        .get_column(column)
        .to_list()
    )


def tooltips(language: str, *fields: tuple) -> list[alt.Tooltip]:
    """Tooltips from ``(field, title key[, format])``; a ``None`` key leaves the title to Vega-Lite."""
    return [
        alt.Tooltip(
            field,
            title=t(language, key) if key else alt.Undefined,
            format=fmt[0] if fmt else alt.Undefined,
        )
        for field, key, *fmt in fields
    ]


def x_axis(field: str, title: str, sort, angle: float = 0, domain: list | None = None) -> alt.X:
    """A discrete x axis in the given order, labels at ``angle``; with ``domain``, exactly those
    values, one without data too (a trend's quarter before the exports begin)."""
    return alt.X(
        field,
        title=title,
        sort=sort,
        axis=alt.Axis(labelAngle=angle),
        scale=alt.Scale(domain=domain) if domain is not None else alt.Undefined,
    )


def titled(
    chart, title: str, subtitle: str | None = None, width=WIDTH, height=HEIGHT
) -> alt.Chart:
    return chart.properties(width=width, height=height, title=chart_title(title, subtitle))


def by_measure(chart: alt.Chart) -> alt.FacetChart:
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


def measure_label(value: str, language: str) -> str:
    v = str(value)
    if v.startswith("first"):
        return t(language, "first_response")
    if v.startswith("resol"):
        return t(language, "resolution")
    return v.replace("_", " ")


def measure_col(language: str) -> pl.Expr:
    return (
        pl.col("measure")
        .map_elements(lambda v: measure_label(v, language), return_dtype=pl.Utf8)
        .alias("measure_label")
    )


def bucket_frame(frame: pl.DataFrame, date_column: str, alias: str) -> pl.DataFrame:
    """Accounts by quarter (``alias``) and months-inactive bucket, with the bucket's stacking order."""
    return frame.select(
        quarter_col(date_column, alias),
        pl.col("bucket").cast(pl.Utf8),
        pl.col("accounts").fill_null(0).cast(pl.Int64),
    ).with_columns(
        pl.col("bucket")
        .replace_strict({b: i for i, b in enumerate(BUCKETS)}, default=99)
        .alias("order")
    )


def channel_bars(
    data: pl.DataFrame, labels: list[str], language: str, x: alt.X, tooltip: list
) -> alt.Chart:
    """Tickets as bars grouped by channel (side by side, one colour per channel code) along ``x``.

    ``labels`` (from :func:`channel_frame`) is kept for callers; colour and
    order follow the ``channel`` codes, names come from the legend.
    """
    codes = channel_codes(data)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            xOffset=alt.XOffset("channel:N", sort=codes),
            y=alt.Y("tickets:Q", title=t(language, "ch_tickets")),
            color=code_colour("channel", "channel", codes, language, t(language, "ch_channel")),
            tooltip=tooltip,
        )
    )


def table_bars(
    data: pl.DataFrame,
    language: str,
    colour: str,
    colours: list[str],
    title_key: str | None = None,
    table_sort=alt.Undefined,
) -> alt.Chart:
    """Rows per table, stacked by the code column ``colour`` (largest total first), for the data-quality charts."""
    shown = by_total(data, colour, "rows")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("table_name:N", title=t(language, "ch_table"), sort=table_sort),
            x=alt.X("sum(rows):Q", title=t(language, "ch_rows")),
            color=code_colour(
                colour,
                colour,
                shown,
                language,
                t(language, title_key) if title_key else None,
                colours,
                orient="bottom",
                columns=2,
                labelLimit=320,
            ),
            tooltip=tooltips(
                language,
                ("table_name:N", "ch_table"),
                (f"{colour}:N", title_key),
                ("rows:Q", "ch_rows", ","),
            ),
        )
    )

