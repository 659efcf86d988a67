"""The forms of logging in (password, then code), setting a password and creating the first admin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


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


class CodeForm(FlaskForm):
    """The second step of a login: a code from the app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
