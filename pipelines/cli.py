"""The ``privacy-review`` command: argument parsing, logging, exit codes.

Exit codes: 0 success, 2 bad input or parameters (the message names the file,
line and column), 1 failure (one line on stderr; an internal error's traceback
is in the log). See docs/operations.md, "Exit codes".
"""

from __future__ import annotations

import argparse
import difflib
import errno
import json
import logging
import os
import sys
import textwrap
from datetime import date
from pathlib import Path

from pipelines import __version__, paths
from pipelines.contract import SYNTHETIC_MARKER
from pipelines.dates import LATEST
from pipelines.engines import DUCKDB, ENGINES
from pipelines.errors import BadInput, PipelineFailure
from pipelines.policy import describe, load_policy
from pipelines.report.index import index_differences
from pipelines.report.pdf import CHROMIUM_ENV
from pipelines.report.workspace import open_hint, write_workspace
from pipelines.run import RunOptions, load, pdf, run
from pipelines.sample.fitted import write_fitted_sample
from pipelines.sample.generate import PROFILES, write_sample
from pipelines.spark.session import parse_conf
from pipelines.verify import grouped, summary_line, verify
from pipelines.worklist import WorklistOptions, worklist

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2

log = logging.getLogger("privacy-review")

EXCEPTIONS_HELP = (
    "register of approved exceptions, a CSV of category,id,reason,approved_by,approved_on,expires_on (default: the "
    "policy file's [exceptions] register, else none); an exception in force takes its record out of the breaches"
)

DB_HELP = (
    "database file (default: $PRIVACY_REVIEW_HOME/privacy-review.duckdb, else "
    "./.privacy-review/privacy-review.duckdb; never inside --out)"
)


#: the sample exports of a checkout, read when --data is not given
SAMPLE_DIR = "data_samples"

#: each command's exit codes, as its --help lists them (docs/operations.md, "Exit codes")
EXIT_CODES = {
    "run": {
        "0": "published: stdout has the published folder",
        "2": "bad input or parameters (a malformed quarter, --as-of before the quarter, a missing or invalid "
             "policy, --data not a folder, overlapping --data/--out/--db, an input file that is not a regular "
             "file, too large, not UTF-8 or inside --out, an empty path, an --out holding a worklist, a published "
             "file edited since it was published (even with --force), a quarter wholly outside the exports' dates, bad export data, a lock not obtained in time, --pdf without "
             "Chromium): one line on stderr naming the file, line and column",
        "1": "the run failed (a notebook raised, Chromium could not print the PDF, a write failed or the disk "
             "filled, or the privacy scan found "
             "personal data in the output): one line on stderr; nothing is published; an internal error logs "
             "its traceback",
    },
    "load": {
        "0": "loaded (or the database reused): stdout has rows in, loaded and rejected per table (JSON)",
        "2": "bad input (--data not a folder, a missing or malformed export file, --db not a DuckDB file or "
             "inside the exports, a lock not obtained in time): one line on stderr naming the file, line and "
             "column",
        "1": "the load failed (a write failed or the disk filled): one line on stderr; the previous database "
             "stays as it was; an internal error logs its traceback",
    },
    "sample": {
        "0": "written: stdout has the rows written per table (JSON)",
        "2": "bad parameters (--accounts below 1, a --seed that is not a 64-bit integer, an --out that is a "
             "file or holds files the sample did not write): one line on stderr",
        "1": "a write failed (the disk filled, a folder not writable): one line on stderr",
    },
    "notebooks": {
        "0": "written: stdout has the notebooks written",
        "2": "DIR is not a folder, or already holds the notebooks (without --force), notebooks this command "
             "did not write, or a copy changed since this command wrote it (even with --force: an edit is never "
             "replaced): one line on stderr naming the file",
        "1": "a write failed: one line on stderr",
    },
    "verify": {
        "0": "every export file, row count and figure matches: stdout says how many",
        "1": "differences found: stdout lists them by group (policy and mapping, export files, figures, "
             "findings) and ends with one summary line; stderr has one line (a full disk or an internal error "
             "is also 1, with its own line)",
        "2": "bad input (no summary.json or evidence.json in REPORT_DIR, --data not a folder, --db inside "
             "REPORT_DIR, bad export data): one line on stderr",
    },
    "worklist": {
        "0": "written: stdout has each file's figure and row count (JSON)",
        "2": "bad input or parameters (an --out inside a reports folder, a malformed quarter, a missing or "
             "invalid policy, an input file that is not a regular file, too large, not UTF-8 or inside --out, "
             "bad export data, ...): one line on stderr",
        "1": "a write failed, or a file's row count differs from its figure (a bug): one line on stderr",
    },
    "pdf": {
        "0": "written: stdout has the PDF's path (REPORT_DIR/quarterly-review.pdf)",
        "2": "bad input (REPORT_DIR is not a quarter privacy-review published, or holds no HTML report, or holds a "
             "quarterly-review.pdf or another file privacy-review did not write; no Chromium found; a missing or "
             "invalid policy; a lock not obtained in time): one line on stderr",
        "1": "the PDF could not be made (Chromium failed or timed out, a write failed) or the privacy scan found "
             "personal data in it: one line on stderr; the published quarter stays as it was",
    },
    "check-policy": {
        "0": "the policy file is valid: stdout has its rules",
        "2": "the policy file is missing or invalid (an unknown category, a negative period, a law or "
             "standard without its source, ...): one line on stderr naming the file and key",
    },
}


def exit_codes_help(command: str) -> str:
    """The ``exit codes:`` epilog of ``command``'s --help: only the codes that command can return."""
    lines = ["exit codes:"]
    for code, meaning in EXIT_CODES[command].items():
        lines += textwrap.wrap(meaning, 76, initial_indent=f"  {code}  ", subsequent_indent="     ")
    return "\n".join(lines) + "\n"


def path_argument(text: str) -> Path | str:
    """A path option's value; an empty one stays ``""`` to be refused by name (:func:`refuse_empty_paths`):
    ``Path("")`` is ``.``, the current folder, which ``--db ""`` would then name."""
    return Path(text) if text else ""


def refuse_empty_paths(command: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """An empty path (``--db ""``, ``--out ""``, ``DIR ""``) is a user's mistake: exit 2 in one line naming the option
    (docs/operations.md, "Bad parameters"), before anything runs."""
    for action in command._actions:
        if action.type is path_argument and getattr(args, action.dest, None) == "":
            name = action.option_strings[0] if action.option_strings else action.metavar or action.dest
            optional = bool(action.option_strings) and not action.required
            raise BadInput(f"{name}: an empty path: name a file or folder{', or leave the option out' if optional else ''}")


def _checked(rule):
    """An argparse type from one of ``pipelines/paths.py``'s parameter rules: the form of a value is refused where the
    command line is read, in one line (:meth:`Parser.error`), with the rule's own words; the rule stays in one place."""
    def parse(text: str):
        try:
            return rule(text)
        except BadInput as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def _date(text: str) -> date:
    try:
        found = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    return paths.day(found)


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


#: the parameter rules (docs/operations.md, "Bad parameters"), as argparse types
_quarter = _checked(paths.quarter_text)
_zone = _checked(lambda name: paths.zone(name, "--input-zone"))
_memory = _checked(lambda text: paths.memory_limit(text, "--memory-limit"))
_day = _checked(_date)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """A command's --help: the description and exit codes as laid out here, and each option's default.

    An option with a default value (not None, False or an empty list) shows it after its help,
    ``(default: en)``, unless its help already says what the default is (``(default: ...)``, a
    default the code works out, such as the database's path, is written out by hand).
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (not action.option_strings or action.default in (None, False, [], argparse.SUPPRESS)
                or "(default" in text or "%(default)" in text):
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """argparse that spells options out in full, answers a typo with the closest name, and refuses in one line.

    Abbreviations are off (``--lang fr`` is not silently ``--language``); an unknown option is
    refused with the closest option of the command it was given to ("did you mean --quarter?"), an
    unknown command with the closest command; every refusal is one line and exit 2, the usage left to
    ``--help`` (docs/operations.md, "Bad parameters").
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands: dict[str, argparse.ArgumentParser] = {}
        """The commands' parsers, by name (set on the ``privacy-review`` parser)."""
        self.top: argparse.ArgumentParser | None = None
        """The ``privacy-review`` parser above a command's (None for that parser itself)."""

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        argv = sys.argv[1:] if args is None else [str(a) for a in args]
        at = self._command_at(argv)
        found, extras = self.parse_known_args(argv, namespace)
        if extras:
            before = at is None or any(argv.index(x) < at for x in extras if x in argv)
            parser = self if before else self.commands.get(found.command, self)
            parser.error(f"unrecognized arguments: {' '.join(extras)}{_did_you_mean(parser, extras)}")
        return found

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        self._words = sys.argv[1:] if args is None else list(args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str):  # type: ignore[override]
        """Refuse the command line as bad input: :func:`main` prints one line, ``privacy-review: error: <option>:
        <problem> (see privacy-review <command> --help)``, and returns 2; argparse's usage is for ``--help``
        (docs/operations.md, "Bad parameters")."""
        if message.startswith("the following arguments are required"):  # `sample --ot demo`: say --out
            if self.top is None and message.endswith(": command"):
                message = f"no command given (commands: {', '.join(self.commands)})"
            message += _did_you_mean(self, getattr(self, "_words", []), named=True)
        raise BadInput(f"{_one_line(message)} (see {self.prog} --help)")

    def _command_at(self, argv: list[str]) -> int | None:
        """Where the command is in ``argv`` (the first word that is not an option); an unknown one is refused."""
        for i, word in enumerate(argv):
            if word == "--":
                return None
            if word.startswith("-"):
                continue
            if word not in self.commands:
                close = difflib.get_close_matches(word, self.commands, n=1, cutoff=0.5)
                hint = f": did you mean {close[0]}?" if close else ""
                self.error(f"unknown command {word!r}{hint} (commands: {', '.join(self.commands)})")
            return i
        return None


def _one_line(message: str) -> str:
    """argparse's ``argument --as-of: not a date …`` as ``--as-of: not a date …``, on one line; a rule's message that
    names its option already (``--quarter: not a quarter …``) keeps it once."""
    message = " ".join(message.split())
    if message.startswith("argument "):
        name, _, problem = message[len("argument "):].partition(": ")
        message = problem if problem.startswith((f"{name}:", f"{name} ")) else f"{name}: {problem}"
    return message


def _options(parser: argparse.ArgumentParser | None) -> list[str]:
    return [o for action in parser._actions for o in action.option_strings] if parser is not None else []


def _did_you_mean(parser: argparse.ArgumentParser, words: list[str], *, named: bool = False) -> str:
    """``; did you mean --quarter?`` for each word of ``words`` that is an unknown option close to one of
    ``parser``'s (``; --quater: did you mean --quarter?`` when ``named`` or several); empty when there is none."""
    known, above = _options(parser), _options(getattr(parser, "top", None))
    unknown = [n for w in words if w.startswith("-") and w != "-" and (n := w.split("=", 1)[0]) not in known]
    hints = []
    for name in unknown:
        if name in above:
            hints.append(f"{name} is an option of privacy-review itself: give it before the command")
            continue
        spelled_out = [o for o in known if name.startswith("--") and o.startswith(name)]
        close = spelled_out[:1] or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean {close[0]}?" + (" (options are not abbreviated)" if spelled_out else "")
            hints.append(hint if len(unknown) == 1 and not named else f"{name}: {hint}")
    return "; " + "; ".join(hints) if hints else ""


def build_parser() -> Parser:
    # allow_abbrev=False everywhere: an option is spelled out in full (docs/operations.md, "Exit codes")
    parser = Parser(
        prog="privacy-review",
        description="Quarterly evidence that the privacy policy's retention and GDPR promises are kept.",
        epilog="exit codes: 0 success, 2 bad input or parameters, 1 failure; `privacy-review COMMAND --help` "
        "lists what each means for that command (docs/operations.md, \"Exit codes\").",
        allow_abbrev=False,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    parser.commands = sub.choices

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        """A subcommand: no abbreviations, its own exit codes below its options, its description wrapped, each
        option's default shown (:class:`HelpFormatter`)."""
        if "description" in kwargs:  # the raw formatter keeps the exit codes' layout, so wrap here
            kwargs["description"] = textwrap.fill(kwargs["description"], 79)
        found = sub.add_parser(name, allow_abbrev=False, epilog=exit_codes_help(name),
                               formatter_class=HelpFormatter, **kwargs)
        found.top = parser
        return found

    def add_period_options(p: argparse.ArgumentParser) -> None:
        """The quarter, the day it is computed as of, and the policy: the same for run and worklist."""
        p.add_argument("--quarter", default=LATEST, type=_quarter, help=f"e.g. 2024Q3, or '{LATEST}': the newest quarter the exports hold completely")
        p.add_argument("--as-of", type=_day, help="compute as of this date (default: the quarter's last day)")
        p.add_argument("--policy", type=path_argument, help="policy file (default: the shipped 2024-06-17 policy)")
        p.add_argument("--exceptions", type=path_argument, metavar="FILE", help=EXCEPTIONS_HELP)

    def add_load_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", type=path_argument, help=f"export directory (default: ./{SAMPLE_DIR}, a checkout's sample)")
        p.add_argument("--mapping", type=path_argument, help="column-mapping TOML (default: <data>/column-mapping.toml if present)")
        p.add_argument("--input-zone", default="UTC", type=_zone, help="zone of timestamps written without offset")
        p.add_argument("--reload", action="store_true",
                       help="load the exports even when the database was loaded from the same, unchanged files")
        p.add_argument("--memory-limit", type=_memory, help="DuckDB memory limit, e.g. 4GB (default: $PRIVACY_REVIEW_MEMORY_LIMIT or 2GB)")

    run = command(
        "run",
        help="load, compute every figure and publish the quarter's report",
        description="Load the exports, compute every figure as of the quarter's last day, scan the output "
        "for personal data and publish OUT/<quarter>/ (the HTML report, notebooks, summary.json, tables).",
    )
    add_load_options(run)
    add_period_options(run)
    run.add_argument("--out", type=path_argument, default=Path("reports"), help="output directory")
    run.add_argument("--db", type=path_argument, help=DB_HELP)
    run.add_argument("--language", choices=("en", "nl"), default=None,
                     help="publish the report in this language only (default: every language of the policy file, "
                          "side by side: quarterly-review.html in the first, quarterly-review.<language>.html in "
                          "each other)")
    run.add_argument("--no-report", action="store_true", help="write summary.json and tables only, skip the notebooks")
    run.add_argument("--pdf", action="store_true",
                     help="also print the report to OUT/<quarter>/quarterly-review.pdf (A4, for the board pack) with "
                     f"headless Chromium (on PATH, or ${CHROMIUM_ENV}); scanned and hashed into evidence.json like "
                     "every published file")
    run.add_argument("--force", action="store_true",
                     help="compute and publish again even when the published quarter was made from the same exports, "
                     "policy, parameters and version (by default such a re-run stops at once and says so); a published file "
                     "edited since is never replaced")
    run.add_argument("--engine", choices=tuple(ENGINES), default=DUCKDB,
                     help="where the figures are computed: duckdb or spark (pip install "
                     "'privacy-review[spark]'; the same SQL files; --db is then the working directory, default "
                     "$PRIVACY_REVIEW_HOME/spark or ./.privacy-review/spark)")
    run.add_argument("--spark-master", metavar="URL",
                     help="Spark master with --engine spark (default: local[*]; e.g. spark://host:7077, yarn)")
    run.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                     help="a Spark setting with --engine spark, as spark-submit's --conf (repeatable)")

    load = command(
        "load", help="load exports into a DuckDB file and print the data-quality counts",
        description="Load the exports in --data into the database (--db, default as for run) with run's checks, "
        "lock and loader, and print rows in, loaded and rejected per table as JSON. Bad rows are set aside "
        "with their file, line, column and reason, never lost. A database loaded from the same, unchanged "
        "files is reused unless --reload. The database holds personal data: it never lies inside the exports "
        "or a reports folder.",
    )
    add_load_options(load)
    load.add_argument("--db", type=path_argument, help="database file to (re)build; " + DB_HELP.replace("database file ", ""))

    sample = command(
        "sample",
        help="write a deterministic synthetic export set",
        description="Write a synthetic export directory in the shape of the export contract (docs/contract.md): "
        "every contract table, plus the marker file SYNTHETIC-SAMPLE.txt, so a review of it is bannered as synthetic. "
        "The same seed and options give the same bytes. Prints the rows written per table.",
    )
    sample.add_argument("--out", type=path_argument, required=True, help="directory to write the exports to (created if missing)")
    sample.add_argument(
        "--accounts", type=_whole_number, default=None,
        help="number of distinct accounts (default: 3000). Sessions, tickets and the other tables scale with it. "
        "Unless --no-bad-rows, a few extra rows (about 0.1%%; a few dozen per table with --profile lapses) are added "
        "that the loader must set aside (duplicate ids, bad timestamps), so accounts.csv holds slightly more rows than N",
    )
    sample.add_argument("--seed", type=_whole_number, default=None, help="random seed (default: 42); another seed gives other data")
    sample.add_argument(
        "--format", choices=("csv", "parquet"), default=None,
        help="csv: <table>.csv, comma-separated UTF-8; parquet: <table>.parquet (default: csv)",
    )
    sample.add_argument("--no-bad-rows", action="store_true", help="write only valid rows (exactly N accounts)")
    sample.add_argument(
        "--profile", choices=tuple(PROFILES), default=None,
        help="the company the exports describe (default: typical). typical: the erasure job mostly runs on time, "
        "about 0.1%% bad rows; lapses: the erasure job mostly never ran and logs were never purged, three years "
        "of history, many records behind the findings and a few dozen bad rows per large table, some near the "
        "end of each file (docs/benchmarks.md, \"Two export profiles\")",
    )
    sample.add_argument(
        "--policy", type=path_argument, metavar="FILE",
        help="write small exports fitted to this policy file instead: every table and column its rules read, "
        "records planted past and within each rule's deadline, and sample-design.json stating the finding "
        "`run --policy FILE` must give for each rule (--accounts, --seed, --format, --no-bad-rows and --profile "
        "are then refused)")

    notebooks = command(
        "notebooks",
        help="copy the analyst notebooks into a folder, set up to open your database in JupyterLab",
        description="Copy the report's notebooks into DIR (created if missing), their parameters pointing at "
        "your database, your published results (REPORTS/latest: no such folder exists; a notebook reads the newest "
        "quarter published under REPORTS each time it opens) and, with --data, your exports, as absolute paths; "
        "then open them in JupyterLab (the `lab` extra: the command logged says how to open them, or how to "
        "install it). Existing notebooks of the same name are not replaced unless --force, and a copy you changed "
        "never is (the SHA-256 of each copy as written is kept in DIR/.privacy-review-notebooks).",
    )
    notebooks.add_argument("dir", type=path_argument, metavar="DIR", help="folder to write the notebooks to")
    notebooks.add_argument("--db", type=path_argument, help=DB_HELP.replace("; never inside --out", ""))
    notebooks.add_argument("--reports", type=path_argument, default=Path("reports"),
                           help="the folder `run` publishes to (run's --out)")
    notebooks.add_argument("--data", type=path_argument,
                           help="exports to compute from when no quarter is published yet (default: none)")
    notebooks.add_argument("--force", action="store_true",
                           help="replace the copies this command wrote in DIR, when unchanged since (an edited copy "
                           "is never replaced: exit 2 naming it)")

    verify = command(
        "verify",
        help="check every published file of a quarter, recompute it from the exports, and say what differs",
        description="Check REPORT_DIR (a published OUT/<quarter>/): first every published file (the report, PDF, "
        "notebooks, tables, summary) against the SHA-256 its evidence.json records and the files its manifest "
        "names, no export needed (a file changed, missing or added is named; --seal checks evidence.json itself "
        "against the seal the run logged); then, with the exports (--data, else ./data_samples in a checkout), "
        "every export file "
        "must have the name, SHA-256 and row counts its evidence.json records, the policy and column mapping the "
        "same SHA-256, and every figure of summary.json the same value when computed again with the run's "
        "parameters (floats within 1e-9). Loads into a temporary database unless --db. Exit 0 when all match; "
        "exit 1 listing each difference on stdout (the file that changed, the figure: published value, value now) "
        "under its group's heading (policy and column mapping, export files and row counts, figures, findings), "
        "then one summary line, e.g. 'verify: 2 export files changed, 37 figures differ, 3 findings differ'.",
    )
    verify.add_argument("report_dir", type=path_argument, metavar="REPORT_DIR", help="a published quarter, e.g. reports/2024Q3")
    verify.add_argument("--data", type=path_argument, help="the export directory the report was computed from (default: "
                        f"./{SAMPLE_DIR} in a checkout; with neither, the published files alone are checked)")
    verify.add_argument("--seal", metavar="SHA256",
                        help="the SHA-256 of evidence.json the run logged ('sealed <Q>: ...'): a forger who rewrote "
                        "evidence.json with the files it hashes cannot match it")
    verify.add_argument("--db", type=path_argument, help="use (and, if the exports changed, reload) this database instead "
                        "of a temporary one; never inside REPORT_DIR")
    verify.add_argument("--policy", type=path_argument, help="the policy file the run used (default: the shipped one)")
    verify.add_argument("--mapping", type=path_argument, help="column-mapping TOML (default: <data>/column-mapping.toml if present)")
    verify.add_argument("--exceptions", type=path_argument, metavar="FILE",
                        help="the register of exceptions the run read (default: the policy file's, else none)")
    verify.add_argument("--history-home", type=path_argument, metavar="DIR",
                        help="the database home holding the run's history of remediation (default: the folder of "
                        "--db, else $PRIVACY_REVIEW_HOME, else ./.privacy-review)")
    verify.add_argument("--memory-limit", type=_memory, help="DuckDB memory limit, e.g. 4GB")

    worklist = command(
        "worklist",
        help="write the rows past their deadline, by their real ids, for the people who act (personal data)",
        description="Write into --out one CSV per category with the exports' own ids: accounts past their erasure "
        "deadline; logs, support, marketing, analytics, residual and payment rows past their deadline; contacts "
        "written to after withdrawing consent; rights requests open past their deadline; consent withdrawals open "
        "past the company's standard. Each file's row count is "
        "its figure in summary.json; the most overdue rows first. The files hold personal data: mode 0600, and an "
        "--out inside a reports folder is refused. Prints each file's row count and figure.",
    )
    add_load_options(worklist)
    add_period_options(worklist)
    worklist.add_argument("--out", type=path_argument, required=True,
                          help="a private folder for the worklist (created 0700 if missing); never inside reports")
    worklist.add_argument("--db", type=path_argument, help=DB_HELP.replace("; never inside --out", ""))

    pdf_cmd = command(
        "pdf",
        help="print a published quarter's report to quarterly-review.pdf (A4, for the board pack)",
        description="Print REPORT_DIR/quarterly-review.html (a quarter `privacy-review run` published) to "
        "REPORT_DIR/quarterly-review.pdf, as `run --pdf` does: A4, the first screen on page 1, a page per "
        "section, no chart or table split across pages, the quarter and page numbers in the footer, the same "
        "words and charts as the HTML. The converter is headless Chromium (chromium, chromium-browser or "
        f"google-chrome on PATH, or ${CHROMIUM_ENV}), offline. The PDF is scanned for personal data with every "
        "file of the quarter and its SHA-256 recorded in evidence.json; then the quarter is replaced in one step. "
        "A quarterly-review.pdf the tool did not write is never replaced.",
    )
    pdf_cmd.add_argument("report_dir", type=path_argument, metavar="REPORT_DIR", help="a published quarter, e.g. reports/2024Q3")
    pdf_cmd.add_argument("--db", type=path_argument,
                         help="the run's database, whose ids the privacy scan looks for (default: as for run)")
    pdf_cmd.add_argument("--policy", type=path_argument,
                         help="the policy file the run used: its controller contacts may appear (default: the shipped one)")

    check = command(
        "check-policy", help="validate a policy file and print its rules",
        description="Validate a policy file (every rule the figures need, its periods, anchors, bases and sources) "
        "and print its rules as a person reads them: per retention rule the clause, what is kept, for how long "
        "after what, its basis (policy, law or internal standard, with the source) and the legal-hold exemption; "
        "the rights deadline and when its clock starts; the support response standard and declared categories; "
        "the controller's contacts. --json prints the same for machines.",
    )
    check.add_argument("policy", type=path_argument, nargs="?", help="policy file (default: the shipped one)")
    check.add_argument("--json", action="store_true", help="print the rules as JSON")
    return parser


def _configure_logging(verbose: bool) -> None:
    interactive = sys.stderr.isatty()
    fmt = "%(message)s" if interactive else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=fmt, stream=sys.stderr, force=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # a parameter refused here is BadInput too (Parser.error)
        _configure_logging(args.verbose)
        refuse_empty_paths(parser.commands[args.command], args)
        return _dispatch(args)
    except BadInput as exc:
        print(f"privacy-review: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("privacy-review: interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except PipelineFailure as exc:
        log.debug("failure", exc_info=True)
        print(f"privacy-review: failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:  # a full disk, a folder we may not write: the system's words, one line
        log.debug("system error", exc_info=True)
        print(f"privacy-review: failed: {os_reason(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:
        system = system_failure(exc)
        if system is None:
            log.exception("internal failure")
        else:  # the machine's fault, not the code's: one line (docs/operations.md, "Exit codes")
            log.debug("system failure", exc_info=True)
            print(f"privacy-review: failed: {system}", file=sys.stderr)
        return EXIT_FAILURE


#: words of a full disk or a failing device, as DuckDB says them (its errors carry no errno)
_SYSTEM_WORDS = ("No space left on device", "Disk quota exceeded", "Input/output error", "Read-only file system",
                 "File too large")
#: the system errors that are the machine's fault, not the input's nor the code's
_SYSTEM_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG})


def os_reason(exc: OSError) -> str:
    """The system's own words for ``exc``, naming the file: ``/srv/reports/2024Q3/summary.json: No space left on
    device`` (its errno's message when it carries no text)."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or (os.strerror(exc.errno) if exc.errno else "") or str(exc)
    return f"{where}{reason}"


def system_cause(exc: BaseException) -> OSError | None:
    """The full disk or failing device behind ``exc``: the first OSError of such an errno in its chain (raised
    ``from`` it, or while handling it: a notebook that a full disk cut short is read back as unreadable JSON)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _SYSTEM_ERRNOS:
            return current
        current = current.__cause__ or current.__context__
    return None


def system_failure(exc: BaseException) -> str | None:
    """One line for a failure of the machine (a full disk while loading or rendering), else None.

    A system error in the exception's chain is told in the system's words (:func:`os_reason`); DuckDB reports
    a full disk as an IOException, TransactionException or FatalException, whose text holds them.
    """
    cause = system_cause(exc)
    if cause is not None:
        return os_reason(cause)
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    for word in _SYSTEM_WORDS:
        if word in text:
            return f"{word.lower()}: {first[:300]}"
    if type(exc).__name__ in ("IOException", "FatalException", "OutOfMemoryException"):
        return f"the database engine stopped: {first[:300]}"
    if type(exc).__name__ == "NotJSONError":
        return f"a notebook file was cut short ({first[:200]}): the report was not published"
    return None


def _dispatch(args: argparse.Namespace) -> int:
    paths.check_environment()  # every environment variable, once, before anything runs
    if getattr(args, "memory_limit", None):
        # read by every connection, notebooks' kernels too
        os.environ[paths.MEMORY_LIMIT_ENV] = args.memory_limit  # checked as it was read (_memory)
    if args.command in ("load", "run"):
        args.data = _data_dir(args.data)
    if args.command == "load":
        report = load(args.data, args.db, mapping_file=args.mapping, input_zone=args.input_zone,
                      reload=args.reload)
        print(json.dumps(report.as_dict(), indent=2))
        return EXIT_OK
    if args.command == "run":
        if args.pdf and args.no_report:
            raise BadInput("--pdf prints the report: it cannot be given with --no-report")
        final = run(
            RunOptions(
                data_dir=args.data, out_dir=args.out, quarter=args.quarter, as_of=args.as_of,
                policy_path=args.policy, db_path=args.db, mapping_file=args.mapping,
                input_zone=args.input_zone, language=args.language, report=not args.no_report,
                reload=args.reload, exceptions_file=args.exceptions, force=args.force, pdf=args.pdf,
                **_engine_options(args),
            )
        )
        print(final)
        return EXIT_OK
    if args.command == "sample":
        sized = {"--accounts": args.accounts, "--seed": args.seed, "--format": args.format,
                 "--no-bad-rows": args.no_bad_rows or None, "--profile": args.profile}
        if args.policy is not None and any(v is not None for v in sized.values()):
            given = ", ".join(k for k, v in sized.items() if v is not None)
            raise BadInput(f"sample --policy writes small CSV exports fitted to the policy file; {given} "
                           "is read only without --policy")
        accounts, seed = 3000 if args.accounts is None else args.accounts, 42 if args.seed is None else args.seed
        if accounts < 1:
            raise BadInput("--accounts must be at least 1")
        if not -(2**63) <= seed < 2**63:
            raise BadInput("--seed must be a 64-bit integer")
        check_sample_out(paths.absolute(args.out))
        if args.policy is not None:
            # exports fitted to that policy's rules (docs/policy-file.md, "A sample for any policy")
            counts = write_fitted_sample(load_policy(args.policy), paths.absolute(args.out))
        else:
            counts = write_sample(args.out, accounts=accounts, seed=seed, fmt=args.format or "csv",
                                  bad_rows=not args.no_bad_rows, profile=args.profile or "typical")
        print(json.dumps(counts, indent=2))
        return EXIT_OK
    if args.command == "notebooks":
        written = write_workspace(
            paths.absolute(args.dir), db=paths.absolute(args.db) or paths.default_database(),
            results_dir=paths.absolute(args.reports) / LATEST, data_dir=paths.absolute(args.data),
            force=args.force,
        )
        print("\n".join(map(str, written)))
        log.info("%s", open_hint(paths.absolute(args.dir)))  # JupyterLab is an extra (docs/operations.md, "Installing")
        return EXIT_OK
    if args.command == "verify":
        data = args.data if args.data is not None or not Path(SAMPLE_DIR).is_dir() else Path(SAMPLE_DIR)
        found = verify(args.report_dir, data, db=args.db, policy_path=args.policy, mapping_file=args.mapping,
                       exceptions_file=args.exceptions, history_home=args.history_home, seal=args.seal)
        found.differences += index_differences(args.report_dir)  # the index beside it is published too
        for note in found.notes:
            log.info("note: %s", note)
        if not found.ok:
            # grouped under headings, then one verdict line (docs/operations.md, "Verifying a report")
            for heading, lines in grouped(found.differences):
                print(f"{heading}:")
                print("\n".join(f"  {line}" for line in lines), end="\n\n")
            print(summary_line(found.differences))
            raise PipelineFailure(f"{args.report_dir}: {len(found.differences)} difference(s) from the exports "
                                  "(listed on stdout)")
        if data is None:
            print(f"verified: {found.published} published files match {args.report_dir} (figures not recomputed: "
                  "no exports given)")
        else:
            print(f"verified: {found.published} published files, {found.files} export files and {found.figures} "
                  f"figures match {args.report_dir}")
        return EXIT_OK
    if args.command == "worklist":
        written = worklist(
            WorklistOptions(
                data_dir=_data_dir(args.data), out_dir=args.out, quarter=args.quarter, as_of=args.as_of,
                policy_path=args.policy, db_path=args.db, mapping_file=args.mapping,
                input_zone=args.input_zone, reload=args.reload, exceptions_file=args.exceptions,
            )
        )
        print(json.dumps({w.file.name: {"figure": w.file.figure, "rows": w.rows} for w in written}, indent=2))
        return EXIT_OK
    if args.command == "pdf":
        print("\n".join(map(str, pdf(args.report_dir, db=args.db, policy_path=args.policy))))
        return EXIT_OK
    if args.command == "check-policy":
        policy = load_policy(args.policy)  # an invalid file is BadInput: exit 2 naming the file and key
        if args.json:
            print(json.dumps(describe.as_json(policy), indent=2, ensure_ascii=False))
        else:
            print(describe.describe(policy))
        return EXIT_OK
    raise AssertionError(args.command)


def check_sample_out(out: Path) -> None:
    """``sample --out``: a new or empty folder, or an earlier sample's (it holds the synthetic marker); never a
    folder of someone's files, which the sample's tables would overwrite (docs/operations.md, "Safe by construction")."""
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SYNTHETIC_MARKER).is_file():
        raise BadInput(f"--out {out}: holds files that privacy-review sample did not write; choose a new or empty folder")


def _data_dir(data: Path | None) -> Path:
    """``--data``, else a checkout's ``./data_samples``; with neither, how to start (exit 2)."""
    if data is not None:
        return data  # a folder that is not there keeps the loader's own message
    if Path(SAMPLE_DIR).is_dir():
        return Path(SAMPLE_DIR)
    raise BadInput(
        f"no --data given and no ./{SAMPLE_DIR} here: name your export directory with --data DIR, or start "
        "with a synthetic sample: `privacy-review sample --out demo`, then `privacy-review run --data demo`"
    )


def _engine_options(args: argparse.Namespace) -> dict:
    """``--engine`` and its Spark options for RunOptions; Spark options without ``--engine spark`` are bad input."""
    if args.engine != "spark":
        if args.spark_master or args.conf:
            raise BadInput("--spark-master and --conf need --engine spark")
        return {}

    parse_conf(args.conf)  # a malformed --conf is refused before anything starts
    return {"engine": "spark", "spark_master": args.spark_master, "spark_conf": tuple(args.conf)}


if __name__ == "__main__":
    sys.exit(main())
