"""The consultant's commands: register, import and withdraw participants, and issue their links."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext

from .. import (
    audit,
    context,
    data_rights,
    importing,
    invitations,
    participants,
)
from ..context import get_db, public_link
from ..db import transaction
from ..languages import DEFAULT_LANGUAGE, LANGUAGES, UserError
from ..questionnaires import PARTICIPANT_QUESTIONNAIRE
from .shared import DanishError, counted, fail_on_user_error


@click.group("participants", cls=AppGroup)
def participants_command():
    """Register and withdraw participants."""


def _participant(code: str, municipality_code: str | None) -> dict:
    """The participant named on the command line, or a Danish error and exit status 1."""
    try:
        return participants.find_participant(get_db(), code, municipality_code)
    except UserError as error:
        fail_on_user_error(error)


@participants_command.command("add")
@click.argument("code")
@click.option(
    "--municipality", "municipality_code", required=True, help="Municipality code, e.g. 259 for Køge."
)
@click.option("--baseline", required=True, help="Course start date, YYYY-MM-DD.")
@click.option("--phone", help="Danish mobile number, e.g. +4512345678.")
@click.option("--email", help="E-mail address.")
@click.option(
    "--channel", type=click.Choice(["sms", "email"]), help="How to send (default: SMS when a phone is known)."
)
@click.option(
    "--language",
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help=f"The language of the participant's SMS, e-mails and questionnaire: {', '.join(LANGUAGES)}.",
)
@click.option("--consent", is_flag=True, help="The participant agreed to be contacted (required).")
@click.option("--birth-year", help="Optional, for the non-response analysis.")
@click.option("--gender", type=click.Choice(["female", "male", "other"]), help="Optional.")
def add_participant_command(
    code, municipality_code, baseline, phone, email, channel, language, consent, **more
):
    """Register a participant under a pseudonymous CODE (never a CPR number)."""
    try:
        participant = participants.add_participant(
            get_db(),
            code=code,
            municipality_code=municipality_code,
            baseline=baseline,
            phone=phone,
            email=email,
            channel=channel,
            language=language,
            consent=consent,
            actor=audit.COMMAND,
            **more,
        )
    except UserError as error:
        fail_on_user_error(error)
    click.echo(
        f"Deltager {participant['code']} oprettet i {participant['municipality_name']} "
        f"Kommune, forløbsstart {participant['baseline_date']}."
    )


@participants_command.command("withdraw")
@click.argument("code")
@click.option(
    "--municipality", "municipality_code", help="Needed when the code is used in several municipalities."
)
def withdraw_participant_command(code, municipality_code):
    """Withdraw a participant: their links stop working at once."""
    participant = _participant(code, municipality_code)
    participants.withdraw_participant(get_db(), participant, actor=audit.COMMAND)
    click.echo(f"Deltager {participant['code']} ({participant['municipality_name']}) er udtrådt.")


@click.command("invite")
@with_appcontext
@click.argument("codes", nargs=-1, required=True)
@click.option("--questionnaire", "questionnaire_id", default=PARTICIPANT_QUESTIONNAIRE, show_default=True)
@click.option(
    "--municipality", "municipality_code", help="Needed when a code is used in several municipalities."
)
@click.option(
    "--early",
    is_flag=True,
    help="Issue the link more than EARLY_INVITE_DAYS before the follow-up date (needs --reason).",
)
@click.option("--reason", help="Why the link goes out early (written to the audit log).")
def invite_command(codes, questionnaire_id, municipality_code, early, reason):
    """Create an invitation for each participant and print CODE<TAB>URL, one per line.

    A participant who already holds a live link gets the same link again.
    All codes are checked first; if any is wrong, no invitation is created.
    A new link more than EARLY_INVITE_DAYS before the follow-up date is refused
    unless --early and --reason say why it goes out early.
    """
    questionnaire = context.questionnaire(questionnaire_id)
    if questionnaire is None:
        known = ", ".join(sorted(context.all_questionnaires()))
        raise DanishError(f"Ukendt spørgeskema {questionnaire_id!r}. Kendte: {known}.")
    reason = (reason or "").strip()
    if early and not reason:
        raise DanishError("--early kræver en begrundelse: --reason TEKST (den skrives i loggen).")
    if reason and not early:
        raise DanishError("--reason bruges kun sammen med --early.")
    db = get_db()
    try:
        found = [participants.find_participant(db, code, municipality_code) for code in codes]
    except UserError as error:
        fail_on_user_error(error)
    failures = 0
    for participant in found:
        try:
            with transaction(db):
                invitation, created = context.issue_link(
                    participant, questionnaire, actor=audit.COMMAND, early_reason=reason or None
                )
                # A printed link lets its holder answer, like the QR page: recorded the same way.
                audit.record(
                    db,
                    "link_shown",
                    actor=audit.COMMAND,
                    target=audit.participant_target(participant),
                    detail={"command": "invite"},
                )
        except invitations.TooEarly as error:
            click.echo(
                f"Fejl: {error.translate(gettext)} Brug --early --reason TEKST for at sende det alligevel.",
                err=True,
            )
            failures += 1
            continue
        except UserError as error:
            click.echo(f"Fejl: {error.translate(gettext)}", err=True)
            failures += 1
            continue
        if not created:
            click.echo(
                f"{participant['code']} har allerede et gyldigt link; det samme link vises igen.", err=True
            )
        click.echo(f"{participant['code']}\t{public_link(invitation)}")
    if failures:
        sys.exit(1)


@participants_command.command("show")
@click.argument("code")
@click.option(
    "--municipality", "municipality_code", help="Needed when the code is used in several municipalities."
)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show_participant_command(code, municipality_code, output):
    """Everything held about a participant, for an access request (audited)."""
    db = get_db()
    participant = _participant(code, municipality_code)
    held = data_rights.held_about(db, participant)
    data_rights.record_access(db, participant, actor=audit.COMMAND)
    click.echo(data_rights.as_json(held) if output == "json" else data_rights.as_text(held))


@participants_command.command("erase")
@click.argument("code")
@click.option(
    "--municipality", "municipality_code", help="Needed when the code is used in several municipalities."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_participant_command(code, municipality_code, yes):
    """Delete a participant's answers, links, messages and contact details for good (audited)."""
    db = get_db()
    participant = _participant(code, municipality_code)
    planned = data_rights.erasure_counts(data_rights.held_about(db, participant))
    click.echo(
        f"Deltager {participant['code']} ({participant['municipality_name']}):"
        f" {counted(planned['answers'], 'svar', 'svar')}, {counted(planned['links'], 'link', 'links')},"
        f" {counted(planned['messages'], 'besked', 'beskeder')} og registreringen"
        + (" med kontaktoplysninger." if planned["contact_details"] else ".")
    )
    if not yes and not click.confirm("Slet det hele for altid?", default=False):
        raise click.ClickException("Intet er slettet.")
    counts = data_rights.erase(db, participant, actor=audit.COMMAND)
    click.echo(
        f"Slettet: {counted(counts['answers'], 'svar', 'svar')}, {counted(counts['links'], 'link', 'links')},"
        f" {counted(counts['messages'], 'besked', 'beskeder')}, registreringen"
        + (" og kontaktoplysningerne." if counts["contact_details"] else ".")
        + " Loggen beholder, at deltageren er slettet, under den pseudonyme kode."
    )


@participants_command.command("import")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--consent-confirmed",
    is_flag=True,
    help="Everyone in the file agreed to be contacted (needed when the file has no consent column).",
)
def import_participants_command(file, consent_confirmed):
    """Import participants from a CSV FILE: all rows or none.

    Columns: code, municipality, baseline_date, phone, email (and optionally
    channel, language, consent, birth_year, gender); comma or semicolon
    separated; UTF-8 with or without BOM. Importing the same file again
    changes nothing.
    """
    db = get_db()
    parsed = importing.parse(db, file.read(importing.MAX_BYTES + 1), consent_confirmed=consent_confirmed)
    result = importing.import_participants(db, parsed, actor=audit.COMMAND)
    if result.errors:
        for line in importing.error_report(result.errors, gettext):
            click.echo(f"Fejl: {line}", err=True)
        click.echo("Intet er importeret. Ret linjerne og kør kommandoen igen.", err=True)
        sys.exit(1)
    click.echo(
        f"{counted(len(result.added), 'deltager', 'deltagere')} importeret,"
        f" {len(result.unchanged)} fandtes allerede uændret."
    )
