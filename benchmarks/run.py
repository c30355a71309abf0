"""The project's benchmark: privacy-review against a hand-written DuckDB script and pandas, at several sizes.

    python benchmarks/run.py [--sizes 10000,100000,1000000] [--formats parquet,csv] [--profiles clean,lapses]
                             [--repeat 3] [--work DIR] [--resume]

For each size, format and profile it generates a synthetic export (``write_sample``,
seed 7, 20 sessions per account; cached under ``WORK/data``): ``clean``, the typical
shapes without bad rows, or ``lapses``, a company whose erasure job mostly never ran,
with its few dozen bad rows per large table (docs/benchmarks.md, "Two export
profiles"). It then times each command in its own process: wall time (median of ``--repeat``) and peak
RSS of the process and its children (the notebook kernels), sampled from /proc
every 0.1 s and checked against the kernel's own maximum (``wait4``). Commands:

- ``load``: ``privacy-review load`` into a new database;
- ``run --no-report``: load and compute, a new database (``metrics`` = this minus ``load``);
- ``run``: the whole run, report included, a new database;
- ``re-run``: ``run`` again with the same ``--db`` on the unchanged exports;
- ``reference DuckDB``: ``benchmarks/reference_duckdb.py`` (the same main summary figures);
- ``reference pandas``: ``benchmarks/reference_pandas.py`` (inactivity and retention; clean exports only).

Each reference's figures are checked against the ``summary.json`` the runs wrote.
Prints a markdown table with the targets of docs/benchmarks.md and writes it, with a
description of the machine, into that file between its markers. Figures go in the
docs, never in test assertions.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
SEED, SESSIONS_PER_ACCOUNT = 7, 20
#: the exports measured: write_sample's profile and whether it adds its bad rows
PROFILES = {"clean": {"profile": "typical", "bad_rows": False}, "lapses": {"profile": "lapses", "bad_rows": True}}
GIB = 2**30

STAGES = ("load", "run --no-report", "run", "re-run", "reference DuckDB", "reference pandas")
#: the figures compared (summary.json's main figures); the rest of each block is listed as skipped
BLOCKS = ("inactivity", "retention", "support", "rights")


# --- measuring one command ---------------------------------------------------

def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant now (Linux /proc)."""
    parent, rss = {}, {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parent[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def measure(cmd: list[str], log: Path, timeout: float | None = None) -> dict:
    """Run ``cmd``; its wall seconds, peak RSS of its process tree, and exit code (None: stopped at timeout)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out, open(log.with_suffix(".err"), "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, start_new_session=True)
        done = threading.Event()
        peak = [0]
        stopped = [False]

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                if timeout and time.perf_counter() - start > timeout:
                    stopped[0] = True
                    os.killpg(proc.pid, signal.SIGKILL)  # only the group this harness started
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    # ru_maxrss (KiB): the largest single process of the tree, a floor for the sampled sum
    peak_bytes = max(peak[0], usage.ru_maxrss * 1024)
    # CPU seconds of the tree (the kernels are waited for by their parent, so they count):
    # unlike wall time, hardly changed by other work on the machine
    return {"seconds": seconds, "peak_bytes": peak_bytes, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "load": os.getloadavg()[0], "code": None if stopped[0] else proc.returncode}


# --- data ----------------------------------------------------------------------

def export_dir(work: Path, size: int, fmt: str, profile: str) -> Path:
    """An export of ``size`` accounts, generated once per size, format, profile and seed."""
    data = work / "data" / f"n{size}-{fmt}-{profile}-s{SEED}"
    marker = data / ".complete"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        print(f"generating {data} ...", file=sys.stderr, flush=True)
        code = (
            "import json, sys; from pathlib import Path; from pipelines.sample.generate import write_sample; "
            f"counts = write_sample(Path({str(data)!r}), accounts={size}, seed={SEED}, fmt={fmt!r}, "
            f"profile={PROFILES[profile]['profile']!r}, bad_rows={PROFILES[profile]['bad_rows']}, "
            f"sessions_per_account={SESSIONS_PER_ACCOUNT}); print(json.dumps(counts))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            raise SystemExit(f"generating {data} failed:\n{done.stderr[-3000:]}")
        marker.write_text(done.stdout)
    return data


# --- the commands ----------------------------------------------------------------

def cli() -> list[str]:
    script = Path(sys.executable).with_name("privacy-review")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from pipelines.cli import main; sys.exit(main())"]


def fresh(*paths: Path) -> None:
    for p in paths:
        shutil.rmtree(p, ignore_errors=True)
        p.mkdir(parents=True)


def bench_one(work: Path, size: int, fmt: str, profile: str, repeat: int, pandas_max: int,
              pandas_timeout: float) -> dict:
    """Every stage for one export: the runs of each, and the figures each wrote or printed."""
    data = export_dir(work, size, fmt, profile)
    key = f"n{size}-{fmt}-{profile}"
    logs, dbs, outs = work / "logs" / key, work / "db" / key, work / "out" / key
    runs: dict[str, list[dict]] = {s: [] for s in STAGES}
    figures: dict[str, dict] = {}

    def timed(stage: str, cmd: list[str], i: int, timeout: float | None = None) -> dict:
        r = measure(cmd, logs / f"{stage.replace(' ', '_')}-{i}.log", timeout)
        runs[stage].append(r)  # a failure is reported in the table, and the benchmark goes on
        state = "" if r["code"] == 0 else " (stopped)" if r["code"] is None else f" (FAILED, exit {r['code']})"
        print(f"  {key} {stage}: {r['seconds']:.1f} s, {r['peak_bytes'] / 2**20:.0f} MiB{state}",
              file=sys.stderr, flush=True)
        return r

    for i in range(repeat):
        fresh(dbs / "load")
        timed("load", [*cli(), "load", "--data", str(data), "--db", str(dbs / "load" / "privacy-review.duckdb")], i)
        fresh(dbs / "no-report", outs / "no-report")
        timed("run --no-report", [*cli(), "run", "--data", str(data), "--no-report",
                                  "--out", str(outs / "no-report"), "--db", str(dbs / "no-report" / "privacy-review.duckdb")], i)
        fresh(dbs / "run", outs / "run")
        whole = [*cli(), "run", "--data", str(data), "--out", str(outs / "run"),
                 "--db", str(dbs / "run" / "privacy-review.duckdb")]
        timed("run", whole, i)
        timed("re-run", whole, i)  # same --db, same exports
        timed("reference DuckDB", [sys.executable, str(HERE / "reference_duckdb.py"), str(data)], i)
        # the pandas reference reads clean exports only; once stopped at its timeout, not tried again
        if profile == "clean" and size <= pandas_max and all(r["code"] is not None for r in runs["reference pandas"]):
            timed("reference pandas", [sys.executable, str(HERE / "reference_pandas.py"), str(data)], i,
                  timeout=pandas_timeout)
    summaries = sorted((outs / "no-report").glob("*/summary.json"))
    figures["privacy-review"] = json.loads(summaries[-1].read_text()) if summaries else {}
    for stage, name in (("reference DuckDB", "duckdb"), ("reference pandas", "pandas")):
        log = logs / f"{stage.replace(' ', '_')}-0.log"
        if runs[stage] and runs[stage][0]["code"] == 0:
            try:
                figures[name] = json.loads(log.read_text())
            except ValueError:
                print(f"  {key} {stage}: printed no JSON summary (see {log})", file=sys.stderr)
    counts = json.loads((data / ".complete").read_text())
    return {"size": size, "format": fmt, "profile": profile, "rows": counts, "runs": runs, "figures": figures}


# --- comparing figures -------------------------------------------------------------

def flatten(d, prefix: str = "") -> dict:
    if isinstance(d, dict):
        out = {}
        for k, v in d.items():
            out.update(flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: d}


def same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def compare(product: dict, reference: dict) -> dict:
    """Figures of the reference's blocks that differ from summary.json's, and summary figures it skips."""
    ours = flatten({b: product.get(b, {}) for b in BLOCKS if b in reference})
    theirs = flatten({b: reference[b] for b in BLOCKS if b in reference})
    differ = [k for k, v in theirs.items() if k not in ours or not same(ours[k], v)]
    skipped = sorted({".".join(k.split(".")[:2]) for k in ours if k not in theirs})
    return {"compared": len(theirs), "differ": differ, "skipped": skipped}


# --- the report ---------------------------------------------------------------------

def median_seconds(runs: list[dict]) -> float | None:
    done = [r["seconds"] for r in runs if r["code"] == 0]
    return statistics.median(done) if done else None


def median_cpu(runs: list[dict]) -> float | None:
    done = [r["cpu_seconds"] for r in runs if r["code"] == 0 and "cpu_seconds" in r]
    return statistics.median(done) if done else None


def peak(runs: list[dict]) -> int | None:
    return max((r["peak_bytes"] for r in runs), default=None)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    except (ValueError, OSError):
        ram = float("nan")
    versions = subprocess.run(
        [sys.executable, "-c", "import duckdb, pandas; print(duckdb.__version__, pandas.__version__)"],
        capture_output=True, text=True).stdout.split() or ["?", "?"]
    load = os.getloadavg()
    return (f"{cpu}, {os.cpu_count()} cores, {ram:.0f} GiB RAM; Python {platform.python_version()}, "
            f"DuckDB {versions[0]}, pandas {versions[-1]}; load average {load[0]:.1f} when the report was written")


def fmt_s(x: float | None) -> str:
    if x is not None and x < 0:  # a difference of two noisy medians (metrics)
        return f"{x:.2f} s (noise)"
    return "—" if x is None else (f"{x:.2f} s" if x < 10 else f"{x:.1f} s")


def fmt_load(x: float | None) -> str:
    return "—" if x is None or math.isnan(x) else f"{x:.1f}"


def fmt_mem(b: int | None) -> str:
    return "—" if b is None else (f"{b / GIB:.2f} GiB" if b >= GIB else f"{b / 2**20:.0f} MiB")


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def verdict(value: float | None, target: float, at_most: bool = True) -> str:
    if value is None:
        return "not measured"
    return "met" if (value <= target if at_most else value >= target) else "**missed**"


def records_behind_findings(summary: dict) -> int | None:
    """The records open now behind the findings of a summary.json: what a lapsing company has to fix."""
    found = [f.get("open_now") for f in summary.get("findings", [])]
    return sum(n for n in found if n) if found else None


def report(results: list[dict], args: argparse.Namespace) -> str:
    lines = [
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with "
        f"`python benchmarks/run.py --sizes {args.sizes} --formats {args.formats} --profiles {args.profiles} "
        f"--repeat {args.repeat}` on {machine()}.",
        "",
        "| accounts | format | profile | rows in all exports | stage | wall time (median) | CPU time (median) | runs "
        "| peak RSS | load average |",
        "|---:|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    stats: dict[tuple, dict] = {}
    st_cpu: dict[tuple, dict] = {}
    notes = []
    for res in results:
        profile = res.get("profile", "clean")
        key = (res["size"], res["format"], profile)
        st = {s: (median_seconds(res["runs"][s]), peak(res["runs"][s]), len(res["runs"][s])) for s in STAGES}
        cpu = {s: median_cpu(res["runs"][s]) for s in STAGES}
        load_avg = {s: statistics.mean([r.get("load", math.nan) for r in res["runs"][s]]) if res["runs"][s] else None
                    for s in STAGES}
        load_s, nr_s = st["load"][0], st["run --no-report"][0]
        st["metrics"] = (nr_s - load_s if nr_s is not None and load_s is not None else None, None, 0)
        cpu["metrics"] = (cpu["run --no-report"] - cpu["load"]
                          if cpu["run --no-report"] is not None and cpu["load"] is not None else None)
        load_avg["metrics"] = None
        st_cpu[key] = cpu
        stats[key] = st
        export = f"| {res['size']:,} | {res['format']} | {profile} | {sum(res['rows'].values()):,} |"
        for s in (*STAGES[:2], "metrics", *STAGES[2:]):
            seconds, mem, n = st[s]
            extra = (fmt_s(cpu[s]), fmt_load(load_avg[s]))
            if s == "reference pandas" and not res["runs"][s]:
                why = "above --pandas-max" if profile == "clean" else "clean exports only"
                lines.append(f"{export} {s} | skipped ({why}) | — | 0 | — | — |")
                continue
            failed = [r["code"] for r in res["runs"].get(s, []) if r["code"] != 0]
            if failed:
                why = ", ".join(f"stopped after {args.pandas_timeout:.0f} s" if c is None else f"failed (exit {c})"
                                for c in failed)
                seconds_txt = f"{fmt_s(seconds)}; {why}" if seconds is not None else why
                lines.append(f"{export} {s} | {seconds_txt} | {extra[0]} | {n} | {fmt_mem(mem)} | {extra[1]} |")
                continue
            label = ("metrics (`run --no-report` minus `load`)" if s == "metrics"
                     else s if s.startswith("reference") else f"`{s}`")
            lines.append(f"{export} {label} | {fmt_s(seconds)} | {extra[0]} | {n if n else '—'} | {fmt_mem(mem)} | "
                         f"{extra[1]} |")
        ours = res["figures"].get("privacy-review")
        if ours:
            records = records_behind_findings(ours)
            checked = []
            for name in ("duckdb", "pandas"):
                if name in res["figures"]:
                    c = compare(ours, res["figures"][name])
                    state = "agree" if not c["differ"] else f"**differ** in {', '.join(c['differ'])}"
                    checked.append(f"the {name} reference's {c['compared']} figures {state}")
            notes.append(f"- {res['size']:,} {res['format']} {profile}: "
                         f"{'—' if records is None else f'{records:,}'} records behind the findings; "
                         + ("; ".join(checked) or "no reference figures") + ".")
    lines += ["", "Ratios against the targets (docs/benchmarks.md, \"Targets\"), per profile:", "",
              "| measure | export | value | target | |", "|---|---|---:|---:|---|"]
    for (size, fmt, profile), st in stats.items():
        r = ratio(st["run --no-report"][0], st["reference DuckDB"][0])
        lines.append(f"| run --no-report / DuckDB reference | {size:,} {fmt} {profile} | "
                     f"{'—' if r is None else f'{r:.1f}x'} | ≤ 2x | {verdict(r, 2)} |")
        c = st_cpu[(size, fmt, profile)]
        r = ratio(c["run --no-report"], c["reference DuckDB"])
        lines.append(f"| the same, in CPU time | {size:,} {fmt} {profile} | {'—' if r is None else f'{r:.1f}x'} | | |")
    for (size, fmt, profile), st in stats.items():
        if profile != "clean":
            continue  # the pandas reference reads clean exports only
        r = ratio(st["reference pandas"][0], st["run --no-report"][0])
        lines.append(f"| pandas reference / run --no-report | {size:,} {fmt} {profile} | "
                     f"{'—' if r is None else f'{r:.1f}x'} | ≥ 10x | {verdict(r, 10, at_most=False)} |")
    for (size, fmt, profile), st in stats.items():
        r = ratio(st["re-run"][0], st["run"][0])
        lines.append(f"| re-run / first run | {size:,} {fmt} {profile} | {'—' if r is None else f'{r:.2f}'} | ≤ 0.33 | "
                     f"{verdict(r, 1 / 3)} |")
    profiles = list(dict.fromkeys(key[2] for key in stats))
    for profile in profiles:
        for fmt in args.formats.split(","):
            big, small = stats.get((1_000_000, fmt, profile)), stats.get((100_000, fmt, profile))
            for s in ("run --no-report", "run"):
                r = ratio(big[s][0], small[s][0]) if big and small else None
                lines.append(f"| {s}: 1M / 100k | {fmt} {profile} | {'—' if r is None else f'{r:.1f}x'} | ≤ 11x | "
                             f"{verdict(r, 11)} |")
    for profile in profiles:
        whole = stats.get((1_000_000, "parquet", profile), {}).get("run", (None,))[0]
        lines.append(f"| whole run, 1M accounts | parquet {profile} | {fmt_s(whole)} | < 25 s | {verdict(whole, 25)} |")
    ours = [st[s][1] for st in stats.values() for s in STAGES[:4] if st[s][1] is not None]
    top = max(ours, default=None)
    lines.append(f"| peak RSS, any privacy-review command | all | {fmt_mem(top)} | < 3 GiB | "
                 f"{verdict(None if top is None else top / GIB, 3)} |")
    lines += ["", "Records behind the findings (the sum of `open_now` over `summary.json`'s findings) and the "
              "figures checked (each reference's figures against `summary.json`):", ""]
    lines += notes or ["- no figures were compared"]
    duck = next((compare(r["figures"]["privacy-review"], r["figures"]["duckdb"]) for r in results
                 if "duckdb" in r["figures"] and r["figures"].get("privacy-review")), None)
    if duck:
        lines += ["", "The DuckDB reference does not compute: " + ", ".join(f"`{k}`" for k in duck["skipped"]) + "."]
    return "\n".join(lines) + "\n"


def write_doc(text: str, doc: Path = DOC) -> None:
    """Replace the text between the markers (appending them when missing)."""
    current = doc.read_text(encoding="utf-8") if doc.exists() else ""
    block = f"{START}\n{text}{END}"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        current = head + block + rest.split(END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(current, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="accounts per export, comma-separated")
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--profiles", default="clean,lapses",
                        help=f"exports, comma-separated: {', '.join(PROFILES)} (docs/benchmarks.md, \"Two export profiles\")")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the median is reported")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "privacy-review-bench",
                        help="exports, databases, logs (default: <temp dir>/privacy-review-bench)")
    parser.add_argument("--pandas-max", type=int, default=1_000_000, help="skip the pandas reference above this size")
    parser.add_argument("--pandas-timeout", type=float, default=600, help="stop the pandas reference after this long")
    parser.add_argument("--no-doc", action="store_true", help=f"print only; leave {DOC.relative_to(ROOT)} alone")
    parser.add_argument("--resume", action="store_true",
                        help="keep the sizes, formats and profiles already measured in WORK/results.json; "
                        "measure the rest")
    args = parser.parse_args(argv)
    unknown = set(args.profiles.split(",")) - set(PROFILES)
    if unknown:
        parser.error(f"--profiles: unknown {', '.join(sorted(unknown))} (known: {', '.join(PROFILES)})")
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    saved = args.work / "results.json"
    done = {}
    if args.resume and saved.exists():
        for r in json.loads(saved.read_text()):
            r.setdefault("profile", "clean")  # measured before the profiles: the clean export
            done[(r["size"], r["format"], r["profile"])] = r
    results = []
    for size in args.sizes.split(","):
        for fmt in args.formats.split(","):
            for profile in args.profiles.split(","):
                if (int(size), fmt, profile) in done:
                    print(f"  n{size}-{fmt}-{profile}: kept from {saved} (--resume)", file=sys.stderr)
                    results.append(done[(int(size), fmt, profile)])
                    continue
                results.append(bench_one(args.work, int(size), fmt, profile, args.repeat, args.pandas_max,
                                         args.pandas_timeout))
                # after each export, so a long benchmark stopped half-way keeps what it measured
                saved.write_text(json.dumps(results, indent=1, default=str))
    text = report(results, args)
    print(text)
    if not args.no_doc:
        write_doc(text)
    print(f"benchmark took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
