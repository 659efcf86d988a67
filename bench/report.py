"""Benchmark: the region report and the exports on a synthetic national-sized database.

Usage: .venv/bin/python bench/report.py [--participants 100000] [--rounds 5] [--keep DIR]

Builds a database of N participants (and, to show memory stays flat, one
of 2N) with invitations and answers in realistic proportions (about 90 %
invited, 45 % complete, 8 % partial), then:

- times ``reporting.report(..., "region")`` (the dashboard's and the
  ``report`` command's function, with disclosure control over every offered
  period), median of ``--rounds`` runs; target < 0.5 s for 100,000
  participants. It also times what the dashboard computes for one page: the
  total with the score histogram and each question's answers, and the
  region, cluster and municipality groupings (municipalities tied to their
  region and cluster), all protected together. As a baseline measured in the same
  run it times a bare scan that touches the same rows (counting
  participants joined to their invitations), and prints the ratio.
- exports every invitation in each format (CSV, XLSX, SAV, DTA) through
  ``exports.write_export`` in a fresh Python process per format and database
  size and reports that process's peak resident memory and Python's own
  peak allocation (tracemalloc): CSV and XLSX stream, so their peak must
  not grow with the number of rows; SAV and DTA hold the table (pyreadstat
  writes a whole data frame).

The peak resident memory is the export process's own ``VmHWM`` (Linux's
``/proc/self/status``), not ``getrusage``'s ``ru_maxrss``: Linux carries
``ru_maxrss`` over a fork and ``exec``, so in a child it is at least the
parent's peak at the fork, here the benchmark's own after building the
database and running the reports (which grows with the database); that
was the export's "growing" memory before 2026-12-02.

The figures go in README's "Performance" section.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app import db as database_module  # noqa: E402
from survey_app import reporting  # noqa: E402
from survey_app.questionnaires import load_all  # noqa: E402

TODAY = date(2027, 9, 1)


def build(path: Path, participants: int, seed: int = 7) -> None:
    """A database with the app's schema and ``participants`` synthetic participants."""
    database_module.migrate(path)
    database = database_module.connect(path)
    questionnaire = load_all(ROOT / "questionnaires")["csq8"]
    items = [item.id for item in questionnaire.items]
    municipalities = [row[0] for row in database.execute("SELECT code FROM municipality").fetchall()]
    generator = random.Random(seed)
    created = datetime(2025, 1, 1, tzinfo=UTC).isoformat(timespec="seconds")
    participant_rows, invitation_rows, answer_rows = [], [], []
    invitation_id = 0
    for participant_id in range(1, participants + 1):
        baseline = TODAY - timedelta(days=generator.randint(100, 1000))
        participant_rows.append(
            (
                participant_id,
                f"P{participant_id:07d}",
                generator.choice(municipalities),
                baseline.isoformat(),
                created,
                generator.choice(("female", "male", None)),
                generator.choice((None, *range(1965, 2006))),
            )
        )
        draw = generator.random()
        if draw > 0.9:
            continue
        invitation_id += 1
        completed = draw < 0.45
        partial = 0.45 <= draw < 0.53
        opened = draw < 0.65
        scores = [generator.choice((2, 3, 3, 4, 4)) for _ in items]
        answered = len(items) if completed else (generator.randint(1, len(items) - 1) if partial else 0)
        due = (baseline + timedelta(weeks=26)).isoformat() + "T09:00:00+00:00"
        invitation_rows.append(
            (
                invitation_id,
                participant_id,
                "csq8",
                questionnaire.version,
                f"n{invitation_id}",
                due,
                due,
                due if opened else None,
                due if completed else None,
                sum(scores) if completed else None,
            )
        )
        answer_rows.extend(
            (invitation_id, item, score, questionnaire.version, due)
            for item, score in zip(items[:answered], scores[:answered], strict=False)
        )
    with database.conn:
        database.conn.executemany(
            "INSERT INTO participant (id, code, municipality_code, baseline_date, created_at, gender, birth_year)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            participant_rows,
        )
        database.conn.executemany(
            "INSERT INTO invitation (id, participant_id, questionnaire_id, questionnaire_version, nonce,"
            " created_at, expires_at, opened_at, completed_at, total_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            invitation_rows,
        )
        database.conn.executemany(
            "INSERT INTO answer (invitation_id, item_id, score, questionnaire_version, answered_at)"
            " VALUES (?, ?, ?, ?, ?)",
            answer_rows,
        )
    database.conn.execute("ANALYZE")
    database.close()


def median_seconds(function, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


EXPORT_SCRIPT = """
import json, resource, sys, tracemalloc
sys.path.insert(0, {root!r})
from survey_app import db, exports
from survey_app.questionnaires import load_all
from pathlib import Path
questionnaire = load_all(Path({root!r}) / "questionnaires")["csq8"]
database = db.connect({path!r})
def own_peak():
    # VmHWM is this process's own peak; ru_maxrss would include the parent's (see the docstring).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
before = own_peak()
tracemalloc.start()
rows = exports.write_export(database, questionnaire, {fmt!r}, {out!r})
current, peak = tracemalloc.get_traced_memory()
print(json.dumps({{"rows": rows, "python_peak": peak, "before": before, "max_rss": own_peak(),
                   "inherited_ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}}))
"""

EXPORT_FORMATS = ("csv", "xlsx", "sav", "dta")


def export_memory(path: Path, fmt: str, out: Path) -> dict:
    script = EXPORT_SCRIPT.format(root=str(ROOT), path=str(path), fmt=fmt, out=str(out))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["seconds"] = time.perf_counter() - started
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", help="Build the databases in this folder and keep them.")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="survey-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    sizes = [args.participants, args.participants * 2]
    memory = {}
    for size in sizes:
        path = folder / f"bench-{size}.db"
        if not path.exists():
            started = time.perf_counter()
            print(f"Building {size:,} participants ...", end=" ", flush=True)
            build(path, size)
            print(f"{time.perf_counter() - started:.1f} s")
        database = database_module.connect(path)
        query = reporting.Query(questionnaire_id="csq8", as_of=TODAY)
        report = reporting.report(database, query, "region")
        eligible = report.total.values["eligible"]
        report_seconds = median_seconds(
            lambda database=database, query=query: reporting.report(database, query, "region"), args.rounds
        )
        baseline_seconds = median_seconds(
            lambda database=database: database.execute(
                "SELECT COUNT(*), COUNT(invitation.id) FROM participant"
                " LEFT JOIN invitation ON invitation.participant_id = participant.id"
            ).fetchone(),
            args.rounds,
        )
        questionnaire = load_all(ROOT / "questionnaires")["csq8"]

        def dashboard(database=database, query=query, questionnaire=questionnaire):
            """What the dashboard's first view computes: the grouping's figures for the whole time,
            with the total's distributions and each question, protected with regions and clusters."""
            solved = reporting.protected(
                database, query, "municipality", threshold=5, questionnaire=questionnaire
            )
            return reporting.report(
                database, query, "municipality", questionnaire=questionnaire, items=True, cube=solved
            )

        dashboard_seconds = median_seconds(dashboard, args.rounds)
        database.close()
        print(
            f"{size:,} participants ({eligible:,} eligible): region report {report_seconds * 1000:.0f} ms"
            f" (target < 500 ms); bare scan {baseline_seconds * 1000:.0f} ms;"
            f" ratio report/scan {report_seconds / baseline_seconds:.1f};"
            f" dashboard (total with distributions, regions, clusters, municipalities)"
            f" {dashboard_seconds * 1000:.0f} ms, ratio to scan {dashboard_seconds / baseline_seconds:.1f}"
        )
        for fmt in EXPORT_FORMATS:
            memory[fmt, size] = figures = export_memory(path, fmt, folder / f"export-{size}.{fmt}")
            print(
                f"  {fmt.upper()} export: {figures['rows']:,} rows in {figures['seconds']:.1f} s;"
                f" peak RSS {figures['max_rss'] / 2**20:.1f} MiB"
                f" ({figures['before'] / 2**20:.1f} MiB before the export),"
                f" Python peak {figures['python_peak'] / 2**20:.2f} MiB;"
                f" ru_maxrss {figures['inherited_ru_maxrss'] / 2**20:.1f} MiB (includes this benchmark's own peak)"
            )
    for fmt in EXPORT_FORMATS:
        small, large = (memory[fmt, size] for size in sizes)
        print(
            f"{fmt.upper()} export memory {sizes[1]:,} vs {sizes[0]:,}:"
            f" RSS x{large['max_rss'] / small['max_rss']:.2f} (target < 1.10),"
            f" Python peak x{large['python_peak'] / small['python_peak']:.2f} (flat = about 1.0)"
        )


if __name__ == "__main__":
    main()
