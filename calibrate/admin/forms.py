"""The admin's new-user form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from calibrate.auth.forms import email_field, new_password_field
from calibrate.infra.form_fields import AppForm
from calibrate.models import Role

ROLE_LABELS = {
    Role.TRAINER.value: _l("Trainer: runs workshops"),
    Role.ANALYST.value: _l("Analyst: statistics and exports"),
    Role.ADMIN.value: _l("Admin: also manages accounts"),
}


class NewUserForm(AppForm):
    email = email_field()
    role = SelectField(
        _l("Role"), choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()], default=Role.TRAINER.value
    )
    password = new_password_field(_l("Initial password"))


class SignOutEverywhereForm(AppForm):
    """No fields: a CSRF-protected button that ends every session of one account."""
