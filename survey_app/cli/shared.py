"""What every command shares: Danish errors with exit status 1, and the options several commands read."""

from __future__ import annotations

from datetime import date

import click
from flask_babel import gettext

from .. import (
    clock,
    context,
)
from ..languages import UserError


class DanishError(click.ClickException):
    """A user error shown as ``Fejl: ...`` on standard error, exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"Fejl: {self.format_message()}", err=True, file=file)


def fail_on_user_error(error: UserError):
    raise DanishError(error.translate(gettext)) from None


def parse_date_option(value: str | None, option: str):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DanishError(f"{option} skal være en dato som 2026-01-31, ikke {value!r}.") from None


def questionnaire_or_fail(questionnaire_id: str):
    questionnaire = context.questionnaire(questionnaire_id)
    if questionnaire is None:
        known = ", ".join(sorted(context.all_questionnaires()))
        raise DanishError(f"Ukendt spørgeskema {questionnaire_id!r}. Kendte: {known}.")
    return questionnaire


def counted(number: int, singular: str, plural: str) -> str:
    """A count with its Danish noun: ``1 kommune``, ``2 kommuner``."""
    return f"{number} {singular if number == 1 else plural}"


def local_time(stored: str | None) -> str:
    return clock.local(clock.parse(stored)).strftime("%Y-%m-%d %H:%M") if stored else "-"
