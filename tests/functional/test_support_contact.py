"""The support contact: the installation's (SUPPORT_NAME, SUPPORT_PHONE, SUPPORT_EMAIL), a
municipality's own (set on an admin page, audited and validated), shown on the participant's
welcome, thank-you, closed and error pages and on the team's pages; and the index page's
link to the staff login."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine

from survey_app import PROJECT_ROOT, clock, create_app, support
from survey_app.questionnaires import load_file
from tests.conftest import app_settings
from tests.functional import test_rounds
from tests.helpers import csrf_token

CSQ8 = load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")
INSTALLATION = {
    "SUPPORT_NAME": "IPS-evalueringen",
    "SUPPORT_PHONE": "70 10 20 30",
    "SUPPORT_EMAIL": "ips@region.dk",
}
KOEGE = {"name": "Jobcenter Køge, IPS", "phone": "+45 56 67 67 67", "email": "ips@koege.dk"}


def make_app(tmp_path, **settings):
    return create_app(app_settings(tmp_path, **settings))


@pytest.fixture
def app(tmp_path):
    """An installation with its own support contact (the conftest's app has none)."""
    return make_app(tmp_path, **INSTALLATION)


def support_box(html: str) -> str:
    match = re.search(r'<aside class="support".*?</aside>', html, re.S)
    assert match, "the page shows no support contact"
    return match.group(0)


def shows_installation(html: str) -> bool:
    box = support_box(html)
    return (
        "IPS-evalueringen" in box
        and '<a href="tel:+4570102030">Telefon +45 70 10 20 30</a>' in box
        and '<a href="mailto:ips@region.dk">ips@region.dk</a>' in box
    )


def shows_koege(html: str) -> bool:
    box = support_box(html)
    return (
        "Har du spørgsmål, så kontakt Jobcenter Køge, IPS:" in box
        and '<a href="tel:+4556676767">Telefon +45 56 67 67 67</a>' in box
        and '<a href="mailto:ips@koege.dk">ips@koege.dk</a>' in box
        and "IPS-evalueringen" not in box
    )


def set_koege(client, **fields):
    page = client.get("/admin/support/259")
    assert page.status_code == 200
    return client.post("/admin/support/259", data={"csrf_token": csrf_token(page.text), **fields})


def complete(client, link):
    welcome = client.get(link)
    client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    page = client.get("/svar")
    for item in CSQ8.items:
        client.post("/svar", data={"csrf_token": csrf_token(page.text), "item": item.id, "value": "4"})


def test_the_index_page_links_to_the_staff_login(client):
    page = client.get("/")
    assert (
        '<a href="/login">Log ind for medarbejdere (jobkonsulenter, evaluatorer og administratorer)</a>'
        in page.text
    )
    assert client.get("/login").status_code == 200


def test_without_any_contact_the_pages_name_the_employment_specialist(tmp_path):
    bare = make_app(tmp_path)
    runner = bare.test_cli_runner()
    assert (
        runner.invoke(
            args=[
                "participants",
                "add",
                "P-1",
                "--municipality",
                "259",
                "--baseline",
                "2025-05-01",
                "--consent",
            ]
        ).exit_code
        == 0
    )
    link = (
        runner.invoke(args=["invite", "P-1"])
        .stdout.split("\t")[1]
        .strip()
        .removeprefix("https://ips.example.dk")
    )
    client = bare.test_client()
    welcome = support_box(client.get(link).text)
    assert "Har du spørgsmål, så kontakt din jobkonsulent." in welcome and "tel:" not in welcome
    assert "kontakt din jobkonsulent" in support_box(client.get("/s/ikke-et-link").text)
    english = bare.test_client()
    english.post("/sprog", data={"csrf_token": csrf_token(english.get("/").text), "language": "en"})
    assert "please contact your employment specialist" in support_box(english.get(link).text)


def test_admin_sets_a_municipality_contact_validated_and_audited(app, login, db):
    admin = login("admin")
    listing = admin.get("/admin/support")
    assert listing.status_code == 200 and "Supportkontakter" in listing.text
    assert "Installationens kontakt: IPS-evalueringen, +45 70 10 20 30, ips@region.dk" in listing.text
    assert 'href="/admin/support/259">Køge</a>' in listing.text

    bad_phone = set_koege(admin, name="Jobcenter Køge", phone="12 34", email="ips@koege.dk")
    assert bad_phone.status_code == 422
    assert "12 34 er ikke et dansk telefonnummer (8 cifre, evt. med +45)." in bad_phone.text
    assert 'value="Jobcenter Køge"' in bad_phone.text  # what was typed is kept
    bad_email = set_koege(admin, name="Jobcenter Køge", phone="56676767", email="ips@koege")
    assert bad_email.status_code == 422 and "ips@koege er ikke en gyldig e-mailadresse." in bad_email.text
    assert list(db.query("SELECT * FROM support_contact")) == []
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'support_contact_set'").fetchone()[0] == 0

    saved = set_koege(admin, **KOEGE)
    assert saved.status_code == 303 and saved.location == "/admin/support"
    assert "Supportkontakten for Køge er gemt." in admin.get(saved.location).text
    row = next(db.query("SELECT * FROM support_contact"))
    assert (row["municipality_code"], row["name"], row["phone"], row["email"]) == (
        "259",
        "Jobcenter Køge, IPS",
        "+4556676767",
        "ips@koege.dk",
    )
    assert row["updated_by"] == admin.user["id"]
    entry = next(db.query("SELECT * FROM audit WHERE action = 'support_contact_set'"))
    assert entry["user_id"] == admin.user["id"] and entry["target"] == "municipality:259"
    assert json.loads(entry["detail"]) == {
        "name": "Jobcenter Køge, IPS",
        "phone": "+4556676767",
        "email": "ips@koege.dk",
    }

    # Every field empty: the municipality's own contact is removed (and that is audited too).
    cleared = set_koege(admin, name="", phone="", email="")
    assert cleared.status_code == 303 and list(db.query("SELECT * FROM support_contact")) == []
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'support_contact_set'").fetchone()[0] == 2
    assert login("consultant").get("/admin/support").status_code == 404  # as every admin page


def test_a_municipality_contact_overrides_the_installations_on_every_participant_page(
    app, login, add_participant, invite, db, runner
):
    assert set_koege(login("admin"), **KOEGE).status_code == 303
    add_participant("P-001", "259")
    add_participant("P-002", "370")  # Næstved: no contact of its own
    add_participant("P-003", "259")
    koege, naestved, withdrawn = invite("P-001", "P-002", "P-003")

    client = app.test_client()
    assert shows_koege(client.get(koege).text)
    assert shows_installation(client.get(naestved).text)
    assert "Har du spørgsmål, så kontakt IPS-evalueringen:" in client.get(naestved).text

    complete(client, koege)
    thanks = app.test_client().get(koege)
    assert "Du har allerede svaret" in thanks.text and shows_koege(thanks.text)

    assert runner.invoke(args=["participants", "withdraw", "P-003"]).exit_code == 0
    closed = client.get(withdrawn)
    assert closed.status_code == 410 and shows_koege(closed.text)

    expires = clock.parse(next(db.query("SELECT expires_at FROM invitation WHERE id = 2"))["expires_at"])
    with time_machine.travel(expires + timedelta(days=1), tick=False):
        expired = client.get(naestved)
        assert expired.status_code == 410 and shows_installation(expired.text)

    # A link nobody knows: the municipality cannot be known, so the installation's contact.
    unknown = client.get("/s/1.ikke.et-link")
    assert unknown.status_code == 404 and shows_installation(unknown.text)
    # Staff pages name no support contact.
    assert (
        'class="support"' not in login("consultant", email="k2@example.dk").get("/konsulent/findes-ikke").text
    )


def test_a_server_error_on_a_participant_page_names_the_contact_it_knows(app, add_participant, invite, login):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.before_request
    def fail_the_chat():
        from flask import request

        if request.endpoint == "participant.chat":
            raise RuntimeError("a fault on our side")

    assert set_koege(login("admin"), **KOEGE).status_code == 303
    add_participant("P-001", "259")
    link = invite("P-001")

    client = app.test_client()
    welcome = client.get(link)
    client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    failed = client.get("/svar")
    assert failed.status_code == 500 and "Der opstod en fejl hos os" in failed.text
    assert shows_installation(failed.text)  # failed before the invitation was read


def test_the_team_pages_show_the_installations_contact(app, runner, login):
    assert set_koege(login("admin"), **KOEGE).status_code == 303
    with time_machine.travel(test_rounds.at(test_rounds.date(2099, 4, 1)), tick=True):
        assert runner.invoke(args=["teams", "set", "259", "--email", "ips@koege.dk"]).exit_code == 0
        opened = runner.invoke(args=["rounds", "open", "Forår", "--deadline", "2099-06-01"])
        link = test_rounds.TEAM_LINK.search(opened.stdout).group(1)
        client = app.test_client()
        welcome = client.get(link).text
        assert shows_installation(welcome) and "Har I spørgsmål, så kontakt IPS-evalueringen:" in welcome
        summary = test_rounds.answer_everything(client, link)
        assert shows_installation(summary.text) and "Jobcenter Køge" not in summary.text
        assert runner.invoke(args=["rounds", "close", "Forår"]).exit_code == 0
        closed = client.get(link)
        assert closed.status_code == 410 and shows_installation(closed.text)


def test_support_contact_prefers_the_municipality_and_a_bad_setting_stops_the_start(db, tmp_path):
    installation = support.installation_contact("Support", "70102030", None)
    assert support.support_contact(db, "259", installation=installation) == installation
    assert support.support_contact(db, None, installation=installation) == installation
    own = support.set_support_contact(
        db,
        "259",
        name=" Jobcenter  Køge ",
        phone="",
        email="ips@koege.dk",
        actor=support.audit.COMMAND,
        now=clock.now(),
    )
    assert own == support.SupportContact("Jobcenter Køge", None, "ips@koege.dk", "259")
    assert support.support_contact(db, "259", installation=installation) == own
    with pytest.raises(support.SupportContactError) as refused:
        support.set_support_contact(
            db, "259", name="", phone="1234", email="", actor=support.audit.COMMAND, now=clock.now()
        )
    assert refused.value.field == "phone"
    assert support.support_contact(db, "259", installation=installation) == own  # nothing changed
    with pytest.raises(ValueError, match="SUPPORT_PHONE"):
        make_app(tmp_path / "bad", SUPPORT_PHONE="112")
