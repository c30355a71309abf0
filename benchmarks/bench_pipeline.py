"""Times and peak memory of each stage on a synthetic export set: sample, load, metrics, report.

    .venv/bin/python benchmarks/bench_pipeline.py --accounts 1000000 --work /tmp/bench

Each stage runs in its own process so its peak RSS is its own. Prints one JSON
object per stage; the figures go in docs/benchmarks.md (never in test assertions).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

STAGES = {
    "sample": "from pipelines.sample.generate import write_sample; "
              "write_sample(Path(W) / 'data', accounts=N, seed=7, fmt='parquet', sessions_per_account=20)",
    "load": "from pipelines.load import load_exports; load_exports(Path(W) / 'data', Path(W) / 'bench.duckdb')",
    "metrics": "from pipelines import db; from pipelines.results import resolve_period, compute_with_previous; "
               "from pipelines.policy import load_policy; from datetime import date; "
               "con = db.connect(Path(W) / 'bench.duckdb', read_only=True); p = load_policy(); "
               "period = resolve_period(con, 'latest', None, date.today()); "
               "compute_with_previous(con, period, p)",
    "run": "from pipelines.cli import main; import sys; "
           "sys.exit(main(['run', '--data', str(Path(W) / 'data'), '--out', str(Path(W) / 'reports'), '--db', str(Path(W) / 'bench.duckdb')]))",
}


def run_stage(name: str, work: Path, accounts: int) -> dict:
    # the child reports its own peak RSS (and its children's, e.g. notebook kernels) at exit
    probe = (
        "import atexit, resource, sys; atexit.register(lambda: sys.stderr.write('PEAK_KIB=%d %d\\n' % ("
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)))"
    )
    code = f"{probe}\nfrom pathlib import Path; W = {str(work)!r}; N = {accounts}; " + STAGES[name]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    own, children = (int(x) for x in done.stderr.rsplit("PEAK_KIB=", 1)[1].split()[:2])
    return {
        "stage": name, "accounts": accounts, "seconds": round(seconds, 1),
        "peak_rss_mib": round(own / 1024), "peak_rss_mib_children": round(children / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/privacy-review-bench"))
    parser.add_argument("--stages", default="sample,load,metrics,run")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for name in args.stages.split(","):
        print(json.dumps(run_stage(name, args.work, args.accounts)), flush=True)


if __name__ == "__main__":
    main()
