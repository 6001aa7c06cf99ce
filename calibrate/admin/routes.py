"""Listing and creating accounts, and signing an account out everywhere."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from calibrate.admin import bp
from calibrate.admin.forms import ROLE_LABELS, NewUserForm, SignOutEverywhereForm
from calibrate.auth import services
from calibrate.infra.extensions import db
from calibrate.models import User


@bp.route("/users", methods=["GET", "POST"])
def users():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.role.data, form.password.data)
        except services.AccountExists:
            form.email.errors.append(_("An account with this e-mail exists already."))
        else:
            flash(_("Created the account %(email)s. Give them the initial password in person.", email=user.email), "success")
            return redirect(url_for(".users"))
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", form=form, accounts=accounts, role_labels=ROLE_LABELS), (
        422 if form.errors else 200
    )


@bp.post("/users/<int:user_id>/sign-out")
def sign_out_everywhere(user_id: int):
    """End every session and remember cookie of one account (a lost laptop, a colleague who left)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not SignOutEverywhereForm().validate_on_submit():
        abort(400)
    services.sign_out_everywhere(user)
    flash(_("%(email)s is signed out on every device.", email=user.email), "success")
    return redirect(url_for(".users"))
