"""Row-level exports (CSV, Excel, SPSS, Stata) on a cohort built by hand.

The cohort is built by tests/worlds/export_cohort.py, whose docstring has its
table: who is complete, partial, never opened, withdrawn or never invited, and
KØ-1's phone number and e-mail address that must appear in no export.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tracemalloc
import zipfile
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pyreadstat
import pytest

from survey_app import exports, safe_csv
from survey_app.exports import rows as export_rows
from survey_app.questionnaires import parse_questionnaire
from tests.worlds import export_cohort, rows
from tests.worlds.export_cohort import EMAIL, PHONE

SECRETS = (PHONE, "29876543", EMAIL, "anna.hansen")

BASE = [
    "participant_code",
    "municipality_code",
    "municipality",
    "region",
    "cluster",
    "baseline_date",
    "invited_at",
    "opened_at",
    "completed_at",
]
ITEMS = [f"csq_{n}" for n in range(1, 9)]
HEADER = [*BASE, *ITEMS, "total", "questionnaire_version"]


@pytest.fixture
def csq8(app):
    return app.extensions["questionnaires"]["csq8"]


@pytest.fixture
def cohort(db, csq8):
    export_cohort.build(db, csq8)


def expected_rows(version):
    """The export as CSV text, row by row."""
    return [
        ["KØ-1", "259", "Køge", "Region Sjælland", "Sjælland Øst", "2026-12-31"]
        + ["2026-08-31 09:00:00", "2026-08-31 18:30:00", "2026-08-31 18:35:12"]
        + ["4", "3", "4", "3", "2", "4", "3", "1", "24", version],
        ["KØ-2", "259", "Køge", "Region Østdanmark", "Sjælland Øst", "2027-01-01"]
        + ["2027-12-01 09:00:00", "2027-12-01 11:15:00", ""]
        + ["1", "4", "2", "", "", "", "", "", "", version],
        ["AAL-7", "851", "Aalborg", "Region Nordjylland", "", "2026-01-10"]
        + ["2026-07-10 10:00:00", "", ""]
        + [""] * 9
        + [version],
        ["AAL-7", "851", "Aalborg", "Region Nordjylland", "", "2026-01-10"]
        + ["2026-09-10 10:00:00", "2026-09-10 11:00:00", "2026-09-10 11:05:00"]
        + ["1"] * 8
        + ["8", version],
        ["NÆ-3", "370", "Næstved", "Region Sjælland", "Sjælland Syd", "2026-05-05"]
        + ["2026-11-05 09:00:00", "2026-11-05 09:01:00", "2026-11-05 09:03:00"]
        + ["3"] * 8
        + ["24", version],
    ]


def export(runner, fmt, out, *more):
    result = runner.invoke(args=["export", "--format", fmt, "--out", str(out), *more])
    assert result.exit_code == 0, result.output
    return result


def assert_no_contact_details(data: bytes):
    for secret in SECRETS:
        assert secret.encode() not in data
    for withdrawn in ("UD-1", "+4522222222"):
        assert withdrawn.encode() not in data


def test_csv_rows_values_and_bom(runner, cohort, csq8, tmp_path, db):
    out = tmp_path / "udtræk.csv"
    result = export(runner, "csv", out)
    codebook_file = tmp_path / "udtræk_kodebog.csv"
    assert f"5 rækker skrevet til {out}." in result.stdout
    assert f"Kodebog skrevet til {codebook_file}." in result.stdout

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Sjælland Øst".encode() in raw  # UTF-8, æøå intact
    assert_no_contact_details(raw)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADER
    assert rows[1:] == expected_rows(csq8.version)

    audit = list(db.query("SELECT actor, action, detail FROM audit WHERE action = 'export'"))
    assert len(audit) == 1 and audit[0]["actor"] == "cli"
    assert json.loads(audit[0]["detail"]) == {
        "format": "csv",
        "questionnaire": "csq8",
        "rows": 5,
        "file": "udtræk.csv",
        "excel_da": False,
    }


def test_csv_codebook_file(runner, cohort, tmp_path):
    export(runner, "csv", tmp_path / "data.csv")
    raw = (tmp_path / "data_kodebog.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["variabel", "etiket", "værdi", "værdietiket"]
    by_variable: dict[str, list] = {}
    for name, label, value, value_label in rows[1:]:
        by_variable.setdefault(name, []).append((label, value, value_label))
    assert list(by_variable) == HEADER
    assert by_variable["participant_code"] == [("Deltagerkode (pseudonym)", "", "")]
    assert by_variable["region"] == [("Region ved forløbsstart", "", "")]
    assert by_variable["total"] == [("Samlet score (8–32)", "", "")]
    assert by_variable["questionnaire_version"] == [("Spørgeskemaets tekstversion", "", "")]
    label = "csq_1: Hvordan vil du bedømme kvaliteten af den støtte, du har fået?"
    # csq_1 prints "Fremragende" first; the labels follow the scores, not the order.
    assert by_variable["csq_1"] == [
        (label, "1", "Dårlig"),
        (label, "2", "Nogenlunde"),
        (label, "3", "God"),
        (label, "4", "Fremragende"),
    ]
    assert [value_label for _, _, value_label in by_variable["csq_2"]] == [
        "Nej, slet ikke",
        "Nej, ikke rigtig",
        "Ja, for det meste",
        "Ja, helt",
    ]


def test_csv_for_danish_excel(runner, cohort, csq8, tmp_path, db):
    out = tmp_path / "excel.csv"
    export(runner, "csv", out, "--excel-da")
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ";".join(HEADER)
    assert list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:] == expected_rows(csq8.version)
    codebook = (tmp_path / "excel_kodebog.csv").read_text(encoding="utf-8-sig")
    assert codebook.splitlines()[0] == "variabel;etiket;værdi;værdietiket"
    detail = json.loads(db.execute("SELECT detail FROM audit WHERE action = 'export'").fetchone()[0])
    assert detail["excel_da"] is True


def test_decimal_comma_for_floats():
    assert safe_csv.cell(24.5, decimal_comma=True) == "24,5"
    assert safe_csv.cell(24.5) == "24.5"


def test_xlsx_sheets_dates_and_labels(runner, cohort, csq8, tmp_path, db):
    out = tmp_path / "udtræk.xlsx"
    result = export(runner, "xlsx", out)
    assert f"5 rækker skrevet til {out}." in result.stdout
    with zipfile.ZipFile(out) as archive:
        assert_no_contact_details(b"".join(archive.read(name) for name in archive.namelist()))

    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Data", "Kodebog"]
    data = list(workbook["Data"].iter_rows(values_only=True))
    assert list(data[0]) == HEADER
    assert len(data) == 6
    first = dict(zip(HEADER, data[1], strict=True))
    assert first["participant_code"] == "KØ-1"
    assert first["region"] == "Region Sjælland"
    assert first["baseline_date"] == datetime(2026, 12, 31)  # a real Excel date
    assert first["invited_at"] == datetime(2026, 8, 31, 9, 0)
    assert first["completed_at"] == datetime(2026, 8, 31, 18, 35, 12)
    assert [first[item] for item in ITEMS] == [4, 3, 4, 3, 2, 4, 3, 1]
    assert first["total"] == 24
    assert first["questionnaire_version"] == csq8.version
    partial = dict(zip(HEADER, data[2], strict=True))
    assert partial["region"] == "Region Østdanmark"
    assert partial["completed_at"] is None
    assert [partial[item] for item in ITEMS] == [1, 4, 2, None, None, None, None, None]
    assert partial["total"] is None
    assert workbook["Data"]["F2"].number_format == "yyyy-mm-dd"
    assert workbook["Data"]["G2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert [row[0] for row in data[1:]] == ["KØ-1", "KØ-2", "AAL-7", "AAL-7", "NÆ-3"]

    codebook = list(workbook["Kodebog"].iter_rows(values_only=True))
    assert codebook[0] == ("variabel", "etiket", "værdi", "værdietiket")
    assert (
        "csq_1",
        "csq_1: Hvordan vil du bedømme kvaliteten af den støtte, du har fået?",
        4,
        "Fremragende",
    ) in (codebook)
    assert ("invited_at", "Link udstedt (dansk tid)", None, None) in codebook
    assert json.loads(db.execute("SELECT detail FROM audit").fetchone()[0])["format"] == "xlsx"


def _check_stats_file(data, meta, csq8):
    assert list(data.columns) == HEADER
    assert meta.column_names_to_labels["participant_code"] == "Deltagerkode (pseudonym)"
    assert meta.column_names_to_labels["completed_at"] == "Besvaret (dansk tid)"
    assert meta.column_names_to_labels["total"] == "Samlet score (8–32)"
    assert meta.column_names_to_labels["csq_7"] == "csq_7: Alt i alt, hvor tilfreds er du med støtten?"
    labels = meta.variable_value_labels
    assert labels["csq_1"] == {1: "Dårlig", 2: "Nogenlunde", 3: "God", 4: "Fremragende"}
    assert labels["csq_6"][1] == "Nej, det blev snarere værre"
    assert set(labels) == set(ITEMS)

    assert data["participant_code"].tolist() == ["KØ-1", "KØ-2", "AAL-7", "AAL-7", "NÆ-3"]
    assert data["region"].tolist() == [
        "Region Sjælland",
        "Region Østdanmark",
        "Region Nordjylland",
        "Region Nordjylland",
        "Region Sjælland",
    ]
    assert data["cluster"].tolist() == ["Sjælland Øst", "Sjælland Øst", "", "", "Sjælland Syd"]
    assert data["municipality"].tolist()[-1] == "Næstved"
    assert data["baseline_date"].tolist()[:2] == [date(2026, 12, 31), date(2027, 1, 1)]
    assert data["invited_at"][0].to_pydatetime() == datetime(2026, 8, 31, 9, 0)
    assert data["opened_at"][1].to_pydatetime() == datetime(2027, 12, 1, 11, 15)
    assert data["completed_at"].isna().tolist() == [False, True, True, False, False]
    assert data.loc[0, ITEMS].tolist() == [4, 3, 4, 3, 2, 4, 3, 1]
    assert data.loc[1, ["csq_1", "csq_2", "csq_3"]].tolist() == [1, 4, 2]
    assert data.loc[1, ITEMS[3:]].isna().all()
    assert data["total"].isna().tolist() == [False, True, True, False, False]
    assert data["total"][0] == 24 and data["total"][3] == 8
    assert set(data["questionnaire_version"]) == {csq8.version}


def test_spss(runner, cohort, csq8, tmp_path, db):
    out = tmp_path / "udtræk.sav"
    export(runner, "sav", out)
    assert_no_contact_details(out.read_bytes())
    data, meta = pyreadstat.read_sav(str(out))
    _check_stats_file(data, meta, csq8)
    assert meta.original_variable_types["baseline_date"].startswith("DATE")
    assert meta.original_variable_types["invited_at"].startswith("DATETIME")
    assert meta.original_variable_types["csq_1"] == "F8.0"
    assert meta.variable_measure["csq_1"] == "ordinal"
    assert json.loads(db.execute("SELECT detail FROM audit").fetchone()[0])["rows"] == 5


def test_stata(runner, cohort, csq8, tmp_path):
    out = tmp_path / "udtræk.dta"
    export(runner, "dta", out)
    assert_no_contact_details(out.read_bytes())
    assert b"<release>118</release>" in out.read_bytes()[:60]  # readable by Stata 14 and later
    data, meta = pyreadstat.read_dta(str(out))
    _check_stats_file(data, meta, csq8)
    assert meta.original_variable_types["baseline_date"] == "%td"
    assert meta.original_variable_types["invited_at"] == "%tc"
    assert all(len(label) <= 80 for label in meta.column_names_to_labels.values())


def test_unknown_questionnaire_and_misused_options(runner, tmp_path, db):
    out = tmp_path / "x.csv"
    unknown = runner.invoke(args=["export", "--format", "csv", "--questionnaire", "nope", "--out", str(out)])
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Fejl: Ukendt spørgeskema 'nope'. Kendte: csq8")
    excel = runner.invoke(
        args=["export", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), "--excel-da"]
    )
    assert excel.exit_code == 1 and "--excel-da gælder kun --format csv" in excel.stderr
    missing_dir = runner.invoke(args=["export", "--format", "csv", "--out", str(tmp_path / "no" / "x.csv")])
    assert missing_dir.exit_code == 1 and missing_dir.stderr.startswith("Fejl: Kan ikke skrive")
    assert list(tmp_path.iterdir()) == [tmp_path / "survey.db"] or not out.exists()
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'export'").fetchone()[0] == 0


def test_stats_formats_need_the_extra(runner, cohort, tmp_path, monkeypatch, db):
    monkeypatch.setitem(sys.modules, "pyreadstat", None)  # import fails as if not installed
    out = tmp_path / "x.sav"
    result = runner.invoke(args=["export", "--format", "sav", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Fejl: Eksport til SPSS (.sav) og Stata (.dta) kræver")
    assert "pip install -e '.[stats]'" in result.stderr
    assert not out.exists()
    assert db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 0


def test_empty_export_has_header_only(runner, tmp_path):
    out = tmp_path / "tom.csv"
    result = export(runner, "csv", out)
    assert "0 rækker skrevet" in result.stdout
    assert out.read_text(encoding="utf-8-sig").splitlines() == [",".join(HEADER)]
    export(runner, "dta", tmp_path / "tom.dta")
    data, meta = pyreadstat.read_dta(str(tmp_path / "tom.dta"))
    assert list(data.columns) == HEADER and len(data) == 0


@pytest.mark.sqlite_only  # SQLite's query plan; PostgreSQL streams by its cursor (postgres.py)
def test_query_streams_without_temporary_btree(db, csq8):
    sql, params = export_rows.export_query(csq8)
    plan = " | ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert plan.startswith("SCAN invitation")
    assert "TEMP B-TREE" not in plan


# -- a questionnaire with free text and a long item --------------------------------

LONG_TEXT = (
    "Hvis du tænker tilbage på hele forløbet med din jobkonsulent, hvor meget har støtten så "
    "betydet for, at du kom tættere på arbejde eller uddannelse?"
)
OTHER = {
    "id": "org",
    "wording": "original",
    "title": {"da": "Organisation"},
    "items": [
        {
            "id": "long_item",
            "text": {"da": LONG_TEXT},
            "options": [
                {"score": 2, "label": {"da": "Meget"}},
                {"score": 1, "label": {"da": "Lidt"}},
            ],
        },
        {"id": "yes_no", "type": "yesno", "text": {"da": "Fik du et job?"}},
        {"id": "comment", "type": "text", "text": {"da": "Kommentar"}},
    ],
}


@pytest.fixture
def other(db):
    questionnaire = parse_questionnaire(Path("org.toml"), OTHER)
    with db.conn:
        person = rows.participant(db, "F-1", "461", "2026-03-01")
        invitation_id = rows.invitation(
            db, questionnaire, person, "2026-09-01T08:00:00+00:00", "2026-09-01T08:01:00+00:00"
        )
        db["answer"].insert_all(
            {
                "invitation_id": invitation_id,
                "item_id": item_id,
                "score": score,
                "text": text,
                "questionnaire_version": questionnaire.version,
                "answered_at": "2026-09-01T08:02:00+00:00",
            }
            for item_id, score, text in [
                ("long_item", 2, None),
                ("yes_no", 1, None),
                ("comment", None, '=HYPERLINK("http://x") Godt; "citat", æøå\nny linje'),
            ]
        )
    return questionnaire


def test_free_text_and_long_labels(db, other, tmp_path):
    names = [variable.name for variable in exports.codebook(other)]
    assert names == [*BASE, "long_item", "yes_no", "comment", "total", "questionnaire_version"]
    comment = '=HYPERLINK("http://x") Godt; "citat", æøå\nny linje'

    text = "".join(exports.iter_csv(db, other))
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["long_item"] == "2" and row["yes_no"] == "1"
    assert row["comment"] == "'" + comment  # Excel shows it instead of running it
    assert row["total"] == ""
    codebook = exports.codebook_csv(other)
    assert "Samlet score (beregnes ikke for dette spørgeskema)" in codebook
    assert "yes_no,csq" not in codebook and "yes_no,yes_no: Fik du et job?,1,Ja" in codebook

    assert exports.write_export(db, other, "xlsx", tmp_path / "o.xlsx") == 1
    cell = openpyxl.load_workbook(tmp_path / "o.xlsx")["Data"]["L2"]
    assert cell.value == comment and cell.data_type == "s"

    exports.write_export(db, other, "dta", tmp_path / "o.dta")
    data, meta = pyreadstat.read_dta(str(tmp_path / "o.dta"))
    assert data["comment"][0] == comment
    label = meta.column_names_to_labels["long_item"]
    assert len(label) <= 80 and label.startswith("long_item: Hvis du tænker") and label.endswith("…")
    assert meta.variable_value_labels == {"long_item": {1: "Lidt", 2: "Meget"}, "yes_no": {1: "Ja", 2: "Nej"}}

    exports.write_export(db, other, "sav", tmp_path / "o.sav")
    data, meta = pyreadstat.read_sav(str(tmp_path / "o.sav"))
    assert data["comment"][0] == comment
    assert meta.column_names_to_labels["long_item"] == f"long_item: {LONG_TEXT}"  # SPSS keeps it whole


def test_item_ids_that_cannot_be_variable_names():
    for bad in ("total", "spørgsmål", "in", "TO", "_x", "x" * 33):
        data = {**OTHER, "items": [{**OTHER["items"][1], "id": bad}]}
        with pytest.raises(exports.ExportError, match="kan ikke bruges som variabelnavn"):
            exports.codebook(parse_questionnaire(Path("org.toml"), data))


def test_shorten():
    assert exports.shorten("kort") == "kort"
    shortened = exports.shorten("ord " * 30)
    assert len(shortened) <= 80 and shortened.endswith("ord…")
    assert len(exports.shorten("x" * 200)) == 80
    in_bytes = exports.shorten("blåbær " * 40, 120, max_bytes=120)
    assert len(in_bytes.encode()) <= 120 and in_bytes.endswith("blåbær…")
    assert exports.shorten("ø" * 100, 120, max_bytes=120) == "ø" * 58 + "…"


# -- streaming -------------------------------------------------------------------


@pytest.fixture
def many(db, csq8):
    """3000 complete responses, inserted in bulk."""
    count = 3000
    with db.conn:
        db.conn.executemany(
            "INSERT INTO participant (id, code, municipality_code, baseline_date, created_at, channel)"
            " VALUES (?, ?, '259', '2026-03-01', '2026-03-01T08:00:00+00:00', 'sms')",
            [(n, f"P-{n:05d}") for n in range(1, count + 1)],
        )
        db.conn.executemany(
            "INSERT INTO invitation (id, participant_id, questionnaire_id, questionnaire_version, nonce,"
            " created_at, expires_at, opened_at, completed_at, total_score) VALUES (?, ?, 'csq8', ?, ?,"
            " '2026-09-01T08:00:00+00:00', '2026-10-01T08:00:00+00:00', '2026-09-01T09:00:00+00:00',"
            " '2026-09-01T09:05:00+00:00', 24)",
            [(n, n, csq8.version, f"n{n}") for n in range(1, count + 1)],
        )
        db.conn.executemany(
            "INSERT INTO answer (invitation_id, item_id, score, questionnaire_version, answered_at)"
            " VALUES (?, ?, 3, ?, '2026-09-01T09:01:00+00:00')",
            [(n, item, csq8.version) for n in range(1, count + 1) for item in ITEMS],
        )
    return count


class CountingDb:
    """Stands in for the database and counts the rows taken from the export's cursor (``conn``);
    the look-ups of names, regions and clusters before it (``execute``, ``query``) go to the real one."""

    def __init__(self, db):
        self.real = db
        self.fetched = 0
        self.conn = SimpleNamespace(execute=self.counted)
        self.execute, self.query = db.execute, db.query

    def counted(self, sql, params):
        cursor = self.real.conn.execute(sql, params)
        owner = self

        class Counting:
            def __iter__(self):
                for row in cursor:
                    owner.fetched += 1
                    yield row

            def close(self):
                cursor.close()

        return Counting()


def test_iter_csv_reads_rows_as_it_yields(db, csq8, many):
    counting = CountingDb(db)
    chunks = exports.iter_csv(counting, csq8)
    header = next(chunks)
    assert header == "\ufeff" + ",".join(HEADER) + "\r\n"
    first = next(chunks)
    assert first.startswith("P-00001,259,Køge,Region Sjælland,Sjælland Øst,2026-03-01,2026-09-01 10:00:00")
    assert 0 < counting.fetched < many / 2  # the rest has not been read yet
    rest = "".join(chunks)
    assert counting.fetched == many
    assert (first + rest).count("\r\n") == many


def _peak_memory(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_iter_csv_memory_stays_flat(db, csq8, many):
    def export_all():
        assert sum(len(chunk) for chunk in exports.iter_csv(db, csq8)) > 400_000

    export_all()  # first use fills caches (time zones, compiled SQL)
    streaming = _peak_memory(export_all)
    all_rows = _peak_memory(lambda: list(exports.iter_rows(db, csq8)))
    # Holding the 3000 rows takes ~2 MB; streaming them stays far below.
    assert streaming * 3 < all_rows, (streaming, all_rows)


class WatchedDb(CountingDb):
    """Counts the rows taken from the export's cursor and, as each is taken, calls ``watch``
    with the number taken so far (before the row reaches the writer)."""

    def __init__(self, db, watch):
        super().__init__(db)
        self.watch = watch

    def counted(self, sql, params):
        rows = super().counted(sql, params)
        owner = self

        class Watched:
            def __iter__(self):
                for row in rows:
                    owner.watch(owner.fetched)
                    yield row

            def close(self):
                rows.close()

        return Watched()


def test_csv_file_is_written_while_rows_are_read(db, csq8, many, tmp_path):
    out = tmp_path / "export.csv"
    partial = tmp_path / ".export.csv.partial"
    sizes = {}
    watched = WatchedDb(db, lambda fetched: sizes.update({fetched: partial.stat().st_size}))
    assert exports.write_export(watched, csq8, "csv", out) == many
    assert watched.fetched == many
    # Half-way through reading, the file on disk already holds most of the first half's rows:
    # rows go out as they come in, at most a chunk of 16 KB (about 160 rows) waiting in memory.
    row_bytes = len(out.read_bytes()) / many
    assert sizes[many // 2] > (many // 2 - 200) * row_bytes
    assert sizes[many] > (many - 200) * row_bytes
    assert out.read_bytes().count(b"\r\n") == many + 1


def test_xlsx_appends_each_row_before_reading_the_next(db, csq8, many, tmp_path, monkeypatch):
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    appended = {}
    real_append = WriteOnlyWorksheet.append

    def append(sheet, row):
        appended[sheet.title] = appended.get(sheet.title, 0) + 1
        return real_append(sheet, row)

    monkeypatch.setattr(WriteOnlyWorksheet, "append", append)
    lag = []
    # When row n is read, the header and rows 1 .. n-1 are already in the sheet's stream.
    watched = WatchedDb(db, lambda fetched: lag.append(fetched - appended.get("Data", 0)))
    out = tmp_path / "export.xlsx"
    assert exports.write_export(watched, csq8, "xlsx", out) == many
    assert len(lag) == many and set(lag) == {0}
    assert appended["Data"] == many + 1
    sheet = openpyxl.load_workbook(out, read_only=True)["Data"]
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == many + 1
