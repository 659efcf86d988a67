"""The operator's commands, mostly run by the timer: sending what is due, the outbox, purging contact details, the database and its backup, the message catalogues."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .. import (
    audit,
    clock,
    context,
    db,
    jobs,
    messaging,
    postgres,
    retention,
    send_due,
)
from ..context import get_db, message_links, plan_round_messages
from ..languages import EXTRACT_KEYWORDS, LANGUAGES, compile_catalogues
from ..questionnaires import PARTICIPANT_QUESTIONNAIRE
from ..scheduling import Schedule
from .shared import counted, local_time


def _schedule_and_links():
    return Schedule.from_config(current_app.config), message_links()


@click.command("send-due")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only count what would be sent; change nothing.")
def send_due_command(dry_run):
    """Send the invitations, reminders and pre-notices that are due, then retry failed sends.

    Meant to run every 15-60 minutes (cron or a systemd timer, see README); `flask run` also runs it
    in the background. One run at a time: while another holds the lock, this one says so and skips.
    Also deletes contact details that are no longer needed.
    """
    if dry_run:
        _send_due_dry_run()
        return
    counts = send_due.run(trigger="command")
    if counts is None:
        holder = jobs.holder_of(get_db(), jobs.SEND_DUE)
        since = (
            f" (siden {local_time(holder['taken_at'])}, proces {holder['pid']} på {holder['host']})"
            if holder
            else ""
        )
        click.echo(
            f"send-due kører allerede{since}: denne kørsel springes over, den igangværende sender det,"
            " der er forfaldent."
        )
        return
    _echo_team_counts(counts["queued"].get("round", 0), counts["queued"].get("round_reminder", 0), "oprettet")
    _warn_teams_without_contact(counts["teams_no_contact"])
    queued = counts["queued"]
    click.echo(
        f"Oprettet: {counted(queued.get('invitation', 0), 'invitation', 'invitationer')},"
        f" {counted(queued.get('reminder', 0), 'påmindelse', 'påmindelser')},"
        f" {counted(queued.get('prenotice', 0), 'forvarsel', 'forvarsler')}. Sendt: {counts['sent_total']};"
        f" venter på SMS-tidsrummet: {counts['waiting']};"
        f" prøves igen senere: {counts['retrying']}; fejlet: {counts['failed_total']}"
        f" (heraf sendt via den anden kanal: {counts['failed_fallback']}); annulleret: {counts['cancelled']}."
        f" Kontaktoplysninger slettet for {counted(counts['purged'], 'deltager', 'deltagere')}."
    )
    if counts.get("anonymised"):
        click.echo(
            f"Anonymiseret efter opbevaringstiden: {counted(counts['anonymised'], 'deltager', 'deltagere')}."
        )
    if counts.get("deleted"):
        click.echo(f"Slettet efter opbevaringstiden: {counted(counts['deleted'], 'deltager', 'deltagere')}.")
    if counts["no_contact"]:
        click.echo(
            (
                "1 deltager er forfalden, men har hverken mobilnummer eller e-mail: vis vedkommende QR-koden."
                if counts["no_contact"] == 1
                else f"{counts['no_contact']} deltagere er forfaldne, men har hverken mobilnummer eller"
                " e-mail: vis dem QR-koden."
            ),
            err=True,
        )
    if counts["failed_total"]:
        sys.exit(2)


def _send_due_dry_run():
    """Count what a run would do now, changing nothing (no lock: it writes nothing)."""
    db = get_db()
    now = clock.now()
    schedule, links = _schedule_and_links()
    questionnaire = context.questionnaire(PARTICIPANT_QUESTIONNAIRE)
    planned = messaging.plan(
        db,
        questionnaire,
        schedule,
        links,
        now,
        valid_days=current_app.config["LINK_VALID_DAYS"],
        dry_run=True,
    )
    for_teams = plan_round_messages(db, now, dry_run=True)
    _echo_team_counts(for_teams["round"], for_teams["round_reminder"], "ville oprette")
    _warn_teams_without_contact(for_teams["no_contact"])
    waiting = db.execute("SELECT COUNT(*) FROM message WHERE status = 'pending'").fetchone()[0]
    purgeable = retention.purge_contacts(db, now, current_app.config["CONTACT_GRACE_DAYS"], dry_run=True)
    click.echo(
        f"Prøvekørsel: ville oprette {counted(planned['invitation'], 'invitation', 'invitationer')},"
        f" {counted(planned['reminder'], 'påmindelse', 'påmindelser')}"
        f" og {counted(planned['prenotice'], 'forvarsel', 'forvarsler')};"
        f" {counted(waiting, 'besked venter', 'beskeder venter')} allerede;"
        f" kontaktoplysninger for {counted(len(purgeable), 'deltager', 'deltagere')} ville blive slettet."
    )


def _echo_team_counts(links: int, reminders: int, verb: str) -> None:
    if links or reminders:
        click.echo(
            f"Organisationsrunder: {verb} {counted(links, 'e-mail', 'e-mails')} med link og"
            f" {counted(reminders, 'påmindelse', 'påmindelser')} til IPS-teams."
        )


def _warn_teams_without_contact(count: int) -> None:
    if count:
        click.echo(
            f"{counted(count, 'IPS-team', 'IPS-teams')} i åbne runder har ingen kontakt-e-mail: sæt den med"
            " 'teams set' eller på siden Runder.",
            err=True,
        )


@click.command("outbox")
@with_appcontext
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed", "cancelled"]))
@click.option("--limit", type=int, default=100, show_default=True)
def outbox_command(output, status, limit):
    """List messages, newest first: code, channel, kind, recipient, body, created, status, attempts, error."""
    sql = (
        "SELECT COALESCE(participant.code, 'team-' || round_team.municipality_code) AS code, message.channel,"
        " message.kind, message.recipient, message.subject, message.body, message.created_at, message.status,"
        " message.attempts, message.error, message.sent_at FROM message"
        " LEFT JOIN participant ON participant.id = message.participant_id"
        " LEFT JOIN round_team ON round_team.id = message.round_team_id"
    )
    params: list = []
    if status:
        sql += " WHERE message.status = ?"
        params.append(status)
    rows = list(get_db().query(sql + " ORDER BY message.id DESC LIMIT ?", [*params, limit]))
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Udbakken er tom.")
        return
    columns = ["code", "channel", "kind", "recipient", "created_at", "status", "attempts", "error", "body"]
    click.echo("\t".join(columns))
    for row in rows:
        body = (row["body"] or "").replace("\n", " ")
        values = [row[c] if c != "body" else body for c in columns]
        click.echo("\t".join("" if v is None else str(v) for v in values))


@click.command("purge-contacts")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only count; delete nothing.")
def purge_contacts_command(dry_run):
    """Delete phone numbers and e-mails no longer needed (also done by send-due)."""
    ids = retention.purge_contacts(
        get_db(), clock.now(), current_app.config["CONTACT_GRACE_DAYS"], dry_run=dry_run
    )
    verb = "ville blive slettet" if dry_run else "slettet"
    click.echo(f"Kontaktoplysninger {verb} for {counted(len(ids), 'deltager', 'deltagere')}.")


@click.command("retention")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only count; change nothing.")
def retention_command(dry_run):
    """Anonymise or delete answers older than RETENTION_YEARS (also done by send-due)."""
    settings = current_app.config
    counts = retention.apply_retention(
        get_db(),
        clock.now(),
        settings["RETENTION_YEARS"],
        settings["RETENTION_ACTION"],
        actor=audit.COMMAND,
        dry_run=dry_run,
    )
    done = {"anonymise": "anonymiseret", "delete": "slettet"}[counts["action"]]
    verb = f"ville blive {done}" if dry_run else done
    click.echo(
        f"Opbevaringstid {counts['years']} år: {counted(counts['participants'], 'deltager', 'deltagere')} {verb}."
    )


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database, or apply pending migrations (also done at every start)."""
    applied = db.migrate(current_app.config["DATABASE"])
    if applied:
        click.echo("Migreringer udført: " + ", ".join(applied))
    else:
        click.echo("Databasen er allerede opdateret.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file):
    """Copy the database to FILE while the app runs (SQLite online backup; pg_dump on PostgreSQL).

    Restore: stop the app, copy FILE over the DATABASE file, delete the
    database's -wal and -shm files if any, start the app (see README). On
    PostgreSQL: pg_restore --clean --if-exists --no-owner -d DATABASE FILE.
    """
    database = current_app.config["DATABASE"]
    if postgres.is_url(database):
        try:
            entries = db.backup(database, file)
        except (subprocess.CalledProcessError, RuntimeError, OSError) as error:
            why = getattr(error, "stderr", None) or error
            raise click.ClickException(f"Sikkerhedskopien mislykkedes: {why}") from None
        size = Path(file).stat().st_size
        click.echo(f"Sikkerhedskopi (pg_dump) skrevet til {file} ({entries} dele, {size / 2**20:.1f} MiB).")
        return
    if Path(file).resolve() == Path(database).resolve():
        raise click.ClickException("Sikkerhedskopien må ikke skrives oven i selve databasen.")

    def progress(status, remaining, total):
        if total:
            click.echo(f"\r{(total - remaining) * 100 // total} %", nl=False, err=True)

    try:
        pages = db.backup(database, file, progress=progress)
    except (sqlite3.Error, OSError) as error:
        raise click.ClickException(f"Sikkerhedskopien mislykkedes: {error}") from None
    size = Path(file).stat().st_size
    click.echo(f"\rSikkerhedskopi skrevet til {file} ({pages} sider, {size / 2**20:.1f} MiB).")


@click.group("translations", cls=AppGroup)
def translations_command():
    """Maintain the Danish and English message catalogues."""


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


@translations_command.command("update")
def update_command():
    """Extract strings from code and templates and merge them into the catalogues."""
    root = Path(current_app.root_path).parent
    directory = translations_dir()
    pot = directory / "messages.pot"
    keywords = [arg for keyword in EXTRACT_KEYWORDS for arg in ("-k", keyword)]
    _pybabel(
        "extract",
        "-F",
        str(root / "babel.cfg"),
        "--no-location",
        "--sort-output",
        "--project",
        "survey_app",
        "--version",
        "0.1",
        "--msgid-bugs-address",
        "",
        *keywords,
        "-o",
        str(pot),
        str(root / "survey_app"),
    )
    for language in LANGUAGES:
        if (directory / language / "LC_MESSAGES" / "messages.po").exists():
            _pybabel(
                "update",
                "-i",
                str(pot),
                "-d",
                str(directory),
                "-l",
                language,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
        else:
            _pybabel("init", "-i", str(pot), "-d", str(directory), "-l", language)
    pot.unlink()
    click.echo(f"Kataloger opdateret i {directory}. Oversæt de nye tekster og kør 'translations compile'.")


@translations_command.command("compile")
def compile_command():
    """Compile the .po catalogues into .mo files (also done at every start)."""
    for path in compile_catalogues(translations_dir()):
        click.echo(f"Skrevet: {path}")


def translations_dir() -> Path:
    return Path(current_app.config["TRANSLATIONS_DIR"])
