"""The participant-level export (issue 16 item 1) on a cohort built by hand.

Cohort: tests/worlds/export_cohort.py (KØ-1, KØ-2, AAL-7, NÆ-3, withdrawn UD-1, INGEN), plus
the messages and QR showings below, REM-1 (invited and reminded, never opened), EXP-1 (link
expired), OPT-1 (opted out) and NY-1 (not yet due; only with --all). The export is made on
2028-01-15, so every participant who started on or before 2027-07-17 is eligible.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import openpyxl
import pyreadstat
import pytest
import time_machine

from tests.worlds import export_cohort, rows

TODAY = "2028-01-15 12:00 +0100"


def message(db, participant_id, invitation_id, kind, channel, sent_at, status="sent"):
    db["message"].insert(
        {
            "participant_id": participant_id,
            "invitation_id": invitation_id,
            "kind": kind,
            "channel": channel,
            "body": "…",
            "created_at": sent_at,
            "status": status,
            "sent_at": sent_at if status == "sent" else None,
        }
    )


def shown(db, participant_id, code, at):
    db["audit"].insert(
        {
            "at": at,
            "actor": "user:1",
            "action": "link_shown",
            "target": f"participant:{participant_id}:{code}",
        }
    )


@pytest.fixture
def csq8(app):
    return app.extensions["questionnaires"]["csq8"]


@pytest.fixture
def cohort(db, csq8):
    export_cohort.build(db, csq8)
    ids = {row["code"]: row["id"] for row in db.query("SELECT id, code FROM participant")}
    invitations = {}
    for row in db.query("SELECT id, participant_id FROM invitation ORDER BY id"):
        invitations.setdefault(row["participant_id"], []).append(row["id"])
    with db.conn:
        koege, aalborg, naestved = ids["KØ-1"], ids["AAL-7"], ids["NÆ-3"]
        db["participant"].update(koege, {"gender": "female", "birth_year": 1990})
        # KØ-1: the SMS invitation brought the answer; a reminder after it does not count.
        message(db, koege, invitations[koege][0], "invitation", "sms", "2026-08-31T07:00:05+00:00")
        message(db, koege, invitations[koege][0], "reminder", "sms", "2026-09-07T07:00:00+00:00")
        # AAL-7: e-mail invitation, reminder 1 (first link), reminder 2 (second link) brought it.
        message(db, aalborg, invitations[aalborg][0], "invitation", "email", "2026-07-10T08:00:10+00:00")
        message(db, aalborg, invitations[aalborg][0], "reminder", "email", "2026-07-17T08:00:00+00:00")
        message(
            db, aalborg, invitations[aalborg][0], "reminder", "sms", "2026-07-18T08:00:00+00:00", "failed"
        )
        message(db, aalborg, invitations[aalborg][1], "reminder", "email", "2026-09-10T08:30:00+00:00")
        # NÆ-3: an SMS first, then the consultant showed the QR code in a meeting.
        message(db, naestved, invitations[naestved][0], "invitation", "sms", "2026-11-05T08:00:10+00:00")
        shown(db, naestved, "NÆ-3", "2026-11-05T08:00:30+00:00")
        reminded = rows.participant(db, "REM-1", "461", "2026-03-01")
        link = rows.invitation(db, csq8, reminded, "2026-09-01T08:00:00+00:00")
        message(db, reminded, link, "invitation", "email", "2026-09-01T08:00:01+00:00")
        message(db, reminded, link, "reminder", "email", "2026-09-08T08:00:01+00:00")
        expired = rows.participant(db, "EXP-1", "461", "2026-03-02")
        rows.invitation(db, csq8, expired, "2026-09-02T08:00:00+00:00", expires="2026-10-01T00:00:00+00:00")
        rows.participant(db, "OPT-1", "461", "2026-03-03", opted_out_at="2026-08-01T08:00:00+00:00")
        rows.participant(db, "NY-1", "259", "2027-12-01")
        # Næstved's fidelity reviews: the one nearest NÆ-3's follow-up (2026-11-03) is the IPS-15 one.
        rows.fidelity_review(db, "370", "2026-10-01", "ips15", 60, 99.6)
        rows.fidelity_review(db, "370", "2025-01-01", "ips25", 110, 110.0)
        # Køge answered org_2 "Ja" in 2026 and "Nej" in the latest round.
        rows.round_answers(db, "R1", "2026-06-01", {"259": 1})
        rows.round_answers(db, "R2", "2027-06-01", {"259": 2})


def run_export(runner, fmt, out, *more):
    with time_machine.travel(TODAY, tick=False):
        result = runner.invoke(
            args=["export", "--level", "participant", "--format", fmt, "--out", str(out), *more]
        )
    assert result.exit_code == 0, result.output
    return result


def read_csv(path, delimiter=","):
    lines = list(
        csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=delimiter)
    )
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]], lines[0]


COLUMNS = [
    "participant_code",
    "municipality_code",
    "municipality",
    "region",
    "region_today",
    "cluster",
    "baseline_date",
    "followup_date",
    "eligible",
    "status",
    "invited",
    "opened",
    "partial",
    "completed",
    "invited_at",
    "opened_at",
    "completed_at",
    "first_channel",
    "reminders_before_completion",
    "contact_before_completion",
    "items_answered",
    "csq_1",
    "csq_2",
    "csq_3",
    "csq_4",
    "csq_5",
    "csq_6",
    "csq_7",
    "csq_8",
    "total",
    "questionnaire_version",
    "gender",
    "birth_year",
    "fidelity_review_date",
    "fidelity_scale",
    "fidelity_ips25",
    "fidelity_band",
]


def test_participant_csv_columns_and_values(runner, cohort, csq8, tmp_path, db):
    out = tmp_path / "deltagere.csv"
    result = run_export(runner, "csv", out)
    assert f"8 rækker skrevet til {out}." in result.stdout
    data, header = read_csv(out)
    org_items = [f"org_item_{n}" for n in range(1, len(header) - len(COLUMNS) + 1)]
    assert header == [*COLUMNS, *org_items] and len(org_items) == 6
    by_code = {row["participant_code"]: row for row in data}
    # Eligible only, in registration order; the withdrawn and the not-yet-due are not there.
    assert [row["participant_code"] for row in data] == [
        "KØ-1", "KØ-2", "AAL-7", "NÆ-3", "INGEN", "REM-1", "EXP-1", "OPT-1"
    ]  # fmt: skip
    koege = by_code["KØ-1"]
    assert {k: koege[k] for k in COLUMNS[:21]} == {
        "participant_code": "KØ-1",
        "municipality_code": "259",
        "municipality": "Køge",
        "region": "Region Sjælland",
        "region_today": "Region Østdanmark",
        "cluster": "Sjælland Øst",
        "baseline_date": "2026-12-31",
        "followup_date": "2027-07-01",
        "eligible": "1",
        "status": "7",
        "invited": "1",
        "opened": "1",
        "partial": "0",
        "completed": "1",
        "invited_at": "2026-08-31 09:00:00",
        "opened_at": "2026-08-31 18:30:00",
        "completed_at": "2026-08-31 18:35:12",
        "first_channel": "sms",
        "reminders_before_completion": "0",
        "contact_before_completion": "invitation",
        "items_answered": "8",
    }
    assert [koege[f"csq_{n}"] for n in range(1, 9)] == ["4", "3", "4", "3", "2", "4", "3", "1"]
    assert (koege["total"], koege["questionnaire_version"]) == ("24", csq8.version)
    assert (koege["gender"], koege["birth_year"]) == ("female", "1990")
    assert [koege[name] for name in org_items] == ["", "2", "", "", "", ""]  # the latest round's
    assert koege["fidelity_review_date"] == koege["fidelity_band"] == ""

    aalborg = by_code["AAL-7"]
    assert (aalborg["first_channel"], aalborg["reminders_before_completion"]) == ("email", "2")
    assert aalborg["contact_before_completion"] == "reminder_2"
    assert (aalborg["invited_at"], aalborg["completed_at"]) == ("2026-07-10 10:00:00", "2026-09-10 11:05:00")
    assert (aalborg["total"], aalborg["region_today"], aalborg["cluster"]) == ("8", "Region Nordjylland", "")

    naestved = by_code["NÆ-3"]
    assert (naestved["first_channel"], naestved["contact_before_completion"]) == ("sms", "handed_over")
    assert naestved["fidelity_review_date"] == "2026-10-01"
    assert (naestved["fidelity_scale"], naestved["fidelity_ips25"]) == ("ips15", "99.6")
    assert naestved["fidelity_band"] != ""
    assert [naestved[name] for name in org_items] == [""] * 6

    partial = by_code["KØ-2"]
    assert (partial["status"], partial["partial"], partial["completed"]) == ("6", "1", "0")
    assert (partial["items_answered"], partial["csq_1"], partial["csq_3"], partial["csq_4"]) == (
        "3",
        "1",
        "2",
        "",
    )
    assert (partial["first_channel"], partial["contact_before_completion"], partial["total"]) == (
        "none",
        "",
        "",
    )

    assert {code: by_code[code]["status"] for code in ("INGEN", "REM-1", "EXP-1", "OPT-1")} == {
        "INGEN": "2",
        "REM-1": "4",
        "EXP-1": "8",
        "OPT-1": "9",
    }
    assert by_code["REM-1"]["reminders_before_completion"] == "1"
    assert (by_code["INGEN"]["invited"], by_code["INGEN"]["first_channel"]) == ("0", "none")
    raw = out.read_bytes()
    for secret in (export_cohort.PHONE, export_cohort.EMAIL, "aal7@example.dk", "UD-1"):
        assert secret.encode() not in raw

    audit = list(db.query("SELECT actor, detail FROM audit WHERE action = 'export'"))
    assert len(audit) == 1 and audit[0]["actor"] == "cli"
    assert json.loads(audit[0]["detail"]) == {
        "format": "csv",
        "questionnaire": "csq8",
        "rows": 8,
        "file": "deltagere.csv",
        "excel_da": False,
        "level": "participant",
        "all": False,
    }


def test_all_adds_the_not_yet_due_after_the_eligible(runner, cohort, tmp_path):
    out = tmp_path / "alle.csv"
    run_export(runner, "csv", out, "--all")
    data, _ = read_csv(out)
    assert [row["participant_code"] for row in data][-1] == "NY-1" and len(data) == 9
    assert (data[-1]["eligible"], data[-1]["status"], data[-1]["followup_date"]) == (
        "0",
        "1",
        "2028-05-31",
    )  # 182 days, over 29 February


def test_all_needs_the_participant_level(runner, cohort, tmp_path):
    result = runner.invoke(args=["export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--all"])
    assert result.exit_code != 0 and "--all gælder kun --level participant." in result.output
    assert not (tmp_path / "x.csv").exists()


def test_codebook_has_status_value_labels(runner, cohort, tmp_path):
    run_export(runner, "csv", tmp_path / "d.csv", "--excel-da")
    lines = list(csv.reader(io.StringIO((tmp_path / "d_kodebog.csv").read_text("utf-8-sig")), delimiter=";"))
    status = {value: label for name, _, value, label in lines[1:] if name == "status"}
    assert status == {
        "1": "Ikke forfalden endnu",
        "2": "Forfalden, ikke inviteret",
        "3": "Inviteret",
        "4": "Påmindet",
        "5": "Åbnet",
        "6": "Delvist besvaret",
        "7": "Besvaret",
        "8": "Linket udløbet",
        "9": "Frameldt",
    }
    data, _ = read_csv(tmp_path / "d.csv", ";")
    assert next(row for row in data if row["participant_code"] == "NÆ-3")["fidelity_ips25"] == "99,6"


def test_xlsx_sav_dta_read_back(runner, cohort, tmp_path):
    run_export(runner, "xlsx", tmp_path / "d.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "d.xlsx")["Data"]
    values = list(sheet.values)
    header = list(values[0])
    assert header[: len(COLUMNS)] == COLUMNS
    koege = dict(zip(header, values[1], strict=True))
    assert koege["followup_date"] == datetime(2027, 7, 1)
    assert (koege["status"], koege["total"], koege["contact_before_completion"]) == (7, 24, "invitation")
    for fmt in ("sav", "dta"):
        run_export(runner, fmt, tmp_path / f"d.{fmt}")
        reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        frame, meta = reader(str(tmp_path / f"d.{fmt}"))
        assert list(frame.columns)[: len(COLUMNS)] == COLUMNS
        assert list(frame["participant_code"])[:4] == ["KØ-1", "KØ-2", "AAL-7", "NÆ-3"]
        assert list(frame["status"]) == [7, 6, 7, 7, 2, 4, 8, 9]
        assert frame["fidelity_ips25"][3] == pytest.approx(99.6)
        assert meta.variable_value_labels["status"][9] == "Frameldt"
        assert meta.variable_value_labels["eligible"] == {0: "Nej", 1: "Ja"}
        assert meta.column_names_to_labels["status"] == "Status for spørgeskemaet"
        assert frame["baseline_date"][0] in (date(2026, 12, 31), datetime(2026, 12, 31))
