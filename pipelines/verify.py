"""``privacy-review verify REPORT_DIR [--data DIR]``: check a published quarter and say what differs.

An auditor's check (docs/operations.md, "Verifying a report"). First every published file, with no export
needed (:func:`check_published`): each file's SHA-256 must be the one ``evidence.json`` records, the files
present those the manifest names (an editor's traces aside, noted), and, given ``--seal``, evidence.json's own
SHA-256 the one the run logged. Then, with the exports: the export files must
be the ones ``evidence.json`` names (same names, SHA-256 and row counts), the policy
and column mapping the same files, and every figure of ``summary.json`` the same
when computed again from those exports with the evidence's run parameters (floats
within :data:`TOLERANCE`). The exports are loaded into a temporary database (never
under the report folder) unless ``--db`` is given. ``tables/*.csv`` are not compared:
their keys are pseudonyms under the database's own salt.

The register of exceptions the run read must have the SHA-256 its evidence records (like
the policy), and ``remediation`` is recomputed against the history of remediation in the
database's home (``--history-home``, else the folder of ``--db``, else the default home):
the earlier quarter's recorded set must be the one the run compared with (its SHA-256 in
evidence.json), and this quarter's records, keyed with the home's secret, the ones it
recorded. Where that history is not at hand (another machine), ``remediation`` is not
compared and a note says so (docs/operations.md, "Verifying a report").
"""

from __future__ import annotations

import json
import logging
import math
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines import evidence as ev
from pipelines import inputs, ownership, paths, records, remediation
from pipelines.dates import Quarter
from pipelines.errors import BadInput
from pipelines.load import LoadReport
from pipelines.metrics import Period
from pipelines.policy import default_policy_path
from pipelines.results import SUMMARY_FILE, compute_with_previous, json_default
from pipelines.session import NO_OUTPUT, ReviewOptions, open_review

log = logging.getLogger(__name__)

#: floats are compared to this, relative and absolute (an on-time rate, a median)
TOLERANCE = 1e-9
#: summary.json keys that say what made the figures, not figures: a difference is a note
NOT_FIGURES = frozenset({"generator"})
#: summary.json's verdicts: compared finding by finding (:func:`compare_findings`), not leaf by leaf
FINDINGS = "findings"
#: summary.json's comparison with the history (pipelines/remediation.py): compared only against the same history
REMEDIATION = "remediation"
#: the lines of :func:`check_published`
PUBLISHED = "published files: "


@dataclass
class Verification:
    """What :func:`verify` found: ``differences`` fail the check (exit 1), ``notes`` do not."""

    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    figures: int = 0
    published: int = 0
    """The published files checked against their SHA-256 (:func:`check_published`)."""

    @property
    def ok(self) -> bool:
        return not self.differences


def check_published(report_dir: Path, seal: str | None = None) -> tuple[list[str], int]:
    """Every published file of ``report_dir`` against its manifest and evidence.json's ``published`` hashes, with
    no export needed: (the differences, each naming its file; the files checked). ``seal``: the SHA-256 of
    evidence.json the run logged, which a forger who rewrites evidence.json too cannot match
    (docs/operations.md, "Verifying a report")."""
    differences: list[str] = []
    manifest = ownership.quarter_manifest(report_dir)
    if manifest is None:
        return [f"{PUBLISHED}{ownership.QUARTER_MARKER}: no manifest: not a quarter privacy-review published"], 0
    # an editor's traces (JupyterLab's checkpoints) are the user's, not the run's: neither listed nor checked
    # (docs/operations.md, "Safe by construction"); any other file the manifest does not list is named
    present = set(ownership.own_files(report_dir))
    differences += [f"{PUBLISHED}{name}: added after the run (not in the manifest)"
                    for name in sorted(present - set(manifest))]
    differences += [f"{PUBLISHED}{name}: missing (the run published it)" for name in sorted(set(manifest) - present)]
    if seal is not None and ev.seal(report_dir) != seal.strip().lower():
        differences.append(f"{PUBLISHED}{ev.EVIDENCE_FILE}: its SHA-256 is not the seal given "
                           f"({ev.short(seal.strip().lower())}...): evidence.json was rewritten")
    recorded = (ev.read(report_dir) or {}).get("published")
    if not isinstance(recorded, dict):
        differences.append(f"{PUBLISHED}{ev.EVIDENCE_FILE}: records no hash of the published files "
                           "(a quarter published before version 0.4, or a rewritten evidence.json)")
        return differences, 0
    for name in sorted(set(manifest) - set(ev.UNHASHED) - set(recorded)):
        if name in present:
            differences.append(f"{PUBLISHED}{name}: not among the hashes of {ev.EVIDENCE_FILE}")
    checked = 0
    for name, entry in sorted(recorded.items()):
        path = report_dir / name
        if not path.is_file() or path.is_symlink():
            if name in manifest:
                continue  # said above: missing
            differences.append(f"{PUBLISHED}{name}: missing (evidence.json hashed it)")
            continue
        checked += 1
        _, sha = ev.sha256_file(path)
        if not isinstance(entry, dict) or entry.get("sha256") != sha:
            differences.append(f"{PUBLISHED}{name}: changed after the run (SHA-256 {ev.short(sha)}..., "
                               f"evidence.json says {ev.short(str((entry or {}).get('sha256')))}...)")
    return differences, checked


def verify(
    report_dir: Path,
    data_dir: Path | None,
    *,
    db: Path | None = None,
    policy_path: Path | None = None,
    mapping_file: Path | None = None,
    exceptions_file: Path | None = None,
    history_home: Path | None = None,
    seal: str | None = None,
) -> Verification:
    """Check ``report_dir`` (a published ``reports/<Q>/``): every published file first (:func:`check_published`),
    then, given the exports in ``data_dir``, every figure recomputed from them; ``exceptions_file`` is the register
    the run read (default the policy's), ``history_home`` the folder of the run's history."""
    report_dir, data_dir = paths.absolute(report_dir), paths.absolute(data_dir)
    db, policy_path, mapping_file = paths.absolute(db), paths.absolute(policy_path), paths.absolute(mapping_file)
    # the run's history: in the home of the database it used (docs/operations.md, "The history of remediation")
    history_home = paths.absolute(history_home) or (db.parent if db is not None else paths.state_dir())
    published = _read_json(report_dir, SUMMARY_FILE)
    evidence = _read_json(report_dir, ev.EVIDENCE_FILE)
    found = Verification()
    found.differences, found.published = check_published(report_dir, seal)
    traces = ownership.editor_traces(report_dir)
    if traces:
        found.notes.append(f"{len(traces)} editor trace(s) not checked: JupyterLab's copies of files it opened, not "
                           f"the run's: {', '.join(traces[:3])}{', ...' if len(traces) > 3 else ''}")
    if data_dir is None:
        found.notes.append("figures not recomputed: no exports given (--data)")
        return found
    if not data_dir.is_dir():
        raise BadInput(f"--data {data_dir}: export directory not found")
    if db is not None:  # the database holds personal data: never under the published quarter
        paths.check_database_outside(db, report_dir)
    run = evidence.get("run") or {}
    try:
        period = Period.of(Quarter.parse(str(published["period"])), date.fromisoformat(str(published["as_of"])))
    except (KeyError, ValueError) as exc:
        raise BadInput(f"{report_dir / SUMMARY_FILE}: no readable period and as_of ({exc})") from None
    with tempfile.TemporaryDirectory(prefix="privacy-review-verify-") as tmp:
        options = ReviewOptions(
            data_dir=data_dir, out_kind=NO_OUTPUT, quarter=str(period.quarter), as_of=period.as_of,
            policy_path=policy_path, db_path=db or Path(tmp) / "verify.duckdb", mapping_file=mapping_file,
            input_zone=str(run.get("input_zone") or "UTC"), hash_exports=True, check_coverage=False,
            exceptions_file=paths.absolute(exceptions_file), history_home=history_home,
        )
        # the run's parameters, its exports hashed while they load (pipelines/session.py)
        with open_review(options) as review:
            found.differences += _input_file("policy", evidence.get("policy"), policy_path or default_policy_path(),
                                             inputs.POLICY, hint="give the policy the run used with --policy")
            found.differences += _input_file(
                "column mapping", evidence.get("column_mapping"), ev.mapping_path(data_dir, mapping_file),
                inputs.MAPPING, hint="give the mapping the run used with --mapping",
            )
            found.differences += _input_file(
                "register of exceptions", evidence.get("exceptions"), review.options.exceptions_file,
                inputs.REGISTER, hint="give the register the run used with --exceptions",
            )
            log.info("recomputing %s as of %s under %s", period.quarter, period.as_of, review.policy.label)
            results = compute_with_previous(review.con, review.period, review.policy)
            if REMEDIATION in published:
                tracked = remediation.track(records.compute(review.con, review.period, review.policy, keys_only=True), review.period,
                                            review.history, con=review.con, policy=review.policy, create_key=False)
                results.summary[REMEDIATION] = tracked.summary
                said, notes = compare_history(evidence.get(REMEDIATION), tracked, review.history)
                found.differences += said
                found.notes += notes
                if said or notes:  # another history: its comparison says nothing of this report's
                    published = {k: v for k, v in published.items() if k != REMEDIATION}
                    results.summary.pop(REMEDIATION)
            # through JSON, as summary.json was written: dates become text, tuples lists
            now = json.loads(json.dumps(results.summary, default=json_default))
            hashes, report = review.hashing.result(), review.load
    differences, found.files = compare_exports(evidence.get("exports") or {}, hashes, report)
    found.differences += differences
    differences, found.figures, notes = compare_figures(published, now)
    found.differences += differences
    found.notes += notes + software_notes(evidence.get("software") or {})
    if run.get("engine") not in (None, "duckdb"):
        found.notes.append(f"the run computed its figures with the {run['engine']} engine; verify recomputes them "
                           "with DuckDB")
    return found


def _read_json(folder: Path, name: str) -> dict:
    path = folder / name
    if not path.is_file():
        extra = " (a report published before evidence was recorded cannot be verified)" if name == ev.EVIDENCE_FILE else ""
        raise BadInput(f"{path}: not found; give the folder of a published quarter (reports/<quarter>){extra}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: not readable JSON ({exc})") from None


def compare_history(recorded: dict | None, tracked: remediation.Tracked,
                    history: remediation.History) -> tuple[list[str], list[str]]:
    """(differences, notes) between the history the run compared with (evidence.json's ``remediation``) and the
    one at hand: the earlier quarter's recorded set by its SHA-256, and this quarter's records keyed anew."""
    if not isinstance(recorded, dict):
        return [], [f"{REMEDIATION}: evidence.json records no history; not compared"]
    now = tracked.evidence
    if recorded.get("compared_with") is not None and history.key(create=False) is None:
        note = (f"{REMEDIATION}: not verified: {history.home} holds no history of remediation (its secret "
                f"{remediation.KEY_FILE}); give the run's database home with --history-home")
        return [], [note]
    if (recorded.get("compared_with"), recorded.get("compared_sha256")) != (now["compared_with"], now["compared_sha256"]):
        then = f"{recorded.get('compared_with')} (sha256 {ev.short(recorded.get('compared_sha256'))})"
        current = f"{now['compared_with']} (sha256 {ev.short(now['compared_sha256'])})"
        said = (f"{REMEDIATION}: the run compared with {then}; the history in {history.home} now offers {current} "
                "(a quarter recorded again, added or forgotten since)")
        return [said], []
    if now["recorded_sha256"] is not None and recorded.get("recorded_sha256") != now["recorded_sha256"]:
        said = (f"{REMEDIATION}: the records behind the findings differ from those the run recorded (sha256 "
                f"{ev.short(recorded.get('recorded_sha256'))} published, {ev.short(now['recorded_sha256'])} now)")
        return [said], []
    return [], []


def _input_file(what: str, recorded: dict | None, path: Path | None, kind: inputs.Input, *, hint: str) -> list[str]:
    """The policy or mapping file now, against the evidence's name and SHA-256."""
    now = ev.file_record(path, kind)
    then = {k: recorded.get(k) for k in ("file", "sha256")} if recorded and recorded.get("sha256") else None
    if then is None and now is None:
        return []
    if then is None:
        return [f"{what}: the run read none, now {now['file']} ({ev.short(now['sha256'])})"]
    if now is None:
        return [f"{what}: the run read {then['file']} ({ev.short(then['sha256'])}), now none; {hint}"]
    if then["sha256"] != now["sha256"]:
        return [(f"{what}: the run read {then['file']} (sha256 {ev.short(then['sha256'])}), now {now['file']} "
                 f"(sha256 {ev.short(now['sha256'])}); {hint}")]
    return []


def compare_exports(recorded: dict, hashes: dict[str, list[ev.FileHash]], report: LoadReport) -> tuple[list[str], int]:
    """Differences between the evidence's export files and rows and the exports now; and the files checked."""
    said: list[str] = []
    then = {f["name"]: f for t in recorded.values() for f in t.get("files", [])}
    now = {f.name: f for files in hashes.values() for f in files}
    for name in sorted(set(then) | set(now)):
        if name not in now:
            said.append(f"export {name}: named in evidence.json, not in the export directory")
        elif name not in then:
            said.append(f"export {name}: in the export directory, not named in evidence.json")
        elif then[name].get("sha256") != now[name].sha256:
            said.append(
                f"export {name} changed: sha256 {ev.short(then[name].get('sha256'))} published, "
                f"{ev.short(now[name].sha256)} now ({then[name].get('bytes')} bytes published, {now[name].bytes} now)"
            )
    counts = {"rows_in": report.rows_in, "rows_loaded": report.rows_loaded, "rows_set_aside": report.rows_rejected}
    for table, record in sorted(recorded.items()):
        for key, values in counts.items():
            published, current = record.get(key), values.get(table)
            if published != current:
                said.append(f"export {table} {key}: published {published}, now {current}")
    return said, len(set(then) & set(now))


def leaves(node, prefix: str = "") -> dict[str, object]:
    """Every leaf of a JSON tree by dotted name (``retention.breaches.logs``; list items as ``name[0]``)."""
    if isinstance(node, dict):
        found: dict[str, object] = {}
        for key, value in node.items():
            found.update(leaves(value, f"{prefix}.{key}" if prefix else str(key)))
        return found if found or not prefix else {prefix: {}}
    if isinstance(node, list):
        found = {}
        for i, value in enumerate(node):
            found.update(leaves(value, f"{prefix}[{i}]"))
        return found if found else {prefix: []}
    return {prefix: node}


def same(a, b) -> bool:
    """Equal as figures: the same type of value, floats within :data:`TOLERANCE`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def _is_figure(name: str) -> bool:
    return not any(part.split("[")[0] in NOT_FIGURES for part in name.split("."))


def compare_findings(published: list | None, now: list | None) -> list[str]:
    """Each finding whose verdict, reason, rows or basis differs, named by its id (docs/report.md, "Findings")."""
    def by_id(findings) -> dict[str, dict]:
        return {str(f.get("id")): f for f in findings or [] if isinstance(f, dict)}

    then, current = by_id(published), by_id(now)
    said = []
    for key in list(then) + [k for k in current if k not in then]:
        a, b = then.get(key), current.get(key)
        if a is None:
            said.append(f"finding {key}: not in the published summary.json, now {_show(b.get('verdict'))}")
            continue
        if b is None:
            said.append(f"finding {key}: published {_show(a.get('verdict'))}, not judged now")
            continue
        for name, left in leaves(a).items():
            right = leaves(b).get(name)
            if not same(left, right):
                said.append(f"finding {key}: {name} published {_show(left)}, now {_show(right)}")
    return said


def compare_figures(published: dict, now: dict) -> tuple[list[str], int, list[str]]:
    """(differences, figures compared, notes) between two summaries, leaf by leaf; the findings by id."""
    said_findings = compare_findings(published.get(FINDINGS), now.get(FINDINGS))
    published = {k: v for k, v in published.items() if k != FINDINGS}
    now = {k: v for k, v in now.items() if k != FINDINGS}
    then_leaves, now_leaves = leaves(published), leaves(now)
    said, notes, compared = [], [], 0
    for name in sorted(set(then_leaves) | set(now_leaves)):
        missing = object()
        a, b = then_leaves.get(name, missing), now_leaves.get(name, missing)
        if not _is_figure(name):
            if a is not missing and b is not missing and a != b:
                notes.append(f"{name}: {_show(a)} in the report, {_show(b)} now")
            continue
        compared += 1
        if a is missing:
            said.append(f"figure {name}: not in the published summary.json, now {_show(b)}")
        elif b is missing:
            said.append(f"figure {name}: published {_show(a)}, not computed now")
        elif not same(a, b):
            said.append(f"figure {name}: published {_show(a)}, now {_show(b)}")
    return said_findings + said, compared, notes


#: the groups a failed verify prints its differences under, in this order, by their first word
#: (docs/operations.md, "Verifying a report"): the inputs first, as they explain the rest
GROUPS = (
    ("published", "Published files"),
    ("inputs", "Policy and column mapping"),
    ("history", "Register of exceptions and history of remediation"),
    ("exports", "Export files and row counts"),
    ("figures", "Figures"),
    ("findings", "Findings"),
    ("other", "Other differences"),
)
_ROW_COUNT = re.compile(r"^export (\S+) (rows_in|rows_loaded|rows_set_aside): ")
_EXPORT_FILE = re.compile(r"^export (\S+?)(?: changed:|: )")
_FINDING = re.compile(r"^finding ([^:]+):")


def group_of(difference: str) -> str:
    """The group of one difference line: ``export …``, ``figure …``, ``finding …``, ``policy: …`` or
    ``column mapping: …`` (the lines :func:`compare_exports`, :func:`compare_figures`, :func:`compare_findings`
    and the input-file check write)."""
    if difference.startswith(PUBLISHED):
        return "published"
    if difference.startswith(("policy: ", "column mapping: ")):
        return "inputs"
    if difference.startswith(("register of exceptions: ", f"{REMEDIATION}: ")):
        return "history"
    for prefix, group in (("export ", "exports"), ("figure ", "figures"), ("finding ", "findings")):
        if difference.startswith(prefix):
            return group
    return "other"


def grouped(differences: list[str]) -> list[tuple[str, list[str]]]:
    """``[(heading, lines), …]``: the differences under their group's heading, groups in :data:`GROUPS` order,
    empty groups left out, each group's lines in the order found."""
    found: dict[str, list[str]] = {}
    for difference in differences:
        found.setdefault(group_of(difference), []).append(difference)
    return [(heading, found[key]) for key, heading in GROUPS if key in found]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary_line(differences: list[str]) -> str:
    """One line that says what a failed verify found, e.g. ``verify: 2 export files changed, 37 figures
    differ, 3 findings differ`` (files and findings counted once however many lines name them)."""
    inputs = [d for d in differences if group_of(d) == "inputs"]
    published = {d[len(PUBLISHED):].split(":", 1)[0] for d in differences if group_of(d) == "published"}
    files = {m.group(1) for d in differences if not _ROW_COUNT.match(d) and (m := _EXPORT_FILE.match(d))}
    rows = sum(1 for d in differences if _ROW_COUNT.match(d))
    figures = sum(1 for d in differences if group_of(d) == "figures")
    findings = {m.group(1) for d in differences if (m := _FINDING.match(d))}
    other = sum(1 for d in differences if group_of(d) == "other")
    parts = [_count(len(published), "published file differs", "published files differ")] if published else []
    parts += [f"the {d.split(':', 1)[0]} file differs" if d.startswith("policy") else "the column mapping differs"
              for d in inputs]
    parts += ["the register of exceptions differs" if d.startswith("register") else "the history of remediation differs"
              for d in differences if group_of(d) == "history"]
    if files:
        parts.append(_count(len(files), "export file changed", "export files changed"))
    if rows:
        parts.append(_count(rows, "row count differs", "row counts differ"))
    if figures:
        parts.append(_count(figures, "figure differs", "figures differ"))
    if findings:
        parts.append(_count(len(findings), "finding differs", "findings differ"))
    if other:
        parts.append(_count(other, "other difference", "other differences"))
    return "verify: " + (", ".join(parts) if parts else "no differences")


def software_notes(recorded: dict) -> list[str]:
    """Libraries whose version differs from the run's: figures should not change, but say so."""
    now = ev.software()
    return [f"software {name}: {recorded.get(name)} at the run, {now.get(name)} now"
            for name in sorted(set(recorded) | set(now)) if recorded.get(name) != now.get(name)]


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False)
