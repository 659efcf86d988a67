"""The admin's commands: staff accounts, organisation rounds and the teams' contacts."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext

from .. import (
    accounts,
    audit,
    clock,
    importing,
    participants,
    rounds,
)
from ..context import get_db, plan_round_messages, set_password_url, team_link
from ..db import transaction
from ..languages import UserError
from ..rounds import contact_imports
from .shared import DanishError, counted, fail_on_user_error, local_time, questionnaire_or_fail


@click.group("users", cls=AppGroup)
def users_command():
    """Staff accounts: admins, consultants and evaluators."""


@users_command.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option(
    "--municipality",
    "municipalities",
    multiple=True,
    help="A consultant's municipality code (repeat for several).",
)
@click.option("--name", help="The person's name, shown to admins.")
@click.option(
    "--link",
    "print_link",
    is_flag=True,
    help="Print a one-time link to set the password instead of asking for it.",
)
def create_user_command(email, role, municipalities, name, print_link):
    """Create a user. Asks for the password, or prints a one-time link with --link."""
    password = None
    if not print_link:
        password = click.prompt("Adgangskode", hide_input=True, confirmation_prompt="Gentag adgangskoden")
    db = get_db()
    try:
        with transaction(db):
            user = accounts.create_user(
                db,
                email=email,
                role=role,
                municipalities=list(municipalities),
                name=name,
                password=password,
                actor=audit.COMMAND,
            )
    except UserError as error:
        fail_on_user_error(error)
    click.echo(f"Bruger {user['email']} oprettet som {role}.")
    if print_link:
        click.echo(f"Engangslink til at vælge adgangskode (virker i 72 timer): {set_password_url(user)}")


@users_command.command("link")
@click.argument("email")
def user_link_command(email):
    """Print a one-time link with which the user sets a new password."""
    user = accounts.find_by_email(get_db(), email)
    if user is None:
        raise DanishError(f"Der findes ingen bruger med e-mailen {email}.")
    click.echo(set_password_url(user))


@users_command.command("list")
def list_users_command():
    """List the users with role and municipalities."""
    for user in accounts.list_users(get_db()):
        state = " (deaktiveret)" if user["disabled_at"] else ""
        click.echo(f"{user['email']}\t{user['role']}\t{','.join(user['municipalities']) or '-'}{state}")


ROUND_STATUS_DA = {rounds.ANSWERED: "besvaret", rounds.OPENED: "åbnet", rounds.NOT_OPENED: "ikke åbnet"}


@click.group("rounds", cls=AppGroup)
def rounds_command():
    """Rounds of the organisation questionnaire, answered by each municipality's IPS team."""


@rounds_command.command("open")
@click.argument("name")
@click.option("--questionnaire", "questionnaire_id", default="organisation", show_default=True)
@click.option("--deadline", required=True, help="The last day the teams can answer, YYYY-MM-DD.")
@click.option(
    "--municipality",
    "municipalities",
    multiple=True,
    help="Municipality code (repeat for several); default: every municipality with a team contact.",
)
def open_round_command(name, questionnaire_id, deadline, municipalities):
    """Open the round NAME and print each municipality's link: CODE<TAB>MUNICIPALITY<TAB>URL.

    Every chosen municipality needs a team contact e-mail (``teams set``);
    the links are e-mailed to them by ``send-due``, with one reminder
    ROUND_REMINDER_DAYS (7) before the deadline to teams that have not answered.
    """
    questionnaire = questionnaire_or_fail(questionnaire_id)
    db = get_db()
    now = clock.now()
    try:
        with transaction(db):
            round_row, teams = rounds.open_round(
                db,
                name=name,
                questionnaire=questionnaire,
                deadline=participants.parse_date(deadline),
                municipality_codes=list(municipalities) or None,
                actor=audit.COMMAND,
                now=now,
            )
    except UserError as error:
        fail_on_user_error(error)
    planned = plan_round_messages(db, now)
    click.echo(
        f"Runden {round_row['name']} er åbnet for {counted(len(teams), 'kommune', 'kommuner')} med frist"
        f" {round_row['deadline']}. {counted(planned['round'], 'e-mail', 'e-mails')} med linket ligger i"
        " udbakken og sendes ved næste send-due.",
        err=True,
    )
    for team in teams:
        click.echo(f"{team['municipality_code']}\t{team['municipality_name']}\t{team_link(team)}")


@rounds_command.command("status")
@click.argument("name")
def round_status_command(name):
    """Per municipality of the round NAME: answered, opened or not opened, and when it answered."""
    db = get_db()
    try:
        round_row = rounds.find_round(db, name)
    except UserError as error:
        fail_on_user_error(error)
    teams = rounds.team_statuses(db, round_row["id"])
    closed = rounds.is_closed(round_row, clock.today())
    state = "lukket" if closed else f"åben til og med {round_row['deadline']}"
    answered = sum(1 for team in teams if team["status"] == rounds.ANSWERED)
    click.echo(
        f"Runde {round_row['name']} ({state}): {answered} af {counted(len(teams), 'kommune', 'kommuner')} har svaret."
    )
    click.echo("kode\tkommune\tstatus\tbesvaret\tsenest ændret")
    for team in teams:
        click.echo(
            f"{team['municipality_code']}\t{team['municipality_name']}\t{ROUND_STATUS_DA[team['status']]}"
            f"\t{local_time(team['completed_at'])}\t{local_time(team['last_change'])}"
        )


@rounds_command.command("close")
@click.argument("name")
def close_round_command(name):
    """Close the round NAME before its deadline: the teams' links stop working at once."""
    db = get_db()
    try:
        with transaction(db):
            round_row = rounds.find_round(db, name)
            rounds.close_round(db, round_row["id"], clock.now(), actor=audit.COMMAND)
    except UserError as error:
        fail_on_user_error(error)
    click.echo(f"Runden {round_row['name']} er lukket.")


@click.group("teams", cls=AppGroup)
def teams_command():
    """Contacts of the municipalities' IPS teams, who get the organisation rounds' links."""


@teams_command.command("set")
@click.argument("code")
@click.option("--email", required=True, help="Where the team's round links are e-mailed.")
@click.option("--name", help="The team or contact person, used in the greeting.")
@click.option("--language", help="Language of the team's e-mails (da, en); unchanged when left out.")
def set_team_command(code, email, name, language):
    """Set the team contact of the municipality CODE (e.g. 259 for Køge)."""
    db = get_db()
    try:
        with transaction(db):
            contact = rounds.set_team_contact(
                db, code, email=email, name=name, language=language, actor=audit.COMMAND, now=clock.now()
            )
    except UserError as error:
        fail_on_user_error(error)
    click.echo(
        f"Teamkontakt for {contact['municipality_name']} Kommune ({contact['code']}): {contact['email']}."
    )


@teams_command.command("list")
def list_teams_command():
    """List the municipalities that have a team contact."""
    for row in rounds.team_contacts(get_db()):
        if row["email"]:
            click.echo(f"{row['code']}\t{row['municipality_name']}\t{row['email']}\t{row['name'] or ''}")


@teams_command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only say what would change; store nothing.")
def import_teams_command(file, dry_run):
    """Import team contacts from a CSV file: kommune (code or name), e-mail, navn and sprog (da, en).

    All or nothing: every problem is listed with its line, and nothing is stored unless the whole
    file is good. Prints what changes (new, changed, unchanged) before importing.
    """
    db = get_db()
    with open(file, "rb") as handle:
        data = handle.read(contact_imports.MAX_BYTES + 1)
    parsed = contact_imports.parse_contacts(db, data)
    if parsed.errors:
        for line in importing.error_report(parsed.errors, gettext):
            click.echo(line, err=True)
        raise DanishError("Intet er importeret: ret linjerne ovenfor og prøv igen.")
    for row in parsed.rows:
        if row.change != contact_imports.UNCHANGED:
            before = f" (før: {row.before['email']})" if row.before else " (ny)"
            click.echo(f"{row.code}\t{row.municipality_name}\t{row.email}\t{row.name or ''}{before}")
    counts = (
        f"{counted(parsed.count(contact_imports.ADDED), 'ny teamkontakt', 'nye teamkontakter')},"
        f" {parsed.count(contact_imports.CHANGED)} ændret,"
        f" {parsed.count(contact_imports.UNCHANGED)} uændret"
    )
    if dry_run:
        click.echo(f"Prøvekørsel, intet er gemt: filen giver {counts}.")
        return
    contact_imports.import_contacts(db, parsed, actor=audit.COMMAND, now=clock.now())
    click.echo(f"Importeret: {counts}.")
