"""The consultant's forms. A participant is checked by ``participants.check_participant``,
so the web form, the CSV import and the command line apply the same rules."""

from __future__ import annotations

import sqlite_utils
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ... import participants, places
from ...languages import DEFAULT_LANGUAGE, LANGUAGES
from ..forms import show_error

# The participant's columns (the names ``check_participant`` gives its errors) and their fields.
FIELD_OF = {
    "code": "code",
    "municipality_code": "municipality",
    "baseline_date": "baseline",
    "phone": "phone",
    "email": "email",
    "channel": "channel",
    "language": "language",
    "consent": "consent",
    "birth_year": "birth_year",
    "gender": "gender",
}


class ParticipantForm(FlaskForm):
    """A participant's details, for one of the consultant's ``municipalities`` (codes).

    Past the fields' own validators, :meth:`validate` runs ``participants.check_participant``
    on ``db`` and puts each problem on its field.
    """

    code = StringField(
        _l("Participant code"), validators=[InputRequired(_l("Write the participant's code."))]
    )
    municipality = SelectField(_l("Municipality"))
    baseline = DateField(
        _l("Course start"), validators=[InputRequired(_l("Give the date the course started."))]
    )
    phone = TelField(_l("Mobile number"), validators=[Optional()])
    email = EmailField(_l("E-mail"), validators=[Optional()])
    channel = RadioField(
        _l("Send the questionnaire by"),
        choices=[SelectChoice("sms", _l("SMS")), SelectChoice("email", _l("E-mail"))],
        default="sms",
    )
    # The installation's languages (``check_participant`` refuses any other, for the import and command).
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        default=DEFAULT_LANGUAGE,
    )
    birth_year = StringField(_l("Birth year (optional)"), validators=[Optional()])
    gender = SelectField(
        _l("Gender (optional)"),
        choices=[
            SelectChoice("", _l("Not given")),
            SelectChoice("female", _l("Female")),
            SelectChoice("male", _l("Male")),
            SelectChoice("other", _l("Other")),
        ],
        default="",
    )
    consent = BooleanField(_l("The participant has agreed to be contacted about the questionnaire"))

    def __init__(self, *args, db: sqlite_utils.Database, municipalities: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.db = db
        self.allowed = municipalities
        self.municipality.choices = [
            SelectChoice(code, name) for code, name in places.municipality_choices(db, municipalities)
        ]

    def validate_municipality(self, field) -> None:
        # The choices are the consultant's municipalities, so the choice check refuses any other
        # first; this keeps the rule should the two ever differ, without a second message there.
        if not field.errors and field.data not in self.allowed:
            raise ValidationError(gettext("Choose one of your municipalities."))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        _row, errors = participants.check_participant(self.db, self.participant_input())
        for name, error in errors.items():
            show_error(self, error, FIELD_OF[name])
        return not errors

    def participant_input(self) -> participants.ParticipantInput:
        """What was typed, for ``participants`` to check and store."""
        return participants.ParticipantInput(
            code=self.code.data or "",
            municipality_code=self.municipality.data or "",
            baseline=self.baseline.data,
            phone=self.phone.data,
            email=self.email.data,
            channel=self.channel.data,
            language=self.language.data,
            consent=self.consent.data,
            birth_year=self.birth_year.data,
            gender=self.gender.data or None,
        )


class ParticipantUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file."))])
    consent_confirmed = BooleanField(
        _l("Everyone in the file has agreed to be contacted (needed when the file has no consent column)")
    )


class EarlySendForm(FlaskForm):
    """The confirmation that a link goes out before its time, with the reason for the audit log."""

    reason = TextAreaField(
        _l("Why must the link go out now?"),
        validators=[
            InputRequired(_l("Write why the link must go out early.")),
            Length(max=500, message=_l("Keep the reason under 500 characters.")),
        ],
    )
    via = HiddenField(default="send")

    def validate_reason(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(gettext("Write why the link must go out early."))


class ConfirmForm(FlaskForm):
    """A button that confirms (withdraw, undo): only the CSRF token."""
