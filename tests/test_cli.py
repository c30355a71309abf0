"""The privacy-review command as a scheduler sees it: stdout, stderr, exit codes."""

import argparse
import json
import os
import subprocess
import sys

import pytest

from pipelines import cli as climod
from tests.conftest import policy_with
from tests.load.helpers import write_exports


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *map(str, args)], capture_output=True, text=True,
                          check=False, env={**os.environ, **(env or {})})


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_load_prints_the_data_quality_counts(tmp_path):
    data = write_exports(tmp_path / "x", {
        "accounts": "account_id,created_at,plan,status\nA1,2024-01-01,free,active\nA1,2024-01-01,free,active\n",
    })
    done = cli("load", "--data", data, "--db", tmp_path / "db.duckdb")
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert (tmp_path / "db.duckdb").is_file()
    assert counts["rows_in"]["accounts"] == 2
    assert counts["rows_loaded"]["accounts"] == 1
    assert counts["rows_rejected"] == {"accounts": 1, "sessions": 0, "support_tickets": 0, "rights_requests": 0}


def test_missing_required_column_exits_2_with_one_line_naming_file_and_column(tmp_path):
    data = write_exports(tmp_path / "x", {"sessions": "session_id,account_id\nS1,A1\n"})
    done = cli("load", "--data", data, "--db", tmp_path / "db.duckdb")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1
    assert "sessions.csv" in errors[0] and "'started_at'" in errors[0]
    assert "Traceback" not in done.stderr


def test_bad_parameters_exit_2(tmp_path):
    data = write_exports(tmp_path / "x")
    assert cli("run", "--data", data, "--quarter", "2024Q5", "--out", tmp_path / "r", "--no-report").returncode == 2
    assert cli("load", "--data", tmp_path / "nowhere", "--db", tmp_path / "db.duckdb").returncode == 2
    assert cli("run", "--as-of", "31/12/2024").returncode == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--quarter", "2024Q5"], "not a quarter: '2024Q5'"),
        (["--quarter", "24Q1"], "not a quarter: '24Q1'"),
        (["--quarter", "2024Q2", "--as-of", "2024-03-31"], "--as-of 2024-03-31 is before the start of 2024Q2"),
        (["--quarter", "2019Q1"], "2019Q1 (as of 2019-03-31) lies outside the exports' dates, 2024-01-01 to 2024-02-02"),
        (["--policy", "{tmp}/missing.toml"], "missing.toml: policy file not found"),
        (["--policy", "{unknown_table}"], "unknown table 'cookies'"),
        (["--policy", "{negative_period}"], "period '-12 months' is not understood"),
        (["--data", "{tmp}/nowhere"], "nowhere: export directory not found"),
        (["--db", "{tmp}/reports/db.duckdb"], "must not overlap"),
    ],
)
def test_parameter_errors_exit_2_with_one_line(tmp_path, capsys, args, message):
    data = write_exports(tmp_path / "x")
    values = {
        "tmp": tmp_path,
        "unknown_table": policy_with(tmp_path / "p1.toml", 'table = "web_visits"', 'table = "cookies"'),
        "negative_period": policy_with(tmp_path / "p2.toml", 'period = "12 months"', 'period = "-12 months"'),
    }
    args = [a.format(**values) for a in args]
    code = climod.main(["run", "--data", str(data), "--out", str(tmp_path / "reports"), "--no-report", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if "privacy-review: error" in line or " ERROR " in line]
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err


def test_run_prints_the_published_folder_and_keeps_the_database_out_of_it(tmp_path, home):
    data = write_exports(tmp_path / "x")
    done = cli("run", "--data", data, "--out", tmp_path / "reports", "--quarter", "2024Q1", "--no-report",
               env={"PRIVACY_REVIEW_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "reports" / "2024Q1")
    assert (home / "privacy-review.duckdb").is_file() and not list((tmp_path / "reports").rglob("*.duckdb"))
    assert " ERROR " not in done.stderr and "privacy scan" in done.stderr


def test_load_without_db_uses_the_same_home_as_run(tmp_path, home):
    data = write_exports(tmp_path / "x")
    done = cli("load", "--data", data, env={"PRIVACY_REVIEW_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    assert (home / "privacy-review.duckdb").is_file()


def test_sample_help_describes_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        climod.main(["sample", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in ("number of distinct accounts (default: 3000)", "random seed (default: 42)", "(default: csv)",
                  "exactly N accounts"):
        assert words in text


def test_every_option_with_a_default_shows_it_in_the_help(capsys):
    """One formatter for every command (pipelines/cli.py, ``HelpFormatter``): a default the parser holds is shown."""
    shown = 0
    for name, parser in climod.build_parser().commands.items():
        text = " ".join(_help(capsys, name).split())
        for action in parser._actions:
            if action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
                assert f"(default: {action.default})" in text, (name, action.option_strings)
                shown += 1
    assert shown >= 8  # --quarter, --input-zone, --out, --language, --engine, --reports, ...
    # --language has no single default: every language of the policy file (docs/report.md, "Languages")
    assert ("--language {en,nl} publish the report in this language only (default: every language of the policy "
            "file") in " ".join(_help(capsys, "run").split())


def _help(capsys, command: str) -> str:
    with pytest.raises(SystemExit) as stop:
        climod.main([command, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def test_run_help_lists_the_exit_codes(capsys):
    out = _help(capsys, "run")
    assert "exit codes:" in out
    assert all(f"\n  {code}  " in out for code in (0, 1, 2))


@pytest.mark.parametrize("command", list(climod.EXIT_CODES))
def test_each_commands_help_lists_only_its_own_exit_codes(capsys, command):
    out = _help(capsys, command)
    codes = out.split("\nexit codes:\n", 1)[1]
    listed = [line[2] for line in codes.splitlines() if line[:2] == "  " and line[2:3].isdigit()]
    assert sorted(listed) == sorted(climod.EXIT_CODES[command]), codes
    assert "0  " in codes and "2  " in codes
    one = " ".join(codes.split("\n  1  ", 1)[1].split()) if "\n  1  " in codes else ""
    expected = {
        "run": "privacy scan found personal data",
        "load": "the previous database stays as it was",
        "verify": "differences found",
        "worklist": "row count differs from its figure",
        "sample": "a write failed",
        "notebooks": "a write failed",
        "pdf": "privacy scan found personal data in it",
    }
    assert expected.get(command, "") in one and bool(one) == (command in expected)
    if command not in ("run", "pdf"):  # the commands that publish, and so scan
        assert "privacy scan" not in codes and "notebook raised" not in codes


def test_the_help_of_every_command_has_a_description(capsys):
    for command in climod.EXIT_CODES:
        out = _help(capsys, command)
        description = out.split("\n\n", 2)[1]
        assert not description.startswith(("positional arguments:", "options:")), command
    assert "Load the exports in --data into the database" in " ".join(_help(capsys, "load").split())


def test_check_policy_json_prints_clause_signs_not_escapes(capsys):
    assert climod.main(["check-policy", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"§1.1"' in out and "\\u00a7" not in out


def test_check_policy_prints_each_rule_as_a_person_reads_it(capsys):
    from pipelines.policy import load_policy

    policy = load_policy()
    assert climod.main(["check-policy"]) == 0
    out = capsys.readouterr().out
    assert "{" not in out and "null" not in out and "period_months" not in out  # no raw JSON
    blocks = {b.split(" (", 1)[0]: b for b in out.split("\n\n")}
    # one block per rule: its sentence, clause, basis, exemptions, the columns it needs and its quote
    for rule in policy.rules:
        block = blocks[rule.id]
        assert block.startswith(f"{rule.id} ({rule.clause}): "), block
        assert f"  basis: {rule.basis.kind}" in block and "  needs: " in block
        assert f'  quote: "{rule.quote.get("en")}"' in block
    assert blocks["logs_retention"].startswith(
        "logs_retention (§1.6): sessions rows of an existing account: ip_address and device_id emptied — at the "
        "deadline of account_erasure")
    assert "exempt: legal hold and the register of exceptions" in blocks["marketing_retention"]
    assert "12 months after the account's last activity" in blocks["account_erasure"]
    assert ("the latest of: at the deadline of account_erasure; 10 years after 1 January of the year after the "
            "row's paid_at (Belgian VAT Code art. 60 §4") in blocks["payments_retention"]
    assert "basis: policy (§1.3)" in blocks["payments_retention"]
    assert "30 days after the account's erasure" in blocks["erased_account_leftovers"]
    assert "basis: internal standard: the company's purge window" in blocks["erased_account_leftovers"]
    assert "counts there, not here" in blocks["erased_account_leftovers"]
    assert ("answered within 1 month of the day of receipt, extendable to 3 months" in blocks["rights_on_time"]
            and "basis: law: GDPR Art. 12(3)" in blocks["rights_on_time"])
    # contract reading 24: an inquiry is answered by its first response or, failing that, its resolution
    assert "answered (first response, else resolution) within 5 working days" in blocks["inquiries_answered"]
    assert "basis: internal standard: the company's service standard" in blocks["inquiries_answered"]
    assert "within 2 working days" in blocks["consent_withdrawal"]
    assert "needs: web_visits.visited_at, web_visits.visitor_id" in blocks["analytics_retention"]
    assert "declared categories billing, bug, how_to, account, privacy" in out
    assert "privacy@onetagger.com" in out


def test_check_policy_json_carries_each_rules_basis_and_source(tmp_path, capsys):
    policy = policy_with(tmp_path / "p.toml", 'clock_start = "received"', 'clock_start = "identity_verified"')
    assert climod.main(["check-policy", str(policy), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    rules = {r["id"]: r for r in found["rules"]}
    assert list(rules)[:2] == ["account_erasure", "logs_retention"]
    assert rules["logs_retention"]["clause"] == "§1.6" and rules["logs_retention"]["figure"] == "logs"
    assert rules["logs_retention"]["basis"] == "internal standard" and rules["logs_retention"]["source"]["nl"]
    assert rules["payments_retention"]["basis"] == "policy" and rules["payments_retention"]["source"] is None
    assert rules["erased_account_leftovers"]["source"]["en"].startswith("the company's purge window")
    assert rules["rights_on_time"]["source"]["en"].startswith("GDPR Art. 12(3)")
    assert "sessions.ip_address" in rules["logs_retention"]["needs"]
    assert rules["rights_on_time"]["figure"] is None and rules["rights_on_time"]["assessable"]
    assert found["controller_contacts"] == ["privacy@onetagger.com"]
    assert found["languages"] == ["en", "nl"]
    assert climod.main(["check-policy", str(policy)]) == 0
    assert "answered within 1 month of the verification of the requester's identity" in capsys.readouterr().out


def test_check_policy_refuses_an_invalid_file_in_one_line(tmp_path, capsys):
    policy = policy_with(tmp_path / "p.toml", 'table = "web_visits"', 'table = "cookies"')
    assert climod.main(["check-policy", str(policy)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown table 'cookies'" in err and "p.toml:" in err


def test_a_second_load_reuses_the_database_unless_reload_is_given(tmp_path):
    data, db = write_exports(tmp_path / "x"), tmp_path / "db.duckdb"
    first = cli("load", "--data", data, "--db", db)
    assert first.returncode == 0, first.stderr
    assert "loading: exports changed" in first.stderr and f"loading exports from {data} into {db}" in first.stderr
    again = cli("load", "--data", data, "--db", db)
    assert "reusing the database loaded at" in again.stderr and "loading exports" not in again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    forced = cli("load", "--data", data, "--db", db, "--reload")
    assert "loading: --reload given" in forced.stderr
    assert "ERROR" not in first.stderr + again.stderr + forced.stderr


@pytest.mark.parametrize("command", ["run", "load"])
def test_without_data_or_a_checkouts_sample_the_command_says_how_to_start(tmp_path, monkeypatch, capsys, command):
    monkeypatch.chdir(tmp_path)  # no ./data_samples here, as after `pip install` of a wheel
    assert climod.main([command]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "no --data given and no ./data_samples here" in err
    assert "`privacy-review sample --out demo`, then `privacy-review run --data demo`" in err
    assert list(tmp_path.iterdir()) == []  # no database folder, no reports/


def test_without_data_a_checkouts_sample_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_exports(tmp_path / "data_samples")
    assert climod.main(["load"]) == 0
    assert (tmp_path / "home" / "privacy-review.duckdb").is_file()


def test_an_explicit_data_folder_that_is_not_there_keeps_its_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert climod.main(["run", "--data", "demo"]) == 2
    assert f"--data {tmp_path / 'demo'}: export directory not found" in capsys.readouterr().err


def _refused(capsys, *args) -> str:
    """The one error line of a command line argparse refuses (exit 2, docs/operations.md, "Bad parameters")."""
    assert climod.main(list(args)) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("privacy-review: error: "), err
    return err


def test_a_misspelt_option_gets_one_line_with_the_closest_option(capsys):
    err = _refused(capsys, "run", "--quater", "2026Q1")
    assert err == ("privacy-review: error: unrecognized arguments: --quater 2026Q1; did you mean --quarter? "
                   "(see privacy-review run --help)\n")
    err = _refused(capsys, "sample", "--ot", "demo")  # a required option misspelt: the same hint
    assert "the following arguments are required: --out; --ot: did you mean --out?" in err


#: command lines refused where they are read, each with what its one line must say (the option and the problem)
REFUSED = [
    (["run", "--quarter", "2024Q5"], "--quarter: not a quarter: '2024Q5'"),
    (["run", "--quarter", "24Q1"], "--quarter: not a quarter: '24Q1'"),
    (["worklist", "--out", "w", "--quarter", "9999Q4"], "--quarter: '9999Q4': outside the supported years 1900-2200"),
    (["run", "--quarter"], "--quarter: expected one argument"),
    (["run", "--as-of", "31/12/2024"], "--as-of: not a date (YYYY-MM-DD): '31/12/2024'"),
    (["worklist", "--out", "w", "--as-of", "1800-01-01"], "--as-of 1800-01-01: outside the supported years"),
    (["run", "--input-zone", "Mars/Olympus"], "--input-zone: unknown time zone 'Mars/Olympus'"),
    (["load", "--input-zone", "posixrules"], "--input-zone: unknown time zone 'posixrules'"),
    (["worklist", "--out", "w", "--input-zone", ""], "--input-zone: unknown time zone ''"),
    (["load", "--memory-limit", "lots"], "--memory-limit: not a memory size (e.g. 2GB, 512MB): 'lots'"),
    (["run", "--memory-limit=-1GB"], "--memory-limit: not a memory size (e.g. 2GB, 512MB): '-1GB'"),
    (["verify", "reports/2024Q3", "--memory-limit", "4 parsecs"], "--memory-limit: not a memory size"),
    (["load", "--memory-limit"], "--memory-limit: expected one argument"),
    (["sample", "--out", "demo", "--accounts", "abc"], "--accounts: not a whole number: 'abc'"),
    (["sample", "--out", "demo", "--seed", "1.5"], "--seed: not a whole number: '1.5'"),
    (["sample", "--out", "demo", "--format", "xls"], "--format: invalid choice: 'xls'"),
    (["run", "--engine", "flink"], "--engine: invalid choice: 'flink'"),
    (["run", "--language", "fr"], "--language: invalid choice: 'fr'"),
    (["load", "--reload=yes"], "--reload: ignored explicit argument 'yes'"),
    (["sample"], "the following arguments are required: --out"),
    (["worklist"], "the following arguments are required: --out"),
    (["verify"], "the following arguments are required: REPORT_DIR"),
    (["pdf"], "the following arguments are required: REPORT_DIR"),
    (["notebooks"], "the following arguments are required: DIR"),
    (["notebooks", "nb", "--bogus"], "unrecognized arguments: --bogus"),
    (["check-policy", "a.toml", "b.toml"], "unrecognized arguments: b.toml"),
    (["load", "--quarter", "2024Q3"], "unrecognized arguments: --quarter 2024Q3"),
    ([], "no command given (commands: run, load, sample, notebooks, verify, worklist, pdf, check-policy)"),
    (["--bogus", "run"], "unrecognized arguments: --bogus"),
    (["rnu"], "unknown command 'rnu': did you mean run?"),
]


@pytest.mark.parametrize("args, said", REFUSED, ids=[" ".join(a) or "(none)" for a, _ in REFUSED])
def test_every_refused_parameter_is_one_line_naming_it(capsys, tmp_path, monkeypatch, args, said):
    monkeypatch.chdir(tmp_path)  # nothing may be written: no database home, no reports, no sample
    err = _refused(capsys, *args)
    assert said in err and "usage:" not in err and "Traceback" not in err, err
    command = args[0] if args and args[0] in climod.EXIT_CODES else None  # else privacy-review itself refused it
    assert err.rstrip().endswith(f"(see privacy-review{' ' + command if command else ''} --help)"), err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["run", "--as-of", "2024-02-30"], ["sample", "--out", "x", "--accounts", "1e3"],
                                  ["load", "--input-zone", "Europe/Bruxelles"]])
def test_the_installed_command_refuses_in_one_line_too(tmp_path, args):
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True, check=False,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(climod.Path(climod.__file__).parents[1])})
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("privacy-review: error: --"), done.stderr


@pytest.mark.parametrize("args, full", [
    (["run", "--lang", "fr"], "--language"),
    (["run", "--no-rep"], "--no-report"),
    (["run", "--quarter=2024Q1", "--as", "2024-03-31"], "--as-of"),
    (["check-policy", "--js"], "--json"),
])
def test_abbreviations_are_refused_with_the_full_name(capsys, args, full):
    err = _refused(capsys, *args)
    assert f"did you mean {full}? (options are not abbreviated)" in err
    assert "Traceback" not in err


def test_every_parser_refuses_abbreviations():
    parser = climod.build_parser()
    assert parser.allow_abbrev is False
    assert parser.commands and all(p.allow_abbrev is False for p in parser.commands.values())


@pytest.mark.parametrize("word, close", [("rnu", "run"), ("chek-policy", "check-policy"), ("verfy", "verify")])
def test_an_unknown_command_gets_the_closest_command(capsys, word, close):
    err = _refused(capsys, word)
    assert f"privacy-review: error: unknown command '{word}': did you mean {close}?" in err
    assert "commands: run, load, sample, notebooks, verify, worklist, pdf, check-policy" in err


def test_a_top_level_option_after_the_command_says_where_it_goes(capsys):
    err = _refused(capsys, "run", "-v")
    assert "-v is an option of privacy-review itself: give it before the command" in err


def test_a_run_that_replaces_a_quarter_computed_from_other_exports_warns(tmp_path, capsys):
    data, out = write_exports(tmp_path / "x"), tmp_path / "reports"
    args = ["run", "--data", str(data), "--out", str(out), "--quarter", "2024Q1", "--no-report"]
    assert climod.main(args) == 0
    capsys.readouterr()
    assert climod.main(args) == 0  # the same exports: replaced without a word
    assert "from other exports" not in capsys.readouterr().err
    first = json.loads((out / "2024Q1" / "evidence.json").read_text(encoding="utf-8"))
    with open(data / "sessions.csv", "a", encoding="utf-8") as sessions:
        sessions.write("S2,A1,2024-02-03T10:00:00Z\n")
    assert climod.main(args) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if " WARNING " in line and "from other exports" in line]
    assert len(warnings) == 1, err
    second = json.loads((out / "2024Q1" / "evidence.json").read_text(encoding="utf-8"))
    assert f"computed by the run of {first['run']['started_at']} from other exports" in warnings[0]
    assert f"this run of {second['run']['started_at']} reads exports " in warnings[0]
    assert warnings[0].endswith("the exports differ (sessions.csv)")


def test_the_docs_put_the_database_outside_reports_and_say_what_latest_means():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    tree = (root / "reports" / "README.md").read_text(encoding="utf-8").split("```")[1]
    assert "evidence.json" in tree and "summary.json" in tree and ".duckdb" not in tree
    text = " ".join((root / "reports" / "README.md").read_text(encoding="utf-8").split())
    assert "shared/data-contract.md" not in text and "never under `reports/`" in text
    assert "There is no `reports/latest`." in text
    readme = " ".join((root / "README.md").read_text(encoding="utf-8").split())
    assert "no `latest` exists on disk" in readme
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        cell = next(c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
                    if "parameters" in c["metadata"].get("tags", []))
        source = "".join(cell["source"])
        assert "from the repository root" not in source and "checkout's" not in source.split("data_dir")[0]
        assert "privacy-review notebooks DIR" in source and "your database's absolute path" in source
        assert cell["outputs"] == [] and cell["execution_count"] is None


def test_a_report_is_made_only_in_a_language_the_policy_is_published_in(tmp_path, capsys):
    from tests.policy.helpers import english_only, write_policy

    data = write_exports(tmp_path / "x")
    policy = write_policy(tmp_path / "policy", english_only())
    code = climod.main(["run", "--data", str(data), "--out", str(tmp_path / "reports"), "--policy", str(policy),
                        "--language", "nl", "--db", str(tmp_path / "db.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--language nl: the policy file" in err and "published in en only" in err
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").glob("*/summary.json"))


# --- an empty path is a user's mistake: exit 2, one line naming the option ------------------------------------------


def _path_options():
    """Every (command, option or argument) whose value is a path, from the parser itself: none is missed."""
    parser = climod.build_parser()
    return [(name, action) for name, command in parser.commands.items() for action in command._actions
            if action.type is climod.path_argument]


def _argv_with_empty(name: str, empty: argparse.Action, tmp) -> list[str]:
    """``name``'s command line with ``empty`` given as ``""`` and every other required path a folder of ``tmp``."""
    argv, positionals = [name], []
    for action in climod.build_parser().commands[name]._actions:
        if action.type is not climod.path_argument:
            continue
        chosen = action.dest == empty.dest
        value = "" if chosen else str(tmp / "x")
        if not action.option_strings:
            positionals.append(value)
        elif chosen or action.required:
            argv += [action.option_strings[0], value]
    return argv + positionals


@pytest.mark.parametrize("name, action", _path_options(),
                         ids=[f"{n} {a.option_strings[0] if a.option_strings else a.dest}" for n, a in _path_options()])
def test_an_empty_path_is_refused_naming_the_option(tmp_path, capsys, monkeypatch, name, action):
    """``--db ""`` was exit 1 "Is a directory": ``Path("")`` is the current folder (docs/operations.md, "Bad
    parameters")."""
    monkeypatch.chdir(tmp_path)
    code = climod.main(_argv_with_empty(name, action, tmp_path))
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    label = action.option_strings[0] if action.option_strings else action.metavar or action.dest
    assert lines == [f"privacy-review: error: {label}: an empty path: name a file or folder"
                     + (", or leave the option out" if action.option_strings and not action.required else "")]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing made: no home, no folder


def test_every_command_has_its_path_options_checked():
    found = {(name, a.option_strings[0] if a.option_strings else a.dest) for name, a in _path_options()}
    assert {("run", "--db"), ("run", "--out"), ("run", "--data"), ("run", "--exceptions"), ("run", "--policy"),
            ("run", "--mapping"), ("load", "--db"), ("worklist", "--out"), ("verify", "report_dir"),
            ("verify", "--history-home"), ("notebooks", "dir"), ("check-policy", "policy"), ("sample", "--out"),
            ("pdf", "report_dir")} <= found


# --- a full disk: the system's reason, one line, wherever the tool writes ----------------------------------------


def _enospc(filename=None):
    import errno

    return OSError(errno.ENOSPC, "No space left on device", *([str(filename)] if filename else []))


def _full_disk_at(where: str, monkeypatch, tmp_path):
    """Make the write at ``where`` fail as a full disk does; the file the line must name (None: DuckDB's words)."""
    import duckdb
    import nbformat

    from pipelines import evidence, remediation, spreadsheet
    from pipelines import run as runmod
    from pipelines.load import build

    def fail(error):
        def raising(*args, **kwargs):
            raise error
        return raising

    if where == "worklist file":  # written through pipelines/private.py, which names the file
        monkeypatch.setattr(spreadsheet, "write_csv", fail(_enospc()))
        return tmp_path / "lists"
    if where == "history":
        monkeypatch.setattr(remediation.pq, "write_table", fail(_enospc()))
        return tmp_path / "home" / "history" / "2024Q1.parquet"
    if where == "evidence.json":
        monkeypatch.setattr(evidence, "write", fail(_enospc(tmp_path / "out" / "2024Q1" / "evidence.json")))
        return tmp_path / "out" / "2024Q1" / "evidence.json"
    if where == "database":
        monkeypatch.setattr(build, "_build", fail(duckdb.IOException(
            'IO Error: Could not write file "/h/.privacy-review.duckdb.1.tmp": No space left on device')))
        return None
    if where == "notebook cut short":  # papermill's write failed; the notebook was then read back, half written
        def cut_short(*args, **kwargs):
            try:
                raise _enospc(tmp_path / "out" / "notebooks" / "00_quarterly_review.ipynb")
            except OSError:
                raise nbformat.reader.NotJSONError("Notebook does not appear to be JSON: '{'") from None
        monkeypatch.setattr(runmod, "publish_quarter", cut_short)
        return tmp_path / "out" / "notebooks" / "00_quarterly_review.ipynb"
    raise ValueError(where)


@pytest.mark.parametrize("where", ["worklist file", "history", "evidence.json", "database", "notebook cut short"])
def test_a_full_disk_gives_the_systems_reason_in_one_line(tmp_path, capsys, monkeypatch, where):
    data = write_exports(tmp_path / "x")
    named = _full_disk_at(where, monkeypatch, tmp_path)
    common = ["--data", str(data), "--quarter", "2024Q1"]
    if where == "worklist file":
        code = climod.main(["worklist", *common, "--out", str(tmp_path / "lists")])
    else:
        code = climod.main(["run", *common, "--out", str(tmp_path / "out"), "--no-report"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("privacy-review:")]
    assert code == 1 and len(lines) == 1, err
    assert "Traceback" not in err and "is the disk full" not in err
    if named is None:  # DuckDB says it in words, with no errno
        assert lines[0].startswith("privacy-review: failed: no space left on device: IO Error: Could not write file")
    elif where == "worklist file":
        assert lines[0].startswith(f"privacy-review: failed: {named}/") and lines[0].endswith(
            ".csv: No space left on device")
    else:
        assert lines[0] == f"privacy-review: failed: {named}: No space left on device"
