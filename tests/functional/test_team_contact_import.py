"""Team contacts from a CSV file: what changes first, then all rows or none, with one audit row."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest

from survey_app.rounds import contact_imports
from tests.helpers import command, csrf_token

PAGE = "/admin/teams/import"
GOOD = (
    "kommune;navn;e-mail\r\n"
    "259;IPS-teamet;ips@koege.dk\r\n"
    "Næstved;;ips@naestved.dk\r\n"
    "KØBENHAVN KOMMUNE;Team KBH;ips@kk.dk\r\n"
)


@pytest.fixture
def admin(login):
    return login("admin")


def contacts(db) -> dict[str, tuple]:
    return {
        code: (email, name)
        for code, email, name in db.execute("SELECT municipality_code, email, name FROM team_contact")
    }


def upload(admin, text: str | bytes, name="teams.csv"):
    page = admin.get(PAGE)
    data = text.encode("utf-8") if isinstance(text, str) else text
    return admin.post(
        PAGE,
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(admin, preview):
    content = re.search(r'name="content" value="([^"]+)"', preview.text).group(1)
    return admin.post(PAGE, data={"csrf_token": csrf_token(preview.text), "content": content})


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_links_to_the_import(admin):
    assert f'href="{PAGE}"' in admin.get("/admin/teams").text


def test_preview_then_import_stores_every_contact_with_one_audit_row(admin, runner, db):
    command(runner, "teams", "set", "370", "--email", "gammel@naestved.dk")
    preview = upload(admin, GOOD)
    assert preview.status_code == 200
    text = text_of(preview.text)
    assert "Filen giver 2 nye teamkontakter, 1 ændret, 0 uændret." in text
    assert "Næstved ips@naestved.dk gammel@naestved.dk" in text and "København ips@kk.dk Team KBH ny" in text
    # Nothing is stored by the preview.
    assert contacts(db) == {"370": ("gammel@naestved.dk", None)}
    done = confirm(admin, preview)
    assert done.status_code == 303 and done.location == "/admin/teams"
    assert "Importeret: 2 nye teamkontakter, 1 ændret, 0 uændret." in admin.get("/admin/teams").text
    assert contacts(db) == {
        "259": ("ips@koege.dk", "IPS-teamet"),
        "370": ("ips@naestved.dk", None),
        "101": ("ips@kk.dk", "Team KBH"),
    }
    rows = db.execute("SELECT action, actor, detail FROM audit WHERE action LIKE 'team_contact%'").fetchall()
    imported = [json.loads(detail) for action, _actor, detail in rows if action == "team_contacts_imported"]
    assert imported == [{"added": 2, "changed": 1, "unchanged": 0, "municipalities": ["259", "370", "101"]}]
    assert "Teamkontakter importeret" in admin.get("/admin/log").text
    # The same file again changes nothing, and says so in the singular.
    again = upload(admin, GOOD)
    assert "Filen giver 0 nye teamkontakter, 0 ændret, 3 uændret." in text_of(again.text)
    one = upload(admin, "kommune,e-mail\n147,ips@frederiksberg.dk\n")
    assert "Filen giver 1 ny teamkontakt, 0 ændret, 0 uændret." in text_of(one.text)


def test_bad_lines_are_all_listed_in_danish_and_nothing_is_stored(admin, db):
    bad = (
        "kommune;navn;e-mail\n"
        "259;IPS-teamet;ips@koege.dk\n"
        "9999;;ips@x.dk\n"
        "Næstved;;ikke-en-adresse\n"
        ";Uden kommune;\n"
        "Køge;Igen;igen@koege.dk\n"
    )
    response = upload(admin, bad)
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Intet blev importeret. Ret disse linjer, og upload filen igen:" in text
    assert "Linje 3: 9999 er ikke en dansk kommune (angiv dens kode eller navn)." in text
    assert "Linje 4: ikke-en-adresse er ikke en gyldig e-mailadresse." in text
    assert "Linje 5: Angiv kommunen (kode eller navn)." in text and "Linje 5: Angiv teamets e-mail." in text
    assert "Linje 6: Køge står allerede på linje 2." in text
    assert 'name="content"' not in response.text  # no import button for a file with errors
    assert contacts(db) == {}
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'team_contacts_imported'").fetchone()[0] == 0


def test_a_file_that_went_bad_between_preview_and_import_stores_nothing(admin, db, runner):
    preview = upload(admin, GOOD)
    # A crafted confirmation whose content is not the previewed file: it is checked again.
    page = admin.get(PAGE)
    crafted = base64.b64encode(b"kommune;e-mail\n259;ips@koege.dk\n9999;x@y.dk\n").decode()
    refused = admin.post(PAGE, data={"csrf_token": csrf_token(page.text), "content": crafted})
    assert refused.status_code == 422 and "Linje 3:" in text_of(refused.text)
    assert contacts(db) == {}
    assert preview.status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Filen er tom"),
        (b"kommune;telefon\n259;1234\n", "Ukendte kolonner: telefon."),
        (b"navn;e-mail\nA;a@b.dk\n", "Filen har ingen kolonne kommune."),
        (b"kommune;e-mail\n", "Filen har ingen teamkontakter, kun en overskriftslinje."),
        ("kommune;e-mail\n259;ips@koege.dk\n".encode("utf-16"), "Filen kan ikke læses som CSV-tekst."),
    ],
)
def test_file_level_problems(admin, db, data, message):
    response = upload(admin, data)
    assert response.status_code == 422 and message in text_of(response.text)
    assert contacts(db) == {}


def test_windows_1252_with_semicolons_as_danish_excel_saves_it(admin, db):
    preview = upload(admin, "kommune;e-mail;navn\r\nKøge;ips@koege.dk;Søren Ærø\r\n".encode("cp1252"))
    assert preview.status_code == 200
    assert confirm(admin, preview).status_code == 303
    assert contacts(db) == {"259": ("ips@koege.dk", "Søren Ærø")}


def test_a_file_larger_than_the_limit_is_refused_in_danish(admin, db, monkeypatch):
    monkeypatch.setattr(contact_imports, "MAX_BYTES", 2000)
    big = "kommune;e-mail\n" + "259;ips@koege.dk\n" * 200
    response = upload(admin, big)
    assert response.status_code == 422
    assert "Filen er større end" in text_of(response.text)
    assert contacts(db) == {}


def test_the_real_limit_is_one_megabyte_and_the_upload_is_allowed_that_far(admin, db):
    big = ("kommune;e-mail\n" + "259;ips@koege.dk\n" * 70_000).encode()
    assert len(big) > contact_imports.MAX_BYTES
    response = upload(admin, big)
    assert response.status_code == 422  # the Danish message, not the server's 413
    assert "Filen er større end 1 MB: del den op i mindre filer." in text_of(response.text)


def test_the_command_previews_imports_and_refuses_bad_files(runner, db, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text(GOOD, encoding="utf-8")
    dry = runner.invoke(args=["teams", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Prøvekørsel, intet er gemt: filen giver 3 nye teamkontakter, 0 ændret, 0 uændret." in dry.output
    assert "259\tKøge\tips@koege.dk\tIPS-teamet (ny)" in dry.output
    assert contacts(db) == {}
    done = runner.invoke(args=["teams", "import", str(path)])
    assert done.exit_code == 0 and "Importeret: 3 nye teamkontakter" in done.output
    assert len(contacts(db)) == 3
    assert db.execute("SELECT actor FROM audit WHERE action = 'team_contacts_imported'").fetchall() == [
        ("cli",)
    ]
    path.write_text("kommune;e-mail\n259;ny@koege.dk\nfoo;x@y.dk\n", encoding="utf-8")
    bad = runner.invoke(args=["teams", "import", str(path)])
    assert bad.exit_code == 1
    assert "Linje 3: foo er ikke en dansk kommune" in bad.stderr
    assert "Intet er importeret" in bad.stderr
    assert contacts(db)["259"] == ("ips@koege.dk", "IPS-teamet")


def languages(db) -> dict[str, str]:
    return dict(db.execute("SELECT municipality_code, language FROM team_contact"))


def test_the_sprog_column_sets_the_language_of_the_e_mails_and_empty_keeps_it(admin, runner, db):
    command(runner, "teams", "set", "370", "--email", "ips@naestved.dk", "--language", "en")
    preview = upload(
        admin,
        "kommune;e-mail;sprog\r\n259;ips@koege.dk;EN\r\n370;ips@naestved.dk;\r\n101;ips@kk.dk;\r\n",
    )
    # Næstved's row says nothing new (its language is kept), so it is unchanged.
    assert "Filen giver 2 nye teamkontakter, 0 ændret, 1 uændret." in text_of(preview.text)
    confirm(admin, preview)
    assert languages(db) == {"259": "en", "370": "en", "101": "da"}
    # A language the installation has no catalogue for is refused, and nothing is stored.
    bad = upload(admin, "kommune;e-mail;sprog\r\n259;ips@koege.dk;da\r\n370;ips@naestved.dk;de\r\n")
    assert "Linje 3: Sproget skal være et af: da (Dansk), en (English)." in text_of(bad.text)
    assert 'name="content"' not in bad.text
    assert languages(db) == {"259": "en", "370": "en", "101": "da"}
    # Changing only the language is a change.
    preview = upload(admin, "kommune;e-mail;sprog\r\n259;ips@koege.dk;da\r\n")
    assert "0 nye teamkontakter, 1 ændret" in text_of(preview.text)


def test_teams_set_takes_the_language_and_keeps_it_when_left_out(runner, db):
    command(runner, "teams", "set", "259", "--email", "ips@koege.dk", "--language", "en")
    command(runner, "teams", "set", "259", "--email", "nyt@koege.dk")
    assert languages(db) == {"259": "en"}
    refused = runner.invoke(args=["teams", "set", "259", "--email", "ips@koege.dk", "--language", "de"])
    assert refused.exit_code != 0 and "Sproget skal være et af" in refused.output
    assert languages(db) == {"259": "en"}
