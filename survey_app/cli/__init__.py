"""Command-line interface: ``flask --app survey_app <command>``.

Commands print in Danish, write nothing when an input is wrong, and exit
with status 1 and a message saying what to fix.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from flask_babel import gettext

from .. import (
    accounts,
    audit,
    clock,
    exports,
    formatting,
    importing,
    invitations,
    messaging,
    participants,
    reporting,
    retention,
    rounds,
    safe_csv,
)
from ..db import get_db, transaction
from ..languages import UserError
from ..reporting import cube
from ..scheduling import Schedule
from ..web.auth import set_password_url
from ..web.team import plan_round_messages, team_link
from ..web.urls import message_links, public_link


class DanishError(click.ClickException):
    """A user error shown as ``Fejl: ...`` on standard error, exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"Fejl: {self.format_message()}", err=True, file=file)


def fail_on_user_error(error: UserError):
    raise DanishError(error.translate(gettext)) from None


@click.group("participants", cls=AppGroup)
def participants_command():
    """Register and withdraw participants."""


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
@click.option("--language", type=click.Choice(["da", "en"]), default="da", show_default=True)
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
    try:
        participant = participants.find_participant(get_db(), code, municipality_code)
    except UserError as error:
        fail_on_user_error(error)
    participants.withdraw_participant(get_db(), participant["id"])
    click.echo(f"Deltager {participant['code']} ({participant['municipality_name']}) er udtrådt.")


@click.command("invite")
@with_appcontext
@click.argument("codes", nargs=-1, required=True)
@click.option("--questionnaire", "questionnaire_id", default="csq8", show_default=True)
@click.option(
    "--municipality", "municipality_code", help="Needed when a code is used in several municipalities."
)
def invite_command(codes, questionnaire_id, municipality_code):
    """Create an invitation for each participant and print CODE<TAB>URL, one per line.

    A participant who already holds a live link gets the same link again.
    All codes are checked first; if any is wrong, no invitation is created.
    """
    questionnaire = current_app.extensions["questionnaires"].get(questionnaire_id)
    if questionnaire is None:
        known = ", ".join(sorted(current_app.extensions["questionnaires"]))
        raise DanishError(f"Ukendt spørgeskema {questionnaire_id!r}. Kendte: {known}.")
    db = get_db()
    try:
        found = [participants.find_participant(db, code, municipality_code) for code in codes]
    except UserError as error:
        fail_on_user_error(error)
    failures = 0
    for participant in found:
        try:
            with transaction(db):
                invitation, created = invitations.create_invitation(
                    db, participant, questionnaire, valid_days=current_app.config["LINK_VALID_DAYS"]
                )
                # A printed link lets its holder answer, like the QR page: recorded the same way.
                audit.record(
                    db,
                    "link_shown",
                    actor="cli",
                    target=f"participant:{participant['id']}:{participant['code']}",
                    detail={"command": "invite"},
                )
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
    with transaction(db):
        result = importing.import_participants(db, parsed, actor="cli")
        if not result.errors:
            audit.record(
                db,
                "participants_imported",
                actor="cli",
                detail={"added": len(result.added), "unchanged": len(result.unchanged)},
            )
    if result.errors:
        for line in importing.error_report(result.errors, gettext):
            click.echo(f"Fejl: {line}", err=True)
        click.echo("Intet er importeret. Ret linjerne og kør kommandoen igen.", err=True)
        sys.exit(1)
    click.echo(f"{len(result.added)} deltagere importeret, {len(result.unchanged)} fandtes allerede uændret.")


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
                db, email=email, role=role, municipalities=list(municipalities), name=name, password=password
            )
            audit.record(db, "user_created", actor="cli", target=f"user:{user['id']}", detail={"role": role})
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


def _schedule_and_links():
    return Schedule.from_config(current_app.config), message_links()


@click.command("send-due")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only count what would be sent; change nothing.")
def send_due_command(dry_run):
    """Send the invitations, reminders and pre-notices that are due, then retry failed sends.

    Meant to run every 15-60 minutes (cron or a systemd timer, see README).
    Safe to run twice at once: no message is ever created or sent twice.
    Also deletes contact details that are no longer needed.
    """
    db = get_db()
    now = clock.now()
    schedule, links = _schedule_and_links()
    questionnaire = current_app.extensions["questionnaires"]["csq8"]
    planned = messaging.plan(
        db,
        questionnaire,
        schedule,
        links,
        now,
        valid_days=current_app.config["LINK_VALID_DAYS"],
        dry_run=dry_run,
    )
    for_teams = plan_round_messages(db, now, dry_run=dry_run)
    if for_teams["round"] or for_teams["round_reminder"]:
        verb = "ville oprette" if dry_run else "oprettet"
        click.echo(
            f"Organisationsrunder: {verb} {for_teams['round']} e-mails med link og"
            f" {for_teams['round_reminder']} påmindelser til IPS-teams."
        )
    if for_teams["no_contact"]:
        click.echo(
            f"{for_teams['no_contact']} IPS-teams i åbne runder har ingen kontakt-e-mail: sæt den med"
            " 'teams set' eller på siden Runder.",
            err=True,
        )
    if dry_run:
        waiting = db.execute("SELECT COUNT(*) FROM message WHERE status = 'pending'").fetchone()[0]
        purgeable = retention.purge_contacts(db, now, current_app.config["CONTACT_GRACE_DAYS"], dry_run=True)
        click.echo(
            f"Prøvekørsel: ville oprette {planned['invitation']} invitationer, {planned['reminder']} påmindelser"
            f" og {planned['prenotice']} forvarsler; {waiting} beskeder venter allerede;"
            f" kontaktoplysninger for {len(purgeable)} deltagere ville blive slettet."
        )
        return
    sent = messaging.deliver(db, current_app.config, schedule, links, now)
    sent["waiting"] += db.execute(
        "SELECT COUNT(*) FROM message WHERE status = 'pending' AND attempts = 0 AND next_attempt_at > ?",
        [clock.isoformat(now)],
    ).fetchone()[0]
    purged = retention.purge_contacts(db, now, current_app.config["CONTACT_GRACE_DAYS"])
    click.echo(
        f"Oprettet: {planned['invitation']} invitationer, {planned['reminder']} påmindelser,"
        f" {planned['prenotice']} forvarsler. Sendt: {sent['sent']}; venter på SMS-tidsrummet: {sent['waiting']};"
        f" prøves igen senere: {sent['retrying']}; fejlet: {sent['failed'] + sent['failed_fallback']}"
        f" (heraf sendt via den anden kanal: {sent['failed_fallback']}); annulleret: {sent['cancelled']}."
        f" Kontaktoplysninger slettet for {len(purged)} deltagere."
    )
    if planned["no_contact"]:
        click.echo(
            f"{planned['no_contact']} deltagere er forfaldne, men har hverken mobilnummer eller e-mail:"
            " vis dem QR-koden.",
            err=True,
        )
    if sent["failed"] or sent["failed_fallback"]:
        sys.exit(2)


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
    click.echo(f"Kontaktoplysninger {verb} for {len(ids)} deltagere.")


def _parse_date_option(value: str | None, option: str):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DanishError(f"{option} skal være en dato som 2026-01-31, ikke {value!r}.") from None


def _questionnaire_or_fail(questionnaire_id: str):
    questionnaire = current_app.extensions["questionnaires"].get(questionnaire_id)
    if questionnaire is None:
        known = ", ".join(sorted(current_app.extensions["questionnaires"]))
        raise DanishError(f"Ukendt spørgeskema {questionnaire_id!r}. Kendte: {known}.")
    return questionnaire


REPORT_COLUMNS = (
    ("group", "Gruppe"),
    ("eligible", "Berettigede"),
    ("invited", "Inviteret"),
    ("opened", "Åbnet"),
    ("partial", "Delvist"),
    ("completed", "Besvaret"),
    ("response_rate", "Svarprocent"),
    ("csq_n", "N"),
    ("csq_mean", "Gns."),
    ("csq_sd", "SD"),
)


@click.command("report")
@with_appcontext
@click.option(
    "--by",
    "by",
    type=click.Choice(reporting.GROUPINGS + reporting.SERVICE_GROUPINGS),
    required=True,
    help="Grouping of the rows: region, cluster, municipality, period (quarter of the course start),"
    " fidelity-band (the municipality's fidelity review closest to the follow-up date) or org-item-N"
    " (the answer to item N of the organisation questionnaire round closest to it).",
)
@click.option(
    "--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--period",
    default="",
    help="Course starts in this year (2025), half-year (2025H1) or quarter (2025K3); default: all.",
)
@click.option("--from", "start", help="First baseline date included, YYYY-MM-DD (only with --no-suppress).")
@click.option("--to", "end", help="Last baseline date included, YYYY-MM-DD (only with --no-suppress).")
@click.option("--questionnaire", "questionnaire_id", default="csq8", show_default=True)
@click.option(
    "--region-basis",
    type=click.Choice(reporting.REGION_BASES),
    default="baseline",
    show_default=True,
    help="Region as of each participant's baseline date, or as of today.",
)
@click.option(
    "--no-suppress",
    is_flag=True,
    help="Show small counts too (for your own analysis; written to the audit log).",
)
def report_command(by, output, period, start, end, questionnaire_id, region_basis, no_suppress):
    """Response rates and scores per region, cluster, municipality or period (Tabel 3).

    Counts below SUPPRESSION_THRESHOLD (5) are hidden ("<5"), figures that
    would reveal one are hidden too ("×"), and rates and means computed from
    a hidden figure ("–"); the marks are written in the table and in CSV
    cells. JSON is a list of objects with the keys group, eligible, invited,
    opened, partial, completed, response_rate, csq_n, csq_mean, csq_sd
    (hidden ones null), suppressed and hidden (the mark of each hidden key);
    the last object is the Total. Day-level ranges (--from/--to) only with
    --no-suppress.
    """
    questionnaire = _questionnaire_or_fail(questionnaire_id)
    if not cube.valid_period(period):
        raise DanishError("--period skal være et år (2025), et halvår (2025H1) eller et kvartal (2025K3).")
    if (start or end) and not no_suppress:
        raise DanishError(
            "--from og --to kan kun bruges med --no-suppress: to perioder, der kun adskiller sig med få dage,"
            " ville afsløre de deltagere, der startede i de dage. Brug --period."
        )
    query = reporting.Query(
        questionnaire_id=questionnaire.id,
        as_of=clock.today(),
        followup_weeks=int(current_app.config["FOLLOWUP_WEEKS"]),
        period=period,
        start=_parse_date_option(start, "--from"),
        end=_parse_date_option(end, "--to"),
        region_basis=region_basis,
    )
    if query.start and query.end and query.start > query.end:
        raise DanishError("--from skal ligge før --to.")
    db = get_db()
    threshold = int(current_app.config["SUPPRESSION_THRESHOLD"])
    try:
        result = reporting.report(
            db,
            query,
            by,
            threshold=threshold,
            suppress=not no_suppress,
            questionnaire=questionnaire,
            translate=gettext,
        )
    except reporting.PeriodNotOffered as error:
        offered = ", ".join(period for period in error.offered if period) or "ingen"
        raise DanishError(
            f"Perioden {error.period} kan ikke vælges: ingen deltagere med forløbsstart i den har nået"
            f" opfølgningen. Mulige perioder: {offered}."
        ) from None
    if no_suppress:
        with transaction(db):
            audit.record(
                db,
                "report_unsuppressed",
                actor="cli",
                detail={
                    "by": by,
                    "questionnaire": questionnaire.id,
                    "period": period,
                    "from": start,
                    "to": end,
                    "region_basis": region_basis,
                },
            )
    rows = result.json_rows()
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif output == "csv":
        buffer = io.StringIO()
        writer = safe_csv.writer(buffer, lineterminator="\n")  # a group named "=…" stays text
        columns = [key for key in rows[0] if key != "hidden"]
        writer.writerow(columns)
        for row in rows:
            marks = row["hidden"]
            writer.writerow([marks.get(column, row[column]) for column in columns])
        click.echo(buffer.getvalue(), nl=False)
    else:
        _echo_report_table(result, rows, questionnaire)


def _echo_report_table(result, rows: list[dict], questionnaire) -> None:
    hidden = formatting.hidden_text(result.threshold)

    def cell(key, value):
        if key == "group":
            return str(value)
        if key == "response_rate":
            return formatting.percent(value, 1, hidden="–")
        if key in ("csq_mean", "csq_sd"):
            return formatting.number(value, 2, hidden="–")
        return formatting.count(value, hidden=hidden)

    table = [[title for _, title in REPORT_COLUMNS]]
    table += [[row["hidden"].get(key) or cell(key, row[key]) for key, _ in REPORT_COLUMNS] for row in rows]
    for reference in questionnaire.references:
        label = reference.label.get("da")
        table.append(
            [
                label,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                formatting.number(reference.mean, 2),
                formatting.number(reference.sd, 2, hidden=""),
            ]
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(REPORT_COLUMNS))]
    for line in table:
        click.echo(
            "  ".join(
                text.ljust(width) if i == 0 else text.rjust(width)
                for i, (text, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )
    if result.suppressed and any(row["suppressed"] for row in rows):
        click.echo(
            f"\n{hidden}: færre end {result.threshold} deltagere. ×: skjult, selv om tallet er mindst"
            f" {result.threshold}, fordi det ville afsløre en mindre gruppe. –: beregnet af et skjult tal."
        )


@click.command("export")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True, help="File format.")
@click.option("--questionnaire", "questionnaire_id", default="csq8", show_default=True)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The file to write."
)
@click.option("--excel-da", is_flag=True, help="CSV for Danish Excel: semicolon and decimal comma.")
def export_command(fmt, questionnaire_id, out, excel_da):
    """Export one row per invitation (no contact details) with a Danish codebook.

    CSV is UTF-8 with BOM, its codebook written beside it as
    <name>_kodebog.csv; xlsx has the sheets Data and Kodebog; sav (SPSS) and
    dta (Stata) carry variable and value labels and need the extra
    'stats' (pip install -e '.[stats]'). Withdrawn participants are left out.
    """
    questionnaire = _questionnaire_or_fail(questionnaire_id)
    if excel_da and fmt != "csv":
        raise DanishError("--excel-da gælder kun --format csv.")
    db = get_db()
    try:
        rows = exports.write_export(db, questionnaire, fmt, out, excel_da=excel_da)
    except exports.ExportError as error:
        raise DanishError(str(error)) from None
    except OSError as error:
        raise DanishError(f"Kan ikke skrive {out}: {error.strerror or error}.") from None
    with transaction(db):
        audit.record(
            db,
            "export",
            actor="cli",
            detail={
                "format": fmt,
                "questionnaire": questionnaire.id,
                "rows": rows,
                "file": out.name,
                "excel_da": excel_da,
            },
        )
    click.echo(f"{rows} rækker skrevet til {out}.")
    if fmt == "csv":
        click.echo(f"Kodebog skrevet til {exports.codebook_path(out)}.")


ROUND_STATUS_DA = {rounds.ANSWERED: "besvaret", rounds.OPENED: "åbnet", rounds.NOT_OPENED: "ikke åbnet"}


def _local_time(stored: str | None) -> str:
    return clock.local(clock.parse(stored)).strftime("%Y-%m-%d %H:%M") if stored else "-"


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
    questionnaire = _questionnaire_or_fail(questionnaire_id)
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
                created_by=None,
                now=now,
            )
            audit.record(
                db,
                "round_opened",
                actor="cli",
                target=f"round:{round_row['id']}",
                detail={
                    "name": round_row["name"],
                    "deadline": round_row["deadline"],
                    "municipalities": [team["municipality_code"] for team in teams],
                },
            )
    except UserError as error:
        fail_on_user_error(error)
    planned = plan_round_messages(db, now)
    click.echo(
        f"Runden {round_row['name']} er åbnet for {len(teams)} kommuner med frist {round_row['deadline']}."
        f" {planned['round']} e-mails med linket ligger i udbakken og sendes ved næste send-due.",
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
    click.echo(f"Runde {round_row['name']} ({state}): {answered} af {len(teams)} kommuner har svaret.")
    click.echo("kode\tkommune\tstatus\tbesvaret\tsenest ændret")
    for team in teams:
        click.echo(
            f"{team['municipality_code']}\t{team['municipality_name']}\t{ROUND_STATUS_DA[team['status']]}"
            f"\t{_local_time(team['completed_at'])}\t{_local_time(team['last_change'])}"
        )


@rounds_command.command("close")
@click.argument("name")
def close_round_command(name):
    """Close the round NAME before its deadline: the teams' links stop working at once."""
    db = get_db()
    try:
        with transaction(db):
            round_row = rounds.find_round(db, name)
            rounds.close_round(db, round_row["id"], clock.now())
            audit.record(db, "round_closed", actor="cli", target=f"round:{round_row['id']}")
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
def set_team_command(code, email, name):
    """Set the team contact of the municipality CODE (e.g. 259 for Køge)."""
    db = get_db()
    try:
        with transaction(db):
            contact = rounds.set_team_contact(db, code, email=email, name=name, user_id=None, now=clock.now())
            audit.record(
                db,
                "team_contact_set",
                actor="cli",
                target=f"municipality:{contact['code']}",
                detail={"email": contact["email"], "name": contact["name"]},
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


def init_app(app) -> None:
    app.cli.add_command(participants_command)
    app.cli.add_command(invite_command)
    app.cli.add_command(users_command)
    app.cli.add_command(send_due_command)
    app.cli.add_command(outbox_command)
    app.cli.add_command(purge_contacts_command)
    app.cli.add_command(report_command)
    app.cli.add_command(export_command)
    app.cli.add_command(rounds_command)
    app.cli.add_command(teams_command)


def main() -> None:
    """``survey-app``: the same commands as ``flask --app survey_app``."""
    from .. import create_app

    FlaskGroup(create_app=create_app)()
