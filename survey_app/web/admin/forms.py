"""The admin's forms: users, clusters, message texts, opening a round and a team's contact.

Whether a value may be saved is checked where the rule lives (``accounts``, ``messaging``,
``rounds``), when the view saves; :func:`survey_app.web.forms.show_error` puts a refusal beside
its field.
"""

from __future__ import annotations

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
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from ...languages import DEFAULT_LANGUAGE, LANGUAGES

ROLE_CHOICES = [
    SelectChoice("consultant", _l("Consultant")),
    SelectChoice("evaluator", _l("Evaluator")),
    SelectChoice("admin", _l("Administrator")),
]

ALL_WITH_CONTACT, CHOSEN = "all", "chosen"


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[Optional()])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="consultant")
    municipalities = SelectMultipleField(
        _l("Municipalities (consultants only)"),
        invalid_choice_message=_l("Choose the municipalities from the list."),
    )
    disabled = BooleanField(_l("Disabled (cannot log in)"))


class ClusterForm(FlaskForm):
    name = StringField(_l("Name of the cluster"), validators=[DataRequired()])
    municipalities = SelectMultipleField(
        _l("Municipalities"), invalid_choice_message=_l("Choose the municipalities from the list.")
    )


class TemplateForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[DataRequired()])


class OtherLanguageTemplateForm(FlaskForm):
    """A text in a language other than Danish: left empty, that language sends the Danish text."""

    text = TextAreaField(_l("Text"), validators=[Optional()])


class OpenRoundForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[InputRequired(_l("Give the round a name."))])
    questionnaire = SelectField(_l("Questionnaire"))
    deadline = DateField(
        _l("Deadline (the last day teams can answer)"),
        validators=[InputRequired(_l("Give the deadline as a date."))],
    )
    scope = RadioField(
        _l("Municipalities"),
        choices=[
            SelectChoice(ALL_WITH_CONTACT, _l("All municipalities with a team contact")),
            SelectChoice(CHOSEN, _l("The municipalities chosen below")),
        ],
        default=ALL_WITH_CONTACT,
    )
    municipalities = SelectMultipleField(_l("Chosen municipalities"))


class TeamContactForm(FlaskForm):
    email = EmailField(_l("The team's e-mail"), validators=[Optional()])
    name = StringField(_l("Name of the team or contact person"), validators=[Optional()])
    # The installation's languages; ``rounds.set_team_contact`` refuses any other.
    language = SelectField(
        _l("Language of the e-mails"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        default=DEFAULT_LANGUAGE,
        validate_choice=False,
    )


class SupportContactForm(FlaskForm):
    """A municipality's own support contact; checked by ``support.set_support_contact``."""

    name = StringField(_l("Name"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional()])
    email = EmailField(_l("E-mail"), validators=[Optional()])


class TeamContactsUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file."))])


class TeamContactsConfirmForm(FlaskForm):
    """The checked file, sent back (base64) with the press that imports it."""

    content = HiddenField(validators=[DataRequired()])


class ParticipantLookupForm(FlaskForm):
    """A participant for an access request or an erasure, by pseudonymous code."""

    code = StringField(
        _l("The participant's code"), validators=[InputRequired(_l("Give the participant's code."))]
    )
    # Choices: "any", then every municipality (set by the view).
    municipality = SelectField(_l("Municipality"), validators=[Optional()])


class ParticipantRightsForm(FlaskForm):
    """The participant found, carried to the download and the erasure."""

    participant_id = HiddenField(validators=[DataRequired()])


class ConfirmErasureForm(ParticipantRightsForm):
    code = StringField(
        _l("Type the participant's code to confirm"),
        validators=[InputRequired(_l("Give the participant's code."))],
    )


class PrivacyNoticeForm(FlaskForm):
    """The privacy notice in one language; checked by ``privacy.save_notice`` (Danish required)."""

    text = TextAreaField(_l("Text of the privacy notice"), validators=[Optional()])
