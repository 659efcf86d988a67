"""Numbered schema migrations, applied at start (see ``db.migrate``).

Never change what a released migration does; add a new one. A new migration only adds (tables,
columns that may be NULL or have a default, indexes): with several servers (docs/production.md)
old and new code serve the same schema while they are upgraded one at a time, so a column or a
table is removed only in a later release, once no running code uses it. (How one is written may change when the
schema and data it makes are shown to stay the same, as 0002 and 0003 did for the product's own
runner, ``migration_runner.py``.)

A migration that inserts data carries it: migration 0002's regions and municipalities are
literals in ``migration_data/m0002_geography.py``, and nothing here reads a file at run time, so
a fresh install always gets what an upgraded one got. Reference data change (a region is renamed,
a municipality moves or merges, Region Østdanmark gets its code) by a new migration with its own
data (``migration_data/mNNNN_<name>.py``), which updates the rows and their validity dates; the
data of a released migration stays as it is.
"""

from datetime import date, timedelta

from .migration_data import m0002_geography, m0013_privacy_notice
from .migration_runner import Migrations

migrations = Migrations("survey_app")


@migrations(name="0001_initial")
def initial(db):
    db.executescript(
        """
        CREATE TABLE region (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            code TEXT,
            valid_from TEXT NOT NULL,
            valid_to TEXT
        );
        CREATE TABLE municipality (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL
        );
        -- A municipality's region over time; valid_to is inclusive, NULL while valid.
        CREATE TABLE municipality_region (
            municipality_code TEXT NOT NULL REFERENCES municipality(code),
            region_id TEXT NOT NULL REFERENCES region(id),
            valid_from TEXT NOT NULL,
            valid_to TEXT,
            PRIMARY KEY (municipality_code, valid_from)
        );
        -- Participants are known by a pseudonymous code, never a CPR number.
        CREATE TABLE participant (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL,
            municipality_code TEXT NOT NULL REFERENCES municipality(code),
            baseline_date TEXT NOT NULL,
            phone TEXT,
            email TEXT,
            language TEXT NOT NULL DEFAULT 'da',
            created_at TEXT NOT NULL,
            withdrawn_at TEXT,
            UNIQUE (municipality_code, code)
        );
        CREATE INDEX participant_code ON participant(code);
        -- One invitation = one link to one questionnaire. The nonce is part
        -- of the signed link; replacing it revokes the link.
        CREATE TABLE invitation (
            id INTEGER PRIMARY KEY,
            participant_id INTEGER NOT NULL REFERENCES participant(id),
            questionnaire_id TEXT NOT NULL,
            questionnaire_version TEXT NOT NULL,
            nonce TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            opened_at TEXT,
            completed_at TEXT,
            withdrawn_at TEXT,
            total_score INTEGER
        );
        CREATE INDEX invitation_participant ON invitation(participant_id);
        -- One row per item answered; score for choice and yes/no items,
        -- text for free text (both NULL when an optional item was skipped).
        CREATE TABLE answer (
            invitation_id INTEGER NOT NULL REFERENCES invitation(id),
            item_id TEXT NOT NULL,
            score INTEGER,
            text TEXT,
            questionnaire_version TEXT NOT NULL,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (invitation_id, item_id)
        ) WITHOUT ROWID;
        """
    )


@migrations(name="0002_reference_geography")
def reference_geography(db):
    regions = m0002_geography.REGIONS
    db.executemany(
        "INSERT INTO region (id, name, code, valid_from, valid_to) VALUES (?, ?, ?, ?, ?)",
        [(r.id, r.name, r.code, r.valid_from, r.valid_to) for r in regions],
    )
    db.executemany(
        "INSERT INTO municipality (code, name) VALUES (?, ?)",
        [(m.code, m.name) for m in m0002_geography.MUNICIPALITIES],
    )
    db.executemany(
        "INSERT INTO municipality_region (municipality_code, region_id, valid_from, valid_to)"
        " VALUES (:municipality_code, :region_id, :valid_from, :valid_to)",
        _membership_periods_0002(m0002_geography.MUNICIPALITIES, regions),
    )


def _membership_periods_0002(municipalities, regions) -> list[dict]:
    """One row per municipality and period it belonged to a region (part of migration 0002).

    A municipality in a region with a successor moves to the successor the day after the region's
    last day; chains of successors are followed.
    """
    by_id = {region.id: region for region in regions}
    rows = []
    for municipality in municipalities:
        region = by_id[municipality.region]
        start = region.valid_from
        while True:
            rows.append(
                {
                    "municipality_code": municipality.code,
                    "region_id": region.id,
                    "valid_from": start,
                    "valid_to": region.valid_to,
                }
            )
            if region.successor is None or region.valid_to is None:
                break
            start = (date.fromisoformat(region.valid_to) + timedelta(days=1)).isoformat()
            region = by_id[region.successor]
    return rows


@migrations(name="0003_accounts_registry_outbox")
def accounts_registry_outbox(db):
    db.executescript(
        """
        -- People who log in. Passwords are stored as werkzeug hashes (scrypt);
        -- password_hash is NULL until the user has set one by a one-time link.
        CREATE TABLE user (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name TEXT,
            role TEXT NOT NULL CHECK (role IN ('admin', 'consultant', 'evaluator')),
            password_hash TEXT,
            created_at TEXT NOT NULL,
            password_changed_at TEXT,
            last_login_at TEXT,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            disabled_at TEXT
        );
        -- The municipalities a consultant works for.
        CREATE TABLE user_municipality (
            user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            municipality_code TEXT NOT NULL REFERENCES municipality(code),
            PRIMARY KEY (user_id, municipality_code)
        ) WITHOUT ROWID;
        -- Failed logins per client address, for throttling guessers who try many accounts.
        CREATE TABLE login_failure (
            address TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX login_failure_address ON login_failure(address, at);
        -- IPS clusters: named groups of municipalities, edited by admins. A
        -- cluster's region is that of its municipalities on the date asked about.
        CREATE TABLE cluster (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE cluster_municipality (
            cluster_id INTEGER NOT NULL REFERENCES cluster(id) ON DELETE CASCADE,
            municipality_code TEXT NOT NULL UNIQUE REFERENCES municipality(code),
            PRIMARY KEY (cluster_id, municipality_code)
        ) WITHOUT ROWID;

        -- Contact preferences, consent and the fields of the non-response analysis.
        ALTER TABLE participant ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms';
        ALTER TABLE participant ADD COLUMN consent_at TEXT;
        ALTER TABLE participant ADD COLUMN birth_year INTEGER;
        ALTER TABLE participant ADD COLUMN gender TEXT;
        ALTER TABLE participant ADD COLUMN opted_out_at TEXT;
        ALTER TABLE participant ADD COLUMN contacts_purged_at TEXT;
        ALTER TABLE participant ADD COLUMN updated_at TEXT;

        -- Every SMS and e-mail, from creation to delivery. dedupe_key makes
        -- scheduled messages unique (e.g. 'invitation:12', 'reminder:12:1'),
        -- so two runs of send-due can never create the same message twice;
        -- messages a consultant asks for have no key.
        CREATE TABLE message (
            id INTEGER PRIMARY KEY,
            participant_id INTEGER NOT NULL REFERENCES participant(id),
            invitation_id INTEGER REFERENCES invitation(id),
            kind TEXT NOT NULL CHECK (kind IN ('prenotice', 'invitation', 'reminder')),
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
            recipient TEXT,
            subject TEXT,
            body TEXT NOT NULL,
            dedupe_key TEXT UNIQUE,
            requested_by INTEGER REFERENCES user(id),
            created_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            claimed_at TEXT,
            sent_at TEXT,
            provider_id TEXT,
            error TEXT,
            fallback_of INTEGER REFERENCES message(id)
        );
        CREATE INDEX message_participant ON message(participant_id);
        CREATE INDEX message_status ON message(status, next_attempt_at);

        -- Who did what and when: logins, participant changes, sends, exports.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES user(id),
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            detail TEXT,
            address TEXT
        );
        CREATE INDEX audit_at ON audit(at);

        -- Settings admins edit in the app (message templates, reminder days).
        CREATE TABLE setting (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES user(id)
        );
        """
    )
    # Region Sjælland's three IPS clusters (from the national evaluation).
    clusters = {
        "Sjælland Øst": ["259", "269", "336", "320"],  # Køge, Solrød, Stevns, Faxe
        "Sjælland Vest": [
            "306",
            "329",
            "326",
            "316",
            "330",
        ],  # Odsherred, Ringsted, Kalundborg, Holbæk, Slagelse
        "Sjælland Syd": ["360", "376", "390", "370"],  # Lolland, Guldborgsund, Vordingborg, Næstved
    }
    for name, codes in clusters.items():
        cluster_id = db.execute("INSERT INTO cluster (name) VALUES (?) RETURNING id", [name]).fetchone()[0]
        db.executemany(
            "INSERT INTO cluster_municipality (cluster_id, municipality_code) VALUES (?, ?)",
            [(cluster_id, code) for code in codes],
        )


# The outbox as it is after 0004: a message goes to a participant or to a
# municipality's IPS team (a round's link), never both.
_MESSAGE_0004 = """
    CREATE TABLE {name} (
        id INTEGER PRIMARY KEY,
        participant_id INTEGER REFERENCES participant(id),
        invitation_id INTEGER REFERENCES invitation(id),
        round_team_id INTEGER REFERENCES round_team(id),
        kind TEXT NOT NULL CHECK (kind IN ('prenotice', 'invitation', 'reminder', 'round', 'round_reminder')),
        channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
        recipient TEXT,
        subject TEXT,
        body TEXT NOT NULL,
        dedupe_key TEXT UNIQUE,
        requested_by INTEGER REFERENCES user(id),
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        claimed_at TEXT,
        sent_at TEXT,
        provider_id TEXT,
        error TEXT,
        fallback_of INTEGER REFERENCES {name}(id),
        CHECK ((participant_id IS NULL) != (round_team_id IS NULL))
    )
"""
_MESSAGE_COLUMNS = (
    "id, participant_id, invitation_id, kind, channel, recipient, subject, body, dedupe_key,"
    " requested_by, created_at, status, attempts, next_attempt_at, claimed_at, sent_at, provider_id,"
    " error, fallback_of"
)


@migrations(name="0004_organisation_rounds")
def organisation_rounds(db):
    # Statement by statement (not executescript, which would commit midway),
    # so the table rebuild below is all or nothing.
    statements = [
        # A round of the organisation questionnaire: every chosen municipality's
        # IPS team answers once, by its own link, until the deadline (inclusive)
        # or until an admin closes the round early.
        """CREATE TABLE round (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            questionnaire_id TEXT NOT NULL,
            questionnaire_version TEXT,
            deadline TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES user(id),
            closed_at TEXT
        )""",
        # One team's link in a round. The nonce is part of the signed link.
        """CREATE TABLE round_team (
            id INTEGER PRIMARY KEY,
            round_id INTEGER NOT NULL REFERENCES round(id),
            municipality_code TEXT NOT NULL REFERENCES municipality(code),
            nonce TEXT NOT NULL,
            created_at TEXT NOT NULL,
            opened_at TEXT,
            completed_at TEXT,
            UNIQUE (round_id, municipality_code)
        )""",
        # The team's current answer per item; score for yes/no, text for comments.
        """CREATE TABLE round_answer (
            round_team_id INTEGER NOT NULL REFERENCES round_team(id),
            item_id TEXT NOT NULL,
            score INTEGER,
            text TEXT,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (round_team_id, item_id)
        ) WITHOUT ROWID""",
        # Every later change of an answer: old and new value, when and by whom
        # ('team' for the team's link, else the staff member's e-mail).
        """CREATE TABLE round_answer_change (
            id INTEGER PRIMARY KEY,
            round_team_id INTEGER NOT NULL REFERENCES round_team(id),
            item_id TEXT NOT NULL,
            old_score INTEGER,
            old_text TEXT,
            new_score INTEGER,
            new_text TEXT,
            changed_at TEXT NOT NULL,
            changed_by TEXT NOT NULL
        )""",
        "CREATE INDEX round_answer_change_team ON round_answer_change(round_team_id, item_id)",
        # Where a municipality's IPS team gets its round links.
        """CREATE TABLE team_contact (
            municipality_code TEXT PRIMARY KEY REFERENCES municipality(code),
            email TEXT,
            name TEXT,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES user(id)
        )""",
        # The outbox rebuilt: participant_id may now be NULL (a team's message),
        # with round_team_id and two more kinds. Built under a new name whose
        # self-reference (fallback_of) follows the rename; the old table is
        # referenced by no other table, so dropping it checks no foreign key.
        _MESSAGE_0004.format(name="message_0004"),
        f"INSERT INTO message_0004 ({_MESSAGE_COLUMNS}) SELECT {_MESSAGE_COLUMNS} FROM message",
        "DROP TABLE message",
        "ALTER TABLE message_0004 RENAME TO message",
        "CREATE INDEX message_participant ON message(participant_id)",
        "CREATE INDEX message_status ON message(status, next_attempt_at)",
        "CREATE INDEX message_round_team ON message(round_team_id)",
    ]
    for statement in statements:
        db.execute(statement)


@migrations(name="0005_fidelity_reviews")
def fidelity_reviews(db):
    db.executescript(
        """
        -- A fidelity review of a municipality's IPS service on a scale (ips25 or
        -- ips15, see questionnaires/fidelity/). total is the sum of the item
        -- scores; ips25_equivalent is total × the scale's conversion factor
        -- (1.66 for IPS-15), unrounded.
        CREATE TABLE fidelity_review (
            id INTEGER PRIMARY KEY,
            municipality_code TEXT NOT NULL REFERENCES municipality(code),
            review_date TEXT NOT NULL,
            scale TEXT NOT NULL,
            reviewers TEXT,
            total INTEGER NOT NULL,
            ips25_equivalent REAL NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES user(id),
            UNIQUE (municipality_code, review_date, scale)
        );
        -- Participants are matched to the review of their municipality closest to their follow-up date.
        CREATE INDEX fidelity_review_municipality_date ON fidelity_review(municipality_code, review_date);
        CREATE TABLE fidelity_score (
            review_id INTEGER NOT NULL REFERENCES fidelity_review(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            PRIMARY KEY (review_id, item_id)
        ) WITHOUT ROWID;
        """
    )


@migrations(name="0006_message_handover")
def message_handover(db):
    # When a message was handed to the gateway or mail server: a send-due run
    # killed before that is sent again; one killed after it is not.
    db.execute("ALTER TABLE message ADD COLUMN handed_at TEXT")


@migrations(name="0007_answer_browser")
def answer_browser(db):
    # Which browser session gave an answer: a hash of a random value kept in
    # that session's signed cookie (see binding.py). Only that session is
    # shown the answer and may change it; anyone else opening the same link
    # sees how many are answered. Answers given before this column existed
    # have none, so no browser is shown them.
    db.execute("ALTER TABLE answer ADD COLUMN answered_by TEXT")


@migrations(name="0008_auth_link_secrets_and_staff_sessions")
def auth_link_secrets_and_staff_sessions(db):
    db.executescript(
        """
        -- The random part of a user's one-time set-password link: the secret key
        -- alone cannot make a link, a newer link replaces it, setting a password clears it.
        ALTER TABLE user ADD COLUMN link_nonce TEXT;
        -- Random values of this installation, e.g. 'first_admin' (the random part
        -- of the first-admin link, deleted once that admin exists).
        CREATE TABLE installation_secret (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        -- Staff sessions held by the server: the cookie carries a random id whose
        -- hash is kept here; logout, a password change and idle or absolute
        -- expiry delete the row, so a copied cookie stops working at once.
        CREATE TABLE staff_session (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            started_at TEXT NOT NULL,
            seen_at TEXT NOT NULL
        );
        CREATE INDEX staff_session_user ON staff_session(user_id);
        -- Failed logins per address are counted by the rate limiter (limits.py), which
        -- lets a correct password through; this table refused it and is no longer used.
        DROP TABLE login_failure;
        """
    )


@migrations(name="0009_team_contact_language")
def team_contact_language(db):
    # The language of the team's round e-mails (one of languages.LANGUAGES); Danish until set.
    db.execute("ALTER TABLE team_contact ADD COLUMN language TEXT NOT NULL DEFAULT 'da'")


@migrations(name="0010_job_runs")
def job_runs(db):
    db.executescript(
        """
        -- Who runs a job now (send-due): one row per job while a run holds it. A run takes
        -- it in one BEGIN IMMEDIATE transaction, so of several processes (gunicorn workers,
        -- the timer, a command by hand) only one runs at a time. The lease lets the next run
        -- take over when the holder died without deleting the row (see jobs.py).
        CREATE TABLE job_lock (
            job TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            run_id INTEGER,
            taken_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        -- Each run of a job: when, started by whom (the background thread or a command),
        -- and what it did (counts as JSON) or the error that stopped it. Staff pages show
        -- the last one; runs older than jobs.KEEP_RUNS are deleted by later runs.
        CREATE TABLE job_run (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            trigger TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            counts TEXT,
            error TEXT
        );
        CREATE INDEX job_run_job_started ON job_run(job, started_at);
        """
    )


@migrations(name="0011_support_contact")
def support_contact(db):
    # A municipality's own support contact, shown to its participants instead of the
    # installation's (SUPPORT_NAME, SUPPORT_PHONE, SUPPORT_EMAIL); see support.py.
    db.execute(
        """CREATE TABLE support_contact (
            municipality_code TEXT PRIMARY KEY REFERENCES municipality(code),
            name TEXT,
            phone TEXT,
            email TEXT,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES user(id)
        )"""
    )


@migrations(name="0012_staff_two_factor")
def staff_two_factor(db):
    # The second factor of a staff login (two_factor.py): a TOTP secret, kept unconfirmed
    # (enrolled_at NULL) until the user has entered a first code from it, and the last time step
    # a code was accepted for, so that no code works twice. Recovery codes are stored as SHA-256
    # hashes (they are random and long, so a slow hash adds nothing), each usable once.
    db.execute("ALTER TABLE user ADD COLUMN totp_secret TEXT")
    db.execute("ALTER TABLE user ADD COLUMN totp_enrolled_at TEXT")
    db.execute("ALTER TABLE user ADD COLUMN totp_last_step INTEGER")
    db.execute(
        """CREATE TABLE recovery_code (
            code_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            used_at TEXT
        )"""
    )
    db.execute("CREATE INDEX recovery_code_user ON recovery_code(user_id)")


@migrations(name="0013_privacy_notice")
def privacy_notice(db):
    # The privacy notice participants read (/privatliv), per language, editable by an admin
    # (privacy.py). Danish is required; a language without a row shows the Danish notice. The
    # text is the simple markup of privacy.blocks, never HTML.
    db.execute(
        """CREATE TABLE privacy_notice (
            language TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES user(id)
        )"""
    )
    # Seeded for the data controller to complete (the [brackets]); updated_by NULL: nobody wrote it.
    for language, body in m0013_privacy_notice.NOTICES.items():
        db.execute(
            "INSERT INTO privacy_notice (language, body, updated_at) VALUES (?, ?, ?)",
            [language, body, "2026-12-02T00:00:00+00:00"],
        )


@migrations(name="0014_participant_retention")
def participant_retention(db):
    # When a participant's record was anonymised under RETENTION_YEARS (retention.py): their code was
    # replaced, their dates coarsened to the month. Reports go on counting the row.
    db.execute("ALTER TABLE participant ADD COLUMN anonymised_at TEXT")
    db.execute("CREATE INDEX audit_target ON audit (target)")


@migrations(name="0015_user_email_folded")
def user_email_folded(db):
    # An e-mail is one login whatever its case: SQLite's COLLATE NOCASE said so for user.email, and
    # this index says it on PostgreSQL too, where the column's collation is left out (postgres.py).
    # Logins compare lower(email) = lower(?) on both.
    db.execute("CREATE UNIQUE INDEX user_email_folded ON user (lower(email))")


@migrations(name="0016_postgresql_functions")
def postgresql_functions(db):
    # PostgreSQL only (SQLite has them built in): the four SQLite functions the reports' SQL uses,
    # with SQLite's meaning for the values the app stores (ISO dates and UTC times as text), so the
    # same SQL runs on both. Nothing on SQLite.
    if getattr(db, "dialect", "sqlite") != "postgresql":
        return
    db.executescript(
        """
        -- Days since noon on 24 November 4714 BC, as a fraction; a date alone is its midnight UTC.
        CREATE FUNCTION julianday(text) RETURNS double precision
            LANGUAGE sql IMMUTABLE STRICT SET timezone = 'UTC'
            AS $$ SELECT EXTRACT(EPOCH FROM CAST($1 AS timestamptz)) / 86400.0 + 2440587.5 $$;
        -- date(value, '+182 days'): the day, moved by the modifier, as YYYY-MM-DD.
        CREATE FUNCTION date(text, text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT
            AS $$ SELECT CAST(CAST(CAST($1 AS date) + CAST($2 AS interval) AS date) AS text) $$;
        -- Where the second text first occurs in the first, from 1; 0 when it does not.
        CREATE FUNCTION instr(text, text) RETURNS integer
            LANGUAGE sql IMMUTABLE STRICT
            AS $$ SELECT strpos($1, $2) $$;
        -- printf('%0Nd', number): the number with leading zeros to N digits (the only format used).
        CREATE FUNCTION printf(text, bigint) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT
            AS $$ SELECT lpad(CAST($2 AS text), CAST(substring($1 FROM '^%0([0-9]+)d$') AS integer), '0') $$;
        """
    )
