"""Executed notebook -> one self-contained, offline HTML file for management.

nbconvert with the ``privacy_report`` template (``templates/privacy_report``):
no code, no prompts, no stdout/stderr/warnings, no CDN scripts; one inlined
copy of Vega + Vega-Lite + vega-embed (from vl-convert, the Vega-Lite 5 the
charts are compiled with) and a ``vegaEmbed`` call per chart, whose
Vega-Lite spec the notebook output carries. Single-view charts take the
page's width (phones included); other charts scale down to it; a chart's
title is set as page text above it, so it wraps. Each chart also keeps a
static SVG in ``<noscript>``, shown where scripts do not run.
A table of contents is built from the ``<h2>`` headings.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from datetime import datetime
from functools import lru_cache
from html import escape, unescape
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

import pipelines
from pipelines.report.kit.blocks import INLINE_MARKER
from pipelines.report.kit.theme import VEGALITE_MIMETYPE, vegalite_version
from pipelines.report.kit.words import t

TEMPLATE_NAME = "privacy_report"
VEGALITE_MIME = re.compile(r"^application/vnd\.vegalite\.v\d+[+.]json$")
VEGA_MIME = re.compile(r"^application/vnd\.vega\.v\d+[+.]json$")
#: tags whose cells never reach the HTML (papermill's parameter cells are code anyway)
REMOVE_CELL_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove_cell"}
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output"}
#: output types the management HTML shows; anything else (plain-text reprs) is analyst noise
SHOWN_TYPES = ("text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg")
#: the kit's inline styles, written for JupyterLab's sanitizer (``blocks.inline``); the report has its stylesheet
INLINE_STYLE = re.compile(rf'\s{INLINE_MARKER} style="[^"]*"')


def templates_dir() -> Path:
    return Path(str(resources.files("pipelines.report").joinpath("templates")))


@lru_cache(maxsize=2)
def vega_bundle(vl_version: str | None = None) -> str:
    """Vega, Vega-Lite and vega-embed as one script (window.vegaEmbed), from vl-convert; cached per process."""
    import vl_convert as vlc

    bundle = (
        vlc.javascript_bundle(vl_version=vl_version)
        if vl_version
        else vlc.javascript_bundle()
    )
    # never let the bundle close its own <script> element
    return bundle.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def _json_for_script(spec: dict) -> str:
    # inside <script type="application/json">: '<' escaped so no '</script>' or '<!--' can occur
    return (
        json.dumps(spec, separators=(",", ":"), ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace("&", "\\u0026")
    )


def chart_spec(data: dict) -> tuple[dict, str] | None:
    """The spec an output's chart is drawn from and its vega-embed mode: the theme's Vega-Lite 5 spec,
    else any Vega-Lite spec (newest first), else a Vega spec; ``None`` when the output holds no chart."""
    def major(mime: str) -> int:
        return int(re.search(r"\.v(\d+)", mime).group(1))

    lite = sorted((k for k in data if VEGALITE_MIME.match(k)), key=major, reverse=True)
    vega = sorted((k for k in data if VEGA_MIME.match(k)), key=major)
    if VEGALITE_MIMETYPE in data:
        key, mode = VEGALITE_MIMETYPE, "vega-lite"
    elif lite:
        key, mode = lite[0], "vega-lite"
    elif vega:
        key, mode = vega[-1], "vega"
    else:
        return None
    spec = data[key]
    return (json.loads(spec) if isinstance(spec, str) else spec), mode


#: channels whose legends a narrow page stacks in one column
LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "size", "opacity", "strokeDash")
#: below this container width (px) a legend lists its entries one under another
NARROW = 560


def _narrow_legends(encoding: dict) -> dict:
    out = dict(encoding)
    for channel in LEGEND_CHANNELS:
        field = out.get(channel)
        if not isinstance(field, dict) or field.get("legend", {}) is None:
            continue
        legend = dict(field.get("legend") or {})
        wide = legend.get("columns", 0)
        if isinstance(wide, (int, float)):
            legend["columns"] = {"expr": f"containerSize()[0] < {NARROW} ? 1 : {int(wide)}"}
            out[channel] = dict(field, legend=legend)
    return out


def fit_width(spec: dict) -> dict:
    """A single-view or layered Vega-Lite chart made as wide as its container (a phone's screen too),
    its legends in one column when that is narrow.

    Facets and concatenations keep their width (Vega-Lite sizes them only
    per cell); the stylesheet scales their SVG down instead.
    """
    if not ("mark" in spec or "layer" in spec):
        return spec
    fitted = dict(spec, width="container", autosize={"type": "fit-x", "contains": "padding"})
    if "encoding" in fitted:
        fitted["encoding"] = _narrow_legends(fitted["encoding"])
    if "layer" in fitted:
        fitted["layer"] = [
            {
                k: (_narrow_legends(v) if k == "encoding" else v)
                for k, v in layer.items()
                if k != "width"
            }
            for layer in fitted["layer"]
        ]
    return fitted


def static_svg(spec: dict, mode: str) -> str | None:
    """The chart as SVG (vl-convert), for ``<noscript>``; ``None`` when it cannot be drawn."""
    try:
        import vl_convert as vlc

        if mode == "vega":
            return vlc.vega_to_svg(spec)
        return vlc.vegalite_to_svg(spec, vl_version=vegalite_version())
    except Exception:  # noqa: BLE001 - the figure still draws where scripts run
        return None


def _lines(value) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def split_title(spec: dict) -> tuple[str, str, dict]:
    """(title, subtitle, the spec without them): the page sets the title as text, which wraps on a phone."""
    title = spec.get("title")
    rest = {k: v for k, v in spec.items() if k != "title"}
    if isinstance(title, dict):
        return _lines(title.get("text")), _lines(title.get("subtitle")), rest
    return _lines(title), "", rest


def chart_html(
    spec: dict, index: int, svg: str | None = None, mode: str = "vega-lite"
) -> str:
    """The container the template's script fills with ``vegaEmbed``, the chart's title above it as
    a caption, and a static SVG (``svg``, else drawn here) inside ``<noscript>``."""
    # the mode is given to vegaEmbed; the schema URL is not needed offline
    spec = {k: v for k, v in spec.items() if k != "$schema"}
    title, subtitle, spec = split_title(spec)
    label = escape(title or f"Chart {index}", quote=True)
    caption = ""
    if title or subtitle:
        caption = (
            '<figcaption class="pr-chart-caption">'
            f'<span class="pr-chart-title">{escape(title)}</span>'
            + (f'<span class="pr-chart-subtitle">{escape(subtitle)}</span>' if subtitle else "")
            + "</figcaption>"
        )
    svg = svg or static_svg(spec, mode)
    fallback = ""
    if svg:
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        fallback = f'<noscript><img alt="{label}" src="data:image/svg+xml;base64,{data}"></noscript>'
    if mode == "vega-lite":
        spec = fit_width(spec)
    return (
        f'<figure class="pr-chart" id="chart-{index}" data-chart="{index}" data-mode="{mode}">'
        f"{caption}"
        f'<div class="pr-chart-view" role="img" aria-label="{label}"></div>'
        f'<script type="application/json" class="pr-chart-spec">{_json_for_script(spec)}</script>'
        f"{fallback}</figure>"
    )


class ReportPreprocessor(Preprocessor):
    """Keeps what management should read: rich outputs; chart outputs become chart containers.

    Drops stdout/stderr streams (warnings included), plain-text-only results
    and the kit's inline styles (written for JupyterLab; the report's
    stylesheet styles the page), removes cells tagged
    ``remove-cell``/``parameters``/``injected-parameters`` and outputs of
    cells tagged ``remove-output``.
    Counts charts in ``resources["chart_count"]``.
    """

    def preprocess(self, nb, resources):
        resources["chart_count"] = 0
        nb.cells = [
            c
            for c in nb.cells
            if not (set(c.get("metadata", {}).get("tags", [])) & REMOVE_CELL_TAGS)
        ]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if set(cell.get("metadata", {}).get("tags", [])) & REMOVE_OUTPUT_TAGS:
            cell.outputs = []
            return cell, resources
        kept = []
        for output in cell.get("outputs", []):
            if output.output_type in ("stream",):
                continue
            if output.output_type not in ("display_data", "execute_result"):
                kept.append(
                    output
                )  # errors stay visible; a failed notebook is never published anyway
                continue
            data = output.get("data", {})
            found = chart_spec(data)
            if found:
                resources["chart_count"] += 1
                spec, mode = found
                html = chart_html(spec, resources["chart_count"], mode=mode)
                output["data"] = {"text/html": html}
                output["metadata"] = {}
                kept.append(output)
            elif any(k in data for k in SHOWN_TYPES):
                output["data"] = {k: v for k, v in data.items() if k in SHOWN_TYPES}
                if isinstance(output["data"].get("text/html"), str):
                    output["data"]["text/html"] = INLINE_STYLE.sub("", output["data"]["text/html"])
                kept.append(output)
        cell.outputs = kept
        return cell, resources


_H2 = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<inner>.*?)</h2>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r'\bid="([^"]*)"')


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    slug, n = f"sec-{base}", 2
    while slug in taken:
        slug, n = f"sec-{base}-{n}", n + 1
    taken.add(slug)
    return slug


def add_toc(html: str, language: str = "en") -> str:
    """Give every ``<h2>`` an id and put a linked table of contents where the report asks for it.

    The notebook's title block leaves ``<div class="pr-toc-slot"></div>``;
    without one the contents go to the top of the page.
    """
    entries: list[tuple[str, str]] = []
    taken: set[str] = set()

    def visit(m: re.Match) -> str:
        attrs, inner = m.group("attrs"), m.group("inner")
        text = unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        found = _ID.search(attrs)
        if found:
            ident = found.group(1)
            taken.add(ident)
        else:
            ident = _slug(text, taken)
            attrs = f' id="{ident}"{attrs}'
        entries.append((ident, text))
        return f"<h2{attrs}>{inner}</h2>"

    # only the report's own markup: the inlined Vega bundle after </main> holds "<h2" in strings
    end = html.find("</main>")
    end = len(html) if end < 0 else end
    html = _H2.sub(visit, html[:end]) + html[end:]
    if not entries:
        return html.replace("<!--pr-toc-->", "")
    items = "".join(
        f'<li><a href="#{escape(i, quote=True)}">{escape(text)}</a></li>'
        for i, text in entries
    )
    nav = f'<nav class="pr-toc" aria-label="{escape(t(language, "contents"))}"><p class="pr-toc-title">{escape(t(language, "contents"))}</p><ol>{items}</ol></nav>'
    slot = '<div class="pr-toc-slot"></div>'
    if slot in html:
        return html.replace("<!--pr-toc-->", "").replace(slot, nav, 1)
    return html.replace("<!--pr-toc-->", nav, 1)


def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string: quotes, backslashes, line breaks and ``<`` escaped."""
    return "".join(c if c.isprintable() and c not in '"\\<' else f"\\{ord(c):x} " for c in text)


def page_css(title: str) -> str:
    """The printed page (docs/report.md, "PDF"): A4, its margins, and a footer on every page holding the
    report's title with its quarter ("Quarterly privacy review 2024Q3 · 3 / 12"), in the report's language."""
    footer = f'"{css_string(title)} · " ' if title else ""
    return (
        "@page { size: A4; margin: 14mm 14mm 16mm;\n"
        f"  @bottom-center {{ content: {footer}counter(page) \" / \" counter(pages);"
        " font: 8pt system-ui, sans-serif; color: #57606a; } }"
    )


def _exporter(language: str) -> HTMLExporter:
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    exporter = HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(templates_dir())],
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.language_code = language
    exporter.register_preprocessor(ReportPreprocessor(), enabled=True)
    return exporter


def language_links(language: str, beside: tuple[tuple[str, str], ...]) -> str:
    """"Nederlands" linking the Dutch edition beside this report (empty when it stands alone)."""
    if not beside:
        return ""
    links = " · ".join(
        f'<a href="{escape(file, quote=True)}" hreflang="{lang}" lang="{lang}">{escape(t(lang, "language_name"))}</a>'
        for lang, file in beside)
    return (f'<nav class="pr-languages" aria-label="{escape(t(language, "other_languages"), quote=True)}">'
            f"{links}</nav>")


def export_html(
    executed_nb: str | Path | nbformat.NotebookNode,
    html_path: str | Path,
    *,
    title: str | None = None,
    language: str | None = None,
    beside: tuple[tuple[str, str], ...] = (),
) -> Path:
    """Write the management HTML for an executed notebook; return its path.

    ``title`` overrides ``nb.metadata.title`` (the page title); ``language``
    defaults to the ``language`` parameter papermill injected, else English;
    ``beside``: ``(language, file)`` of the report's other editions, linked at the
    top of the page, each named in its own language (docs/report.md, "Languages").
    """
    nb = (
        copy.deepcopy(executed_nb)
        if isinstance(executed_nb, nbformat.NotebookNode)
        else nbformat.read(str(executed_nb), as_version=4)
    )
    language = language or _injected(nb, "language") or "en"
    if title:
        nb.metadata["title"] = title
    css = (
        templates_dir()
        .joinpath(TEMPLATE_NAME, "report.css")
        .read_text(encoding="utf-8")
    )
    footer = f"{nb.metadata.get('title', '')} · privacy-review {pipelines.__version__} · {datetime.now().strftime('%Y-%m-%d %H:%M')}"
    resources = {
        "report_css": css,
        "vega_bundle": vega_bundle(vegalite_version()),
        "generator_version": pipelines.__version__,
        "footer_text": footer,
        "page_css": page_css(str(nb.metadata.get("title", ""))),
        "metadata": {"name": nb.metadata.get("title", "report")},
    }
    body, _ = _exporter(language).from_notebook_node(nb, resources=resources)
    body = add_toc(body, language)
    body = body.replace('<main class="pr-main">', '<main class="pr-main">' + language_links(language, beside), 1)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _injected(nb: nbformat.NotebookNode, name: str) -> str | None:
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    value = params.get(name)
    return value if isinstance(value, str) and value else None
