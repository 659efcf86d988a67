"""The attack tests' world: Køge and Næstved with links, a round, a fidelity review, and a session per role.

Built through the real commands and pages: Køge (259) with two participants
(A and B) and Næstved (370) with one, each holding a link; an open
organisation round with a team link for each municipality; a fidelity review
and a cluster for Køge; a consultant who has not chosen a password yet, a
reset link; and one logged-in session per role (anonymous, participant, team,
consultant_a for Køge, consultant_b for Næstved, evaluator, admin). The
database is copied after building, so a test can put it back (``restore``)
and check that nothing changed (``changed_tables``).

``with_extreme_dates`` is the same world with dates no form lets through
written straight into the database (test_extreme_dates.py).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from datetime import timedelta
from pathlib import Path

from survey_app import accounts, audit, clock, create_app
from survey_app.context import opt_out_link
from survey_app.db import connect
from tests.helpers import command, csrf_token, enrol_test_app, log_in, set_two_teams, table_names

BASE_URL = "https://ips.example.dk"
LINK_DAYS = 3
PASSWORD = "lang og sikker adgangsfrase"
TEAM_LINK = re.compile(r"https://ips\.example\.dk(/team/[\w.-]+)")

# Køge (259) is municipality A, Næstved (370) municipality B.
PEOPLE = {"KOGE-A1": "259", "KOGE-B2": "259", "NAES-N1": "370"}
A, B = "KOGE-A1", "KOGE-B2"
PHONES = ("20123401", "20123402", "20123403")
STAFF = {
    "admin": ("admin@example.dk", "admin", ()),
    "evaluator": ("evaluator@example.dk", "evaluator", ()),
    "consultant_a": ("konsulent@koege.dk", "consultant", ("259",)),
    "consultant_b": ("konsulent@naestved.dk", "consultant", ("370",)),
}


def rows_of(connection) -> dict[str, list]:
    """Every row of every table, in an order that does not depend on how they were written."""
    tables = table_names(connection)
    return {
        table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr) for table in tables
    }


class World:
    """One app with Køge's and Næstved's data, a session per role, and a copy of the database."""

    def __init__(self, root: Path):
        self.path = root / "survey.db"
        self.app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "DATABASE": str(self.path),
                "BASE_URL": BASE_URL,
                "QUESTIONNAIRE_OVERRIDES_DIR": str(root / "questionnaires"),
                # Flask refuses a session cookie older than 31 days: links expire (and the round
                # closes) well within that, so a session opened in time can be tried after expiry.
                "LINK_VALID_DAYS": LINK_DAYS,
            }
        )
        self.key = self.app.config["SECRET_KEY"]
        self.cookie_name = self.app.config["SESSION_COOKIE_NAME"]
        self.runner = self.app.test_cli_runner()
        self.db = sqlite3.connect(self.path)
        self.links: dict[str, str] = {}  # participant code -> /s/<token>
        self.ids: dict[str, int] = {}
        self._build()
        self.baseline: sqlite3.Connection | None = None
        self.keep_as_built()

    # building

    def cli(self, *args: str):
        return command(self.runner, *args)

    def _build(self) -> None:
        for (code, municipality), phone in zip(PEOPLE.items(), PHONES, strict=True):
            self.cli(
                "participants", "add", code, "--municipality", municipality, "--baseline", "2025-05-01",
                "--phone", f"+45{phone}", "--consent",
            )  # fmt: skip
        for line in self.cli("invite", *PEOPLE).stdout.splitlines():
            code, url = line.split("\t")
            self.links[code] = url.removeprefix(BASE_URL)
        set_two_teams(self.runner)
        self.deadline = clock.today() + timedelta(days=LINK_DAYS)
        opened = self.cli(
            "rounds", "open", "Forår", "--questionnaire", "organisation", "--deadline", self.deadline.isoformat()
        )  # fmt: skip
        self.team_links = {
            line.split("\t")[0]: TEAM_LINK.match(line.split("\t")[2]).group(1)
            for line in opened.stdout.splitlines()
        }
        database = connect(self.path)
        try:
            self.users = {
                role: accounts.create_user(
                    database,
                    actor=audit.SEED,
                    email=email,
                    role=kind,
                    municipalities=list(codes),
                    password=PASSWORD,
                )
                for role, (email, kind, codes) in STAFF.items()
            }
            for user in self.users.values():  # each has set up their authenticator app
                enrol_test_app(database, user["id"])
            # A Køge consultant who has not yet chosen a password: their link is the set-password link.
            self.newcomer = accounts.create_user(
                database,
                actor=audit.SEED,
                email="nyansat@koege.dk",
                role="consultant",
                municipalities=["259"],
                password=None,
            )
            newcomer_token = accounts.set_password_token(database, self.key, self.newcomer["id"])
            first_admin_token = accounts.first_admin_token(database, self.key)
            # A reset link for the Køge consultant (issued before the snapshot: issuing one is a change).
            self.reset_link_token = accounts.set_password_token(
                database, self.key, self.users["consultant_a"]["id"]
            )
        finally:
            database.close()
        self.ids = {
            "participant": self.participant_id(A),
            "round": self.db.execute("SELECT id FROM round").fetchone()[0],
            "user": self.users["consultant_a"]["id"],
        }
        with self.app.app_context():
            self.opt_out = {
                code: opt_out_link({"id": self.participant_id(code)}).removeprefix(BASE_URL)
                for code in PEOPLE
            }
        self.set_password = "/adgangskode/" + newcomer_token
        self.first_admin = "/opsaetning/" + first_admin_token

        self.masters = {role: self._log_in(STAFF[role][0]) for role in STAFF}
        self.masters["anonymous"] = self.app.test_client()
        self.masters["participant"] = self.app.test_client()
        self._start(self.masters["participant"], self.links[A])
        self.masters["team"] = self.app.test_client()
        self._start(self.masters["team"], self.team_links["259"])

        # Køge's fidelity review, recorded by the evaluator.
        evaluator = self.masters["evaluator"]
        page = evaluator.get("/evaluering/fidelitet/ny?skala=ips25")
        recorded = evaluator.post(
            "/evaluering/fidelitet/ny?skala=ips25",
            data={"csrf_token": csrf_token(page.text), **self.review_form("2025-03-01")},
        )
        assert recorded.status_code == 303, recorded.text
        self.ids["review"] = self.db.execute("SELECT id FROM fidelity_review").fetchone()[0]
        # Køge's cluster (the clusters of Region Sjælland come with the database).
        self.ids["cluster"], self.cluster_name = self.db.execute(
            "SELECT id, name FROM cluster JOIN cluster_municipality ON cluster_id = id WHERE municipality_code = '259'"
        ).fetchone()
        self.cluster_members = [
            row[0]
            for row in self.db.execute(
                "SELECT municipality_code FROM cluster_municipality WHERE cluster_id = ?",
                [self.ids["cluster"]],
            )
        ]

        # Each role's session cookie and its CSRF token; every request clones the session.
        self.sessions = {}
        for role, client in self.masters.items():
            token = csrf_token(client.get("/").text)
            cookie = client.get_cookie(self.cookie_name)
            self.sessions[role] = (cookie.value if cookie else None, token)

    def _log_in(self, email: str):
        client = self.app.test_client()
        response = log_in(client, email, PASSWORD)
        assert response.status_code == 303, response.text
        return client

    @staticmethod
    def _start(client, link: str) -> None:
        welcome = client.get(link)
        assert welcome.status_code == 200, welcome.text
        assert client.post(link, data={"csrf_token": csrf_token(welcome.text)}).status_code == 303

    def review_form(self, day: str, reviewers: str = "Anne og Bo") -> dict:
        scale = self.app.extensions["fidelity_scales"]["ips25"]
        return {
            "municipality": "259",
            "review_date": day,
            "reviewers": reviewers,
            **{f"item_{item.id}": "4" for item in scale.items},
        }

    # reading

    def participant_id(self, code: str) -> int:
        return self.db.execute("SELECT id FROM participant WHERE code = ?", [code]).fetchone()[0]

    def invitation(self, code: str) -> dict:
        cursor = self.db.execute(
            "SELECT invitation.* FROM invitation JOIN participant ON participant.id = participant_id"
            " WHERE code = ? ORDER BY invitation.id DESC",
            [code],
        )
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))

    def token(self, code: str) -> str:
        return self.links[code].removeprefix("/s/")

    def team_token(self, municipality: str) -> str:
        return self.team_links[municipality].removeprefix("/team/")

    def snapshot(self) -> dict[str, list]:
        return rows_of(self.db)

    def changed_tables(self, before: dict | None = None) -> list[str]:
        """Tables whose rows differ from ``before`` (by default: the world as built)."""
        before = self.baseline_rows if before is None else before
        now = self.snapshot()
        return sorted(table for table in before.keys() | now.keys() if before.get(table) != now.get(table))

    def keep_as_built(self) -> None:
        """Take the database as it is now for the world as built: what ``restore`` puts back."""
        if self.baseline is not None:
            self.baseline.close()
        self.baseline = sqlite3.connect(":memory:")
        self.db.backup(self.baseline)
        self.baseline_rows = self.snapshot()

    def close(self) -> None:
        """Close the world's connection and its copy."""
        self.db.close()
        self.baseline.close()

    def restore(self) -> None:
        """Put the database back as it was built."""
        if self.snapshot() != self.baseline_rows:
            self.baseline.backup(self.db)

    # sessions

    def client(self, role: str):
        """A new browser holding a copy of the role's session: what it does stays its own."""
        client = self.app.test_client()
        cookie, _ = self.sessions[role]
        if cookie:
            client.set_cookie(self.cookie_name, cookie)
        return client

    def csrf(self, role: str) -> str:
        return self.sessions[role][1]

    def session_of(self, client) -> dict:
        """What the browser's session cookie holds (without Flask-Login's "_fresh" mark on a visitor)."""
        cookie = client.get_cookie(self.cookie_name)
        if cookie is None or not cookie.value:
            return {}
        session = dict(self.app.session_interface.get_signing_serializer(self.app).loads(cookie.value))
        if session.get("_fresh") is False:
            del session["_fresh"]
        return session


def build(root: Path) -> World:
    """The world of the module docstring, its database in ``root``."""
    return World(root)


# A participant per kind of impossible course start, none of them invited yet (so each gets a due date).
EXTREME_BASELINES = {
    "KOGE-X9999": "9999-12-31",
    "KOGE-X0001": "0001-01-01",
    "KOGE-XTEXT": "31-12-9999",
    "KOGE-XEMPTY": "",
}


def _make_dates_extreme(w: World) -> None:
    db = w.db
    with db:
        # The invited participants: one starts in 9999, one in year 1, with a birth year of 99999.
        db.execute("UPDATE participant SET baseline_date = '9999-12-31' WHERE code = 'KOGE-A1'")
        db.execute(
            "UPDATE participant SET baseline_date = '0001-01-01', birth_year = 99999 WHERE code = 'KOGE-B2'"
        )
        # Their links: one expiring at the very end of 9999 (UTC), one in year 1; Næstved's never.
        db.execute(
            "UPDATE invitation SET expires_at = '9999-12-31T23:59:59+00:00' WHERE participant_id ="
            " (SELECT id FROM participant WHERE code = 'KOGE-A1')"
        )
        db.execute(
            "UPDATE invitation SET expires_at = '0001-01-01T00:00:00+00:00' WHERE participant_id ="
            " (SELECT id FROM participant WHERE code = 'KOGE-B2')"
        )
        for number, (code, baseline) in enumerate(EXTREME_BASELINES.items()):
            db.execute(
                "INSERT INTO participant (code, municipality_code, baseline_date, phone, channel, language,"
                " birth_year, created_at, updated_at, consent_at)"
                " VALUES (?, '259', ?, ?, 'sms', 'da', 99999, ?, ?, ?)",
                [code, baseline, f"+452012349{number}", *["2026-11-25T09:00:00+00:00"] * 3],
            )
        db.execute("UPDATE fidelity_review SET review_date = '9999-12-31'")
        db.execute(
            "INSERT INTO fidelity_review (municipality_code, review_date, scale, reviewers, total,"
            " ips25_equivalent, created_at)"
            " SELECT municipality_code, '0001-01-01', scale, reviewers, total, ips25_equivalent,"
            " created_at FROM fidelity_review"
        )
        db.execute("UPDATE round SET deadline = '9999-12-31'")


def with_extreme_dates(root: Path) -> World:
    """The world with impossible dates: course starts in 9999, year 1, as text and empty (none invited),
    links expiring at the end of 9999 (UTC) and in year 1, birth years of 99999, fidelity reviews on
    9999-12-31 and 0001-01-01, and a round whose deadline is 9999-12-31. Kept as built with them."""
    world = World(root)
    _make_dates_extreme(world)
    world.keep_as_built()
    return world
