"""Every page's HTML is valid: the Nu HTML Checker (``vnu.jar``) over every rendered page.

One test builds a realistic database (a cohort in several municipalities,
participants at every stage of the chat, an organisation round with a team
that answered, fidelity reviews), renders every page as the visitor who
sees it, in Danish and in English, saves each page to a folder and runs
the checker once over the folder (one JVM start). Staff pages come from
the URL map, so a new staff page is checked without anyone adding it here;
a new public page fails ``test_every_public_page_is_rendered`` until it is.

The checker is the npm package ``vnu-jar`` (``build/dist/vnu.jar``), found
through ``$VNU_JAR`` or in ``~/.cache/survey-app-vnu`` where ``.ci/run``
installs it, and needs Java. Locally the test skips without them; in CI
(``CI=true``) that is a failure, never a skip.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine

from survey_app import PROJECT_ROOT, accounts, audit, create_app
from survey_app.db import connect
from tests import helpers
from tests.conftest import PASSWORD
from tests.functional.test_fidelity_pages import IPS15_ITEMS, IPS25_ITEMS, scores_for
from tests.functional.test_scoping import PARTICIPANT_ENDPOINTS, roles_of, url_for_rule
from tests.helpers import csrf_token
from tests.worlds import every_page
from tests.worlds.every_page import World
from tests.worlds.region_cohort import TODAY

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out

VNU_CACHE = (
    Path.home() / ".cache" / "survey-app-vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)
STAFF_ROLES = ("consultant", "evaluator", "admin")
LANGUAGES = ("da", "en")

# A short questionnaire with a yes/no and a free-text item, so the chat's text question is checked too.
FEEDBACK = (Path(__file__).resolve().parent.parent / "data" / "feedback.toml").read_text(encoding="utf-8")

# Public endpoints (no login) and the part of the test that renders them.
PUBLIC_PAGES = {
    "main.index": "front page",
    "main.set_language": "POST only; redirects",
    "main.robots": "text/plain",
    "static": "not HTML",
    "participant.welcome": "welcome, resume, answered, expired, withdrawn, unknown link",
    "participant.start": "POST only; redirects",
    "participant.chat": "first question, mid-way, free text, change, thanks, not bound",
    "participant.answer": "redirects; 400 and 413 pages; the script's fragment",
    "participant.opt_out": "asks, then done",
    "participant.privacy_notice": "privacy notice in Danish and English",
    "participant.accessibility": "accessibility statement",
    "team.welcome": "welcome, resume, closed round",
    "team.start": "POST only; redirects",
    "team.chat": "yes/no, free text, change after finishing, not bound",
    "team.answer": "redirects; the script's fragment",
    "team.summary": "summary, saved change",
    "auth.login": "empty, errors, refused",
    "auth.logout": "POST only; 405 page on GET",
    "auth.set_password": "form, mismatch",
    "auth.login_code": "code, refused; enrolment, refused, recovery codes",
    "auth.first_admin": "form, errors",
}


def _vnu() -> tuple[str, str]:
    """(java, vnu.jar), or skip locally / fail in CI when either is missing."""
    candidates = [os.environ.get("VNU_JAR"), str(VNU_CACHE)]
    jar = next((path for path in candidates if path and Path(path).is_file()), None)
    java = shutil.which("java")
    if jar and java:
        return java, jar
    missing = "; ".join(
        name
        for name, found in (
            ("vnu.jar (npm install --prefix ~/.cache/survey-app-vnu vnu-jar, or set VNU_JAR)", jar),
            ("java (apt-get install default-jre-headless)", java),
        )
        if not found
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"The HTML check must run in CI. Missing: {missing}")
    pytest.skip(f"HTML validation skipped locally. Missing: {missing}")


@dataclass
class Pages:
    """Rendered pages, saved one file each, with what each one was."""

    folder: Path
    labels: dict[str, str] = field(default_factory=dict)

    def save(self, html: str, label: str) -> None:
        name = f"{len(self.labels) + 1:03d}.html"
        (self.folder / name).write_text(html, encoding="utf-8")
        self.labels[name] = label

    def keep(self, response, label: str, status: int | tuple[int, ...] = 200, language: str = "da"):
        expected = (status,) if isinstance(status, int) else status
        assert response.status_code in expected, (
            f"{label}: status {response.status_code}\n{response.text[:500]}"
        )
        assert response.mimetype == "text/html", f"{label}: {response.mimetype}"
        if response.headers.get("X-Chat-Turn") == "1":
            # What the script puts into the chat page: checked inside a minimal document.
            self.save(
                f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>fragment</title>'
                f"</head><body><main>{response.text}</main></body></html>",
                label + " (fragment)",
            )
        else:
            self.save(response.text, label)
        return response


@dataclass
class Visitor:
    """A test client with a language and a name for the labels."""

    client: object
    who: str
    language: str = "da"

    def get(self, pages: Pages, url: str, status=200, note: str = ""):
        response = self.client.get(url)
        label = f"GET {url}{f' ({note})' if note else ''} [{self.who}, {self.language}]"
        return pages.keep(response, label, status, self.language)

    def post(self, pages: Pages, url: str, data: dict, status, form_page: str | None = None, **kwargs):
        """POST ``data`` with the CSRF token of ``form_page`` (default: ``url``) and keep the response."""
        token = csrf_token(self.client.get(form_page or url).text)
        response = self.client.post(url, data={"csrf_token": token, **data}, **kwargs)
        return pages.keep(response, f"POST {url} [{self.who}, {self.language}]", status, self.language)

    def post_and_follow(self, pages: Pages, url: str, data: dict, form_page: str | None = None):
        """POST, expect a redirect, and keep the page it leads to (with its flashed message)."""
        token = csrf_token(self.client.get(form_page or url).text)
        response = self.client.post(url, data={"csrf_token": token, **data})
        assert response.status_code in (302, 303), (
            f"POST {url}: {response.status_code}\n{response.text[:500]}"
        )
        return self.get(pages, response.location)


@pytest.fixture
def app(tmp_path):
    shipped = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", shipped)
    (shipped / "feedback.toml").write_text(FEEDBACK, encoding="utf-8")
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "html-check-" + "k" * 32,
            "DATABASE": str(tmp_path / "survey.db"),
            "BASE_URL": "https://ips.example.dk",
            "QUESTIONNAIRES_DIR": str(shipped),
            "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "overrides"),
        }
    )


def test_every_public_page_is_rendered(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint in PARTICIPANT_ENDPOINTS or roles_of(app, rule.endpoint) == ("public",)
    }
    assert public == set(PUBLIC_PAGES), "add the new public page to test_html_valid.py"


# --- visitors ------------------------------------------------------------------------------------


def choose_language(client, language: str) -> None:
    token = csrf_token(client.get("/").text)
    response = client.post("/sprog", data={"csrf_token": token, "language": language, "next": "/"})
    assert response.status_code == 303


def visitors(app, who: str) -> list[Visitor]:
    """One client per language."""
    pair = []
    for language in LANGUAGES:
        client = app.test_client()
        choose_language(client, language)
        pair.append(Visitor(client, who, language))
    return pair


def log_in(app, email: str, who: str) -> list[Visitor]:
    pair = visitors(app, who)
    for visitor in pair:
        response = helpers.log_in(visitor.client, email)
        assert response.status_code == 303, response.text
    return pair


def give_password(visitor: Visitor, email: str) -> None:
    token = csrf_token(visitor.client.get("/login").text)
    response = visitor.client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/kode", response.text


def render_two_factor_pages(app, pages: Pages, users: dict) -> None:
    """The code after the password (and a refused one); a first login's enrolment (QR code, a refused
    code) and the recovery codes it shows."""
    for visitor in visitors(app, "password given"):
        give_password(visitor, users["evaluator"]["email"])
        visitor.get(pages, "/login/kode")
        visitor.post(pages, "/login/kode", {"code": "123"}, 401)
    database = connect(app.config["DATABASE"])
    try:
        for language in LANGUAGES:
            accounts.create_user(
                database, actor=audit.SEED, email=f"ny-{language}@example.dk", role="admin", password=PASSWORD
            )
    finally:
        database.close()
    for visitor in visitors(app, "first login"):
        email = f"ny-{visitor.language}@example.dk"
        give_password(visitor, email)
        visitor.get(pages, "/login/kode", note="setting up the app")
        visitor.post(pages, "/login/kode", {"code": "123"}, 401)
        secret, last_step = helpers.totp_state(app, email)
        visitor.post(pages, "/login/kode", {"code": helpers.app_code(secret, last_step)}, 200)


def answer(client, page_html: str, item: str, value=None, chat="/svar", skip=False, **headers):
    data = {"csrf_token": csrf_token(page_html), "item": item}
    data |= {"skip": "1"} if skip else {"value": str(value)}
    return client.post(chat, data=data, headers=headers)


def answer_and_read(client, page_html, item, value=None, chat="/svar", skip=False) -> str:
    response = answer(client, page_html, item, value, chat, skip)
    assert response.status_code == 303, response.text
    return client.get(response.location).text


def start(pair: list[Visitor], link: str) -> None:
    for visitor in pair:
        welcome = visitor.client.get(link)
        response = visitor.client.post(link, data={"csrf_token": csrf_token(welcome.text)})
        assert response.status_code == 303, response.text


# --- rendering ----------------------------------------------------------------------------------


def render_first_admin(app, pages: Pages) -> None:
    """The set-up page exists only while there is no admin."""
    database = connect(app.config["DATABASE"])
    try:
        path = f"/opsaetning/{accounts.first_admin_token(database, app.config['SECRET_KEY'])}"
    finally:
        database.close()
    for visitor in visitors(app, "anonymous"):
        visitor.get(pages, path)
        visitor.post(
            pages, path, {"email": "ny@example.dk", "password": "kort", "confirm": "andet"}, (200, 422)
        )


def render_participant_pages(app, pages: Pages, world: World) -> None:
    links = world.links
    # Welcome by link, then opting out of messages (asks first, then confirms).
    for visitor in visitors(app, "participant"):
        visitor.get(pages, links["KOGE-NEW"], note="welcome")
        visitor.get(pages, world.opt_out, note="opt out: asks")
    for visitor in visitors(app, "participant"):
        visitor.post(pages, world.opt_out, {}, 200)

    # Part way: the first question, three answers, changing one, coming back by the link.
    pair = visitors(app, "participant")
    start(pair, links["KOGE-PART"])
    writer = pair[0].client
    for visitor in pair:
        visitor.get(pages, "/svar", note="first question")
    page = writer.get("/svar").text
    for item in ("csq_1", "csq_2", "csq_3"):
        page = answer_and_read(writer, page, item, 3)
    for visitor in pair:
        visitor.get(pages, "/svar", note="question 4 after three answers")
        visitor.get(pages, "/svar?ret=csq_2", note="changing an answer")
        # A browser already answering the link is sent on to its chat (issue 15).
        assert visitor.client.get(links["KOGE-PART"]).location == "/svar#current"
    for visitor in visitors(app, "participant"):
        visitor.get(pages, links["KOGE-PART"], note="another browser: three answered, question 4")
    for visitor in pair:
        # Refused answers and bodies: 400 and 413 pages.
        page = visitor.client.get("/svar").text
        pages.keep(
            answer(visitor.client, page, "csq_4", 9),
            f"POST /svar value 9 [participant, {visitor.language}]",
            400,
        )
        pages.keep(
            visitor.client.post("/svar", data={"item": "csq_4", "value": "3"}),
            f"POST /svar without CSRF token [participant, {visitor.language}]",
            400,
        )
        pages.keep(
            visitor.client.post(
                "/svar", data={"csrf_token": csrf_token(page), "item": "csq_4", "value": "x" * 70_000}
            ),
            f"POST /svar too large [participant, {visitor.language}]",
            413,
        )
    # The script's update after an answer, in each language.
    for index, visitor in enumerate(pair):
        page = visitor.client.get("/svar").text
        item = f"csq_{4 + index}"
        response = answer(visitor.client, page, item, 2, **{"X-Requested-With": "fetch"})
        pages.keep(response, f"POST /svar by script [participant, {visitor.language}]", 200, visitor.language)

    # Everything answered: the thanks, and the link afterwards.
    pair = visitors(app, "participant")
    start(pair, links["NAES-DONE"])
    writer = pair[0].client
    page = writer.get("/svar").text
    for number in range(1, 9):
        page = answer_and_read(writer, page, f"csq_{number}", 1 + number % 4)
    for visitor in pair:
        visitor.get(pages, "/svar", note="thanks")
        visitor.get(pages, links["NAES-DONE"], note="link after answering everything")

    # A yes/no question, then a free-text question, then the end.
    pair = visitors(app, "participant")
    start(pair, links["NAES-TEXT"])
    writer = pair[0].client
    for visitor in pair:
        visitor.get(pages, "/svar", note="yes/no question")
    page = answer_and_read(writer, writer.get("/svar").text, "employer_contact", 1)
    for visitor in pair:
        visitor.get(pages, "/svar", note="free-text question")
    answer_and_read(writer, page, "comment", "Det gik godt, tak & <farvel>")
    for visitor in pair:
        visitor.get(pages, "/svar", note="end of a questionnaire without a total")

    # Links that no longer work, an unknown link, and the chat without a link.
    for visitor in visitors(app, "participant"):
        visitor.get(pages, links["KOGE-OUT"], 410, note="withdrawn")
        visitor.get(pages, links["KOGE-OLD"], 410, note="expired")
        visitor.get(pages, "/s/ikke-et-gyldigt-link", 404)
        visitor.get(pages, "/svar", 403, note="no link opened")
        visitor.get(pages, "/afmeld/forkert", 404)


def render_team_pages(app, pages: Pages, world: World) -> None:
    link = world.team_links["259"]
    questionnaire = app.extensions["questionnaires"]["organisation"]
    pair = visitors(app, "team")
    for visitor in pair:
        visitor.get(pages, link, note="team welcome")
    start(pair, link)
    writer = pair[0].client
    page = writer.get("/team/svar").text
    for visitor in pair:
        visitor.get(pages, "/team/svar", note="yes/no question")
    page = answer_and_read(writer, page, "org_1", 1, chat="/team/svar")
    for visitor in pair:
        visitor.get(pages, "/team/svar", note="free-text comment")
    response = answer(
        writer, page, "org_1_comment", "Vi mødes hver uge", chat="/team/svar", **{"X-Requested-With": "fetch"}
    )
    pages.keep(response, "POST /team/svar by script [team, da]")
    page = writer.get("/team/svar").text
    for item in questionnaire.items[2:]:
        if item.type == "yesno":
            page = answer_and_read(writer, page, item.id, 2, chat="/team/svar")
        else:
            page = answer_and_read(writer, page, item.id, chat="/team/svar", skip=True)
    for visitor in pair:
        visitor.get(pages, "/team/oversigt")
        visitor.get(pages, "/team/svar?ret=org_2", note="changing an answer after finishing")
        visitor.get(pages, link, note="team link after finishing")
        response = answer(
            visitor.client, visitor.client.get("/team/svar?ret=org_2").text, "org_2", 1, chat="/team/svar"
        )
        assert response.status_code == 303
        visitor.get(pages, response.location, note="change saved")
    for visitor in visitors(app, "team"):
        visitor.get(pages, world.team_links["370"], 410, note="closed round")
        visitor.get(pages, "/team/svar", 403, note="no link opened")
        visitor.get(pages, "/team/ikke-et-gyldigt-link", 404)


def render_anonymous_pages(app, pages: Pages, users: dict) -> None:
    for visitor in visitors(app, "anonymous"):
        visitor.get(pages, "/")
        visitor.get(pages, "/login")
        visitor.post(pages, "/login", {"email": "", "password": ""}, 422)
        visitor.post(
            pages, "/login", {"email": users["consultant"]["email"], "password": "forkert kodeord"}, 401
        )
        visitor.get(pages, "/findes-ikke", 404)
        visitor.get(pages, "/logout", 405)
        visitor.get(pages, "/privatliv")
        visitor.get(pages, "/tilgaengelighed")
    database = connect(app.config["DATABASE"])
    try:
        path = f"/adgangskode/{accounts.set_password_token(database, app.config['SECRET_KEY'], users['evaluator']['id'])}"
    finally:
        database.close()
    for visitor in visitors(app, "anonymous"):
        visitor.get(pages, path)
        visitor.post(
            pages, path, {"password": "et langt nyt kodeord", "confirm": "et andet kodeord"}, (200, 422)
        )


# GET pages that need another participant than the URL map's example (listed in extra_staff_urls).
ELSEWHERE = {"consultant.send_early"}


def staff_urls(app, role: str, world: World, users: dict) -> list[str]:
    """Every GET page of the role from the URL map, with real ids."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        roles = roles_of(app, rule.endpoint) or ()
        if rule.endpoint in ELSEWHERE:
            continue
        if "GET" in rule.methods and role in roles and rule.endpoint not in PARTICIPANT_ENDPOINTS:
            urls.append(
                url_for_rule(
                    rule, participant_id=world.participant_ids["KOGE-PART"], user_id=users["consultant"]["id"]
                )
            )
    return urls


def extra_staff_urls(world: World, users: dict) -> dict[str, list[str]]:
    """Pages in other states than the URL map's example values give."""
    ids = world.participant_ids
    return {
        "consultant": [
            *(
                f"/konsulent/deltagere/{ids[code]}"
                for code in ("KOGE-NEW", "NAES-DONE", "NAES-TEXT", "NAES-WAIT", "KOGE-OLD", "S1")
            ),
            "/konsulent/deltagere?status=completed",
            "/konsulent/deltagere?q=koge",
            f"/konsulent/deltagere/{ids['KOGE-PART']}/qr?brev=1",
            f"/konsulent/deltagere/{ids['NAES-WAIT']}/ret",
            f"/konsulent/deltagere/{ids['KOGE-SOON']}",
            f"/konsulent/deltagere/{ids['KOGE-SOON']}/send-tidligt",
            f"/konsulent/deltagere/{ids['KOGE-SOON']}/send-tidligt?via=qr",
        ],
        "evaluator": [
            "/evaluering/?by=cluster",
            "/evaluering/?by=municipality&region_basis=current",
            "/evaluering/?by=period&start=2026-01-01&end=2027-12-31",
            "/evaluering/?start=2027-01-01&end=2026-01-01&by=nonsense",
            "/evaluering/bortfald?start=ikke-en-dato",
            "/evaluering/kommune/370",
            "/evaluering/fidelitet/ny?skala=ips25&kommune=259",
            "/evaluering/fidelitet/ny?skala=ips15",
            "/evaluering/fidelitet?kommune=259",
            "/evaluering/fidelitet/2",
            "/evaluering/organisation/2",
            "/evaluering/frafald",
            "/evaluering/frafald?region_basis=current&questionnaire=nonsense",
        ],
        "admin": [
            *(f"/admin/brugere/{user['id']}" for user in users.values()),
            "/admin/beskeder/email_invitation_body",
            "/admin/runder/2",
            "/admin/teams/370",
            "/admin/teams/import",
        ],
    }


def record_fidelity_reviews(evaluator: Visitor) -> None:
    """Two reviews of Køge through the evaluator's form, one per scale (ids 1 and 2)."""
    for scale, day, items, total in [
        ("ips25", "2025-03-01", IPS25_ITEMS, 100),
        ("ips15", "2026-03-01", IPS15_ITEMS, 61),
    ]:
        url = f"/evaluering/fidelitet/ny?skala={scale}"
        token = csrf_token(evaluator.client.get(url).text)
        data = {"csrf_token": token, "municipality": "259", "review_date": day, "reviewers": "Anne og Bo"}
        data |= {f"item_{item}": str(score) for item, score in scores_for(items, total).items()}
        response = evaluator.client.post(url, data=data)
        assert response.status_code == 303, response.text


def render_forms_with_errors(pages: Pages, role: str, visitor: Visitor, world: World) -> None:
    """Forms sent back with their problems (422), and pages with a flashed message."""
    ids = world.participant_ids
    if role == "consultant":
        visitor.post(
            pages, "/konsulent/deltagere/ny", {"code": "", "baseline": "i morgen", "phone": "12"}, 422
        )
        visitor.post(
            pages,
            f"/konsulent/deltagere/{ids['NAES-WAIT']}/ret",
            {"code": "NAES-WAIT", "baseline": "", "municipality": "370"},
            422,
        )
        visitor.post(pages, f"/konsulent/deltagere/{ids['KOGE-SOON']}/send-tidligt", {"reason": " "}, 422)
        bad = (
            "kode;kommune;startdato;mobil;e-mail;samtykke\r\nX-1;Ingenby;31-02-2025;123;ikke-en-mail;nej\r\n"
        )
        visitor.post(
            pages,
            "/konsulent/import",
            {"file": (io.BytesIO(bad.encode()), "deltagere.csv"), "consent_confirmed": "y"},
            422,
            content_type="multipart/form-data",
        )
    elif role == "evaluator":
        visitor.post(
            pages,
            "/evaluering/fidelitet/ny?skala=ips25",
            {"municipality": "", "review_date": "2030-01-01", "reviewers": "Anne", "item_s1": "7"},
            422,
        )
        bad = "kommune;dato;skala;bedømmere\r\nIngenby;2024-13-01;IPS-30;\r\n"
        visitor.post(
            pages,
            "/evaluering/fidelitet/import",
            {"file": (io.BytesIO(bad.encode()), "fidelitet.csv")},
            422,
            content_type="multipart/form-data",
        )
    elif role == "admin":
        visitor.post(pages, "/admin/", {"email": "ikke en adresse", "role": "consultant"}, 422)
        visitor.post(pages, "/admin/klynger", {"name": ""}, 422)
        visitor.post(pages, "/admin/beskeder/sms_invitation", {"text": "Uden link"}, 422)
        visitor.post(pages, "/admin/runder/ny", {"name": "", "deadline": "2020-01-01"}, 422)
        visitor.post(pages, "/admin/teams/259", {"email": "ikke en adresse"}, 422)
        # An access request answered on the page, an unknown code, and the erasure's confirmation.
        visitor.post(pages, "/admin/deltagere", {"code": "KOGE-PART", "municipality": ""}, 200)
        visitor.post(pages, "/admin/deltagere", {"code": "NOBODY", "municipality": ""}, 422)
        visitor.post(
            pages,
            "/admin/deltagere/slet",
            {"participant_id": ids["KOGE-PART"]},
            200,
            form_page="/admin/deltagere",
        )
        visitor.post(
            pages,
            "/admin/deltagere/slet",
            {"participant_id": ids["KOGE-PART"], "code": "forkert", "confirm": "1"},
            422,
            form_page="/admin/deltagere",
        )
        visitor.post(pages, "/admin/privatliv", {"text": ""}, 422)
        visitor.get(pages, "/admin/privatliv?sprog=en")
        visitor.post_and_follow(pages, "/admin/beskeder/sms_reminder", {"text": "Husk at svare: {link}"})


def render_staff_pages(app, pages: Pages, world: World, users: dict) -> None:
    extras = extra_staff_urls(world, users)
    for role in STAFF_ROLES:
        pair = log_in(app, users[role]["email"], role)
        if role == "evaluator":
            record_fidelity_reviews(pair[0])
        for visitor in pair:
            for url in [*staff_urls(app, role, world, users), *extras[role]]:
                response = visitor.client.get(url)
                if response.mimetype != "text/html":
                    continue  # CSV downloads, QR images
                pages.keep(response, f"GET {url} [{role}, {visitor.language}]")
            render_forms_with_errors(pages, role, visitor, world)
        if role == "consultant":
            # Withdrawing: the participant's page with its flashed message (the link then says so, see above).
            pair[0].post_and_follow(
                pages,
                f"/konsulent/deltagere/{world.participant_ids['KOGE-OUT']}/udtraek",
                {},
                form_page=f"/konsulent/deltagere/{world.participant_ids['KOGE-OUT']}",
            )


# --- checking -----------------------------------------------------------------------------------


def check(java: str, jar: str, pages: Pages) -> list[str]:
    """Run the checker once over every saved page; its errors as readable lines."""
    result = subprocess.run(
        [
            java,
            "-jar",
            jar,
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            "--exit-zero-always",
            "--skip-non-html",
            str(pages.folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"vnu gave no JSON report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    problems = []
    for message in sorted(report["messages"], key=lambda m: (m.get("url", ""), m.get("lastLine", 0))):
        name = Path(urlsplit(message.get("url", "")).path).name
        where = pages.labels.get(name, message.get("url", "?"))
        line = message.get("lastLine", "?")
        problems.append(
            f"{where} ({name}) line {line}: {message['message']}  [{message.get('extract', '').strip()}]"
        )
    return problems


def test_every_page_is_valid_html(app, runner, db, make_user, tmp_path):
    java, jar = _vnu()
    pages = Pages(tmp_path / "pages")
    pages.folder.mkdir()
    with time_machine.travel(TODAY, tick=False):
        world = every_page.build(app, runner, db)
        render_first_admin(app, pages)
        users = {
            "consultant": make_user("konsulent@koege.dk", "consultant", ("259", "370")),
            "evaluator": make_user("evaluator@example.dk", "evaluator", ()),
            "admin": make_user("admin@example.dk", "admin", ()),
        }
        # Staff first: the consultant withdraws KOGE-OUT, whose link then says so.
        render_staff_pages(app, pages, world, users)
        render_anonymous_pages(app, pages, users)
        render_two_factor_pages(app, pages, users)
        render_participant_pages(app, pages, world)
        render_team_pages(app, pages, world)
    assert len(pages.labels) > 150
    problems = check(java, jar, pages)
    assert not problems, f"{len(problems)} HTML errors in {len(pages.labels)} pages:\n" + "\n".join(problems)
