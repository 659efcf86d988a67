"""The forms of logging in, setting a password and creating the first admin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    repeat = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class FirstAdminForm(SetPasswordForm):
    email = EmailField(_l("Your e-mail"), validators=[DataRequired()])
