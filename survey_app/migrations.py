"""Numbered schema migrations, applied at start (see ``db.migrate``).

Never edit a migration that has been released; add a new one.
"""

from sqlite_utils.migrations import Migrations

from . import geography

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
    region_list = geography.regions()
    municipality_list = geography.municipalities()
    db["region"].insert_all(
        {
            "id": r.id,
            "name": r.name,
            "code": r.code,
            "valid_from": r.valid_from.isoformat(),
            "valid_to": r.valid_to.isoformat() if r.valid_to else None,
        }
        for r in region_list
    )
    db["municipality"].insert_all({"code": m.code, "name": m.name} for m in municipality_list)
    db["municipality_region"].insert_all(geography.membership_periods(municipality_list, region_list))
