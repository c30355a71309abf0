"""privacy-review verify: passes on the untouched exports, names a changed file and an edited figure."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.run import RunOptions, run
from pipelines.verify import compare_figures, grouped, leaves, same, summary_line
from tests.policy.helpers import write_policy

SAMPLE = Path(__file__).resolve().parents[1] / "data_samples"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A ``run --no-report`` on a copy of the shipped sample: its exports and its published quarter."""
    root = tmp_path_factory.mktemp("verify")
    data = root / "exports"
    shutil.copytree(SAMPLE, data)
    final = run(RunOptions(data_dir=data, out_dir=root / "reports", db_path=root / "db" / "review.duckdb", report=False))
    return {"root": root, "data": data, "final": final}


@pytest.fixture(autouse=True)
def run_home(published, monkeypatch):
    """verify reads the history of remediation in the database's home: the run's, never the folder the tests
    run in (which holds its own after the README's first command)."""
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(published["root"] / "db"))


def verify(capsys, *args) -> tuple[int, str, str]:
    code = main(["verify", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_passes_on_the_untouched_exports(published, capsys):
    code, out, err = verify(capsys, published["final"], "--data", published["data"])
    assert code == 0, out + err
    assert out.startswith("verified: 25 published files, 8 export files and ") and "figures match" in out


def test_verify_names_the_file_after_one_byte_of_an_export_changes(published, tmp_path, capsys):
    data = tmp_path / "exports"
    shutil.copytree(published["data"], data)
    path = data / "rights_requests.csv"
    content = bytearray(path.read_bytes())
    at = content.index(b"2025-")  # a year digit in a date: still a valid row, another date
    content[at + 3] = ord("4") if content[at + 3] != ord("4") else ord("3")
    path.write_bytes(bytes(content))
    code, out, err = verify(capsys, published["final"], "--data", data)
    assert code == 1
    assert "\n  export rights_requests.csv changed: sha256 " in out
    assert not any(name in out for name in ("accounts.csv", "sessions.csv", "payments.csv"))
    assert out.startswith("Export files and row counts:\n")
    last = out.splitlines()[-1]
    assert last.startswith("verify: 1 export file changed") and last.count("verify:") == 1
    assert "privacy-review: failed:" in err and "difference" in err
    assert len([line for line in err.splitlines() if "privacy-review:" in line]) == 1


def test_verify_names_a_figure_that_differs_with_both_values(published, tmp_path, capsys):
    report = tmp_path / "2026Q2"
    shutil.copytree(published["final"], report)
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    now = summary["retention"]["breaches"]["logs"]
    summary["retention"]["breaches"]["logs"] = now + 1
    (report / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    code, out, _ = verify(capsys, report, "--data", published["data"])
    assert code == 1
    lines = out.splitlines()
    # the edited file is named first (its SHA-256 is not the one evidence.json records), then what it changed
    assert lines[:2] == ["Published files:", lines[1]] and lines[1].startswith(
        "  published files: summary.json: changed after the run (SHA-256 ")
    assert lines[3:] == ["Figures:", f"  figure retention.breaches.logs: published {now + 1}, now {now}", "",
                         "verify: 1 published file differs, 1 figure differs"]


def test_verify_names_a_finding_whose_verdict_was_edited(published, tmp_path, capsys):
    report = tmp_path / "2026Q2"
    shutil.copytree(published["final"], report)
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    logs = next(f for f in summary["findings"] if f["id"] == "logs_retention")
    assert logs["verdict"] == "not kept"
    logs["verdict"] = "kept"
    (report / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    code, out, _ = verify(capsys, report, "--data", published["data"])
    assert code == 1
    assert out.splitlines()[3:] == ["Findings:", '  finding logs_retention: verdict published "kept", now "not kept"',
                                    "", "verify: 1 published file differs, 1 finding differs"]


def test_verify_names_a_missing_export_file(published, tmp_path, capsys):
    data = tmp_path / "exports"
    shutil.copytree(published["data"], data)
    (data / "payments.csv").unlink()  # an optional table: loads, but its figures become null
    code, out, _ = verify(capsys, published["final"], "--data", data)
    assert code == 1
    assert "export payments.csv: named in evidence.json, not in the export directory" in out
    assert "figure retention.breaches.payments: published 0, now null" in out
    headings = [line for line in out.splitlines() if line and not line.startswith(("  ", "verify: "))]
    assert headings[:2] == ["Export files and row counts:", "Figures:"]
    assert out.splitlines()[-1].startswith("verify: 1 export file changed, ")


def test_verify_refuses_a_folder_without_evidence_and_a_db_inside_it(published, tmp_path, capsys):
    report = tmp_path / "2026Q2"
    shutil.copytree(published["final"], report)
    code, _, err = verify(capsys, report, "--data", published["data"], "--db", report / "x.duckdb")
    assert code == 2 and "may not lie inside" in err
    (report / "evidence.json").unlink()
    code, _, err = verify(capsys, report, "--data", published["data"])
    assert code == 2 and "evidence.json: not found" in err


def test_verify_with_a_db_uses_it_and_leaves_the_report_alone(published, capsys):
    before = sorted(p.relative_to(published["final"]) for p in published["final"].rglob("*"))
    db = published["root"] / "db" / "review.duckdb"
    code, out, err = verify(capsys, published["final"], "--data", published["data"], "--db", db)
    assert code == 0, out + err
    assert "reusing the database" in err
    assert sorted(p.relative_to(published["final"]) for p in published["final"].rglob("*")) == before


def test_leaves_are_dotted_names_and_floats_match_within_1e_9():
    assert leaves({"a": {"b": 1, "c": [2, {"d": None}]}, "e": {}}) == {"a.b": 1, "a.c[0]": 2, "a.c[1].d": None, "e": {}}
    assert same(0.1 + 0.2, 0.3) and not same(0.3, 0.3 + 1e-6)
    assert same(3, 3.0) and not same(True, 1) and not same(None, 0)


def test_compare_figures_lists_changed_missing_and_new_figures_but_not_the_generator():
    published = {"a": 1, "b": {"c": 2.0}, "gone": 5, "generator": {"version": "0.1.0"}}
    now = {"a": 1, "b": {"c": 2.5}, "new": 7, "generator": {"version": "0.2.0"}}
    said, compared, notes = compare_figures(published, now)
    assert said == ["figure b.c: published 2.0, now 2.5", "figure gone: published 5, not computed now",
                    "figure new: not in the published summary.json, now 7"]
    assert compared == 4
    assert notes == ['generator.version: "0.1.0" in the report, "0.2.0" now']


def test_verify_names_a_policy_file_other_than_the_runs(published, tmp_path, capsys):
    from pipelines.policy import default_policy_path

    policy = tmp_path / "other-policy.toml"
    write_policy(tmp_path, default_policy_path().read_text(encoding="utf-8") + "\n# edited\n", name=policy.name)
    code, out, _ = verify(capsys, published["final"], "--data", published["data"], "--policy", policy)
    assert code == 1
    assert out.splitlines()[0] == "Policy and column mapping:"
    assert out.splitlines()[1].startswith(
        "  policy: the run read privacy-policy-2024-06-17.toml (sha256 ") and "now other-policy.toml" in out
    assert out.splitlines()[-1] == "verify: the policy file differs"


def test_differences_are_grouped_under_headings_and_summed_up_in_one_line():
    differences = [
        'finding logs_retention: verdict published "kept", now "not kept"',
        "figure retention.breaches.logs: published 370, now 369",
        "export sessions.csv changed: sha256 b7fb5560861d published, 0c4f9e27a1d3 now (10 bytes published, 11 now)",
        "finding logs_retention: rows published 370, now 369",
        "export payments.csv: named in evidence.json, not in the export directory",
        "export sessions rows_in: published 10, now 11",
        "figure retention.breaches.account: published 1, now 2",
        "export extra.csv: in the export directory, not named in evidence.json",
        "finding account_retention: verdict published \"kept\", now \"not kept\"",
        "column mapping: the run read none, now column-mapping.toml (0c4f9e27a1d3)",
    ]
    groups = grouped(differences)
    assert [heading for heading, _ in groups] == ["Policy and column mapping", "Export files and row counts", "Figures",
                                                  "Findings"]
    assert sorted(line for _, lines in groups for line in lines) == sorted(differences)
    assert groups[2][1] == ["figure retention.breaches.logs: published 370, now 369",
                            "figure retention.breaches.account: published 1, now 2"]
    assert summary_line(differences) == ("verify: the column mapping differs, 3 export files changed, 1 row count "
                                         "differs, 2 figures differ, 2 findings differ")
    many = [f"figure f{i}: published {i}, now {i + 1}" for i in range(37)]
    assert summary_line(["export a.csv changed: x", "export b.csv changed: y", *many,
                         "finding a: x", "finding b: y", "finding c: z"]) == (
        "verify: 2 export files changed, 37 figures differ, 3 findings differ")



# --- every published byte (docs/operations.md, "Verifying a report") -------------------------------------------


def forged(published, tmp_path, forge) -> Path:
    report = tmp_path / "2026Q2"
    shutil.copytree(published["final"], report)
    forge(report)
    return report


def test_the_published_files_alone_are_checked_without_exports(published, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./data_samples here: the files alone
    code, out, _ = verify(capsys, published["final"])
    assert code == 0 and out.startswith("verified: 25 published files match ") and "not recomputed" in out


@pytest.mark.parametrize("name, forge", [
    ("tables/retention_breaches.csv", lambda r: (r / "tables" / "retention_breaches.csv").write_text(
        (r / "tables" / "retention_breaches.csv").read_text(encoding="utf-8").replace(",", ";", 1), encoding="utf-8")),
    ("summary.json", lambda r: (r / "summary.json").write_bytes((r / "summary.json").read_bytes() + b" ")),
    ("tables/inactivity_buckets.csv", lambda r: (r / "tables" / "inactivity_buckets.csv").unlink()),
])
def test_a_changed_or_deleted_file_is_named_with_exit_1(published, tmp_path, capsys, monkeypatch, name, forge):
    monkeypatch.chdir(tmp_path)
    code, out, _ = verify(capsys, forged(published, tmp_path, forge))
    assert code == 1
    assert out.startswith("Published files:\n") and f"  published files: {name}: " in out
    assert out.splitlines()[-1] == "verify: 1 published file differs"


def test_an_added_file_is_named(published, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = forged(published, tmp_path, lambda r: (r / "tables" / "extra.csv").write_text("a\n1\n", encoding="utf-8"))
    code, out, _ = verify(capsys, report)
    assert code == 1 and "  published files: tables/extra.csv: added after the run (not in the manifest)" in out


def test_an_editors_trace_is_a_note_and_a_forged_table_beside_it_is_still_named(published, tmp_path, capsys,
                                                                               monkeypatch):
    """JupyterLab's checkpoints are not the run's files: noted by name, never a difference (docs/operations.md,
    "Safe by construction"); a table added after the run still is."""
    monkeypatch.chdir(tmp_path)

    def opened(report):
        (report / ".ipynb_checkpoints").mkdir()
        (report / ".ipynb_checkpoints" / "summary-checkpoint.json").write_text('{"edited": 1}', encoding="utf-8")

    report = forged(published, tmp_path, opened)
    code, out, err = verify(capsys, report)
    assert code == 0 and out.startswith("verified: 25 published files match "), out
    assert "note: 1 editor trace(s) not checked: JupyterLab's copies of files it opened, not the run's: " \
           ".ipynb_checkpoints/summary-checkpoint.json" in err
    (report / "tables" / "x.csv").write_text("a\n1\n", encoding="utf-8")
    (report / "tables" / ".ipynb_checkpoints").mkdir()
    (report / "tables" / ".ipynb_checkpoints" / "x.csv").write_text("a\n1\n", encoding="utf-8")  # no checkpoint name
    code, out, _ = verify(capsys, report)
    assert code == 1
    assert "  published files: tables/x.csv: added after the run (not in the manifest)" in out
    assert "  published files: tables/.ipynb_checkpoints/x.csv: added after the run" in out
    assert "summary-checkpoint.json" not in out and out.splitlines()[-1] == "verify: 2 published files differ"


def test_a_forger_who_rewrites_evidence_too_is_caught_by_the_seal(published, tmp_path, capsys, monkeypatch):
    from pipelines import evidence

    monkeypatch.chdir(tmp_path)
    seal = evidence.seal(published["final"])

    def rewrite(report):
        (report / "summary.json").write_bytes((report / "summary.json").read_bytes() + b" ")
        evidence.record_published(report)  # the hashes rewritten to match the forged file

    report = forged(published, tmp_path, rewrite)
    assert verify(capsys, report)[0] == 0  # the files agree with the rewritten evidence.json ...
    code, out, _ = verify(capsys, report, "--seal", seal)  # ... but not with the seal the run logged
    assert code == 1 and "published files: evidence.json: its SHA-256 is not the seal given" in out
    assert verify(capsys, published["final"], "--seal", seal)[0] == 0


def test_the_run_logs_the_seal(published, tmp_path, caplog):
    import logging

    from pipelines import evidence

    caplog.set_level(logging.INFO)
    final = run(RunOptions(data_dir=published["data"], out_dir=tmp_path / "reports", db_path=tmp_path / "r.duckdb",
                           report=False, history_home=tmp_path / "home"))
    assert f"SHA-256 of its evidence.json {evidence.seal(final)}" in caplog.text


def test_the_index_beside_the_quarter_is_checked_too(published, tmp_path, capsys, monkeypatch):
    """The index is made from the published quarters alone: verify makes it again and names a hand-edited one."""
    from pipelines.report.index import build_index

    monkeypatch.chdir(tmp_path)
    index = build_index(published["final"].parent)  # as a run with its report writes it (this one had --no-report)
    original = index.read_text(encoding="utf-8")
    assert verify(capsys, published["final"])[0] == 0
    kept = re.search(r"\d+ of \d+ kept", original).group(0)
    try:
        index.write_text(original.replace(kept, "12 of 12 kept"), encoding="utf-8")
        code, out, _ = verify(capsys, published["final"])
        assert code == 1 and "published files: ../index.html: differs from the index the published quarters make" in out
    finally:
        index.unlink()
    assert verify(capsys, published["final"])[0] == 0
