"""What the blueprints' forms share: a domain refusal shown beside the field it is about.

Every rule about what may be saved lives once, in a domain module that raises (or returns)
:class:`~survey_app.languages.UserError`, so a page, a CSV import and a command refuse the same
input with the same Danish message. A view or a form does not restate the rule and does not write
``field.errors`` by hand: it hands the refusal to :func:`show_error`.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm

from ..languages import UserError


def show_error(form: FlaskForm, error: UserError, field: str | None = None) -> None:
    """Add ``error``, in the request's language, to the errors of ``form[field]``; without
    ``field``, of the field the error names itself (``rounds.RoundError.field``)."""
    target = form[field or error.field]
    target.errors = [*target.errors, error.translate(gettext)]
