"""``sample --policy``: exports fitted to any policy file (docs/policy-file.md, "A sample for any policy").

The sample states, in ``sample-design.json``, the finding each rule must give, computed from the planted rows
by the rules' meaning in Python; the run computes it in SQL. The two agree for the packaged policy, the two
example policies of other companies, and policies using every rule template.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.policy import default_policy_path, load_policy
from pipelines.run import RunOptions, run
from pipelines.sample.fitted import AS_OF, DESIGN_FILE, write_fitted_sample
from pipelines.worklist import WorklistOptions, worklist
from tests.consistency import disagreements, worklist_disagreements
from tests.policy.helpers import (
    CLOSURE_TEMPLATES,
    EVERY_TEMPLATE,
    TEXT,
    english_only,
    write_policy,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def counted(found: dict) -> tuple:
    """What a finding (or the design of one) says: verdict, reason, open now and fixed late."""
    return found["verdict"], found["reason"], found["open_now"], found["fixed_late"]


def reviewed(policy_path: Path, root: Path) -> tuple[dict, dict]:
    """(the design the sample states, the summary a run on it computes); the worklist of the run is written to
    ``root / "worklist"`` and each finding's list holds exactly its open-now records (docs/report.md, "Open now
    and fixed late")."""
    data = root / "exports"
    write_fitted_sample(load_policy(policy_path), data)
    final = run(RunOptions(data_dir=data, out_dir=root / "reports", db_path=root / "db" / "review.duckdb",
                           policy_path=policy_path, report=False, history_home=root / "history"))
    design = json.loads((data / DESIGN_FILE).read_text(encoding="utf-8"))
    summary = json.loads((final / "summary.json").read_text(encoding="utf-8"))
    worklist(WorklistOptions(data_dir=data, out_dir=root / "worklist", quarter=summary["period"],
                             policy_path=policy_path, db_path=root / "db" / "review.duckdb",
                             history_home=root / "history"))
    by_id = {f["id"]: f for f in summary["findings"]}
    assert worklist_disagreements(root / "worklist", by_id) == []
    return design, summary


def own_policy(tmp_path: Path, rules: str) -> Path:
    return write_policy(tmp_path / "policy", TEXT + rules)


@pytest.mark.parametrize("which", ["packaged", "37signals", "mozilla-accounts", "every template", "closure"])
def test_the_run_gives_the_finding_the_sample_designed_for_every_rule(which, tmp_path):
    policy_path = {
        "packaged": lambda: default_policy_path(),
        "37signals": lambda: EXAMPLES / "37signals.toml",
        "mozilla-accounts": lambda: EXAMPLES / "mozilla-accounts.toml",
        "every template": lambda: own_policy(tmp_path, EVERY_TEMPLATE),
        "closure": lambda: own_policy(tmp_path, CLOSURE_TEMPLATES),
    }[which]()
    design, summary = reviewed(policy_path, tmp_path)
    assert summary["period"] == design["quarter"] == "2026Q3"
    found = {f["id"]: counted(f) for f in summary["findings"]}
    wanted = {i: counted(d) for i, d in design["findings"].items()}
    assert found == wanted
    policy = load_policy(policy_path)
    assert list(found) == [r.id for r in policy.rules]  # one finding per rule, in the file's order
    assert any(f["open_now"] for f in summary["findings"])  # a list with rows was compared with its finding
    verdicts = {v for v, *_ in found.values()}
    assert "not kept" in verdicts and "kept" in verdicts  # breaches planted for some rules, none for others
    for rule in policy.rules:  # each judged rule got records on both sides of its deadline
        if rule.assessable:
            cases = {p["case"] for p in design["findings"][rule.id]["planted"]}
            assert len(cases) >= 2, rule.id


def test_a_rule_gets_rows_each_side_of_its_deadline_by_hand(tmp_path):
    """One rule, hand-computed: IP addresses in server logs emptied 90 days after the entry."""
    text = english_only() + CLOSURE_TEMPLATES.split("\n[[rule]]")[3].join(["\n[[rule]]", ""])
    text = text.replace('quote_nl = "Wij bewaren marketinggegevens gedurende 12 maanden na de laatste communicatie '
                        'met u."\n', "").replace('title_nl = "t"\n', "")
    policy = load_policy(write_policy(tmp_path, text))
    write_fitted_sample(policy, tmp_path / "x")
    logs = rows(tmp_path / "x" / "server_logs.csv")
    planted = {(r["logged_at"][:10], bool(r["ip_address"])) for r in logs}
    # deadline = logged_at + 90 days; as_of 2026-09-30: 45 days past (2026-08-16) -> logged 2026-05-18,
    # one day past (2026-09-29) -> 2026-07-01, due on as_of -> 2026-07-02, due the day after -> 2026-07-03,
    # handled in time (ip emptied) -> 2026-05-18 without ip, on legal hold -> 2026-05-18 with ip
    assert planted == {("2026-05-18", True), ("2026-07-01", True), ("2026-07-02", True), ("2026-07-03", True),
                       ("2026-05-18", False)}
    assert len(logs) == 6
    design = json.loads((tmp_path / "x" / DESIGN_FILE).read_text(encoding="utf-8"))["findings"]
    assert design["server_ips"]["open_now"] == 2  # the two past their deadline; the one on legal hold is exempt
    assert design["server_ips"]["fixed_late"] is None  # a log row emptied late leaves no trace in the exports
    assert design["server_ips"]["verdict"] == "not kept"


def test_a_rule_nobody_can_test_or_without_a_period_is_designed_not_assessable(tmp_path):
    policy = load_policy(EXAMPLES / "37signals.toml")
    write_fitted_sample(policy, tmp_path / "x")
    findings = json.loads((tmp_path / "x" / DESIGN_FILE).read_text(encoding="utf-8"))["findings"]
    for rule in policy.rules:
        if not rule.auditable:
            assert findings[rule.id] == {"planted": [], "verdict": "not assessable", "reason": "not_auditable",
                                         "open_now": None, "fixed_late": None}
        elif not rule.assessable:
            assert findings[rule.id]["reason"] == "period_unstated"


def test_only_the_tables_the_rules_read_and_every_contract_column(tmp_path):
    from pipelines.contract import TABLES

    write_fitted_sample(load_policy(EXAMPLES / "mozilla-accounts.toml"), tmp_path / "x")
    written = sorted(p.name for p in (tmp_path / "x").iterdir())
    # the required tables, the ones its rules read (server logs, web visits; payments: its rule states no
    # period, so the table is there and empty), the marker and the design
    assert written == sorted(["accounts.csv", "sessions.csv", "support_tickets.csv", "rights_requests.csv",
                              "server_logs.csv", "web_visits.csv", "payments.csv", "SYNTHETIC-SAMPLE.txt", DESIGN_FILE])
    for name in ("accounts", "server_logs"):
        with open(tmp_path / "x" / f"{name}.csv", encoding="utf-8") as handle:
            assert tuple(next(csv.reader(handle))) == TABLES[name].column_names


def test_the_same_file_gives_the_same_bytes(tmp_path):
    policy = load_policy(EXAMPLES / "37signals.toml")
    for name in ("a", "b"):
        write_fitted_sample(policy, tmp_path / name)
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_the_review_date_is_the_latest_complete_quarter_of_the_sample(tmp_path):
    write_fitted_sample(load_policy(), tmp_path / "x")
    newest = max(r["created_at"][:10] for r in rows(tmp_path / "x" / "accounts.csv"))
    assert date.fromisoformat(newest) > AS_OF == date(2026, 9, 30)


def test_the_command_writes_it_and_refuses_a_folder_of_someone_elses_files(tmp_path, capsys):
    assert main(["sample", "--policy", str(EXAMPLES / "mozilla-accounts.toml"), "--out", str(tmp_path / "x")]) == 0
    assert json.loads(capsys.readouterr().out)["server_logs"] > 0
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "accounts.csv").write_text("mine\n", encoding="utf-8")
    assert main(["sample", "--policy", str(EXAMPLES / "mozilla-accounts.toml"), "--out", str(tmp_path / "mine")]) == 2
    assert (tmp_path / "mine" / "accounts.csv").read_text(encoding="utf-8") == "mine\n"


def test_a_policy_file_it_cannot_read_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy]\nname = 1\n", encoding="utf-8")
    assert main(["sample", "--policy", str(bad), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.toml" in err[0]
    assert not (tmp_path / "x").exists()


def test_options_of_the_sized_sample_are_refused_with_a_policy(tmp_path, capsys):
    argv = ["sample", "--policy", str(EXAMPLES / "37signals.toml"), "--out", str(tmp_path / "x")]
    assert main([*argv, "--format", "parquet", "--seed", "42"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--seed, --format" in err[0] and "only without --policy" in err[0]
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_random_policies_give_the_findings_their_sample_designed(seed, tmp_path):
    """Policies nobody designed the tool for: every table, action, anchor, scope and combination at random."""
    from tests.sample.random_policies import write_random_policy

    policy_path = write_random_policy(tmp_path / "policy", seed)
    assert len(load_policy(policy_path).rules) >= 1
    design, summary = reviewed(policy_path, tmp_path)
    found = {f["id"]: counted(f) for f in summary["findings"]}
    assert found == {i: counted(d) for i, d in design["findings"].items()}


@pytest.mark.slow
@pytest.mark.parametrize("example", ["37signals", "mozilla-accounts"])
def test_each_example_policy_publishes_its_report_and_verifies(example, tmp_path, monkeypatch, capsys):
    """Issue 30's "done": sample --policy + run --policy publish an English report with one finding per rule,
    the ones no export can test stated with their reasons; verify recomputes it."""
    import html as htmlmod
    import re

    policy_path = EXAMPLES / f"{example}.toml"
    policy = load_policy(policy_path)
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    data, reports = tmp_path / "data", tmp_path / "reports"
    assert main(["sample", "--policy", str(policy_path), "--out", str(data)]) == 0
    assert main(["run", "--policy", str(policy_path), "--data", str(data), "--out", str(reports)]) == 0
    quarter = reports / "2026Q3"
    page = (quarter / "quarterly-review.html").read_text(encoding="utf-8")
    # the first screen: one row per rule, in the file's order, with the verdict the sample designed
    design = json.loads((data / DESIGN_FILE).read_text(encoding="utf-8"))["findings"]
    first = page.index("data-finding=")
    first_screen = page[page.rfind("<table", 0, first):page.index("</table>", first)]
    rows_shown = re.findall(r'<tr class="row--[^"]*" data-finding="([^"]+)"[^>]*data-verdict="([^"]+)"', first_screen)
    assert rows_shown == [(r.id, design[r.id]["verdict"]) for r in policy.rules]
    text = htmlmod.unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"\s+", " ", text)
    for rule in policy.rules:
        if not rule.auditable:
            assert re.sub(r"\s+", " ", rule.not_auditable_reason.get("en")) in text, rule.id
    assert '<html lang="en"' in page and 'lang="nl"' not in page
    assert main(["verify", str(quarter), "--data", str(data), "--policy", str(policy_path)]) == 0
    # issue 31: one number per finding in every published file and in the worklist
    assert main(["worklist", "--quarter", "2026Q3", "--policy", str(policy_path), "--data", str(data),
                 "--out", str(tmp_path / "worklist")]) == 0
    said, compared = disagreements(quarter, policy, worklist_dir=tmp_path / "worklist")
    assert said == [] and compared > len(policy.rules)
    # issue 31: what management reads is what verify checks; a forged report or notebook is named (exit 1)
    forged = page.replace("promises kept", "promises kept!", 1)
    assert forged != page
    (quarter / "quarterly-review.html").write_text(forged, encoding="utf-8")
    notebook = next((quarter / "notebooks").iterdir())
    notebook.write_bytes(notebook.read_bytes().replace(b"}", b" }", 1))
    assert main(["verify", str(quarter)]) == 1
    out = capsys.readouterr().out
    assert "published files: quarterly-review.html: changed after the run" in out
    assert f"published files: notebooks/{notebook.name}: changed after the run" in out
