"""The privacy notice (/privatliv) and the accessibility statement (/tilgaengelighed), issue 17.

The notice is data an admin edits per language (Danish required, audited), shown with the
retention times from the settings; both pages are linked from the footer of every participant's
and team's page, and the notice from every SMS and e-mail to participants.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine

from survey_app import clock, create_app, messaging, privacy
from survey_app.languages import LANGUAGES
from survey_app.migration_data import m0013_privacy_notice
from tests.conftest import app_settings
from tests.functional import test_rounds
from tests.functional.test_support_contact import CSQ8, INSTALLATION
from tests.helpers import command, csrf_token

PRIVACY_URL = "https://ips.example.dk/privatliv"
DUE = date(2026, 3, 16)
BASELINE = (DUE - timedelta(weeks=26)).isoformat()


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=clock.LOCAL_TZ)


def notice_text(html: str) -> str:
    """The notice's own text on the page, tags removed and white space made single."""
    match = re.search(r'<div class="notice"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no notice on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def footer_links(html: str) -> bool:
    footer = re.search(r'<footer class="bottom">(.*?)</footer>', html, re.S)
    return bool(footer) and (
        '<a href="/privatliv">' in footer.group(1) and '<a href="/tilgaengelighed">' in footer.group(1)
    )


def save(client, text: str, language: str = "da"):
    url = "/admin/privatliv" + ("" if language == "da" else f"?sprog={language}")
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf_token(page.text), "text": text})


# --- the pages --------------------------------------------------------------------------------------


def test_the_notice_states_the_retention_from_the_settings_in_danish_and_english(tmp_path):
    app = create_app(
        app_settings(tmp_path, RETENTION_YEARS=7, RETENTION_ACTION="delete", CONTACT_GRACE_DAYS=21)
    )
    client = app.test_client()
    danish = client.get("/privatliv")
    assert danish.status_code == 200
    text = notice_text(danish.text)
    assert (
        "Dine svar og de øvrige oplysninger gemmes i 7 år efter, at din del af undersøgelsen sluttede."
        in text
    )
    assert "Dit mobilnummer og din e-mailadresse slettes 21 dage efter" in text
    assert "Derefter slettes de." in text and "anonymiseres" not in text
    assert "{opbevaring}" not in danish.text and "5 år" not in text
    # The seeded text's facts and the fields the data controller fills in.
    assert (
        "Din jobkonsulent kan se din kode, dine kontaktoplysninger og om du har svaret, men aldrig dine svar."
        in text
    )
    assert "[Navn på den dataansvarlige myndighed]" in text
    assert (
        "Datatilsynet" in text
        and '<a href="https://www.datatilsynet.dk">www.datatilsynet.dk</a>' in danish.text
    )
    assert "<h1>Privatlivserklæring</h1>" in danish.text and "<h2>Dine rettigheder</h2>" in danish.text

    token = csrf_token(danish.text)
    client.post("/sprog", data={"csrf_token": token, "language": "en", "next": "/privatliv"})
    english = client.get("/privatliv")
    text = notice_text(english.text)
    assert "Your answers and the other data are kept for 7 years after your part in the survey ended." in text
    assert "deleted 21 days after they are no longer needed" in text and "Then they are deleted." in text
    assert "<h1>Privacy notice</h1>" in english.text and 'lang="en"' in english.text


def test_the_default_retention_is_anonymisation_after_five_years(client):
    text = notice_text(client.get("/privatliv").text)
    assert "gemmes i 5 år efter" in text and "slettes 14 dage efter" in text
    assert "Derefter anonymiseres de: din kode erstattes af en tilfældig" in text


def test_the_accessibility_statement_names_the_installations_contact(tmp_path):
    app = create_app(app_settings(tmp_path, **INSTALLATION))
    page = app.test_client().get("/tilgaengelighed")
    assert page.status_code == 200
    assert "<h1>Tilgængelighedserklæring</h1>" in page.text
    assert "WCAG) 2.1 på niveau AA" in page.text and "Alle sider virker uden JavaScript." in page.text
    assert "Hvis du oplever et problem med tilgængeligheden, så kontakt IPS-evalueringen:" in page.text
    assert '<a href="tel:+4570102030">Telefon +45 70 10 20 30</a>' in page.text
    assert '<a href="mailto:ips@region.dk">ips@region.dk</a>' in page.text
    assert "Digitaliseringsstyrelsen" in page.text and "www.was.digst.dk" in page.text


def test_without_an_installation_contact_the_statement_names_the_employment_specialist(client):
    page = client.get("/tilgaengelighed").text
    assert "så fortæl det til din jobkonsulent." in page and "tel:" not in page


def test_both_pages_are_open_to_everyone_and_change_nothing(client, db):
    before = db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    for path in ("/privatliv", "/tilgaengelighed"):
        response = client.get(path)
        assert response.status_code == 200 and footer_links(response.text)
    assert db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before


# --- linked from every participant's and team's page ------------------------------------------------


def test_every_participant_page_links_to_both(app, client, add_participant, invite, runner, db):
    add_participant("P-001")
    add_participant("P-002")
    add_participant("P-003")
    link, withdrawn, expiring = invite("P-001", "P-002", "P-003")
    pages = {"front page": client.get("/"), "welcome": client.get(link)}
    pages["not bound"] = app.test_client().get("/svar")
    welcome = pages["welcome"].text
    client.post(link, data={"csrf_token": csrf_token(welcome)})
    pages["first question"] = client.get("/svar")
    pages["changing"] = client.get("/svar?ret=csq_1")
    page = pages["changing"].text
    for item in CSQ8.items:
        client.post("/svar", data={"csrf_token": csrf_token(page), "item": item.id, "value": "4"})
    pages["thanks"] = client.get("/svar")
    pages["already answered"] = app.test_client().get(link)
    command(runner, "participants", "withdraw", "P-002")
    pages["withdrawn"] = client.get(withdrawn)
    pages["unknown link"] = client.get("/s/1.ikke.et-link")
    pages["opt out"] = client.get(_opt_out_path(app, db, "P-003"))
    expires = clock.parse(db.execute("SELECT expires_at FROM invitation WHERE id = 3").fetchone()[0])
    with time_machine.travel(expires + timedelta(days=1), tick=False):
        pages["expired"] = app.test_client().get(expiring)
    assert "Alle 8 spørgsmål er besvaret" in pages["thanks"].text
    assert "Du har allerede svaret" in pages["already answered"].text
    assert pages["opt out"].status_code == 200 and "Ja, send mig ikke flere beskeder" in pages["opt out"].text
    assert pages["withdrawn"].status_code == 410 and pages["expired"].status_code == 410
    assert pages["unknown link"].status_code == 404 and pages["not bound"].status_code == 403
    missing = [name for name, page in pages.items() if not footer_links(page.text)]
    assert missing == []


def _opt_out_path(app, db, code: str) -> str:
    from survey_app import context

    participant = dict(next(db.query("SELECT * FROM participant WHERE code = ?", [code])))
    with app.app_context():
        return context.opt_out_link(participant).removeprefix("https://ips.example.dk")


def test_every_team_page_links_to_both(app, runner):
    with time_machine.travel(test_rounds.at(test_rounds.date(2099, 4, 1)), tick=True):
        command(runner, "teams", "set", "259", "--email", "ips@koege.dk")
        opened = runner.invoke(args=["rounds", "open", "Forår", "--deadline", "2099-06-01"])
        link = test_rounds.TEAM_LINK.search(opened.stdout).group(1)
        client = app.test_client()
        pages = {"welcome": client.get(link), "not bound": app.test_client().get("/team/svar")}
        pages["summary"] = test_rounds.answer_everything(client, link)
        pages["change"] = client.get("/team/svar?ret=org_2")
        command(runner, "rounds", "close", "Forår")
        pages["closed"] = client.get(link)
    assert pages["closed"].status_code == 410
    assert [name for name, page in pages.items() if not footer_links(page.text)] == []


# --- every message to a participant carries the short link -----------------------------------------


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("kind", ["invitation", "reminder", "prenotice"])
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_every_message_text_ends_with_the_privacy_link(db, language, kind, channel):
    """Every kind, channel and language, also a text an admin saved without any mention of it."""
    link = None if kind == "prenotice" else "https://ips.example.dk/s/1.AbCdEfGh.AbCdEfGhIjKlMnOpQrSt"
    values = {"municipality": "Ringkøbing-Skjern", "link": link, "expires": date(2099, 9, 30),
              "opt_out": "https://x/afmeld/1", "minutes": 15, "language": language, "privacy": PRIVACY_URL}  # fmt: skip
    _subject, body = messaging.render(db, kind, channel, **values)
    label = {"da": {"sms": "Privatliv: ", "email": "Sådan behandler vi dine oplysninger: "},
             "en": {"sms": "Privacy: ", "email": "How we process your data: "}}[language][channel]  # fmt: skip
    assert body.rstrip("\n").endswith(label + PRIVACY_URL) and body.count(PRIVACY_URL) == 1
    if channel == "sms":
        # The text fits one SMS with the longest name and deadline; the privacy line makes it two parts.
        assert messaging.gsm7_length(body) == ("gsm7", len(body), 2)
    else:
        assert f'<a href="{PRIVACY_URL}">{PRIVACY_URL}</a>' in messaging.as_html(body, language)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_an_admins_sms_of_160_characters_still_gets_the_privacy_link_in_two_parts(db, language):
    """The longest SMS text the check passes, with a production-length address: two parts, never three."""
    from survey_app import audit

    fixed = len(messaging.LONGEST_MUNICIPALITY) + 2 + len(messaging.SAMPLE_LINK)
    text = "{kommune} " + "a" * (160 - fixed) + " {link}"
    messaging.save_template(db, "sms_reminder", text, actor=audit.SEED, language=language)
    address = messaging.SAMPLE_LINK.split("/s/")[0] + "/privatliv"
    _, body = messaging.render(
        db, "reminder", "sms", municipality=messaging.LONGEST_MUNICIPALITY, link=messaging.SAMPLE_LINK,
        expires=None, opt_out="", minutes=2, privacy=address, language=language,
    )  # fmt: skip
    assert body.startswith("Ringkøbing-Skjern aaa") and body.endswith(": " + address)
    assert messaging.gsm7_length(body)[2] == 2


def test_send_due_puts_the_link_in_every_sms_and_e_mail_in_every_language(tmp_path):
    """Pre-notice, invitation and both reminders, by SMS and e-mail, in Danish and English."""
    app = create_app(app_settings(tmp_path, PRENOTICE_DAYS=7))
    runner = app.test_cli_runner()
    people = {
        "DA-SMS": ["--phone", "20123456"],
        "DA-MAIL": ["--email", "sofie@example.dk", "--channel", "email"],
        "EN-SMS": ["--phone", "20123457", "--language", "en"],
        "EN-MAIL": ["--email", "alex@example.dk", "--channel", "email", "--language", "en"],
    }
    for code, extra in people.items():
        command(runner, "participants", "add", code, "--municipality", "259", "--baseline", BASELINE,
                "--consent", *extra)  # fmt: skip
    for day in (DUE - timedelta(days=7), DUE, DUE + timedelta(days=3), DUE + timedelta(days=7)):
        with time_machine.travel(at_noon(day), tick=False):
            command(runner, "send-due")
    from survey_app.db import connect

    database = connect(app.config["DATABASE"])
    try:
        rows = list(
            database.query(
                "SELECT participant.code, message.kind, message.channel, message.body FROM message"
                " JOIN participant ON participant.id = message.participant_id ORDER BY message.id"
            )
        )
    finally:
        database.close()
    kinds = {(row["code"], row["kind"]) for row in rows}
    assert kinds == {(code, kind) for code in people for kind in ("prenotice", "invitation", "reminder")}
    assert len(rows) == 4 * 4
    for row in rows:
        language = "en" if row["code"].startswith("EN") else "da"
        line = messaging.templates.privacy_line(row["channel"], PRIVACY_URL, language)
        assert row["body"].endswith(line), (row["code"], row["kind"], row["body"])


# --- the admin's page -----------------------------------------------------------------------------


def test_admin_edits_the_notice_audited_and_participants_see_it(app, login, db):
    admin = login("admin", ())
    client = app.test_client()  # the client fixture beside a login's client logs the admin out
    page = admin.get("/admin/privatliv")
    assert page.status_code == 200
    assert "[Navn på den dataansvarlige myndighed]" in page.text  # the fields left to fill in are listed
    text = "## Hvem er ansvarlig\nKøge Kommune, Torvet 1, 4600 Køge.\n\n## Opbevaring\n{opbevaring}\n"
    response = save(admin, text)
    assert response.status_code == 303
    assert privacy.own_notice(db, "da").body == text
    public = notice_text(client.get("/privatliv").text)
    assert public.startswith(
        "Hvem er ansvarlig Køge Kommune, Torvet 1, 4600 Køge. Opbevaring Dit mobilnummer"
    )
    assert "[" not in public
    [row] = db.query("SELECT * FROM audit WHERE action = 'privacy_notice_changed'")
    assert row["actor"] == admin.user["email"] and row["target"] == "privacy_notice:da"
    assert "Privatlivserklæring ændret" in admin.get("/admin/log").text
    assert "[Navn" not in admin.get("/admin/privatliv").text  # nothing left to fill in


def test_an_empty_danish_notice_is_refused_in_danish_and_nothing_changes(login, db):
    admin = login("admin", ())
    before = privacy.own_notice(db, "da")
    for text in ("", "   \n\n  "):
        response = save(admin, text)
        assert response.status_code == 422
        assert "Den danske privatlivserklæring må ikke være tom." in response.text
    missing = save(admin, "Kun en tekst uden opbevaringstider.")
    assert missing.status_code == 422
    assert "Teksten skal indeholde {opbevaring}, hvor opbevaringstiderne sættes ind." in missing.text
    assert privacy.own_notice(db, "da") == before
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'privacy_notice_changed'").fetchone()[0] == 0


def test_an_empty_english_notice_shows_the_danish_one_to_english_speakers(app, login, db):
    admin = login("admin", ())
    client = app.test_client()
    assert save(admin, "", "en").status_code == 303
    assert privacy.own_notice(db, "en") is None
    token = csrf_token(client.get("/").text)
    client.post("/sprog", data={"csrf_token": token, "language": "en", "next": "/"})
    page = client.get("/privatliv").text
    assert "The privacy notice is only available in Danish." in page
    assert 'class="notice" lang="da"' in page and "Dine rettigheder" in page
    assert "Your answers and the other data are kept" not in page
    [row] = db.query("SELECT * FROM audit WHERE action = 'privacy_notice_changed'")
    assert row["target"] == "privacy_notice:en" and '"removed": true' in row["detail"]
    assert "ingen egen tekst: den danske erklæring vises" in admin.get("/admin/privatliv").text


def test_the_notice_is_text_never_html(app, login):
    admin = login("admin", ())
    client = app.test_client()
    attack = (
        '## <img src=x onerror="alert(1)">\n<script>alert(2)</script>\n\n'
        '- <b>fed</b>\n- javascript:alert(3)\n\n{opbevaring}\n\nSe https://example.dk/"><script>x</script>'
    )
    assert save(admin, attack).status_code == 303
    page = client.get("/privatliv").text
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "<h2>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</h2>" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page and "<li>&lt;b&gt;fed&lt;/b&gt;</li>" in page
    assert 'href="javascript' not in page
    assert '<a href="https://example.dk/">https://example.dk/</a>' in page
    assert "<script" not in admin.get("/admin/privatliv").text.split("</form>", 1)[1]


def test_only_admins_reach_the_edit_page(app, login):
    assert app.test_client().get("/admin/privatliv").status_code == 302
    assert login("consultant").get("/admin/privatliv").status_code == 404
    assert '<a href="/admin/privatliv">Privatlivserklæring</a>' in login("admin", ()).get("/admin/").text


# --- the markup and the seed ----------------------------------------------------------------------------


def test_blocks_read_headings_lists_and_paragraphs():
    blocks = privacy.blocks("## Titel\nFørste linje\nanden linje\n\n- et\n- to\nEfter listen\n\n\n## Slut")
    assert [block.kind for block in blocks] == ["heading", "paragraph", "list", "paragraph", "heading"]
    assert [[piece.text for piece in line] for line in blocks[1].lines] == [["Første linje"], ["anden linje"]]
    assert [line[0].text for line in blocks[2].lines] == ["et", "to"]
    link = privacy.blocks("Se www.datatilsynet.dk.")[0].lines[0]
    assert [(piece.text, piece.href) for piece in link] == [
        ("Se ", None), ("www.datatilsynet.dk", "https://www.datatilsynet.dk"), (".", None),
    ]  # fmt: skip


def test_the_seeded_notices_are_in_every_language_with_the_placeholder(db):
    assert set(m0013_privacy_notice.NOTICES) == set(LANGUAGES)
    for language, body in m0013_privacy_notice.NOTICES.items():
        assert privacy.own_notice(db, language).body == body
        assert privacy.check_notice(body, language) == body
        headings = [block for block in privacy.blocks(body) if block.kind == "heading"]
        assert len(headings) == 8, (
            language
        )  # who, why, legal basis, what, who sees, how long, rights, contact


def test_the_printed_letter_gives_the_notices_address_in_the_participants_language(
    login, add_participant, db
):
    add_participant("P-001", "259", "2025-05-01", "--language", "en")
    participant_id = db.execute("SELECT id FROM participant WHERE code = 'P-001'").fetchone()[0]
    page = login("consultant").get(f"/konsulent/deltagere/{participant_id}/qr?brev=1")
    assert page.status_code == 200
    assert f"How we process your data: {PRIVACY_URL}" in page.text


def test_a_participant_answering_in_english_reads_the_english_notice(app, add_participant, invite):
    add_participant("P-001", "259", "2025-05-01", "--language", "en")
    link = invite("P-001")
    client = app.test_client()
    welcome = client.get(link)
    assert client.post(link, data={"csrf_token": csrf_token(welcome.text)}).status_code == 303
    page = client.get("/privatliv").text
    assert '<html lang="en">' in page and "<h1>Privacy notice</h1>" in page
    assert "Your answers and the other data are kept for 5 years" in notice_text(page)
    assert "Dine svar" not in page
