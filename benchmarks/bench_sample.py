"""Wall time, CPU time and peak RSS of the synthetic export generator, in this process.

    .venv/bin/python benchmarks/bench_sample.py --accounts 1000000 --out /tmp/bench-sample

Runs ``write_sample`` once (Parquet by default, ~20 sessions per account as in
production-like data) and prints one JSON object: rows per table, seconds, and
peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the whole process:
Python, DuckDB and its buffers). The figures belong in docs, never in test
assertions. The requirement: 1M accounts as Parquet in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

from pipelines.sample.generate import FORMATS, PROFILES, write_sample


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-sample"))
    parser.add_argument("--format", choices=FORMATS, default="parquet")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sessions-per-account", type=float, default=20.0)
    parser.add_argument("--years", type=float, default=None, help="history before --end (default: the profile's)")
    parser.add_argument("--profile", choices=tuple(PROFILES), default="typical")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 9, 30))
    parser.add_argument("--no-bad-rows", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    args = parser.parse_args(argv)

    wall0, cpu0 = time.perf_counter(), time.process_time()
    counts = write_sample(
        args.out,
        accounts=args.accounts,
        seed=args.seed,
        fmt=args.format,
        bad_rows=not args.no_bad_rows,
        end=args.end,
        years=args.years,
        profile=args.profile,
        sessions_per_account=args.sessions_per_account,
        threads=args.threads,
    )
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    result = {
        "benchmark": "sample",
        "accounts": args.accounts,
        "format": args.format,
        "profile": args.profile,
        "sessions_per_account": args.sessions_per_account,
        "years": args.years if args.years is not None else PROFILES[args.profile].years,
        "rows": counts,
        "total_rows": sum(counts.values()),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mib": round(_peak_rss_mib()),
        "output_mib": round(_size(args.out) / 2**20, 1),
        "cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "duckdb": duckdb.__version__,
    }
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
