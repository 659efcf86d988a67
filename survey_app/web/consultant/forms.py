"""The consultant's forms. Checking is done by ``registry.check_participant``,
so the web form, the CSV import and the command line apply the same rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, RadioField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional


class ParticipantForm(FlaskForm):
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
    language = SelectField(
        _l("Language"), choices=[SelectChoice("da", "Dansk"), SelectChoice("en", "English")], default="da"
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


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file."))])
    consent_confirmed = BooleanField(
        _l("Everyone in the file has agreed to be contacted (needed when the file has no consent column)")
    )
