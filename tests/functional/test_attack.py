"""Attacks: forged, replayed and foreign links, borrowed sessions, every route for every role, CSRF.

Most tests share one *world*, built once for the module by
tests/worlds/every_role.py: Køge (259) with two participants and Næstved
(370) with one, each holding a link; an open organisation round with a team
link for each municipality; a fidelity review and a cluster for Køge; and
one logged-in session per role. The
database is copied after building, and every test (and every cell of the
route matrix) that changes something puts the copy back, so each starts
from the same rows.

"Nothing changed" is always checked on every row of every table, compared
with the copy; a refused request may not even record that it was tried.
"""

from __future__ import annotations

import io
import re
import secrets
import string
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest
import time_machine
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from survey_app import PROJECT_ROOT, accounts, audit, clock, create_app, links, rounds
from survey_app.db import connect
from survey_app.questionnaires import load_file
from tests.helpers import csrf_token, enrol_test_app, log_in
from tests.worlds import every_role
from tests.worlds.every_role import BASE_URL, PASSWORD, PEOPLE, PHONES, STAFF, A, B, World, rows_of

CSQ8 = load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")

# Nothing a refused link may ever show: codes, municipalities, phone numbers, a user's e-mail.
PRIVATE = (
    *PEOPLE,
    "Køge",
    "Næstved",
    *PHONES,
    *(" ".join([phone[i : i + 2] for i in range(0, 8, 2)]) for phone in PHONES),
    "nyansat@koege.dk",
)
# A full response for A, each label distinct from the page's own words.
ANSWERS = {"csq_1": 4, "csq_2": 1, "csq_3": 4, "csq_4": 1, "csq_5": 1, "csq_6": 1, "csq_7": 4, "csq_8": 4}

ROLES = ("anonymous", "participant", "team", "consultant_a", "consultant_b", "evaluator", "admin")


# -- the world ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = every_role.build(tmp_path_factory.mktemp("attack"))
    yield world
    world.close()


@pytest.fixture
def w(world):
    """The world as built; whatever the test changes is put back afterwards."""
    world.restore()
    assert world.changed_tables() == []
    yield world
    world.restore()


def leaks(response, *extra: str, allowed=()) -> list[str]:
    """Participant data (codes, municipalities, phone numbers, e-mails, given strings) in a response."""
    text = response.get_data(as_text=True)
    return [secret for secret in (*PRIVATE, *extra) if secret in text and secret not in allowed]


BASE64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def flip(text: str, index: int) -> str:
    """``text`` with one base64 character changed in its highest bit.

    The highest: the last character of unpadded base64 may carry unused low bits (a 20-byte
    HMAC-SHA1 signature leaves four), and changing only those gives the same bytes back.
    """
    index %= len(text)
    changed = BASE64[(BASE64.index(text[index]) + 32) % 64]
    return text[:index] + changed + text[index + 1 :]


def label(item: str, score: int) -> str:
    return CSQ8.item(item).option(score).label["da"]


# -- 1. links ----------------------------------------------------------------------------


def refused_link_cases(
    w: World, prefix: str, token: str, other: str, foreign: dict[str, str]
) -> dict[str, str]:
    """Forged, cut and spliced variants of ``token`` (``other``: the same kind of link of someone else).

    Link tokens have two or three dot-separated parts, the last one the signature.
    """
    parts, others = token.split("."), other.split(".")
    payload, signature = ".".join(parts[:-1]), parts[-1]
    cases = {
        "one character of the payload changed": ".".join([flip(parts[0], 0), *parts[1:]]),
        "one character of the last payload part changed": ".".join(
            [*parts[:-2], flip(parts[-2], 1), signature]
        ),
        "one character of the signature changed": f"{payload}.{flip(signature, len(signature) // 2)}",
        "last character of the signature changed": f"{payload}.{flip(signature, -1)}",
        "truncated by one character": token[:-1],
        "signature cut off": payload,
        "signature left empty": payload + ".",
        "only the first part": parts[0],
        "a single dot": ".",
        "dots only": "..",
        "a space": " ",
        "zero": "0",
        "non-ASCII": "æøå",
        "a NUL byte": "\x00",
        "too long": token + "A" * 80,
        "another's payload with this signature": ".".join([*others[:-1], signature]),
        "this payload with another's signature": f"{payload}.{others[-1]}",
        "first part of this, the rest of another's": ".".join([parts[0], *others[1:]]),
    }
    cases |= foreign
    return {name: prefix + quote(value, safe="") for name, value in cases.items()} | {"empty": prefix}


def assert_refused(
    w: World,
    cases: dict[str, str],
    *,
    status=404,
    also_private=(),
    allowed=(),
    after=None,
    then=None,
    form=None,
):
    """GET and POST (with a good CSRF token) of each path: refused, nothing shown, nothing changed.

    ``then``: a (path, status) the same browser gets afterwards, e.g. ("/svar", 403): not bound.
    """
    form = form or {}
    failures = []
    for name, path in cases.items():
        client = w.client("anonymous")
        token = w.csrf("anonymous")
        for method in ("GET", "POST"):
            data = {"csrf_token": token, **form} if method == "POST" else None
            response = client.open(path, method=method, data=data)
            if method == "GET" and "csrf_token" in response.text:
                token = csrf_token(response.text)  # this browser's own (a new one after travelling far)
            if response.status_code != status:
                failures.append(f"{name}: {method} {path} gave {response.status_code}, expected {status}")
            if found := leaks(response, *also_private, allowed=allowed):
                failures.append(f"{name}: {method} {path} shows {found}")
            if changed := w.changed_tables(after):
                failures.append(f"{name}: {method} {path} changed {changed}")
        if then and (afterwards := client.get(then[0])).status_code != then[1]:
            failures.append(f"{name}: afterwards {then[0]} gave {afterwards.status_code}, not {then[1]}")
    assert failures == []


def test_forged_participant_links_are_refused(w):
    token, other = w.token(A), w.token(B)
    invitation_id, nonce, _ = token.split(".")
    next_id = int(invitation_id, 36) + 1
    foreign = {
        "next id, signed with a wrong key": links.make_token("not the key", next_id, nonce),
        "next id, another's nonce, signed with a wrong key": links.make_token(
            "not the key", next_id, w.invitation(B)["nonce"]
        ),
        "this id and nonce, signed with a wrong key": links.make_token(
            "not the key", int(invitation_id, 36), nonce
        ),
        # The team links' salt, with the real key: a team token for the same id and nonce.
        "this id and nonce, signed with the team salt": links.make_token(
            w.key, int(invitation_id, 36), nonce, salt=rounds.SALT
        ),
        "next id, signed with the team salt": links.make_token(
            w.key, next_id, w.invitation(B)["nonce"], salt=rounds.SALT
        ),
        "a team's link": w.team_token("259"),
        "this participant's opt-out link": w.opt_out[A].removeprefix("/afmeld/"),
        "a set-password link": w.set_password.removeprefix("/adgangskode/"),
        "a random nonce with a signature of random bytes": f"{invitation_id}.{links.new_nonce()}.{'A' * 20}",
    }
    cases = refused_link_cases(w, "/s/", token, other, foreign)
    assert len(cases) > 25
    assert_refused(w, cases, then=("/svar", 403))


def test_forged_team_links_are_refused(w):
    token, other = w.team_token("259"), w.team_token("370")
    team_id, nonce, _ = token.split(".")
    foreign = {
        "next id, signed with a wrong key": links.make_token(
            "not the key", int(team_id, 36) + 1, nonce, salt=rounds.SALT
        ),
        "this id and nonce, signed with a wrong key": links.make_token(
            "not the key", int(team_id, 36), nonce, salt=rounds.SALT
        ),
        # The participants' salt, with the real key: a participant token for the same id and nonce.
        "this id and nonce, signed with the participant salt": links.make_token(
            w.key, int(team_id, 36), nonce
        ),
        "a participant's link": w.token(A),
        "an opt-out link": w.opt_out[A].removeprefix("/afmeld/"),
        "a set-password link": w.set_password.removeprefix("/adgangskode/"),
    }
    cases = refused_link_cases(w, "/team/", token, other, foreign)
    assert_refused(w, cases, then=("/team/svar", 403), also_private=["Forår", "IPS-teamet"])


def test_forged_opt_out_links_are_refused(w):
    token, other = w.opt_out[A].removeprefix("/afmeld/"), w.opt_out[B].removeprefix("/afmeld/")
    participant_id = w.participant_id(A)
    foreign = {
        "next id, signed with a wrong key": URLSafeSerializer("not the key", salt="survey_app.opt-out").dumps(
            participant_id + 1
        ),
        "this id, signed with a wrong key": URLSafeSerializer("not the key", salt="survey_app.opt-out").dumps(
            participant_id
        ),
        # The real key under another purpose's salt.
        "this id, signed with the set-password salt": URLSafeSerializer(
            w.key, salt="survey_app.set-password"
        ).dumps(participant_id),
        "this id, signed with no salt": URLSafeSerializer(w.key).dumps(participant_id),
        "a participant's link": w.token(A),
        "a team's link": w.team_token("259"),
        "a set-password link": w.set_password.removeprefix("/adgangskode/"),
    }
    assert_refused(w, refused_link_cases(w, "/afmeld/", token, other, foreign))
    assert w.db.execute("SELECT COUNT(*) FROM participant WHERE opted_out_at IS NOT NULL").fetchone()[0] == 0


def test_forged_set_password_links_are_refused(w):
    token = w.set_password.removeprefix("/adgangskode/")
    # Another real set-password link: a reset link for the Køge consultant.
    other = w.reset_link_token
    user_id, fingerprint = URLSafeTimedSerializer(w.key, salt="survey_app.set-password").loads(token)
    wrong_key = URLSafeTimedSerializer("not the key", salt="survey_app.set-password")
    foreign = {
        "this user, signed with a wrong key": wrong_key.dumps([user_id, fingerprint]),
        "next id, signed with a wrong key": wrong_key.dumps([user_id + 1, fingerprint]),
        "this user, signed with the opt-out salt": URLSafeSerializer(w.key, salt="survey_app.opt-out").dumps(
            [user_id, fingerprint]
        ),
        "the first-admin link": w.first_admin.removeprefix("/opsaetning/"),
        "a participant's link": w.token(A),
        "an opt-out link": w.opt_out[A].removeprefix("/afmeld/"),
    }
    cases = refused_link_cases(w, "/adgangskode/", token, other, foreign)
    new_password = {"password": "nyt langt kodeord", "repeat": "nyt langt kodeord"}
    # Posting a new password through a forged link neither sets it nor logs anyone in.
    assert_refused(w, cases, form=new_password, then=("/konsulent/", 302))


# replayed, expired and superseded participant links


def answer_all(client, csrf: str, answers=ANSWERS) -> None:
    for item, value in answers.items():
        response = client.post("/svar", data={"csrf_token": csrf, "item": item, "value": str(value)})
        assert response.status_code == 303, (item, response.status_code)


def shows_no_answers(response) -> list[str]:
    text = response.get_data(as_text=True)
    shown = [label(item, value) for item, value in ANSWERS.items() if label(item, value) in text]
    return shown + (['id="turn-'] if 'id="turn-' in text else [])


def test_a_finished_response_cannot_be_reopened_changed_or_read(w):
    participant = w.client("participant")
    csrf = w.csrf("participant")
    answer_all(participant, csrf)
    finished = w.snapshot()
    assert w.invitation(A)["completed_at"]

    # The finished session: more answers, with and without the script, change nothing and show nothing.
    for item, value in ANSWERS.items():
        other = 5 - value
        for headers in ({}, {"X-Requested-With": "fetch"}):
            response = participant.post(
                "/svar", data={"csrf_token": csrf, "item": item, "value": str(other)}, headers=headers
            )
            assert response.status_code in (200, 303), response.status_code
            assert shows_no_answers(response) == [], item
    skipped = participant.post("/svar", data={"csrf_token": csrf, "item": "csq_1", "skip": "1"})
    assert skipped.status_code == 400
    assert shows_no_answers(participant.get("/svar")) == []
    assert w.changed_tables(finished) == []

    # The spent link, opened again by anyone: a thank-you, no answers, no binding, nothing changed.
    for role in ("anonymous", "participant", "consultant_a"):
        client = w.client(role)
        page = client.get(w.links[A])
        assert page.status_code == 200 and "Du har allerede svaret" in page.text
        again = client.post(w.links[A], data={"csrf_token": w.csrf(role)})
        assert again.status_code == 200 and "Du har allerede svaret" in again.text
        for response in (page, again):
            assert shows_no_answers(response) == [] and leaks(response) == []
        if role != "participant":
            assert client.get("/svar").status_code == 403
            posted = client.post("/svar", data={"csrf_token": w.csrf(role), "item": "csq_1", "value": "1"})
            assert posted.status_code == 403
    # Pressing Start on a spent link does not even record a new opening.
    assert w.changed_tables(finished) == []


def test_an_expired_link_and_its_session_are_refused(w):
    expires = clock.parse(w.invitation(A)["expires_at"])
    participant = w.client("participant")  # opened the link in time
    with time_machine.travel(expires + timedelta(seconds=1), tick=False):
        assert_refused(w, {"the expired link": w.links[A]}, status=410, then=("/svar", 403))
        page = w.client("anonymous").get(w.links[A])
        assert "Linket er udløbet" in page.text
        assert participant.get("/svar").status_code == 410
        late = participant.post(
            "/svar", data={"csrf_token": w.csrf("participant"), "item": "csq_1", "value": "4"}
        )
        assert late.status_code == 410 and leaks(late) == []
    assert w.changed_tables() == []


def test_a_superseded_link_opens_neither_the_old_nor_the_new_invitation(w):
    """After a link expires a new one can be sent; the old link and the session it opened stay dead."""
    old = w.invitation(A)
    participant = w.client("participant")  # bound to the old invitation
    with time_machine.travel(clock.parse(old["expires_at"]) + timedelta(hours=1), tick=False):
        new_link = w.cli("invite", A).stdout.strip().split("\t")[1].removeprefix(BASE_URL)
        new = w.invitation(A)
        assert new["id"] != old["id"] and new_link != w.links[A]
        issued = w.snapshot()
        assert_refused(w, {"the superseded link": w.links[A]}, status=410, after=issued, then=("/svar", 403))
        posted = participant.post(
            "/svar", data={"csrf_token": w.csrf("participant"), "item": "csq_1", "value": "4"}
        )
        assert posted.status_code == 410
        assert participant.get("/svar").status_code == 410
        assert w.changed_tables(issued) == []
        assert w.invitation(A)["opened_at"] is None  # the new invitation is untouched ...
        assert w.client("anonymous").get(new_link).status_code == 200  # ... and works


def test_a_revoked_nonce_unbinds_the_session_and_kills_the_link(w):
    participant = w.client("participant")
    w.db.execute("UPDATE invitation SET nonce = ? WHERE id = ?", [links.new_nonce(), w.invitation(A)["id"]])
    w.db.commit()
    revoked = w.snapshot()
    assert_refused(w, {"the old link": w.links[A]}, after=revoked, then=("/svar", 403))
    posted = participant.post(
        "/svar", data={"csrf_token": w.csrf("participant"), "item": "csq_1", "value": "4"}
    )
    assert posted.status_code == 403 and "Åbn dit link igen" in posted.text
    assert participant.get("/svar").status_code == 403  # unbound for good
    assert w.changed_tables(revoked) == []


def test_a_session_bound_to_one_participant_cannot_answer_for_another(w):
    participant = w.client("participant")  # bound to A
    csrf = w.csrf("participant")
    invitation_id, nonce, signature = w.token(B).split(".")
    for path in (
        f"/s/{invitation_id}.{nonce}.{flip(signature, 3)}",  # B's link, tampered
        f"/s/{invitation_id}.{nonce}.{w.token(A).split('.')[2]}",  # B's id and nonce, A's signature
    ):
        assert participant.get(path).status_code == 404
        assert participant.post(path, data={"csrf_token": csrf}).status_code == 404
    assert w.changed_tables() == []
    assert w.session_of(participant)["invitation"]["id"] == w.invitation(A)["id"]
    response = participant.post("/svar", data={"csrf_token": csrf, "item": "csq_1", "value": "3"})
    assert response.status_code == 303
    given = w.db.execute("SELECT invitation_id, item_id, score FROM answer").fetchall()
    assert given == [(w.invitation(A)["id"], "csq_1", 3)]  # A's own answer, never B's
    assert w.invitation(B)["opened_at"] is None


def test_a_session_cookie_forged_for_another_participant_is_ignored(w):
    """A cookie saying "this browser answers B", signed without the app's key, is an empty session."""
    impostor = create_app(
        {"TESTING": True, "SECRET_KEY": "not the key " * 4, "DATABASE": str(w.path.with_name("impostor.db"))}
    )
    raw = w.session_of(w.masters["participant"])
    bound_to_b = {"id": w.invitation(B)["id"], "nonce": w.invitation(B)["nonce"], "questionnaire": "csq8"}
    cookie = impostor.session_interface.get_signing_serializer(impostor).dumps(
        {**raw, "invitation": bound_to_b}
    )
    client = w.app.test_client()
    client.set_cookie(w.cookie_name, cookie)
    assert client.get("/svar").status_code == 403
    posted = client.post("/svar", data={"csrf_token": w.csrf("participant"), "item": "csq_1", "value": "1"})
    assert posted.status_code == 400  # no session, so no CSRF token to match
    assert w.changed_tables() == []


# team links: past the deadline, closed, a newer round


def team_answer(client, csrf: str, item: str, value) -> int:
    return client.post("/team/svar", data={"csrf_token": csrf, "item": item, "value": str(value)}).status_code


def test_a_closed_or_past_deadline_team_link_is_refused(w):
    """A team link is not spent by finishing: the team may change its answers until the round closes.

    Past the deadline, or closed, the link and the session it opened are refused. The closed page
    names the round and the team's own municipality, for the team holding the link; it shows none
    of the answers.
    """
    team = w.client("team")
    csrf = w.csrf("team")
    assert team_answer(team, csrf, "org_1_comment", "Kun vores egne ord") == 303
    answered = w.snapshot()
    link = w.team_links["259"]
    # The closed page names the team's own municipality; never its answers.
    closed_team = {"also_private": ["Kun vores egne ord"], "allowed": ["Køge"], "then": ("/team/svar", 403)}
    day_after = datetime.combine(w.deadline + timedelta(days=1), datetime.min.time(), clock.LOCAL_TZ)
    with time_machine.travel(day_after + timedelta(minutes=1), tick=False):
        assert_refused(w, {"past the deadline": link}, status=410, after=answered, **closed_team)
        assert team_answer(team, csrf, "org_1", 2) == 410
        assert team.get("/team/oversigt").status_code == 410
        assert team.get("/team/svar").status_code == 410
    assert w.changed_tables(answered) == []

    w.cli("rounds", "close", "Forår")
    closed = w.snapshot()
    assert_refused(w, {"closed": link}, status=410, after=closed, **closed_team)
    assert team_answer(team, csrf, "org_1", 2) == 410
    # A newer round for the same team: the old link and session do not lead into it.
    deadline = (w.deadline + timedelta(days=7)).isoformat()
    w.cli(
        "rounds",
        "open",
        "Efterår",
        "--questionnaire",
        "organisation",
        "--deadline",
        deadline,
        "--municipality",
        "259",
    )
    newer = w.snapshot()
    assert_refused(w, {"superseded": link}, status=410, after=newer, **closed_team)
    assert team_answer(team, csrf, "org_1", 2) == 410
    assert w.changed_tables(newer) == []


# opt-out and set-password links: replayed, expired, replaced


def test_an_opt_out_link_replayed_changes_nothing_more_and_never_expires(w):
    """Opting out only ever stops messages, so its link works for as long as the participant is kept."""
    link = w.opt_out[A]
    with time_machine.travel(clock.now() + timedelta(days=400), tick=False):
        client = w.client("anonymous")
        page = client.get(link)
        assert page.status_code == 200
        done = client.post(link, data={"csrf_token": csrf_token(page.text)})
        assert done.status_code == 200 and leaks(done) == []
    assert w.changed_tables() == ["audit", "participant"]
    opted = w.snapshot()
    for role in ("anonymous", "participant"):
        client = w.client(role)
        again = client.post(link, data={"csrf_token": w.csrf(role)})
        assert again.status_code == 200 and 'method="post" class="ask"' not in again.text
        assert leaks(again) == []
        assert 'method="post" class="ask"' not in client.get(link).text
    assert w.changed_tables(opted) == []
    opted_out = w.db.execute("SELECT code FROM participant WHERE opted_out_at IS NOT NULL").fetchall()
    assert opted_out == [(A,)]


def test_a_used_replaced_or_expired_set_password_link_is_refused(w):
    old = w.set_password
    issued = clock.now()
    new_password = {"password": "nyt langt kodeord", "repeat": "nyt langt kodeord"}
    # Half an hour later the admin makes a new link (the first got lost); that one is used.
    with time_machine.travel(issued + timedelta(minutes=30), tick=False):
        admin = w.client("admin")
        page = admin.post(f"/admin/brugere/{w.newcomer['id']}/link", data={"csrf_token": w.csrf("admin")})
        new = re.search(r"https://ips\.example\.dk(/adgangskode/[\w.-]+)", page.text).group(1)
        assert new != old
        client = w.client("anonymous")
        form = client.get(new)
        used = client.post(new, data={"csrf_token": csrf_token(form.text), **new_password})
        assert used.status_code == 303
        after = w.snapshot()
        assert_refused(
            w,
            {"the replaced link": old, "the used link": new},
            after=after,
            form=new_password,
            then=("/konsulent/", 302),
        )
    w.restore()
    with time_machine.travel(
        issued + timedelta(hours=accounts.SET_PASSWORD_LINK_HOURS, seconds=1), tick=False
    ):
        assert_refused(w, {"the expired link": old}, form=new_password, then=("/konsulent/", 302))


# the login's "next": never off the site


@pytest.mark.parametrize(
    "target, lands_on",
    [
        ("//evil.example", "/konsulent/"),
        ("/\\evil.example", "/konsulent/"),
        ("https://evil.example/", "/konsulent/"),
        ("/\t/evil.example", "/konsulent/"),  # browsers and Werkzeug drop the tab: "//evil.example"
        ("/\n/evil.example", "/konsulent/"),
        ("/konsulent/deltagere?q=1", "/konsulent/deltagere?q=1"),  # a page of the site is kept
    ],
)
def test_logging_in_never_leads_off_the_site(app, make_user, target, lands_on):
    """A link to the real login page must not send staff on to another site after they log in."""
    user = make_user()
    client = app.test_client()
    response = log_in(client, user["email"], next_path=target)  # kept past the code's page
    assert response.status_code == 303
    assert response.location == lands_on


# -- 2. every route, every method, every role --------------------------------------------------

OK, LOGIN = "ok", "login"


def _staff(*allowed: str) -> dict[str, str]:
    """Staff pages: link holders are sent to log in, staff without the right get 404."""
    return {
        role: OK if role in allowed else LOGIN if role in ("anonymous", "participant", "team") else "404"
        for role in ROLES
    }


# Who may use a route. "ok" is a real answer: 2xx or a redirect that is not to the login page.
WHO = {
    "everyone": dict.fromkeys(ROLES, OK),
    # Anyone holding the link may use it, logged in or not.
    "link holder": dict.fromkeys(ROLES, OK),
    # The first-admin link works only while there is no admin; the world has one.
    "nobody": dict.fromkeys(ROLES, "404"),
    "participant session": {**dict.fromkeys(ROLES, "403"), "participant": OK},
    "team session": {**dict.fromkeys(ROLES, "403"), "team": OK},
    "consultants": _staff("consultant_a", "consultant_b"),
    # Routes about one participant: Næstved's consultant gets 404, as for one that does not exist.
    "the participant's consultant": _staff("consultant_a"),
    "evaluator": _staff("evaluator"),
    "admin": _staff("admin"),
    "staff": _staff("admin", "evaluator", "consultant_a", "consultant_b"),
}

# endpoint: (methods, who, {(method, role): outcome where it differs})
EXPECTED = {
    "static": ("GET", "everyone"),
    "main.index": ("GET", "everyone"),
    "main.robots": ("GET", "everyone"),
    "main.set_language": ("POST", "everyone"),
    "auth.login": ("GET POST", "everyone"),
    "auth.logout": ("POST", "everyone"),
    # Without a password just given, it leads to the login page (or home, logged in).
    "auth.login_code": ("GET POST", "everyone"),
    "auth.recovery_codes": ("GET POST", "staff"),
    "auth.set_password": ("GET POST", "link holder"),
    "auth.first_admin": ("GET POST", "nobody"),
    "participant.welcome": ("GET", "link holder"),
    "participant.start": ("POST", "link holder"),
    "participant.opt_out": ("GET POST", "link holder"),
    "participant.chat": ("GET", "participant session"),
    "participant.answer": ("POST", "participant session"),
    "participant.privacy_notice": ("GET", "everyone"),
    "participant.accessibility": ("GET", "everyone"),
    "team.welcome": ("GET", "link holder"),
    "team.start": ("POST", "link holder"),
    "team.chat": ("GET", "team session"),
    "team.answer": ("POST", "team session"),
    "team.summary": ("GET", "team session"),
    "consultant.home": ("GET", "consultants"),
    "consultant.participants": ("GET", "consultants"),
    # Næstved's consultant sending a Køge participant: the form is refused, nothing is stored.
    "consultant.add": ("GET POST", "consultants", {("POST", "consultant_b"): "422"}),
    "consultant.upload": ("GET POST", "consultants", {("POST", "consultant_b"): "422"}),
    "consultant.template_csv": ("GET", "consultants"),
    "consultant.participant": ("GET", "the participant's consultant"),
    "consultant.edit": ("GET POST", "the participant's consultant"),
    "consultant.qr": ("GET", "the participant's consultant"),
    "consultant.send": ("POST", "the participant's consultant"),
    "consultant.withdraw": ("POST", "the participant's consultant"),
    "consultant.confirm_withdraw": ("GET", "the participant's consultant"),
    "consultant.undo_withdraw": ("POST", "the participant's consultant"),
    "consultant.send_early": ("GET POST", "the participant's consultant"),
    "consultant.participants_csv": ("GET", "consultants"),
    "consultant.home_csv": ("GET", "consultants"),
    "evaluator.home": ("GET", "evaluator"),
    "evaluator.municipality": ("GET", "evaluator"),
    "evaluator.non_response": ("GET", "evaluator"),
    "evaluator.associations": ("GET", "evaluator"),
    "evaluator.funnel": ("GET", "evaluator"),
    "evaluator.export": ("GET", "evaluator"),
    "evaluator.codebook": ("GET", "evaluator"),
    "evaluator.syntax": ("GET", "evaluator"),
    "evaluator.organisation": ("GET", "evaluator"),
    "evaluator.organisation_round": ("GET", "evaluator"),
    "evaluator.organisation_csv": ("GET", "evaluator"),
    "evaluator.fidelity_reviews": ("GET", "evaluator"),
    "evaluator.fidelity_new": ("GET POST", "evaluator"),
    "evaluator.fidelity_edit": ("GET POST", "evaluator"),
    "evaluator.fidelity_delete": ("GET POST", "evaluator"),
    "evaluator.fidelity_import": ("GET POST", "evaluator"),
    "evaluator.fidelity_over_time": ("GET", "evaluator"),
    "evaluator.fidelity_template": ("GET", "evaluator"),
    "admin.home": ("GET POST", "admin"),
    "admin.user": ("GET POST", "admin"),
    "admin.password_link": ("POST", "admin"),
    "admin.email_password_link": ("POST", "admin"),
    "admin.reset_two_factor": ("GET POST", "admin"),
    "admin.import_team_contacts": ("GET POST", "admin"),
    "admin.clusters": ("GET POST", "admin"),
    "admin.templates": ("GET POST", "admin"),
    "admin.outbox": ("GET", "admin"),
    "admin.log": ("GET", "admin"),
    "admin.rounds_list": ("GET", "admin"),
    "admin.open_round": ("GET POST", "admin"),
    "admin.round_detail": ("GET", "admin"),
    "admin.close_round": ("POST", "admin"),
    "admin.team_contacts": ("GET", "admin"),
    "admin.team_contact": ("GET POST", "admin"),
    "admin.support_contacts": ("GET", "admin"),
    "admin.support_contact_page": ("GET POST", "admin"),
    "admin.participant_rights": ("GET POST", "admin"),
    "admin.participant_rights_file": ("POST", "admin"),
    "admin.participant_erase": ("POST", "admin"),
    "admin.privacy_notice": ("GET POST", "admin"),
}

# Query strings a route needs to do its work (not just show a chooser).
QUERY = {"evaluator.fidelity_new": "?skala=ips25"}


def expected_outcome(endpoint: str, method: str, role: str) -> str:
    _methods, who, *overrides = EXPECTED[endpoint]
    return (overrides[0] if overrides else {}).get((method, role), WHO[who][role])


def path_for(w: World, rule) -> str:
    """The rule's URL with Køge's real ids, so "allowed" is a real page, not a 404 by accident."""
    tokens = {
        "participant.welcome": w.token(A),
        "participant.start": w.token(A),
        "participant.opt_out": w.opt_out[A].removeprefix("/afmeld/"),
        "team.welcome": w.team_token("259"),
        "team.start": w.team_token("259"),
        "auth.set_password": w.set_password.removeprefix("/adgangskode/"),
        "auth.first_admin": w.first_admin.removeprefix("/opsaetning/"),
    }
    values = {
        "participant_id": w.ids["participant"],
        "round_id": w.ids["round"],
        "review_id": w.ids["review"],
        "user_id": w.ids["user"],
        "cluster_id": w.ids["cluster"],
        "key": "sms_reminder",
        "code": "259",
        "fmt": "csv",
        "kind": "r",
        "scale": "ips25",
        "filename": "app.css",
        "token": tokens.get(rule.endpoint),
    }
    path = rule.build({name: value for name, value in values.items() if name in rule.arguments})[1]
    return path + QUERY.get(rule.endpoint, "")


def _participant_form(code: str) -> dict:
    return {
        "code": code,
        "municipality": "259",
        "baseline": "2025-05-01",
        "phone": "+4520123499",
        "email": "",
        "channel": "sms",
        "language": "da",
        "consent": "y",
        "birth_year": "",
        "gender": "",
    }


def form_for(w: World, rule) -> dict:
    """Form data that the route accepts (built anew each time: file fields are read once)."""
    ips25 = [item.id for item in w.app.extensions["fidelity_scales"]["ips25"].items]
    fidelity_csv = (
        ",".join(["kommune", "dato", "skala", "bedømmere", *ips25])
        + "\r\n"
        + ",".join(["259", "2024-09-01", "IPS-25", "Anne", *["4"] * len(ips25)])
        + "\r\n"
    )
    participants_csv = (
        "kode;kommune;startdato;mobil;e-mail;samtykke\r\nKOGE-U1;259;2025-03-01;20 12 34 98;;ja\r\n"
    )
    new_password = {"password": "nyt langt kodeord", "repeat": "nyt langt kodeord"}
    forms = {
        "main.set_language": lambda: {"language": "en", "next": "/"},
        "auth.login": lambda: {"email": STAFF["consultant_a"][0], "password": PASSWORD},
        "auth.logout": dict,
        "auth.login_code": lambda: {"code": "123456"},
        "auth.recovery_codes": dict,
        "auth.set_password": lambda: new_password,
        "auth.first_admin": lambda: {"email": "ny-admin@example.dk", **new_password},
        "participant.start": dict,
        "participant.answer": lambda: {"item": "csq_1", "value": "3"},
        "participant.opt_out": dict,
        "team.start": dict,
        "team.answer": lambda: {"item": "org_1", "value": "1"},
        "consultant.add": lambda: _participant_form("KOGE-NY"),
        "consultant.edit": lambda: _participant_form(A),
        "consultant.send": dict,
        "consultant.withdraw": dict,
        "consultant.undo_withdraw": dict,
        "consultant.send_early": lambda: {"reason": "Forløbet slutter i næste uge", "via": "send"},
        "consultant.upload": lambda: {
            "file": (io.BytesIO(participants_csv.encode()), "deltagere.csv"),
            "consent_confirmed": "y",
        },
        "evaluator.fidelity_new": lambda: w.review_form("2025-04-01"),
        "evaluator.fidelity_edit": lambda: w.review_form("2025-03-01", reviewers="Anne, Bo og Carl"),
        "evaluator.fidelity_delete": dict,
        "evaluator.fidelity_import": lambda: {"file": (io.BytesIO(fidelity_csv.encode()), "fidelitet.csv")},
        "admin.home": lambda: {
            "email": "ny-bruger@koege.dk",
            "role": "consultant",
            "municipalities": ["259"],
        },
        "admin.user": lambda: {
            "email": STAFF["consultant_a"][0],  # shown read-only, sent with the form
            "role": "consultant",
            "municipalities": ["259"],
            "name": "Karen Køge",
        },
        "admin.password_link": dict,
        "admin.email_password_link": dict,
        "admin.reset_two_factor": dict,
        # The second press, which imports the previewed file (sent back as base64).
        "admin.import_team_contacts": lambda: {"content": "a29tbXVuZTtlLW1haWwKMjU5O3RlYW1Aa29lZ2UuZGsK"},
        "admin.clusters": lambda: (
            {"name": w.cluster_name + " og omegn", "municipalities": w.cluster_members}
            if "cluster_id" in rule.arguments
            else {"name": "Klynge Nord", "municipalities": ["101"]}
        ),
        "admin.templates": lambda: {
            "text": "Husk: vi vil meget gerne høre din mening om IPS-støtten. 3 minutter: {link}"
        },
        "admin.open_round": lambda: {
            "name": "Efterår 2099",
            "questionnaire": "organisation",
            "deadline": (clock.today() + timedelta(days=60)).isoformat(),  # within two years
            "scope": "chosen",
            "municipalities": ["259"],
        },
        "admin.close_round": dict,
        "admin.team_contact": lambda: {"email": "ips-team@koege.dk", "name": "IPS-teamet"},
        "admin.support_contact_page": lambda: {"name": "Jobcenter Køge", "phone": "56676767", "email": ""},
        "admin.participant_rights": lambda: {"code": A, "municipality": "259"},
        "admin.participant_rights_file": lambda: {"participant_id": w.participant_id(A), "format": "json"},
        "admin.participant_erase": lambda: {"participant_id": w.participant_id(A), "code": A, "confirm": "1"},
        "admin.privacy_notice": lambda: {"text": "## Hvem er ansvarlig\nKøge Kommune.\n\n{opbevaring}"},
    }
    return forms[rule.endpoint]()


def cells(w: World):
    """(rule, path, method) for every method each rule serves, and PUT, which none serves."""
    for rule in sorted(w.app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule)):
        if rule.endpoint not in EXPECTED:
            continue  # test_the_table_lists_every_route_and_only_those names it
        path = path_for(w, rule)
        for method in [*sorted(rule.methods - {"HEAD", "OPTIONS"}), "PUT"]:
            yield rule, path, method


def check(response, expected: str) -> bool:
    status = response.status_code
    to_login = status == 302 and urlsplit(response.location).path == "/login"
    if expected == OK:
        return 200 <= status < 400 and not to_login
    if expected == LOGIN:
        return to_login
    return status == int(expected)


def test_the_table_lists_every_route_and_only_those(world):
    served: dict[str, set] = {}
    for rule in world.app.url_map.iter_rules():
        served.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    missing = sorted(set(served) - set(EXPECTED))
    assert missing == [], f"routes with no expected outcome in EXPECTED (add them): {missing}"
    gone = sorted(set(EXPECTED) - set(served))
    assert gone == [], f"EXPECTED lists routes that no longer exist (remove them): {gone}"
    methods = {
        endpoint: sorted(served[endpoint])
        for endpoint in served
        if served[endpoint] != set(EXPECTED[endpoint][0].split())
    }
    assert methods == {}, f"routes whose methods differ from EXPECTED: {methods}"
    # The table agrees with the roles each view declares (role_required, or public / none).
    declared_as = {
        "admin": ("admin",),
        "evaluator": ("evaluator",),
        "consultants": ("consultant",),
        "the participant's consultant": ("consultant",),
        "staff": ("admin", "consultant", "evaluator"),
    }
    disagree = {}
    for endpoint in served:
        roles = getattr(world.app.view_functions[endpoint], "roles", None)
        wanted = declared_as.get(EXPECTED[endpoint][1])
        if (roles != wanted) if wanted else (roles not in (None, ("public",))):
            disagree[endpoint] = roles
    assert disagree == {}, f"EXPECTED disagrees with the roles these views declare: {disagree}"
    posts = {endpoint for endpoint, used in served.items() if "POST" in used}
    rules = {rule.endpoint: rule for rule in world.app.url_map.iter_rules()}
    without_form = []
    for endpoint in sorted(posts):
        try:
            form_for(world, rules[endpoint])
        except KeyError:
            without_form.append(endpoint)
    assert without_form == [], f"POST routes without form data in form_for: {without_form}"


@pytest.mark.slow
def test_every_route_for_every_role(w):
    """Each cell: the expected outcome; when refused, nothing changed and no Køge participant shown.

    POSTs carry the session's own CSRF token and valid form data, so what decides is who asks,
    not the CSRF check (that is test_every_post_needs_its_own_sessions_csrf_token).
    """
    failures, count = [], 0
    for rule, path, method in cells(w):
        for role in ROLES:
            count += 1
            expected = "405" if method == "PUT" else expected_outcome(rule.endpoint, method, role)
            data = None
            if method in ("POST", "PUT"):
                data = {"csrf_token": w.csrf(role), **(form_for(w, rule) if method == "POST" else {})}
            response = w.client(role).open(path, method=method, data=data, buffered=True)
            cell = f"{role} {method} {path} ({rule.endpoint})"
            if not check(response, expected):
                failures.append(
                    f"{cell}: expected {expected}, got {response.status_code} {response.location or ''}"
                )
            # Refused: no participant data at all. Næstved's consultant: never a Køge participant.
            own = {"consultant_a": ["Køge"], "consultant_b": ["Næstved"]}.get(role, [])  # their own forms
            if expected != OK and (shown := leaks(response, allowed=own)):
                failures.append(f"{cell}: refused but shows {shown}")
            if role == "consultant_b" and (shown := [code for code in (A, B) if code in response.text]):
                failures.append(f"{cell}: shows {shown}")
            if expected != OK and (changed := w.changed_tables()):
                failures.append(f"{cell}: refused but changed {changed}")
            w.restore()
    assert failures == [], "\n".join(failures)
    assert count > 900
    # The "never shown" checks above are not vacuous: Køge's consultant does see the code.
    assert A in w.client("consultant_a").get("/konsulent/deltagere").text


# -- 3. CSRF on every POST -----------------------------------------------------------------------

# Who posts each form in the CSRF test, where the table's first allowed role is not the natural one.
POSTED_BY = {
    "auth.logout": "consultant_a",  # logging out someone who is logged in
    # The code needs a password given just before, which no session of the world holds:
    # test_two_factor.py::test_the_code_needs_the_sessions_csrf_token.
    "auth.login_code": None,
}


def poster_of(endpoint: str) -> str | None:
    if endpoint in POSTED_BY:
        return POSTED_BY[endpoint]
    who = WHO[EXPECTED[endpoint][1]]
    if all(outcome == OK for outcome in who.values()):
        return "anonymous"
    return next((role for role in ROLES if who[role] == OK), None)


def test_csrf_protection_is_on_in_this_app(world):
    assert world.app.config.get("WTF_CSRF_ENABLED", True) is True
    assert world.app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True


def test_every_post_needs_its_own_sessions_csrf_token(w):
    """A POST with valid form data but no token, or another session's, gets 400 and changes nothing.

    The same POST with the session's own token then works and changes something (rows or the
    session), which shows the form data was otherwise valid.
    """
    failures, checked = [], []
    for rule in sorted(w.app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule)):
        if "POST" not in rule.methods:
            continue
        role = poster_of(rule.endpoint)
        if role is None:
            continue  # the first-admin link: test_the_first_admin_link_needs_a_token_and_works_once
        path = path_for(w, rule)
        other = "participant" if role == "anonymous" else "anonymous"
        for refusal, token in (("no token", None), ("another session's token", w.csrf(other))):
            client = w.client(role)
            session = w.session_of(client)
            data = form_for(w, rule) | ({"csrf_token": token} if token else {})
            response = client.post(path, data=data, buffered=True)
            cell = f"{role} POST {path} ({rule.endpoint}) with {refusal}"
            if response.status_code != 400:
                failures.append(f"{cell}: {response.status_code}, expected 400")
            if changed := w.changed_tables():
                failures.append(f"{cell}: changed {changed}")
            if w.session_of(client) != session:
                failures.append(f"{cell}: changed the session")
            w.restore()
        client = w.client(role)
        session = w.session_of(client)
        response = client.post(path, data={"csrf_token": w.csrf(role), **form_for(w, rule)}, buffered=True)
        if not check(response, OK):
            failures.append(
                f"{role} POST {path} ({rule.endpoint}): the valid form gave {response.status_code}"
            )
        elif not w.changed_tables() and w.session_of(client) == session:
            failures.append(f"{role} POST {path} ({rule.endpoint}): the valid form changed nothing")
        checked.append(rule.endpoint)
        w.restore()
    assert failures == [], "\n".join(failures)
    assert len(checked) >= 27


def test_the_first_admin_link_needs_a_token_and_works_once(app, db):
    """The setup link (no admin yet): forged variants are refused; its form needs the session's token."""
    token = accounts.first_admin_token(db, app.config["SECRET_KEY"])
    forged = {
        "signature changed": flip(token, -1),
        "truncated": token[:-1],
        "signed with a wrong key": URLSafeTimedSerializer("not the key", salt="survey_app.first-admin").dumps(
            "first-admin"
        ),
        "signed with the set-password salt": URLSafeTimedSerializer(
            app.config["SECRET_KEY"], salt="survey_app.set-password"
        ).dumps("first-admin"),
    }
    client = app.test_client()
    for name, value in forged.items():
        assert client.get(f"/opsaetning/{quote(value, safe='')}").status_code == 404, name
    link = f"/opsaetning/{token}"
    page = client.get(link)
    assert page.status_code == 200
    before = rows_of(db)
    form = {
        "email": "forste@example.dk",
        "password": "lang og sikker frase",
        "repeat": "lang og sikker frase",
    }
    other_session = csrf_token(app.test_client().get("/").text)
    for forged_form in (form, {**form, "csrf_token": other_session}):
        assert client.post(link, data=forged_form).status_code == 400
        assert client.post(f"/opsaetning/{forged['truncated']}", data=forged_form).status_code == 400
    assert rows_of(db) == before
    assert client.post(link, data={**form, "csrf_token": csrf_token(page.text)}).status_code == 303
    created = rows_of(db)
    assert db.execute("SELECT role FROM user WHERE email = 'forste@example.dk'").fetchone()[0] == "admin"
    # Once an admin exists, the link is dead for everyone.
    again = app.test_client()
    assert again.get(link).status_code == 404
    assert again.post(link, data={**form, "csrf_token": csrf_token(again.get("/").text)}).status_code == 404
    assert rows_of(db) == created


# -- 4. the session cookie's flags ---------------------------------------------------------------
# Over HTTPS the participant's session cookie is checked in test_security.py; here the staff
# login over HTTPS, and both over plain HTTP.


def _session_cookies(response, name: str) -> list[str]:
    return [header for header in response.headers.getlist("Set-Cookie") if header.startswith(name + "=")]


def test_the_staff_login_cookie_over_https_is_secure_httponly_and_lax(app, make_user):
    user = make_user()
    client = app.test_client()
    response = log_in(client, user["email"], base_url=BASE_URL)
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    assert _session_cookies(response, app.config["SESSION_COOKIE_NAME"])
    for cookie in cookies:  # the session and any other cookie set at login
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_over_plain_http_the_session_cookie_is_not_secure_but_keeps_its_other_flags(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE": str(tmp_path / "survey.db"),
            "BASE_URL": "http://127.0.0.1:5000",
            "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "questionnaires"),
        }
    )
    runner = app.test_cli_runner()
    added = runner.invoke(
        args=["participants", "add", A, "--municipality", "259", "--baseline", "2025-05-01", "--consent"]
    )
    assert added.exit_code == 0, added.output
    link = (
        runner.invoke(args=["invite", A]).stdout.strip().split("\t")[1].removeprefix("http://127.0.0.1:5000")
    )
    database = connect(app.config["DATABASE"])
    try:
        user = accounts.create_user(
            database,
            actor=audit.SEED,
            email="k@koege.dk",
            role="consultant",
            municipalities=["259"],
            password=PASSWORD,
        )
        enrol_test_app(database, user["id"])
    finally:
        database.close()
    participant = app.test_client()
    welcome = participant.get(link)
    started = participant.post(link, data={"csrf_token": csrf_token(welcome.text)})
    staff = app.test_client()
    logged_in = log_in(staff, user["email"], PASSWORD)
    assert started.status_code == 303 and logged_in.status_code == 303
    for response in (started, logged_in):
        (cookie,) = _session_cookies(response, app.config["SESSION_COOKIE_NAME"])
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
        assert "Secure" not in cookie, cookie
