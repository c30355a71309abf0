"""export_html on a hand-made executed notebook (no kernel): what management must and must not see."""

from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipelines.report.kit import theme
from pipelines.report.sections import inactivity
from pipelines.report.export import add_toc, export_html
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
