"""Command-line interface: ``flask --app survey_app <command>``.

Commands print in Danish, write nothing when an input is wrong, and exit
with status 1 and a message saying what to fix.
"""

from __future__ import annotations

import sys

import click
from flask import current_app, url_for
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from flask_babel import gettext

from . import invitations, registry
from .db import get_db
from .texts import UserError


class DanishError(click.ClickException):
    """A user error shown as ``Fejl: ...`` on standard error, exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"Fejl: {self.format_message()}", err=True, file=file)


def fail_on_user_error(error: UserError):
    raise DanishError(error.translate(gettext)) from None


def link_for(invitation: dict) -> str:
    """The absolute link to an invitation, on ``BASE_URL``."""
    token = invitations.token_for(current_app.config["SECRET_KEY"], invitation)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for("participant.welcome", token=token, _external=True)


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
        participant = registry.add_participant(
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
        participant = registry.find_participant(get_db(), code, municipality_code)
    except UserError as error:
        fail_on_user_error(error)
    registry.withdraw_participant(get_db(), participant["id"])
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
        participants = [registry.find_participant(db, code, municipality_code) for code in codes]
    except UserError as error:
        fail_on_user_error(error)
    failures = 0
    for participant in participants:
        try:
            invitation, created = invitations.create_invitation(
                db, participant, questionnaire, valid_days=current_app.config["LINK_VALID_DAYS"]
            )
        except UserError as error:
            click.echo(f"Fejl: {error.translate(gettext)}", err=True)
            failures += 1
            continue
        if not created:
            click.echo(
                f"{participant['code']} har allerede et gyldigt link; det samme link vises igen.", err=True
            )
        click.echo(f"{participant['code']}\t{link_for(invitation)}")
    if failures:
        sys.exit(1)


def init_app(app) -> None:
    app.cli.add_command(participants_command)
    app.cli.add_command(invite_command)


def main() -> None:
    """``survey-app``: the same commands as ``flask --app survey_app``."""
    from . import create_app

    FlaskGroup(create_app=create_app)()
