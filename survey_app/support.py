"""Whom a participant or a team can contact with questions: the support contact.

Each installation has one (settings ``SUPPORT_NAME``, ``SUPPORT_PHONE``,
``SUPPORT_EMAIL``), and an administrator can give a municipality its own
(table ``support_contact``), e.g. the job centre's IPS team. A participant's
pages show their municipality's contact, or else the installation's; when
neither is set the pages name the participant's employment specialist.

Domain: no Flask. The edge reads the settings once (``context.init_app``)
and passes the installation's contact in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from . import audit, clock, places
from .contact_details import normalise_email, normalise_phone
from .db import transaction
from .languages import N_, UserError

NAME_MAX_LENGTH = 120


@dataclass(frozen=True)
class SupportContact:
    name: str | None = None
    phone: str | None = None  # +45XXXXXXXX
    email: str | None = None
    municipality_code: str | None = None  # None: the installation's

    @property
    def empty(self) -> bool:
        return not (self.name or self.phone or self.email)

    @property
    def phone_shown(self) -> str | None:
        """The phone number as Danes write it: "+45 12 34 56 78"."""
        if not self.phone:
            return None
        digits = self.phone.removeprefix("+45")
        return "+45 " + " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


NONE = SupportContact()


class SupportContactError(UserError):
    """A support contact that cannot be saved; ``field`` names the input (name, phone, email)."""

    def __init__(self, field: str, error: UserError):
        super().__init__(error.message, **error.params)
        self.field = field


def _checked(field: str, normalise, raw: str | None) -> str | None:
    try:
        return normalise(raw)
    except UserError as error:
        raise SupportContactError(field, error) from None


def _name(raw: str | None) -> str | None:
    name = " ".join((raw or "").split()) or None
    if name and len(name) > NAME_MAX_LENGTH:
        raise UserError(N_("The name can be at most %(max)s characters."), max=NAME_MAX_LENGTH)
    return name


def installation_contact(name: str | None, phone: str | None, email: str | None) -> SupportContact:
    """The installation's contact from its settings; a bad phone or e-mail stops the start."""
    try:
        return SupportContact(_name(name), normalise_phone(phone), normalise_email(email))
    except UserError as error:
        raise ValueError(f"SUPPORT_NAME, SUPPORT_PHONE or SUPPORT_EMAIL: {error}") from None


def municipality_contact(db: sqlite_utils.Database, municipality_code: str) -> SupportContact | None:
    """The municipality's own contact, or None when it has none."""
    row = db.execute(
        "SELECT name, phone, email FROM support_contact WHERE municipality_code = ?", [municipality_code]
    ).fetchone()
    return SupportContact(row[0], row[1], row[2], municipality_code) if row else None


def support_contact(
    db: sqlite_utils.Database, municipality_code: str | None, *, installation: SupportContact = NONE
) -> SupportContact:
    """Whom to contact: the municipality's own contact when it has one, else the installation's."""
    own = municipality_contact(db, municipality_code) if municipality_code else None
    return own if own is not None and not own.empty else installation


def support_contacts(db: sqlite_utils.Database) -> list[dict]:
    """Every municipality with its own contact (name, phone, e-mail, or None), by name."""
    return list(
        db.query(
            "SELECT municipality.code, municipality.name AS municipality_name, support_contact.name,"
            " support_contact.phone, support_contact.email, support_contact.updated_at FROM municipality"
            " LEFT JOIN support_contact ON support_contact.municipality_code = municipality.code"
            " ORDER BY municipality.name"
        )
    )


def set_support_contact(
    db: sqlite_utils.Database,
    municipality_code: str,
    *,
    name: str | None,
    phone: str | None,
    email: str | None,
    actor: audit.Actor,
    now: datetime,
) -> SupportContact:
    """Set a municipality's own contact, with its audit row; all empty removes it (the
    installation's is shown again). A bad phone number or e-mail raises UserError, and
    nothing is saved."""
    municipality = places.municipality(db, municipality_code)
    contact = SupportContact(
        _checked("name", _name, name),
        _checked("phone", normalise_phone, phone),
        _checked("email", normalise_email, email),
        municipality["code"],
    )
    with transaction(db):
        if contact.empty:
            db.execute("DELETE FROM support_contact WHERE municipality_code = ?", [contact.municipality_code])
        else:
            db.execute(
                "INSERT INTO support_contact (municipality_code, name, phone, email, updated_at, updated_by)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (municipality_code) DO UPDATE SET"
                " name = excluded.name, phone = excluded.phone, email = excluded.email,"
                " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                [
                    contact.municipality_code,
                    contact.name,
                    contact.phone,
                    contact.email,
                    clock.isoformat(now),
                    actor.user_id,
                ],
            )
        audit.record(
            db,
            "support_contact_set",
            actor=actor,
            target=f"municipality:{contact.municipality_code}",
            detail={"name": contact.name, "phone": contact.phone, "email": contact.email},
        )
    return contact
