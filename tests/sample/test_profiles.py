"""The generator's profiles (pipelines/sample/generate.py, ``Shape``): typical is today's export byte for byte;
lapses has many more records behind the findings and its fixed few bad rows per table, spread to each file's end."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from pipelines.contract import TABLES
from pipelines.load import load_exports
from pipelines.run import RunOptions, run
from pipelines.sample.generate import LAPSES, PROFILES, TYPICAL, FixedBadRows, write_sample

ROOT = Path(__file__).resolve().parents[2]
SET_ASIDE = ("bad_ts", "missing", "dup")  # the kinds the loader sets aside; orphans and impossible orders load


def rows_of(path: Path) -> list[tuple[str, ...]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [tuple(r) for r in csv.reader(handle)][1:]


def bad_places(dirty: Path, clean: Path) -> list[float]:
    """Where in the dirty file (0 = first row, 1 = last) the rows are that the clean export lacks: each
    spoiled row, and each later copy of a key."""
    left = Counter(rows_of(clean))
    places = []
    rows = rows_of(dirty)
    for i, row in enumerate(rows):
        if left[row]:
            left[row] -= 1
        else:
            places.append(i / len(rows))
    return places


def expected_kinds(name: str, fmt: str) -> dict[str, int]:
    """The bad rows of each kind the lapses shape asks of a table (its kinds as the generator lists them)."""
    spec_kinds = ["bad_ts"] if fmt == "csv" else []
    spec_kinds += ["missing", "dup"]
    spec_kinds += ["orphan"] if name == "sessions" else []
    spec_kinds += ["bad_order"] if name == "support_tickets" else []
    return dict(LAPSES.bad_rows.counts(name, spec_kinds, rows=10**9))


@pytest.fixture(scope="module")
def lapses(tmp_path_factory) -> dict[str, Path]:
    """About 2000 accounts of the lapses profile as CSV, with its bad rows and without."""
    root = tmp_path_factory.mktemp("lapses")
    write_sample(root / "dirty", accounts=2000, seed=5, profile="lapses")
    write_sample(root / "clean", accounts=2000, seed=5, profile="lapses", bad_rows=False)
    return {"dirty": root / "dirty", "clean": root / "clean", "root": root}


def test_typical_is_the_default_and_still_writes_the_committed_sample(tmp_path):
    """The committed data_samples/ were written before the profiles existed (data_samples/README.md says how):
    the default call and profile="typical" still write them byte for byte."""
    write_sample(tmp_path / "default", accounts=3000, seed=42)
    write_sample(tmp_path / "typical", accounts=3000, seed=42, profile="typical")
    for name in TABLES:
        committed = (ROOT / "data_samples" / f"{name}.csv").read_bytes()
        assert (tmp_path / "default" / f"{name}.csv").read_bytes() == committed, name
        assert (tmp_path / "typical" / f"{name}.csv").read_bytes() == committed, name


def test_profiles_are_named_and_an_unknown_one_refused(tmp_path):
    assert PROFILES == {"typical": TYPICAL, "lapses": LAPSES}
    assert isinstance(LAPSES.bad_rows, FixedBadRows) and LAPSES.years == 3.0
    with pytest.raises(ValueError, match="profile"):
        write_sample(tmp_path, accounts=10, profile="sloppy")


def test_lapses_has_its_fixed_bad_rows_per_table_some_in_the_last_tenth(lapses):
    for name in TABLES:
        places = bad_places(lapses["dirty"] / f"{name}.csv", lapses["clean"] / f"{name}.csv")
        assert len(places) == LAPSES.bad_rows.per_table[name] == sum(expected_kinds(name, "csv").values()), name
        assert max(places) >= 0.9, f"{name}: no bad row in the last tenth of the file ({places})"
        assert min(places) < 0.5, name


def test_lapses_bad_rows_are_a_fixed_count_whatever_the_size(tmp_path):
    """The same few dozen rows at any size (the typical profile's grow with the table)."""
    write_sample(tmp_path / "small", accounts=300, seed=5, profile="lapses", fmt="parquet", bad_rows=False)
    write_sample(tmp_path / "small-bad", accounts=300, seed=5, profile="lapses", fmt="parquet")
    write_sample(tmp_path / "big-bad", accounts=1500, seed=5, profile="lapses", fmt="parquet")
    write_sample(tmp_path / "big", accounts=1500, seed=5, profile="lapses", fmt="parquet", bad_rows=False)
    con = duckdb.connect()
    for name in TABLES:
        for dirty, clean in ((tmp_path / "small-bad", tmp_path / "small"), (tmp_path / "big-bad", tmp_path / "big")):
            extra = con.execute(f"SELECT count(*) FROM (SELECT * FROM '{dirty}/{name}.parquet' "
                                f"EXCEPT ALL SELECT * FROM '{clean}/{name}.parquet')").fetchone()[0]
            assert extra == sum(expected_kinds(name, "parquet").values()), (name, dirty.name)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_lapses_export_loads_with_exactly_its_bad_rows_set_aside(lapses, tmp_path, fmt):
    data = lapses["dirty"] if fmt == "csv" else tmp_path / "data"
    if fmt == "parquet":
        write_sample(data, accounts=2000, seed=5, profile="lapses", fmt="parquet")
    report = load_exports(data, tmp_path / "db.duckdb")
    for name in TABLES:
        kinds = expected_kinds(name, fmt)
        assert report.rows_rejected[name] == sum(kinds[k] for k in SET_ASIDE if k in kinds), name
        assert report.rows_in[name] == report.rows_loaded[name] + report.rows_rejected[name]
    con = duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True)
    flags = dict(((t, f), n) for t, f, n in con.execute("SELECT table_name, flag, rows FROM load_flags").fetchall())
    con.close()
    assert flags[("support_tickets", "impossible order: resolved before creation")] == expected_kinds(
        "support_tickets", fmt)["bad_order"]
    # the generated orphans, and the sessions of an account row set aside
    assert flags[("sessions", "orphan: account unknown")] >= expected_kinds("sessions", fmt)["orphan"]


def records_behind_findings(data: Path, root: Path) -> int:
    final = run(RunOptions(data_dir=data, out_dir=root / "reports", db_path=root / "db" / "review.duckdb",
                           report=False))
    summary = json.loads((Path(final) / "summary.json").read_text(encoding="utf-8"))
    return sum(f["open_now"] or 0 for f in summary["findings"])


def test_lapses_has_many_more_records_behind_the_findings(lapses, tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    write_sample(tmp_path / "typical", accounts=2000, seed=5, bad_rows=False)
    typical = records_behind_findings(tmp_path / "typical", tmp_path / "typical-run")
    lapsing = records_behind_findings(lapses["clean"], tmp_path / "lapses-run")
    # about 0.3 records per account against 5.9 at 20 sessions per account (docs/benchmarks.md)
    assert lapsing > 10 * typical > 0
    assert lapsing > 2000 * 3


def test_sample_profile_on_the_command_line_with_the_other_options(tmp_path, capsys):
    from pipelines.cli import main

    argv = ["sample", "--out", str(tmp_path / "cli"), "--accounts", "300", "--seed", "5", "--format", "parquet"]
    assert main([*argv, "--profile", "lapses", "--no-bad-rows"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts == write_sample(tmp_path / "api", accounts=300, seed=5, fmt="parquet", profile="lapses",
                                  bad_rows=False)
    assert counts["accounts"] == 300
    assert main([*argv, "--profile", "lapses"]) == 0  # with its bad rows: a fixed few more
    assert json.loads(capsys.readouterr().out)["accounts"] == 300 + expected_kinds("accounts", "parquet")["dup"]
    policy = ROOT / "examples" / "policies" / "37signals.toml"
    assert main(["sample", "--policy", str(policy), "--out", str(tmp_path / "fitted"), "--profile", "lapses"]) == 2
    assert "--profile is read only without --policy" in capsys.readouterr().err
