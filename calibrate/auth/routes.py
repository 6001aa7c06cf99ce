"""Sign-in, sign-out and the account page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from calibrate.auth import bp, services
from calibrate.auth.forms import LoginForm, PasswordChangeForm
from calibrate.infra import ratelimits
from calibrate.infra.extensions import limiter


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    ratelimits.login_limit,
    key_func=ratelimits.address_key,
    methods=["POST"],
    deduct_when=ratelimits.sign_in_failed,
    error_message=ratelimits.SIGN_IN_LIMITED,
)
@limiter.limit(
    ratelimits.login_account_limit,
    key_func=ratelimits.account_key,
    methods=["POST"],
    deduct_when=ratelimits.sign_in_failed,
    error_message=ratelimits.SIGN_IN_LIMITED,
)
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
    """Sign out here and everywhere else: every session and remember cookie of the user ends."""
    if current_user.is_authenticated:
        services.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    flash("You are signed out.", "success")
    return redirect(url_for("participant.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if services.change_password(current_user._get_current_object(), form.current_password.data, form.new_password.data):
            flash("Your password was changed. Other devices and browsers were signed out.", "success")
            return redirect(url_for(".account"))
        form.current_password.errors.append("The current password is wrong.")
    return render_template("auth/account.html", form=form), (422 if form.errors else 200)
