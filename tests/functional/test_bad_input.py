"""Bad input everywhere: a clear Danish 4xx and nothing stored, or, when it happens to be valid, stored as normalised.

1. Generated form posts (always with a valid CSRF token) to every form a
   person fills in: the participant's and the team's answers, adding and
   changing a participant, logging in, a fidelity review, and the admin's
   users, clusters and message texts. Values are drawn per field as either
   valid (with the form the product stores them in) or invalid (with the
   Danish message the form must show), and mixed with NUL bytes, invalid
   UTF-8 (percent-encoded bytes such as a lone surrogate), direction
   overrides, emoji, combining characters, repeated and missing fields.
2. Broken CSV files for the two upload pages and the import commands.
3. Odd Unicode in things shown back (participant code and e-mail, a team's
   comment, a fidelity review's reviewers): stored as typed and escaped in
   the page. The product does not NFC-normalise, so text is kept exactly
   as typed (only trimmed).

Between examples the database is put back as it was (``restore``), so each
example starts from the same rows; a valid example is checked and then undone.
"""

from __future__ import annotations

import html
import io
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote, quote_from_bytes

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app import PROJECT_ROOT, clock
from survey_app.questionnaires import load_file
from tests.conftest import PASSWORD
from tests.helpers import csrf_token

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out

CSQ8 = load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")
ORGANISATION = load_file(PROJECT_ROOT / "questionnaires" / "organisation.toml")

# Fixtures (the app, its database, logged-in clients) are made once per test and
# shared by its examples on purpose: every example restores the database itself.
# In CI the examples are the same on every run (a failure there is a bug, not luck);
# locally each run explores new ones.
EXAMPLES = settings(
    derandomize=os.environ.get("CI") == "true",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Which dates and birth years are allowed depends on today: every test runs on this day.
TODAY = date(2026, 11, 25)
THIS_YEAR = TODAY.year


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=clock.LOCAL_TZ), tick=True):
        yield


# --- Danish messages the pages must show ----------------------------------------------------------

NOTHING_SAVED = "Intet blev gemt"  # the 400 page of the answer endpoints
FORM_NOT_SAVED = "Intet er gemt endnu: ret de markerede felter nedenfor."
REQUIRED = "Feltet skal udfyldes."
NOT_A_CHOICE = "Vælg en af mulighederne på listen."
NOT_A_DATE = "Det er ikke en gyldig dato: skriv den som 2025-03-01."
NOT_MUNICIPALITIES = "Vælg kommunerne på listen."
TOO_LARGE_FILE = "Filen er for stor"
UNREADABLE_FILE = "Filen kan ikke læses som CSV-tekst."
MIXED_ENCODINGS = "Filen blander to tegnkodninger"
NOTHING_IMPORTED = "Intet blev importeret. Ret disse linjer, og upload filen igen:"


# --- the database, before and after ---------------------------------------------------------------


def _tables(db) -> list[str]:
    from tests.helpers import table_names

    return table_names(db)


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, in a comparable order."""
    return {
        table: sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr) for table in _tables(db)
    }


def restore(db, before: dict[str, list[tuple]]) -> None:
    """Put every table back as it was in ``before``."""
    now = snapshot(db)
    changed = [table for table in before if now.get(table) != before[table]]
    if not changed:
        return
    postgresql = getattr(db, "dialect", "sqlite") == "postgresql"
    # Foreign keys off while the tables are put back in any order (the test cluster's user may).
    db.conn.execute("SET session_replication_role = replica" if postgresql else "PRAGMA foreign_keys = OFF")
    try:
        with db.conn:
            for table in changed:
                db.conn.execute(f'DELETE FROM "{table}"')
                for row in before[table]:
                    db.conn.execute(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(row))})', row)
    finally:
        db.conn.execute(
            "SET session_replication_role = DEFAULT" if postgresql else "PRAGMA foreign_keys = ON"
        )


def without_login_records(tables: dict[str, list[tuple]], db) -> dict[str, list[tuple]]:
    """The snapshot minus what a failed login legitimately records.

    A refused login is written down on purpose: an audit row ``login_failed``
    and the account's ``failed_logins`` / ``locked_until`` (the pause after
    repeated failures).
    Everything else must stay as it was.
    """
    columns = [column[0] for column in db.execute('SELECT * FROM "user" LIMIT 0').description]
    dropped = {columns.index("failed_logins"), columns.index("locked_until")}
    action = [column[0] for column in db.execute("SELECT * FROM audit LIMIT 0").description].index("action")
    kept = dict(tables)
    kept["audit"] = [row for row in tables["audit"] if row[action] != "login_failed"]
    kept["user"] = [tuple(v for i, v in enumerate(row) if i not in dropped) for row in tables["user"]]
    return kept


# --- values drawn per field -----------------------------------------------------------------------


@dataclass(frozen=True)
class V:
    """A value to post: ``raw`` as sent (bytes are sent as they are, percent-encoded).

    ``ok``: whether the product must accept it; ``stored``: what it then
    stores; ``messages``: the Danish texts of which one must be shown when
    it is refused; ``level``: ``form`` (the form's own check, which stops
    before anything else is checked) or ``check`` (the product's rules).
    """

    raw: str | bytes
    ok: bool
    stored: object = None
    messages: tuple[str, ...] = ()
    level: str = "check"


_SAME = object()


def as_stored(db, value):
    """What the database keeps of a text: PostgreSQL cannot hold NUL, which becomes U+FFFD there
    (survey_app/postgres.py); SQLite keeps it as typed."""
    if getattr(db, "dialect", "sqlite") == "postgresql" and isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    return value


def good(raw, stored=_SAME) -> V:
    return V(raw, True, raw if stored is _SAME else stored)


def bad(raw, *messages, level="check") -> V:
    return V(raw, False, None, messages, level)


ODD_PIECES = [
    "\x00",
    "\u202e",  # right-to-left override
    "\u2067",  # right-to-left isolate
    "\u200b",  # zero width space
    "\ufeff",
    "😀",
    "👩🏽‍💻",
    "🇩🇰",
    "e\u0301",  # e + combining acute (not NFC)
    "\u0301",
    "A\u030a",
    "ß",
    "ﬁ",
    "\u00a0",
    "\u3000",
    "\t",
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "'; DROP TABLE participant; --",
    "%00",
    "ÆØÅæøå",
]
odd_text = st.lists(st.one_of(st.text(max_size=6), st.sampled_from(ODD_PIECES)), max_size=5).map("".join)
# Bytes that are not UTF-8: a lone surrogate (CESU-8), a stray lead byte, a bare continuation byte.
raw_bytes = st.one_of(
    st.sampled_from([b"\xed\xa0\x80", b"\xff", b"\xc3", b"\xe2\x80", b"\x80abc", b"A-\xf8"]),
    st.binary(min_size=1, max_size=6),
)
padding = st.sampled_from(["", " ", "  ", "\t", " \u00a0"])


def padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[str, str]]:
    """(core with spaces around it, core)."""
    return st.tuples(padding, core, padding).map(lambda t: (t[0] + t[1] + t[2], t[1]))


def received(raw: str | bytes) -> str:
    """The value as the server reads it: bytes that are not UTF-8 stay percent-encoded."""
    if isinstance(raw, str):
        return raw
    text = raw.decode("utf-8", "surrogateescape")
    return "".join(f"%{ord(c) - 0xDC00:02X}" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in text)


def filled(raw: str | bytes) -> bool:
    """True when the value, as received, is more than white space."""
    return bool(received(raw).strip())


def not_number(text: str) -> bool:
    """True when nothing in ``text`` could be read as a whole number."""
    core = text.strip().lstrip("+-").replace("_", "")
    return not core.isdecimal()


def form_body(pairs: list[tuple[str, str | bytes]]) -> str:
    def encoded(value):
        return quote_from_bytes(value if isinstance(value, bytes) else value.encode("utf-8"), safe="")

    return "&".join(f"{quote(name, safe='')}={encoded(value)}" for name, value in pairs)


def post(client, path, pairs, **headers):
    return client.post(
        path, data=form_body(pairs), content_type="application/x-www-form-urlencoded", headers=headers
    )


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def assert_refused(response, before_tables, after_tables, *messages, statuses=(400, 422)):
    """A 4xx, one of the Danish ``messages`` in the page, and no table changed."""
    assert response.status_code in statuses, (response.status_code, page_text(response)[:2000])
    text = page_text(response)
    assert any(message in text for message in messages), (messages, _errors_in(text))
    assert after_tables == before_tables


def _errors_in(text: str) -> list[str]:
    return re.findall(r'class="error[^"]*"[^>]*>(.*?)</', text, re.S) + re.findall(r"<li>(.*?)</li>", text)


@st.composite
def repeated(draw, name: str, values: st.SearchStrategy[V]) -> list[tuple[str, V]]:
    """The field sent once (mostly), twice (the first counts) or not at all."""
    count = draw(st.sampled_from([1, 1, 1, 1, 2, 0]))
    return [(name, draw(values)) for _ in range(count)]


def as_pairs(token: str, tagged: list[tuple[str, V]]) -> list[tuple[str, str | bytes]]:
    return [("csrf_token", token)] + [(name, v.raw) for name, v in tagged]


def first_tag(tagged: list[tuple[str, V]], name: str) -> V | None:
    return next((v for n, v in tagged if n == name), None)


# --- 1a. the participant's and the team's answers -------------------------------------------------


def answer_values(item_ids: list[str], options: list[int], text_items: bool):
    """What may be posted as an answer's item and value."""
    items = st.one_of(
        st.sampled_from(item_ids).map(lambda i: V(i, True, i)),
        st.one_of(
            st.sampled_from(["", "csq_9", "CSQ_1", " csq_1", "csq_1\x00", "org_1\u202e", "org_99"]),
            odd_text,
            raw_bytes,
        )
        .filter(lambda raw: received(raw) not in item_ids)
        .map(lambda raw: bad(raw, NOTHING_SAVED)),
    )
    numbers = st.one_of(
        padded(st.sampled_from(options).map(str)).map(lambda p: V(p[0], True, int(p[1]))),
        st.integers().filter(lambda n: n not in options).map(lambda n: bad(str(n), NOTHING_SAVED)),
        st.sampled_from(["", " ", "3.0", "1e0", "0x3", "3 3", "¹", "9" * 5000, "three", "tre"]).map(
            lambda raw: bad(raw, NOTHING_SAVED)
        ),
        st.one_of(odd_text, raw_bytes)
        .filter(lambda raw: not_number(received(raw)))
        .map(lambda raw: bad(raw, NOTHING_SAVED)),
    )
    texts = st.one_of(
        padded(odd_text).map(lambda p: V(p[0], True, p[0].strip())),
        raw_bytes.map(lambda raw: V(raw, True, received(raw).strip())),
        st.integers(1990, 2100).map(lambda n: V("x" * n, n <= 2000, "x" * n, (NOTHING_SAVED,))),
    )
    return items, numbers, (texts if text_items else None)


@st.composite
def answer_posts(draw, questionnaire):
    item_ids = [item.id for item in questionnaire.items]
    options = sorted({o.score for item in questionnaire.items for o in item.options})
    has_text = any(item.type == "text" for item in questionnaire.items)
    items, numbers, texts = answer_values(item_ids, options, has_text)
    tagged = draw(repeated("item", items))
    chosen = first_tag(tagged, "item")
    item = questionnaire.item(chosen.stored) if chosen and chosen.ok else None
    values = texts if item is not None and item.type == "text" else numbers
    tagged += draw(repeated("value", values))
    if draw(st.integers(0, 5)) == 0:
        tagged.append(("skip", V(draw(st.sampled_from(["1", "ja", ""])), True)))
    return tagged


def expected_answer(questionnaire, tagged) -> tuple[str, object] | None:
    """(item id, stored score or text) when the post is a valid answer, else None."""
    chosen = first_tag(tagged, "item")
    if chosen is None or not chosen.ok:
        return None
    item = questionnaire.item(chosen.stored)
    skip = first_tag(tagged, "skip")
    if skip is not None and skip.raw and not item.required:
        return item.id, ""
    value = first_tag(tagged, "value")
    if item.type == "text":
        text = value.stored if value is not None else ""
        if value is not None and not value.ok:
            return None
        return (item.id, text) if text or not item.required else None
    if value is None or not value.ok or item.option(value.stored) is None:
        return None
    return item.id, value.stored


@pytest.fixture
def participant(app, add_participant, invite):
    """A browser that has pressed Start on a participant's link; returns (client, CSRF token)."""
    add_participant("P-001")
    link = invite("P-001")
    client = app.test_client()
    welcome = client.get(link)
    assert client.post(link, data={"csrf_token": csrf_token(welcome.text)}).status_code == 303
    return client, csrf_token(client.get("/svar").text)


def check_answer_post(db, client, path, token, questionnaire, tagged, fetch, stored_rows, expected_row):
    """Post a generated answer: refused without a trace, or stored as ``expected_row(item, value)``."""
    before = snapshot(db)
    try:
        response = post(
            client, path, as_pairs(token, tagged), **({"X-Requested-With": "fetch"} if fetch else {})
        )
        assert response.status_code < 500
        expected = expected_answer(questionnaire, tagged)
        if expected is None:
            assert_refused(response, before, snapshot(db), NOTHING_SAVED, statuses=(400,))
        else:
            assert response.status_code == (200 if fetch else 303), page_text(response)[:500]
            item_id, value = expected
            assert list(db.query(stored_rows)) == [expected_row(questionnaire.item(item_id), value)]
    finally:
        restore(db, before)


@given(tagged=answer_posts(CSQ8), fetch=st.booleans())
@EXAMPLES
def test_participant_answer_posts(participant, db, tagged, fetch):
    client, token = participant
    check_answer_post(
        db,
        client,
        "/svar",
        token,
        CSQ8,
        tagged,
        fetch,
        "SELECT item_id, score FROM answer",
        lambda item, score: {"item_id": item.id, "score": score},
    )


@pytest.fixture
def team(app, runner):
    """A browser that has pressed Start on a team's link in an open round; returns (client, CSRF token)."""
    assert runner.invoke(args=["teams", "set", "259", "--email", "ips@koege.dk"]).exit_code == 0
    opened = runner.invoke(
        args=["rounds", "open", "Forår 2027", "--questionnaire", "organisation", "--deadline", "2027-06-01"]
    )
    assert opened.exit_code == 0, opened.output
    link = re.search(r"https://ips\.example\.dk(/team/\S+)", opened.stdout).group(1)
    client = app.test_client()
    welcome = client.get(link)
    assert client.post(link, data={"csrf_token": csrf_token(welcome.text)}).status_code == 303
    return client, csrf_token(client.get("/team/svar").text)


def stored_team_answer(item, value) -> dict:
    if item.type == "text":
        return {"item_id": item.id, "score": None, "text": value or None}
    return {"item_id": item.id, "score": value, "text": None}


@given(tagged=answer_posts(ORGANISATION), fetch=st.booleans())
@EXAMPLES
def test_team_answer_posts(team, db, tagged, fetch):
    client, token = team
    check_answer_post(
        db,
        client,
        "/team/svar",
        token,
        ORGANISATION,
        tagged,
        fetch,
        "SELECT item_id, score, text FROM round_answer",
        stored_team_answer,
    )


def test_an_answer_of_70_kb_is_refused_with_413(participant, db):
    client, token = participant
    before = snapshot(db)
    response = post(
        client, "/svar", [("csrf_token", token), ("item", "csq_1"), ("value", "3" + " " * 70_000)]
    )
    assert response.status_code == 413
    assert "For meget tekst" in page_text(response) and NOTHING_SAVED in page_text(response)
    assert snapshot(db) == before


# --- 1b. adding and changing a participant --------------------------------------------------------

CODE_SPEC = re.compile(r"[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå_.-]{0,39}")  # 1-40 letters, digits, - _ .
CODE_MESSAGES = (
    "Skriv deltagerens kode.",
    "Deltagerkoden er tom.",
    "er ikke gyldig: brug 1–40 bogstaver",
    "Koden ligner et CPR-nummer",
)
DUPLICATE_CODE = "Der findes allerede en deltager med koden"
LETTERS = "A-Za-zÆØÅæøå"

codes = st.one_of(
    padded(st.from_regex(rf"[{LETTERS}][{LETTERS}_.-]{{0,20}}", fullmatch=True)).map(
        lambda p: V(p[0], True, p[1])
    ),
    padded(st.from_regex(rf"[{LETTERS}]{{1,3}}-[0-9]{{1,4}}", fullmatch=True)).map(
        lambda p: V(p[0], True, p[1])
    ),
    st.sampled_from(["EKSIST-1", " EKSIST-1 ", "REDIGER-1"]).map(lambda raw: V(raw, True, raw.strip())),
    st.just(bad("", "Skriv deltagerens kode.", level="form")),
    st.sampled_from([" ", "\t", "\u3000"]).map(lambda raw: bad(raw, "Deltagerkoden er tom.")),
    st.sampled_from(["010190-1234", "0101901234", "K-311299 1234"]).map(lambda raw: bad(raw, *CODE_MESSAGES)),
    st.tuples(
        st.from_regex(rf"[{LETTERS}]{{1,5}}", fullmatch=True),
        st.sampled_from(["<", " x", "\x00", "\u202e", "😀", "é", "e\u0301", "/", "@", "\u200b", "%00"]),
    ).map(lambda t: bad(t[0] + t[1], *CODE_MESSAGES)),
    st.sampled_from(["A" * 41, "-A", "_A", ".A"]).map(lambda raw: bad(raw, *CODE_MESSAGES)),
    raw_bytes.filter(lambda raw: not CODE_SPEC.fullmatch(received(raw).strip())).map(
        lambda raw: bad(raw, *CODE_MESSAGES)
    ),
)
municipalities = st.one_of(
    st.just(good("259")),
    st.one_of(st.sampled_from(["370", "999", "", " 259", "0259", "Køge"]), odd_text, raw_bytes)
    .filter(lambda raw: received(raw) != "259")
    .map(lambda raw: bad(raw, NOT_A_CHOICE, level="form")),
)
COURSE_START_RANGE = "Forløbsstarten skal ligge mellem 2000-01-01 og 2027-11-25."
baselines = st.one_of(
    st.dates(date(2000, 1, 1), date(2027, 11, 25)).map(lambda d: good(d.isoformat())),
    st.dates(date(2000, 1, 1), date(2027, 11, 25)).map(
        lambda d: V(f"{d.year}-{d.month}-{d.day}", True, d.isoformat())
    ),
    st.one_of(st.dates(date(1000, 1, 1), date(1999, 12, 31)), st.dates(date(2027, 11, 26))).map(
        lambda d: bad(d.isoformat(), COURSE_START_RANGE)
    ),
    st.just(bad("", "Angiv datoen, forløbet startede.", level="form")),
    st.sampled_from(
        ["2026-02-30", "2025-13-01", "2025-00-10", "01-05-2025", " ", "2025-05-01x", "i går"]
    ).map(lambda raw: bad(raw, NOT_A_DATE, level="form")),
    st.one_of(odd_text.filter(lambda s: any(c.isalpha() for c in s)), raw_bytes).map(
        lambda raw: bad(raw, NOT_A_DATE, "Angiv datoen, forløbet startede.", level="form")
    ),
)
mobile = st.from_regex(r"[2-9][0-9]{7}", fullmatch=True)
PHONE_FORMATS = [
    lambda d: d,
    lambda d: "+45" + d,
    lambda d: "+45 " + " ".join(d[i : i + 2] for i in range(0, 8, 2)),
    lambda d: "0045" + d,
    lambda d: "45" + d,
    lambda d: f"({d[:2]}) {d[2:4]}-{d[4:6]}-{d[6:]}",
]
phones = st.one_of(
    st.tuples(mobile, st.sampled_from(PHONE_FORMATS), padding).map(
        lambda t: V(t[1](t[0]) + t[2], True, "+45" + t[0])
    ),
    st.just(good("", None)),
    st.one_of(
        st.sampled_from(["123", "12345678", "+46 20123456", "2012345678901", "tyve"]),
        # Digits of other scripts look like digits but no SMS gateway takes them.
        mobile.map(lambda d: d[0] + "".join(chr(0x0660 + int(c)) for c in d[1:])),
        mobile.map(lambda d: "".join(chr(0xFF10 + int(c)) for c in d)),
        st.tuples(mobile, st.sampled_from(["\x00", "\u202e", "😀", "x"])).map(
            lambda t: t[0][:4] + t[1] + t[0][4:]
        ),
        raw_bytes.filter(filled),
    ).map(lambda raw: bad(raw, "er ikke et dansk telefonnummer")),
)
addresses = st.from_regex(r"[a-z0-9._%+-]{1,12}@[a-z0-9-]{1,10}\.(dk|com)", fullmatch=True) | st.sampled_from(
    ["søren@køge.dk", "<script>alert(1)</script>@example.dk"]
)
emails = st.one_of(
    padded(addresses).map(lambda p: V(p[0], True, p[1])),
    st.just(good("", None)),
    st.one_of(
        st.text(min_size=1, max_size=12).filter(lambda s: "@" not in s and s.strip()),
        st.sampled_from(["a@b", "a b@c.dk", "a@b@c.dk", "@example.dk", "x@.", "x" * 250 + "@example.dk"]),
        st.tuples(addresses, st.sampled_from(["\x00", "\x1b", "\u202e", "\u200b", "\u2066", " "])).map(
            lambda t: t[1] + t[0] if t[1] != " " else t[0].replace("@", " @")
        ),
    ).map(lambda raw: bad(raw, "er ikke en gyldig e-mailadresse")),
)
garbage_choice = st.one_of(
    st.sampled_from(["", "SMS", "fax", "Email", "DA", "dansk", "kvinde"]), odd_text, raw_bytes
)


def choice(valid: list[str]) -> st.SearchStrategy[V]:
    return st.one_of(
        st.sampled_from(valid).map(lambda raw: good(raw)),
        garbage_choice.filter(lambda raw: received(raw) not in valid).map(
            lambda raw: bad(raw, NOT_A_CHOICE, level="form")
        ),
    )


birth_years = st.one_of(
    st.just(good("", None)),
    padded(st.integers(1900, THIS_YEAR - 14).map(str)).map(lambda p: V(p[0], True, int(p[1]))),
    # Decimal digits of another script are read as the number they are.
    st.integers(1900, THIS_YEAR - 14).map(
        lambda y: V("".join(chr(0x0660 + int(c)) for c in str(y)), True, y)
    ),
    st.one_of(st.integers(0, 1899), st.integers(THIS_YEAR - 13, 99999))
    .map(str)
    .map(lambda raw: bad(raw, f"Fødselsåret skal ligge mellem 1900 og {THIS_YEAR - 14}.")),
    st.one_of(
        st.integers(-3000, -1).map(str),
        st.sampled_from(["abc", "¹⁹⁹⁰", "19 90", "1990.0", "MCMXC", "1990\x00", "²⁰⁰⁰"]),
        raw_bytes,
    ).map(lambda raw: bad(raw, "er ikke et sandsynligt fødselsår")),
)
consents = st.one_of(
    st.just(good("y", True)), st.just(V(None, False, None, ("Deltageren skal have givet samtykke",)))
)


@st.composite
def participant_posts(draw):
    fields = {
        "code": codes,
        "municipality": municipalities,
        "baseline": baselines,
        "phone": phones,
        "email": emails,
        "channel": choice(["sms", "email"]),
        "language": choice(["da", "en"]),
        "gender": choice(["", "female", "male", "other"]),
        "birth_year": birth_years,
        "consent": consents,
    }
    tagged = []
    for name, values in fields.items():
        # Not the date: WTForms' DateField reads every value sent (joined by a space),
        # so a repeated date is an invalid date, not "the first counts".
        if name in ("code", "email"):
            tagged += draw(repeated(name, values))
        else:
            v = draw(values)
            if v.raw is not None:
                tagged.append((name, v))
            elif name == "consent":
                tagged.append(("consent-missing", v))  # not sent at all: an unticked box
    return draw(st.permutations(tagged))


MISSING = {
    "code": bad(None, "Skriv deltagerens kode.", level="form"),
    "baseline": bad(None, "Angiv datoen, forløbet startede.", level="form"),
    "phone": good(None, None),
    "email": good(None, None),
}


def expected_participant(tagged, taken_codes: set[str]):
    """(row, []) for a valid post, else (None, messages of which each must be shown)."""
    values = {}
    for name in (
        "code",
        "municipality",
        "baseline",
        "phone",
        "email",
        "channel",
        "language",
        "gender",
        "birth_year",
    ):
        values[name] = first_tag(tagged, name) or MISSING[name]
    values["consent"] = first_tag(tagged, "consent") or first_tag(tagged, "consent-missing")
    form_level = [v for v in values.values() if not v.ok and v.level == "form"]
    if form_level:
        return None, [v.messages for v in form_level]
    problems = [v.messages for v in values.values() if not v.ok]
    channel = values["channel"].stored
    if channel == "sms" and values["phone"].ok and values["phone"].stored is None:
        problems.append(("Der skal være et mobilnummer for at sende med SMS.",))
    if channel == "email" and values["email"].ok and values["email"].stored is None:
        problems.append(("Der skal være en e-mailadresse for at sende med e-mail.",))
    if problems:
        return None, problems
    if values["code"].stored in taken_codes:
        return None, [(DUPLICATE_CODE,)]
    row = {
        "code": values["code"].stored,
        "municipality_code": "259",
        "baseline_date": values["baseline"].stored,
        "phone": values["phone"].stored,
        "email": values["email"].stored,
        "channel": channel,
        "language": values["language"].stored,
        "gender": values["gender"].stored or None,
        "birth_year": values["birth_year"].stored,
    }
    return row, []


def participant_pairs(token, tagged):
    return [("csrf_token", token)] + [(n, v.raw) for n, v in tagged if n != "consent-missing"]


PARTICIPANT_COLUMNS = (
    "code, municipality_code, baseline_date, phone, email, channel, language, gender, birth_year"
)


@pytest.fixture
def consultant(login, add_participant):
    add_participant("EKSIST-1", "259")
    add_participant("REDIGER-1", "259")
    client = login("consultant", ("259",))
    return client, csrf_token(client.get("/konsulent/deltagere/ny").text)


def check_participant_post(client, db, path, tagged, token, taken, participant_where):
    before = snapshot(db)
    try:
        response = post(client, path, participant_pairs(token, tagged))
        assert response.status_code < 500
        row, problems = expected_participant(tagged, taken)
        if row is None:
            assert_refused(response, before, snapshot(db), *problems[0], statuses=(422,))
            text = page_text(response)
            for messages in problems:
                assert any(m in text for m in messages), (messages, _errors_in(text))
            if problems != [(DUPLICATE_CODE,)]:
                assert FORM_NOT_SAVED in text
        else:
            assert response.status_code == 303, _errors_in(page_text(response))
            stored = next(
                db.query(
                    f"SELECT {PARTICIPANT_COLUMNS}, consent_at FROM participant WHERE {participant_where}",
                    [row["code"]],
                )
            )
            assert stored.pop("consent_at")
            assert stored == row
            shown = client.get(response.location)
            assert shown.status_code == 200 and html.escape(row["code"], quote=False) in shown.text
    finally:
        restore(db, before)


@given(tagged=participant_posts())
@EXAMPLES
def test_add_participant_posts(consultant, db, tagged):
    client, token = consultant
    check_participant_post(
        client, db, "/konsulent/deltagere/ny", tagged, token, {"EKSIST-1", "REDIGER-1"}, "code = ?"
    )


@given(tagged=participant_posts())
@EXAMPLES
def test_edit_participant_posts(consultant, db, tagged):
    client, token = consultant
    participant_id = next(db.query("SELECT id FROM participant WHERE code = 'REDIGER-1'"))["id"]
    check_participant_post(
        client,
        db,
        f"/konsulent/deltagere/{participant_id}/ret",
        tagged,
        token,
        {"EKSIST-1"},
        f"id = {participant_id} AND code = ?",
    )


def test_sms_without_a_number_is_said_even_when_the_e_mail_is_wrong_too(consultant, db):
    # Found by the property above: both problems at once, not the second after fixing the first.
    client, token = consultant
    before = snapshot(db)
    response = client.post(
        "/konsulent/deltagere/ny",
        data={
            "csrf_token": token,
            "code": "NY-1",
            "municipality": "259",
            "baseline": "2025-05-01",
            "phone": "",
            "email": "ikke-en-adresse",
            "channel": "sms",
            "language": "da",
            "consent": "y",
        },
    )
    text = page_text(response)
    assert response.status_code == 422
    assert "Der skal være et mobilnummer for at sende med SMS." in text
    assert "e-mail" in text.lower() and snapshot(db) == before


# --- 1c. logging in -------------------------------------------------------------------------------

LOGIN_EMAIL = "konsulent@koege.dk"


@pytest.fixture
def staff_account(make_user):
    return make_user(email=LOGIN_EMAIL)


login_emails = st.one_of(
    # E-mail addresses are compared without regard to case.
    st.sampled_from([LOGIN_EMAIL, f" {LOGIN_EMAIL} ", LOGIN_EMAIL.upper()]).map(
        lambda raw: V(raw, True, "right")
    ),
    st.one_of(
        st.sampled_from([LOGIN_EMAIL + "\x00", "\u202e" + LOGIN_EMAIL, "admin@x.dk"]),
        odd_text.filter(lambda s: s.strip()),
        raw_bytes.filter(filled),
    ).map(lambda raw: V(raw, True, "wrong")),
    st.sampled_from(["", " ", "\t"]).map(lambda raw: bad(raw, REQUIRED, level="form")),
)
passwords = st.one_of(
    st.just(V(PASSWORD, True, "right")),
    st.one_of(
        st.sampled_from([PASSWORD + " ", PASSWORD.upper(), PASSWORD + "\x00", "x" * 5000]),
        odd_text.filter(lambda s: s.strip() and s != PASSWORD),
        raw_bytes.filter(filled),
    ).map(lambda raw: V(raw, True, "wrong")),
    st.sampled_from(["", "  "]).map(lambda raw: bad(raw, REQUIRED, level="form")),
)


@st.composite
def login_posts(draw):
    tagged = draw(repeated("email", login_emails)) + draw(repeated("password", passwords))
    return draw(st.permutations(tagged))


@given(tagged=login_posts())
@EXAMPLES
def test_login_posts(app, db, staff_account, tagged):
    before = snapshot(db)
    try:
        client = app.test_client()
        token = csrf_token(client.get("/login").text)
        response = post(client, "/login", as_pairs(token, tagged))
        assert response.status_code < 500
        email = first_tag(tagged, "email") or bad(None, REQUIRED, level="form")
        password = first_tag(tagged, "password") or bad(None, REQUIRED, level="form")
        if email.stored == password.stored == "right":
            assert response.status_code == 303
            return
        after = snapshot(db)
        if not (email.ok and password.ok):
            assert_refused(response, before, after, REQUIRED, statuses=(422,))
        else:
            assert_refused(
                response,
                without_login_records(before, db),
                without_login_records(after, db),
                "Forkert e-mail eller adgangskode.",
                statuses=(401,),
            )
    finally:
        restore(db, before)


# --- 1d. a fidelity review ------------------------------------------------------------------------

IPS15_ITEMS = (
    [f"s{i}" for i in range(1, 4)] + [f"o{i}" for i in range(1, 4)] + [f"y{i}" for i in range(1, 10)]
)
REVIEW_NOT_SAVED = "Intet er gemt endnu: ret disse"
EXISTING_REVIEW = date(2024, 1, 15)

review_municipalities = st.one_of(
    st.sampled_from(["259", " 259 ", "0259", "Køge", "Køge Kommune"]).map(lambda raw: V(raw, True, "259")),
    st.just(bad("", "Vælg en kommune.")),
    st.one_of(st.sampled_from(["999", "Atlantis", "259x"]), odd_text, raw_bytes)
    .filter(lambda raw: filled(raw) and not received(raw).strip().isdecimal())
    .map(lambda raw: bad(raw, "er ikke en dansk kommunekode")),
)
review_dates = st.one_of(
    st.dates(date(2000, 1, 1), TODAY).map(lambda d: V(d.isoformat(), True, d.isoformat())),
    st.dates(date(2000, 1, 1), TODAY).map(lambda d: V(d.strftime("%d-%m-%Y"), True, d.isoformat())),
    st.just(V(EXISTING_REVIEW.isoformat(), True, EXISTING_REVIEW.isoformat())),
    st.just(bad("", "Angiv datoen for målingen.")),
    st.one_of(st.dates(date(1, 1, 1), date(1999, 12, 31)), st.dates(TODAY + timedelta(days=1))).map(
        lambda d: bad(
            d.isoformat(), "Datoen for målingen skal ligge mellem 2000-01-01 og 2026-11-25 (i dag)."
        )
    ),
    st.one_of(
        st.sampled_from(["2023-02-30", "30-02-2023", "2023/01/01", "i går"]), raw_bytes.filter(filled)
    ).map(lambda raw: bad(raw, "er ikke en dato")),
)
reviewer_texts = st.one_of(
    odd_text.map(
        lambda s: V(
            s,
            len(" ".join(s.split())) <= 200,
            " ".join(s.split()) or None,
            ("Bedømmernes navne må højst fylde 200 tegn.",),
        )
    ),
    st.integers(190, 260).map(
        lambda n: V("Å" * n, n <= 200, "Å" * n, ("Bedømmernes navne må højst fylde 200 tegn.",))
    ),
)
item_scores = st.one_of(
    padded(st.integers(1, 5).map(str)).map(lambda p: V(p[0], True, int(p[1]))),
    st.just(bad("", "mangler en score")),
    st.one_of(
        st.sampled_from(["0", "6", "-1", "3.5", "x", "99999999999999999999"]),
        odd_text.filter(lambda s: s.strip() and not_number(s)),
    ).map(lambda raw: bad(raw, "er ikke en score fra 1 til 5")),
)


@st.composite
def review_posts(draw):
    tagged = [
        ("municipality", draw(review_municipalities)),
        ("review_date", draw(review_dates)),
        ("reviewers", draw(reviewer_texts)),
    ]
    all_valid = draw(st.booleans())
    for item_id in IPS15_ITEMS:
        v = draw(item_scores.filter(lambda v: v.ok) if all_valid else item_scores)
        if not all_valid and draw(st.integers(0, 9)) == 0:
            tagged.append((f"missing_{item_id}", bad(None, "mangler en score")))
        else:
            tagged.append((f"item_{item_id}", v))
    return draw(st.permutations(tagged))


@pytest.fixture
def evaluator(login):
    client = login("evaluator", ())
    token = csrf_token(client.get("/evaluering/fidelitet/ny?skala=ips15").text)
    seeded = post(
        client,
        "/evaluering/fidelitet/ny?skala=ips15",
        [("csrf_token", token), ("municipality", "259"), ("review_date", EXISTING_REVIEW.isoformat())]
        + [(f"item_{item_id}", "3") for item_id in IPS15_ITEMS],
    )
    assert seeded.status_code == 303, page_text(seeded)[:2000]
    client.get(seeded.location)
    return client, token


@given(tagged=review_posts())
@EXAMPLES
def test_fidelity_review_posts(evaluator, db, tagged):
    client, token = evaluator
    before = snapshot(db)
    try:
        pairs = [("csrf_token", token)] + [(n, v.raw) for n, v in tagged if not n.startswith("missing_")]
        response = post(client, "/evaluering/fidelitet/ny?skala=ips15", pairs)
        assert response.status_code < 500
        problems = [v.messages for _, v in tagged if not v.ok]
        fields = dict(tagged)
        if (
            not problems
            and fields["municipality"].stored == "259"
            and fields["review_date"].stored == EXISTING_REVIEW.isoformat()
        ):
            problems.append(("har allerede en IPS-15-måling",))
        if problems:
            assert_refused(response, before, snapshot(db), REVIEW_NOT_SAVED, statuses=(422,))
            text = page_text(response)
            for messages in problems:
                assert any(m in text for m in messages), (messages, _errors_in(text))
        else:
            assert response.status_code == 303, _errors_in(page_text(response))
            scores = {item_id: fields[f"item_{item_id}"].stored for item_id in IPS15_ITEMS}
            review = next(
                db.query(
                    "SELECT * FROM fidelity_review WHERE review_date = ?", [fields["review_date"].stored]
                )
            )
            assert (review["municipality_code"], review["scale"], review["reviewers"], review["total"]) == (
                "259",
                "ips15",
                fields["reviewers"].stored,
                sum(scores.values()),
            )
            stored = {
                r["item_id"]: r["score"]
                for r in db.query("SELECT * FROM fidelity_score WHERE review_id = ?", [review["id"]])
            }
            assert stored == scores
            client.get(response.location)
    finally:
        restore(db, before)


# --- 1e. the admin's users, clusters and message texts --------------------------------------------

EXISTING_CLUSTER = "Sjælland Syd"  # clusters of Region Sjælland come with the product
TAKEN_MUNICIPALITY = "259"  # Køge, in Sjælland Øst
FREE_MUNICIPALITIES = ["101", "147", "151"]


@pytest.fixture
def admin(login, make_user):
    make_user(email=LOGIN_EMAIL)
    client = login("admin", ())
    return client, csrf_token(client.get("/admin/").text)


municipality_lists = st.lists(
    st.one_of(
        st.sampled_from(["259", "370", "101"]).map(good),
        st.one_of(st.sampled_from(["999", "", "0259", "Køge"]), odd_text, raw_bytes)
        .filter(lambda raw: received(raw) not in ("259", "370", "101"))
        .map(lambda raw: bad(raw, NOT_MUNICIPALITIES, level="form")),
    ),
    max_size=3,
)
names = st.one_of(
    odd_text.map(lambda s: V(s, True, s.strip() or None)),
    raw_bytes.map(lambda raw: V(raw, True, received(raw).strip() or None)),
)
user_emails = st.one_of(
    padded(addresses).map(lambda p: V(p[0], True, p[1])),
    st.just(bad("", REQUIRED, level="form")),
    st.sampled_from([LOGIN_EMAIL, f" {LOGIN_EMAIL}"]).map(
        lambda raw: bad(raw, "Der findes allerede en bruger")
    ),
    st.one_of(
        st.text(min_size=1, max_size=12).filter(lambda s: "@" not in s and s.strip()),
        st.sampled_from(["a@b", "a b@c.dk", "x\x00@y.dk", "\u202ex@y.dk"]),
    ).map(lambda raw: bad(raw, "er ikke en gyldig e-mailadresse")),
)


@st.composite
def user_posts(draw, *, editing: bool):
    tagged = [
        ("name", draw(names)),
        ("role", draw(choice(["consultant", "evaluator", "admin"]))),
    ]
    if editing:
        tagged.append(
            (
                "email",
                draw(
                    st.sampled_from(
                        [good("someone@koege.dk"), good("ignored"), bad("", REQUIRED, level="form")]
                    )
                ),
            )
        )
    else:
        tagged.append(("email", draw(user_emails)))
    tagged += [("municipalities", v) for v in draw(municipality_lists)]
    if draw(st.booleans()):
        tagged.append(("disabled", good("y", True)))
    return draw(st.permutations(tagged))


def expected_user(tagged) -> tuple[dict | None, list[tuple[str, ...]]]:
    values = dict(reversed(tagged))
    form_level = [v.messages for _, v in tagged if not v.ok and v.level == "form"]
    if form_level:
        return None, form_level
    email = values["email"]
    if not email.ok and email.messages != ("Der findes allerede en bruger",):
        return None, [email.messages]
    role = values["role"].stored
    codes = sorted({v.stored for n, v in tagged if n == "municipalities"})
    if role == "consultant" and not codes:
        return None, [("En konsulent skal arbejde for mindst én kommune.",)]
    if not email.ok:
        return None, [email.messages]
    return {
        "email": email.stored,
        "name": values["name"].stored,
        "role": role,
        "municipalities": codes if role == "consultant" else [],
        "disabled": "disabled" in values,
    }, []


def user_row(db, where: str, params) -> dict:
    row = next(db.query(f"SELECT id, email, name, role, disabled_at FROM user WHERE {where}", params))
    codes = [
        r["municipality_code"]
        for r in db.query(
            "SELECT municipality_code FROM user_municipality WHERE user_id = ? ORDER BY municipality_code",
            [row["id"]],
        )
    ]
    return {
        "email": row["email"],
        "name": row["name"],
        "role": row["role"],
        "municipalities": codes,
        "disabled": row["disabled_at"] is not None,
    }


@given(tagged=user_posts(editing=False))
@EXAMPLES
def test_admin_new_user_posts(admin, db, tagged):
    client, token = admin
    before = snapshot(db)
    try:
        response = post(client, "/admin/", as_pairs(token, tagged))
        assert response.status_code < 500
        expected, problems = expected_user(tagged)
        if expected is None:
            assert_refused(response, before, snapshot(db), *problems[0], statuses=(422,))
            for messages in problems:
                assert any(m in page_text(response) for m in messages), messages
        else:
            assert response.status_code == 200, _errors_in(page_text(response))
            assert "/adgangskode/" in response.text  # the new user's link to set a password
            assert user_row(db, "email = ?", [expected["email"]]) == expected | {"disabled": False}
    finally:
        restore(db, before)


@given(tagged=user_posts(editing=True))
@EXAMPLES
def test_admin_edit_user_posts(admin, db, tagged):
    client, token = admin
    user_id = next(db.query("SELECT id FROM user WHERE email = ?", [LOGIN_EMAIL]))["id"]
    before = snapshot(db)
    try:
        response = post(client, f"/admin/brugere/{user_id}", as_pairs(token, tagged))
        assert response.status_code < 500
        expected, problems = expected_user(tagged)
        if expected is None:
            assert_refused(response, before, snapshot(db), *problems[0], statuses=(422,))
        else:
            assert response.status_code == 303, _errors_in(page_text(response))
            assert user_row(db, "id = ?", [user_id]) == expected | {"email": LOGIN_EMAIL}
            client.get(response.location)
    finally:
        restore(db, before)


cluster_names = st.one_of(
    odd_text.filter(lambda s: s.strip() and s.strip() != EXISTING_CLUSTER).map(
        lambda s: V(s, True, s.strip())
    ),
    st.just(bad("", REQUIRED, level="form")),
    st.sampled_from([" ", "\t", "\u3000 "]).map(lambda raw: bad(raw, REQUIRED, level="form")),
    st.sampled_from([EXISTING_CLUSTER, f" {EXISTING_CLUSTER} "]).map(
        lambda raw: bad(raw, "Der findes allerede en klynge")
    ),
)


cluster_members = st.one_of(
    st.sampled_from(FREE_MUNICIPALITIES).map(good),
    st.just(bad(TAKEN_MUNICIPALITY, "hører allerede til klyngen")),
    st.one_of(st.sampled_from(["999", "", "0101", "København"]), odd_text, raw_bytes)
    .filter(lambda raw: received(raw) not in [*FREE_MUNICIPALITIES, TAKEN_MUNICIPALITY])
    .map(lambda raw: bad(raw, NOT_MUNICIPALITIES, level="form")),
)


@given(name=cluster_names, members=st.lists(cluster_members, max_size=4))
@EXAMPLES
def test_admin_cluster_posts(admin, db, name, members):
    client, token = admin
    before = snapshot(db)
    try:
        response = post(
            client,
            "/admin/klynger",
            as_pairs(token, [("name", name)] + [("municipalities", m) for m in members]),
        )
        assert response.status_code < 500
        tagged = [("name", name)] + [("municipalities", m) for m in members]
        form_level = [v.messages for _, v in tagged if not v.ok and v.level == "form"]
        taken = [m.messages for m in members if not m.ok]
        problems = form_level or taken or ([name.messages] if not name.ok else [])
        if problems:
            assert_refused(response, before, snapshot(db), *problems[0], statuses=(422,))
        else:
            assert response.status_code == 303, _errors_in(page_text(response))
            row = next(db.query("SELECT id, name FROM cluster WHERE name = ?", [name.stored]))
            codes = {
                r["municipality_code"]
                for r in db.query(
                    "SELECT municipality_code FROM cluster_municipality WHERE cluster_id = ?", [row["id"]]
                )
            }
            assert codes == {m.stored for m in members}
            shown = client.get(response.location)
            assert "<script>alert" not in shown.text
    finally:
        restore(db, before)


PLACEHOLDERS = "Teksten må kun bruge pladsholderne"
# "{link:>99999}" would pass str.format and fill the link out to 99,999 characters (or 10 GB).
BAD_PLACEHOLDERS = [
    "{",
    "}",
    "{navn}",
    "{0}",
    "{}",
    "{link:>99999}",
    "{link.__class__}",
    "{kommune!r}",
    "{link[0]}",
    "{frist:%}",
]
plain = odd_text.map(lambda s: "".join(s.replace("{", "").replace("}", "").splitlines()))
template_posts = st.one_of(
    # The subject of an e-mail: one line.
    st.tuples(st.just("email_invitation_subject"), plain.filter(lambda s: s.strip())).map(
        lambda t: (t[0], V(t[1], True, t[1]))
    ),
    st.tuples(
        st.just("email_invitation_subject"),
        st.tuples(plain, st.sampled_from(["\n", "\r", "\u2028", "\x0b", "\x85"]), plain).map(
            lambda p: f"{p[0]}x{p[1]}{p[2]}"
        ),
    ).map(lambda t: (t[0], bad(t[1], "Emnet skal stå på én linje."))),
    st.tuples(st.just("email_invitation_subject"), st.sampled_from(["", " ", "\r\n"])).map(
        lambda t: (t[0], bad(t[1], REQUIRED))
    ),
    # The body of an e-mail: needs {link} and {afmeld}; Windows line ends are stored as \n.
    st.tuples(st.just("email_invitation_body"), plain, plain, st.sampled_from(["\n", "\r\n", " "])).map(
        lambda t: (
            t[0],
            V(
                f"{t[1]}{t[3]}{{link}}{t[3]}{t[2]}{{afmeld}}",
                True,
                f"{t[1]}{t[3]}{{link}}{t[3]}{t[2]}{{afmeld}}".replace("\r\n", "\n"),
            ),
        )
    ),
    st.tuples(st.just("email_invitation_body"), plain).map(
        lambda t: (t[0], bad(t[1] + "{afmeld}", "Teksten skal indeholde {link}."))
    ),
    st.tuples(st.just("email_invitation_body"), plain, st.sampled_from(BAD_PLACEHOLDERS)).map(
        lambda t: (t[0], bad(f"{t[1]}{{link}}{t[2]}{{afmeld}}", PLACEHOLDERS))
    ),
    # An SMS: one message of GSM characters, no room for {afmeld}.
    st.just(("sms_reminder", good("Husk at svare: {link}"))),
    st.sampled_from(["Husk 😀 {link}", "Husk " + "x" * 160 + " {link}", "Husk {link} {afmeld}"]).map(
        lambda text: (
            "sms_reminder",
            bad(text, "SMS'en er for lang", "Der er ikke plads til {afmeld} i en SMS."),
        )
    ),
    st.tuples(st.just("sms_reminder"), st.sampled_from(BAD_PLACEHOLDERS)).map(
        lambda t: (t[0], bad("Husk {link} " + t[1], PLACEHOLDERS))
    ),
)


@given(posted=template_posts)
@EXAMPLES
def test_admin_message_template_posts(admin, db, posted):
    client, token = admin
    key, text = posted
    before = snapshot(db)
    try:
        response = post(client, f"/admin/beskeder/{key}", [("csrf_token", token), ("text", text.raw)])
        assert response.status_code < 500
        if not text.ok:
            assert_refused(response, before, snapshot(db), *text.messages, statuses=(422,))
        else:
            assert response.status_code == 303, _errors_in(page_text(response))
            stored = next(db.query("SELECT value FROM setting WHERE key = ?", [f"template.{key}"]))["value"]
            assert stored == as_stored(db, text.stored)
            assert "<script>alert" not in client.get(response.location).text
    finally:
        restore(db, before)


# --- 2. broken CSV files --------------------------------------------------------------------------

HEADER = "code,municipality,baseline_date,email,consent\n"
ROW = "KOGE-1,259,2025-03-01,søren@example.dk,ja\n"
FIDELITY_HEADER = "kommune;dato;skala;bedømmere;" + ";".join(IPS15_ITEMS) + "\n"
FIDELITY_ROW = "259;2024-03-01;IPS-15;Åse;" + ";".join("3" for _ in IPS15_ITEMS) + "\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"


def broken_files(header: str, row: str, sep: str) -> list[tuple[str, bytes, tuple[str, ...]]]:
    """(name, content, Danish messages of which one must be shown) of files that import nothing."""
    other = row.replace("1" + sep, "2" + sep, 1).replace("2024-03-01", "2024-04-01")
    good = header + row
    return [
        ("invalid UTF-8", good.encode() + b"\x81\x8d\x8f\x90\x9d\n", (UNREADABLE_FILE,)),
        ("UTF-16 with BOM", good.encode("utf-16"), (UNREADABLE_FILE,)),
        ("UTF-16 without BOM", good.encode("utf-16-le"), (UNREADABLE_FILE,)),
        ("UTF-16 big-endian", good.encode("utf-16-be"), (UNREADABLE_FILE,)),
        ("mixed encodings", good.encode("utf-8") + other.encode("cp1252"), (MIXED_ENCODINGS,)),
        (
            "a NUL byte",
            good.encode().replace(sep.encode() + b"2", sep.encode() + b"\x002", 1),
            (UNREADABLE_FILE,),
        ),
        ("a PNG image", PNG, (UNREADABLE_FILE,)),
        ("empty", b"", ("Filen indeholder ingen",)),
        ("only blank lines", b"\r\n \n\t\n", ("Filen indeholder ingen",)),
        ("only a header", header.encode(), ("Filen indeholder ingen",)),
        (
            "100k columns in the header",
            (sep.join(f"k{i}" for i in range(100_000)) + "\n" + row).encode(),
            ("Ukendte kolonner",),
        ),
        (
            "100k cells in a row",
            (good.rstrip("\n") + (sep + "x") * 100_000 + "\n").encode(),
            ("flere celler",),
        ),
        ("a 200 KB cell", (good + "x" * 200_000 + "\n").encode(), ("er ikke", "Vælg en kommune")),
        (
            "an unclosed quote",
            (header + '"' + row + row).encode() + b"x" * 200_000,
            ("er ikke", "Vælg en kommune"),
        ),
        ("a BOM and nothing else", b"\xef\xbb\xbf", ("Filen indeholder ingen",)),
        ("a single quote", b'"', ("Ukendte kolonner", "Filen mangler kolonnerne")),
    ]


PARTICIPANT_FILES = broken_files(HEADER, ROW, ",")
FIDELITY_FILES = broken_files(FIDELITY_HEADER, FIDELITY_ROW, ";")


def upload(client, path, content: bytes, **fields):
    token = csrf_token(client.get(path).text)
    return client.post(
        path,
        data={"csrf_token": token, "file": (io.BytesIO(content), "fil.csv"), **fields},
        content_type="multipart/form-data",
    )


def upload_problems(response) -> list[str]:
    text = page_text(response)
    alert = text.split('role="alert"', 1)[1] if 'role="alert"' in text else ""
    return re.findall(r"<li>(.*?)</li>", alert, re.S)


def assert_nothing_imported(response, before, after, messages):
    assert response.status_code == 422, (response.status_code, page_text(response)[:1000])
    problems = upload_problems(response)
    assert NOTHING_IMPORTED in page_text(response)
    assert any(m in p for p in problems for m in messages), (messages, [p[:300] for p in problems])
    # A clear list: no NUL or other control characters shown, no line longer than a screenful or two.
    assert all(not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", p) and len(p) < 2000 for p in problems), (
        problems
    )
    assert after == before


@pytest.mark.parametrize("name, content, messages", PARTICIPANT_FILES, ids=[f[0] for f in PARTICIPANT_FILES])
def test_participant_upload_of_a_broken_file(login, db, name, content, messages):
    client = login("consultant", ("259",))
    before = snapshot(db)
    response = upload(client, "/konsulent/import", content, consent_confirmed="y")
    assert_nothing_imported(response, before, snapshot(db), messages)


@pytest.mark.parametrize("name, content, messages", FIDELITY_FILES, ids=[f[0] for f in FIDELITY_FILES])
def test_fidelity_upload_of_a_broken_file(login, db, name, content, messages):
    client = login("evaluator", ())
    before = snapshot(db)
    response = upload(client, "/evaluering/fidelitet/import", content)
    assert_nothing_imported(response, before, snapshot(db), messages)


@pytest.mark.parametrize("name, content, messages", PARTICIPANT_FILES, ids=[f[0] for f in PARTICIPANT_FILES])
def test_participants_import_command_with_a_broken_file(runner, db, tmp_path, name, content, messages):
    path = tmp_path / "deltagere.csv"
    path.write_bytes(content)
    before = snapshot(db)
    result = runner.invoke(args=["participants", "import", str(path), "--consent-confirmed"])
    assert result.exit_code == 1, result.output
    assert "Intet er importeret" in result.stderr
    assert any(m in result.stderr for m in messages), result.stderr[:1000]
    assert all(len(line) < 2000 for line in result.stderr.splitlines())
    assert snapshot(db) == before


@pytest.mark.parametrize("name, content, messages", FIDELITY_FILES, ids=[f[0] for f in FIDELITY_FILES])
def test_fidelity_import_command_with_a_broken_file(runner, db, tmp_path, name, content, messages):
    path = tmp_path / "fidelitet.csv"
    path.write_bytes(content)
    before = snapshot(db)
    result = runner.invoke(args=["fidelity", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert any(m in result.stderr for m in messages), result.stderr[:1000]
    assert snapshot(db) == before


def test_the_good_rows_of_those_files_do_import(login, db):
    """The files above are refused for what is broken, not for their rows."""
    client = login("consultant", ("259",))
    response = upload(client, "/konsulent/import", (HEADER + ROW).encode("utf-8"))
    assert response.status_code == 200 and "1 deltager importeret." in page_text(response)
    assert [r["email"] for r in db.query("SELECT email FROM participant")] == ["søren@example.dk"]
    evaluator = login("evaluator", ())
    response = upload(
        evaluator, "/evaluering/fidelitet/import", (FIDELITY_HEADER + FIDELITY_ROW).encode("cp1252")
    )
    assert response.status_code == 200, upload_problems(response)
    assert [r["reviewers"] for r in db.query("SELECT reviewers FROM fidelity_review")] == ["Åse"]


@pytest.mark.parametrize(
    "path, role", [("/konsulent/import", "consultant"), ("/evaluering/fidelitet/import", "evaluator")]
)
def test_an_upload_of_7_mb_is_refused_with_413(login, db, path, role):
    client = login(role, ("259",) if role == "consultant" else ())
    before = snapshot(db)
    content = (HEADER + ROW * (7 * 2**20 // len(ROW) + 1)).encode()
    assert len(content) > 7 * 2**20 > 6 * 2**20
    response = upload(client, path, content, consent_confirmed="y")
    assert response.status_code == 413
    assert TOO_LARGE_FILE in page_text(response) and "Intet blev importeret" in page_text(response)
    assert snapshot(db) == before


def test_a_file_over_the_import_limit_but_under_the_upload_limit_is_explained(login, db):
    client = login("consultant", ("259",))
    before = snapshot(db)
    content = (HEADER + ROW * (5 * 2**20 // len(ROW) + 1)).encode()
    assert 5 * 2**20 < len(content) < 6 * 2**20
    response = upload(client, "/konsulent/import", content)
    assert_nothing_imported(response, before, snapshot(db), ("Filen er større end 5 MB",))


# --- 3. odd Unicode shown back --------------------------------------------------------------------

SHOWN = "<script>alert(1)</script> \u202eøjet e\u0301 😀"


def test_odd_unicode_in_a_participant_is_stored_as_typed_and_escaped(consultant, db):
    client, token = consultant
    code, email = "Æblø-e_1.x", "<script>alert(1)</script>@koege.dk"
    response = post(
        client,
        "/konsulent/deltagere/ny",
        [
            ("csrf_token", token),
            ("code", f" {code}\u00a0"),
            ("municipality", "259"),
            ("baseline", "2025-05-01"),
            ("email", email),
            ("channel", "email"),
            ("language", "da"),
            ("consent", "y"),
        ],
    )
    assert response.status_code == 303, _errors_in(page_text(response))
    row = next(db.query("SELECT code, email FROM participant WHERE code = ?", [code]))
    assert row == {"code": code, "email": email}
    page = client.get(response.location).text
    assert (
        code in page
        and "<script>alert" not in page
        and "&lt;script&gt;alert(1)&lt;/script&gt;@koege.dk" in page
    )
    listing = client.get("/konsulent/deltagere?q=" + quote(code.lower())).text
    assert code in listing and "<script>" not in listing.replace("<script src", "")


def test_odd_unicode_in_a_team_comment_is_stored_as_typed_and_escaped(team, db):
    client, token = team
    response = post(
        client, "/team/svar", [("csrf_token", token), ("item", "org_other"), ("value", f"  {SHOWN}\n")]
    )
    assert response.status_code == 303
    assert (
        next(db.query("SELECT text FROM round_answer"))["text"] == SHOWN
    )  # trimmed; e + combining accent kept
    page = client.get("/team/svar").text
    assert "<script>alert" not in page
    assert html.escape(SHOWN, quote=False) in page or html.escape(SHOWN) in page


def test_odd_unicode_in_a_fidelity_reviewer_is_stored_as_typed_and_escaped(evaluator, db):
    client, token = evaluator
    response = post(
        client,
        "/evaluering/fidelitet/ny?skala=ips15",
        [
            ("csrf_token", token),
            ("municipality", "259"),
            ("review_date", "2024-02-01"),
            ("reviewers", f" {SHOWN}  og\tÅse "),
        ]
        + [(f"item_{item_id}", "4") for item_id in IPS15_ITEMS],
    )
    assert response.status_code == 303, _errors_in(page_text(response))
    review = next(db.query("SELECT id, reviewers FROM fidelity_review WHERE review_date = '2024-02-01'"))
    assert review["reviewers"] == " ".join(f"{SHOWN} og Åse".split())
    page = client.get(f"/evaluering/fidelitet/{review['id']}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
