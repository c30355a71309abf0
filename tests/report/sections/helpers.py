"""What the section tests share: a context on the fake results, policy variants, the text a reader sees."""

from __future__ import annotations

import html
import re


import vl_convert as vlc

from pipelines.policy import load_policy
from pipelines.report.kit import theme
from pipelines.report.kit.context import ReportContext
from tests.report.fake_results import fake_summary, fake_tables, with_findings

POLICY = load_policy()


def ctx(summary=None, tables=None, language="en", policy=POLICY, *, rejudge=True) -> ReportContext:
    """A context on ``summary`` (the fake quarter by default). A summary holding ``findings`` has them judged
    again from its figures (``rejudge``), as a run would write them, so a test changes a figure and sees the
    finding it makes; ``rejudge=False`` shows the findings as given."""
    summary = fake_summary() if summary is None else summary
    if rejudge and "findings" in summary:
        summary = with_findings(dict(summary), policy)
    return ReportContext(
        summary=summary,
        tables=fake_tables(fake_summary()) if tables is None else tables,
        policy=policy,
        language=language,
    )


def with_months(policy, months: int):
    """The policy with another inactivity period (the inactivity rule's period)."""
    return policy.with_period(policy.inactivity_rule, f"{months} months")


class DutchNamed:
    """A policy whose file states a Dutch name (``name_nl``)."""

    def __init__(self, policy, name_nl: str):
        self._policy, self.name_nl = policy, name_nl

    def __getattr__(self, name):
        return getattr(self._policy, name)


def prose(markup: str) -> str:
    """:func:`visible` without literal code (worklist file names, commands): the words of the report's language."""
    return visible(re.sub(r"<code[^>]*>.*?</code>", " ", markup, flags=re.DOTALL))


def by_finding(summary: dict) -> dict[str, dict]:
    return {f["id"]: f for f in summary["findings"]}


def visible(markup: str) -> str:
    """The text a reader sees: no styles, scripts or tags, entities decoded, spaces collapsed."""
    markup = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", markup, flags=re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def chart_text(chart) -> str:
    """Every word a chart draws (title, axes, legend, labels), from its static SVG."""
    spec = theme.as_vegalite5(chart.to_dict())
    return visible(vlc.vegalite_to_svg(spec, vl_version=theme.vegalite_version()))


def title(chart) -> str:
    t = chart.to_dict()["title"]
    return t["text"] if isinstance(t, dict) else t


def subtitle(chart) -> str:
    return chart.to_dict()["title"]["subtitle"]
