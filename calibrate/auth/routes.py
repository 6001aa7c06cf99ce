"""Sign-in, sign-out and the account page."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from calibrate.auth import bp, services
from calibrate.auth.forms import LoginForm, PasswordChangeForm
from calibrate.infra.extensions import limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(services.home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(services.safe_next_url(request.args.get("next")) or services.home_url(user))
        form.password.errors.append("E-mail or password is wrong.")
    return render_template("auth/login.html", form=form), (401 if form.errors else 200)


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are signed out.", "success")
    return redirect(url_for("participant.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if services.change_password(current_user, form.current_password.data, form.new_password.data):
            flash("Your password was changed.", "success")
            return redirect(url_for(".account"))
        form.current_password.errors.append("The current password is wrong.")
    return render_template("auth/account.html", form=form), (422 if form.errors else 200)
