"""Sign-in and password forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Regexp

from calibrate.infra.form_fields import AppForm

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


def new_password_field(label: str) -> PasswordField:
    """A password someone chooses: long enough to resist guessing, short enough to hash quickly."""
    return PasswordField(
        label,
        validators=[
            InputRequired(message=_l("Enter a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("Use between %(least)s and %(most)s characters.", least=MIN_PASSWORD_LENGTH, most=MAX_PASSWORD_LENGTH),
            ),
        ],
        description=_l("At least %(least)s characters.", least=MIN_PASSWORD_LENGTH),
    )


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def email_field() -> EmailField:
    return EmailField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            InputRequired(message=_l("Enter your e-mail address.")),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )


class LoginForm(AppForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordChangeForm(AppForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(message=_l("Enter your current password."))])
    new_password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(message=_l("Repeat the new password.")),
                    EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class TokenForm(AppForm):
    """A new personal access token for the JSON API: a name to recognise it by, and whether it may delete."""

    name = StringField(
        _l("Token name"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Name the token, e.g. the notebook or script that uses it.")), Length(max=80)],
        description=_l("For example: thesis notebook, nightly export."),
    )
    read_only = BooleanField(_l("Read only (cannot delete participants)"), default=True)
