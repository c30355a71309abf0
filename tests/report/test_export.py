"""export_html on a hand-made executed notebook (no kernel): what management must and must not see."""

from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipelines.report.export import add_toc, export_html
from pipelines.report.kit import theme
from pipelines.report.sections import inactivity
from tests.report.fake_results import fake_summary, fake_tables


def executed_notebook() -> nbformat.NotebookNode:
    theme.setup()
    chart = inactivity.buckets(fake_tables(fake_summary())["inactivity_buckets"])
    bundle, metadata = chart._repr_mimebundle_()
    params = new_code_cell(
        'results_dir = "x"', metadata={"tags": ["parameters"]}, execution_count=1
    )
    injected = new_code_cell(
        'results_dir = "/secret/path"',
        metadata={"tags": ["injected-parameters"]},
        execution_count=2,
    )
    noisy = new_code_cell(
        "import warnings; warnings.warn('careful'); print('debug'); 42",
        execution_count=3,
        outputs=[
            new_output(
                "stream",
                name="stderr",
                text="/x.py:1: UserWarning: careful\n  warnings.warn\n",
            ),
            new_output("stream", name="stdout", text="debug output\n"),
            new_output("execute_result", data={"text/plain": "42"}, execution_count=3),
        ],
    )
    html = new_code_cell(
        "nb.html(...)",
        execution_count=4,
        outputs=[
            new_output(
                "display_data",
                data={
                    "text/html": "<h2>Inactive accounts</h2><p>kept</p>",
                    "text/plain": "<IPython.HTML>",
                },
            )
        ],
    )
    chart_cell = new_code_cell(
        "chart",
        execution_count=5,
        outputs=[new_output("display_data", data=bundle, metadata=metadata)],
    )
    chart_cell2 = new_code_cell(
        "chart", execution_count=6, outputs=[new_output("display_data", data=bundle)]
    )
    hidden = new_code_cell(
        "x",
        execution_count=7,
        metadata={"tags": ["remove-output"]},
        outputs=[new_output("display_data", data={"text/html": "<p>HIDDEN</p>"})],
    )
    nb = new_notebook(
        cells=[
            new_markdown_cell("## Method notes\n\nPlain *markdown*."),
            params,
            injected,
            noisy,
            html,
            chart_cell,
            chart_cell2,
            hidden,
        ]
    )
    nb.metadata = {
        "title": "Test report",
        "kernelspec": {
            "name": "python3",
            "language": "python",
            "display_name": "Python 3",
        },
        "papermill": {"parameters": {"language": "en"}},
    }
    return nb


def test_offline_html_without_code_noise_or_placeholders(tmp_path):
    path = export_html(
        executed_notebook(),
        tmp_path / "r.html",
        title="Quarterly privacy review 2024Q3",
    )
    html = path.read_text(encoding="utf-8")
    assert "<title>Quarterly privacy review 2024Q3</title>" in html
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(
        r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE
    )
    assert not re.search(r"<link\b", html, re.IGNORECASE)
    assert "<VegaLite" not in html and "&lt;VegaLite" not in html
    for noise in (
        "UserWarning",
        "debug output",
        "/secret/path",
        "warnings.warn",
        "HIDDEN",
        "<IPython.HTML>",
    ):
        assert noise not in html
    assert not re.search(r"In&nbsp;\[|Out\[\d*\]", html)
    body = html.split("</main>")[0]
    assert (
        "jp-InputArea-editor" not in body
        and "cm-editor" not in body
        and "jp-InputPrompt" not in body
    )
    assert ">42<" not in html
    # one Vega bundle, one container per chart, each with its spec and a static fallback
    assert html.count('<figure class="pr-chart"') == 2
    assert html.count('class="pr-chart-spec"') == 2
    assert html.count("<noscript><img") == 2
    assert html.count("vegaEmbed(view, spec") == 1
    assert html.count("vega-embed") >= 1 and len(html) < 2_000_000
    assert (
        "require.min.js" not in html
        and "MathJax" not in html
        and "mermaid" not in html.lower().split("</main>")[0]
    )
    assert 'http-equiv="Content-Security-Policy"' in html


def test_table_of_contents_links_every_section(tmp_path):
    html = export_html(executed_notebook(), tmp_path / "r.html").read_text(
        encoding="utf-8"
    )
    nav = re.search(r'<nav class="pr-toc".*?</nav>', html, re.DOTALL).group(0)
    links = re.findall(r'href="#([^"]+)"', nav)
    assert len(links) == 2 and "Method notes" in nav and "Inactive accounts" in nav
    for target in links:
        assert f'id="{target}"' in html


def test_toc_goes_into_the_slot_and_ignores_scripts():
    page = '<main><!--pr-toc--><h1>T</h1><div class="pr-toc-slot"></div><h2>A &amp; B</h2></main><script>"<h2>${x}</h2>"</script>'
    out = add_toc(page)
    assert out.index("<nav") > out.index("<h1>")
    assert "${x}" not in out.split("</nav>")[0]
    assert 'id="sec-a-b"' in out


def _specs(html: str) -> list[dict]:
    import json

    return [
        json.loads(s)
        for s in re.findall(
            r'<script[^>]*class="pr-chart-spec"[^>]*>(.*?)</script>', html
        )
    ]


def test_charts_take_the_page_width_and_their_titles_wrap_as_text(tmp_path):
    html = export_html(executed_notebook(), tmp_path / "r.html").read_text(encoding="utf-8")
    spec = _specs(html)[0]
    assert spec["width"] == "container"
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert "title" not in spec  # set as page text instead
    caption = re.search(r'<figcaption class="pr-chart-caption">(.*?)</figcaption>', html).group(1)
    title = inactivity.buckets(fake_tables(fake_summary())["inactivity_buckets"]).to_dict()["title"]
    assert f'<span class="pr-chart-title">{title["text"]}</span>' in caption
    assert 'data-mode="vega-lite"' in html


def test_facets_keep_their_width():
    from pipelines.report.export import fit_width

    facet = {"facet": {"row": {"field": "m"}}, "spec": {"mark": "bar", "width": 600}}
    assert fit_width(facet) == facet
    layered = {"layer": [{"mark": "bar", "width": 300}, {"mark": "text"}], "width": 600}
    fitted = fit_width(layered)
    assert fitted["width"] == "container" and all("width" not in l for l in fitted["layer"])


def test_legends_stack_in_one_column_on_a_narrow_page():
    from pipelines.report.export import fit_width

    spec = {
        "mark": "bar",
        "encoding": {
            "color": {"field": "c", "legend": {"columns": 2}},
            "shape": {"field": "s"},
            "size": {"field": "z", "legend": None},
        },
    }
    enc = fit_width(spec)["encoding"]
    assert enc["color"]["legend"]["columns"] == {"expr": "containerSize()[0] < 560 ? 1 : 2"}
    assert enc["shape"]["legend"]["columns"] == {"expr": "containerSize()[0] < 560 ? 1 : 0"}
    assert enc["size"]["legend"] is None  # no legend stays none


def test_the_spec_comes_from_the_right_mimetype():
    from pipelines.report.export import chart_spec

    lite5, lite6, vega = {"mark": "bar"}, {"mark": "point"}, {"marks": []}
    both = {
        "application/vnd.vegalite.v5+json": lite5,
        "application/vnd.vegalite.v6+json": lite6,
        "application/vnd.vega.v5+json": vega,
        "image/png": "iVBOR",
    }
    assert chart_spec(both) == (lite5, "vega-lite")  # the renderer's own, not the newest
    assert chart_spec({"application/vnd.vegalite.v4+json": lite6}) == (lite6, "vega-lite")
    assert chart_spec({"application/vnd.vega.v5+json": '{"marks": []}'}) == (vega, "vega")
    assert chart_spec({"image/png": "iVBOR", "text/plain": "x"}) is None


def test_a_vega_only_output_is_drawn_in_vega_mode(tmp_path):
    theme.setup()
    bundle, _ = inactivity.buckets(fake_tables(fake_summary())["inactivity_buckets"])._repr_mimebundle_()
    nb = executed_notebook()
    nb.cells = [
        new_code_cell(
            "chart",
            execution_count=1,
            outputs=[
                new_output(
                    "display_data",
                    data={k: bundle[k] for k in ("application/vnd.vega.v5+json", "text/plain")},
                )
            ],
        )
    ]
    html = export_html(nb, tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count('data-mode="vega"') == 1 and html.count("<noscript><img") == 1
    assert _specs(html)[0]["marks"]
