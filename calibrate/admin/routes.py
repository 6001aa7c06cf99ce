"""Listing and creating accounts."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select

from calibrate.admin import bp
from calibrate.admin.forms import ROLE_LABELS, NewUserForm
from calibrate.cli import save_user
from calibrate.infra.extensions import db
from calibrate.models import User


@bp.route("/users", methods=["GET", "POST"])
def users():
    form = NewUserForm()
    if form.validate_on_submit():
        email = form.email.data.lower()
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            form.email.errors.append("An account with this e-mail exists already.")
        else:
            save_user(email, form.role.data, form.password.data)
            flash(f"Created {form.role.data} {email}. Give them the initial password in person.", "success")
            return redirect(url_for(".users"))
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", form=form, accounts=accounts, role_labels=ROLE_LABELS), (
        422 if form.errors else 200
    )
