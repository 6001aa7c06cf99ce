"""Sign-in and password forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Regexp

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


def new_password_field(label: str) -> PasswordField:
    """A password someone chooses: long enough to resist guessing, short enough to hash quickly."""
    return PasswordField(
        label,
        validators=[
            InputRequired(message="Enter a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Use between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters.",
            ),
        ],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def email_field() -> EmailField:
    return EmailField(
        "E-mail",
        filters=[_strip],
        validators=[
            InputRequired(message="Enter your e-mail address."),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter a valid e-mail address."),
            Length(max=254),
        ],
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[InputRequired(message="Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[InputRequired(message="Enter your current password.")])
    new_password = new_password_field("New password")
    confirm = PasswordField(
        "New password again",
        validators=[InputRequired(message="Repeat the new password."), EqualTo("new_password", message="The two new passwords differ.")],
    )


class TokenForm(FlaskForm):
    """A new personal access token for the JSON API: a name to recognise it by, and whether it may delete."""

    name = StringField(
        "Token name",
        filters=[_strip],
        validators=[DataRequired(message="Name the token, e.g. the notebook or script that uses it."), Length(max=80)],
        description="For example: thesis notebook, nightly export.",
    )
    read_only = BooleanField("Read only (cannot delete participants)", default=True)
