"""Sign-in, sign-out and the account page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from calibrate.auth import bp, services, tokens
from calibrate.auth.forms import LoginForm, PasswordChangeForm, TokenForm
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
        form.password.errors.append(_("E-mail or password is wrong."))
    return render_template("auth/login.html", form=form), (401 if form.errors else 200)


@bp.post("/logout")
def logout():
    """Sign out here and everywhere else: every session and remember cookie of the user ends."""
    if current_user.is_authenticated:
        services.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("participant.index"))


def _account_page(form: PasswordChangeForm, token_form: TokenForm, *, new_secret: str | None = None):
    return render_template(
        "auth/account.html", form=form, token_form=token_form, new_secret=new_secret,
        tokens=tokens.active_tokens(current_user._get_current_object()),
    ), (422 if form.errors or token_form.errors else 200)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if services.change_password(current_user._get_current_object(), form.current_password.data, form.new_password.data):
            flash(_("Your password was changed. Other devices and browsers were signed out."), "success")
            return redirect(url_for(".account"))
        form.current_password.errors.append(_("The current password is wrong."))
    return _account_page(form, TokenForm(formdata=None))


@bp.post("/account/tokens")
@login_required
def create_token():
    """Create a token and show its secret on this one response only (it is never stored, flashed or shown again)."""
    token_form = TokenForm()
    if token_form.validate_on_submit():
        try:
            _token, secret = tokens.create_token(current_user._get_current_object(), token_form.name.data,
                                            read_only=token_form.read_only.data)
        except tokens.TokenLimitReached:
            token_form.name.errors.append(
                _("You have %(most)s active tokens; revoke one you no longer use first.", most=tokens.MAX_ACTIVE_TOKENS)
            )
        else:
            return _account_page(PasswordChangeForm(formdata=None), TokenForm(formdata=None), new_secret=secret)
    return _account_page(PasswordChangeForm(formdata=None), token_form)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = tokens.revoke(current_user._get_current_object(), token_id)
    if token is None:
        abort(404)
    flash(_("Token “%(name)s” was revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for(".account") + "#tokens")
