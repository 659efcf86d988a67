"""The outbox and the audit log show labels in Danish (or English) and details as text, never raw values."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
import time_machine

from survey_app import audit, clock
from survey_app.db import transaction
from tests.helpers import command, csrf_token, set_two_teams

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)  # a Monday morning, inside the SMS window


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _cells(page: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    ]


def test_the_outbox_names_kind_channel_and_status_in_danish(frozen, app, runner, login):
    command(
        runner,
        "participants",
        "add",
        "P-1",
        "--municipality",
        "259",
        "--baseline",
        "2025-09-01",
        "--email",
        "p1@example.dk",
        "--consent",
    )
    command(runner, "send-due")
    set_two_teams(runner)
    command(runner, "rounds", "open", "Forår 2026", "--deadline", "2026-04-30")
    admin = login("admin")
    page = admin.get("/admin/udbakke").text
    cells = _cells(page)
    assert "Invitation" in cells and "E-mail" in cells and "sendt" in cells
    assert "Link til teamets runde" in cells and "venter på at blive sendt" in cells
    for raw in ("pending", "invitation", "round", "email"):
        assert raw not in cells, raw
    english = login("admin", email="admin-en@example.dk")
    english.post("/sprog", data={"csrf_token": csrf_token(english.get("/admin/").text), "language": "en"})
    cells = _cells(english.get("/admin/udbakke").text)
    assert "Team round link" in cells and "waiting to be sent" in cells and "sent" in cells


def _record(db, action, *, target=None, detail=None, actor=audit.COMMAND):
    with transaction(db):
        audit.record(db, action, actor=actor, target=target, detail=detail)


def test_the_log_shows_actions_targets_and_details_as_text(frozen, app, runner, login, db):
    command(
        runner, "participants", "add", "P-7", "--municipality", "259", "--baseline", "2025-09-01", "--consent"
    )
    admin = login("admin")
    _record(db, "participants_imported", detail={"added": 3, "unchanged": 1})
    _record(
        db,
        "user_changed",
        target=f"user:{admin.user['id']}",
        detail={"role": "consultant", "municipalities": ["259", "370"], "disabled": False},
    )
    _record(
        db,
        "round_opened",
        target="round:99",
        detail={"name": "Forår", "deadline": "2026-04-30", "municipalities": ["259"]},
    )
    _record(
        db,
        "fidelity_reviews_imported",
        detail={"added": 1, "unchanged": 0, "reviews": ["259 2024-03-01 IPS-25"]},
    )
    _record(
        db,
        "fidelity_review_changed",
        target="fidelity_review:4",
        detail={
            "municipality": "259",
            "municipality_name": "Køge",
            "date": "2024-03-01",
            "total": 101,
            "before": {"total": 99},
            "changed_items": ["1", "7"],
            "scale": "IPS-25",
        },
    )
    _record(
        db,
        "message_sent_by_hand",
        target="participant:1:P-7",
        detail={"status": "waiting"},
        actor=audit.Actor("konsulent@koege.dk", 1, "127.0.0.1"),
    )
    _record(
        db,
        "export",
        actor=audit.SCHEDULE,
        detail={"format": "csv", "questionnaire": "csq8", "excel_da": True, "file": "x.csv"},
    )
    _record(db, "link_shown", detail="an old row's plain text")
    page = admin.get("/admin/log").text
    cells = _cells(page)
    text = "\n".join(cells)
    # Actions by their Danish labels.
    for label in (
        "Deltagere importeret",
        "Bruger ændret",
        "Runde åbnet",
        "Fidelitymålinger importeret",
        "Fidelitymåling ændret",
        "Besked sendt manuelt",
        "Data eksporteret",
        "Deltager registreret",
        "Logget ind",
    ):
        assert label in cells, label
    # Details as labelled text: counts, names instead of codes, dates, yes/no, nested before.
    assert "Tilføjet: 3; Uændret: 1" in cells
    assert "Kommuner: Køge, Næstved; Rolle: Konsulent; Deaktiveret: nej" in cells
    assert "Navn: Forår; Kommuner: Køge; Frist: 30. apr. 2026" in cells
    assert "Målinger: Køge 1. mar. 2024 (IPS-25)" in text
    assert (
        "Kommune: Køge; Dato: 1. mar. 2024; Skala: IPS-25; Samlet score: 101; Ændrede punkter: 1, 7; "
        "Før: Samlet score: 99"
    ) in cells
    assert "Resultat: venter på SMS-tidsrummet" in cells
    assert "Format: csv; Spørgeskema: Hvad synes du om din IPS-støtte?; Fil: x.csv; Dansk Excel: ja" in cells
    assert "an old row's plain text" in cells
    # Targets and actors by name.
    assert "Deltager P-7" in cells and f"Bruger {admin.user['email']}" in cells
    assert "Fidelitymåling 4" in cells and "Kommandolinjen" in cells
    assert "send-due (automatisk afsendelse)" in cells
    # No JSON, no stored keys, no stored action names.
    assert "{" not in text and '"' not in text
    for raw in (
        "participants_imported",
        "municipalities",
        "unchanged",
        "excel_da",
        "user:",
        "participant:",
        "cli",
        "waiting",
        "consultant",
    ):
        assert raw not in text, raw


def test_the_log_names_a_changed_message_text_by_its_heading_and_language(frozen, login, db):
    admin = login("admin")
    _record(db, "template_changed", target="template:sms_invitation")
    _record(db, "template_changed", target="template:email_reminder_subject:en")
    cells = _cells(admin.get("/admin/log").text)
    assert "Beskedtekst »SMS: invitation« (Dansk)" in cells
    assert "Beskedtekst »E-mail: påmindelse, emne« (English)" in cells
    assert not any("sms_invitation" in cell or "email_reminder_subject" in cell for cell in cells)
