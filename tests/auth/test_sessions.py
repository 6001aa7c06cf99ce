"""Sessions can be ended: sign-out, a password change and the admin's button invalidate copied cookies too.

A second test client holding copies of the cookies stands for a stolen laptop
or a forgotten browser; a third holds only the remember cookie ("keep me
signed in"), which on its own signs the browser in again.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import User, load_user
from tests.trainer.rooms import PASSWORD, make_account

EMAIL = "kim@example.org"
NEW_PASSWORD = "another long password"


def sign_in(app, email=EMAIL, password=PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password, "remember": "y"})
    assert response.status_code == 302, response.text
    assert client.get_cookie("remember_token") is not None
    return client


def copy_cookies(app, client: FlaskClient, names=("session", "remember_token")) -> FlaskClient:
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        if cookie is not None:
            other.set_cookie(name, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def signed_in(client: FlaskClient) -> bool:
    status = client.get("/account").status_code
    assert status in (200, 302)
    return status == 200


@pytest.fixture
def kim(app_ctx):
    return make_account(EMAIL)


@pytest.fixture
def devices(app, kim):
    """(the browser that signed in, a copy of its cookies, a browser with only the remember cookie)."""
    browser = sign_in(app)
    copy = copy_cookies(app, browser)
    remembered = copy_cookies(app, browser, names=("remember_token",))
    assert signed_in(copy) and signed_in(remembered), "copied cookies work until the session is ended"
    return browser, copy, remembered


def test_sign_out_ends_every_copy_of_the_session(devices):
    browser, copy, remembered = devices
    assert browser.post("/logout").status_code == 302
    assert not signed_in(browser)
    assert not signed_in(copy), "the old session cookie no longer works"
    assert not signed_in(remembered), "the old remember cookie no longer works"


def test_password_change_ends_other_sessions_but_keeps_this_one(app, devices):
    browser, copy, remembered = devices
    response = browser.post(
        "/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in(browser), "the browser that changed the password stays signed in"
    assert not signed_in(copy) and not signed_in(remembered)
    # This browser got a fresh remember cookie that works on its own.
    assert signed_in(copy_cookies(app, browser, names=("remember_token",)))


def test_a_wrong_current_password_ends_nothing(devices):
    browser, copy, remembered = devices
    response = browser.post(
        "/account", data={"current_password": "not the password", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 422
    assert signed_in(browser) and signed_in(copy) and signed_in(remembered)


def test_password_reset_by_the_cli_ends_sessions(app, devices):
    browser, copy, remembered = devices
    result = app.test_cli_runner().invoke(args=["create-user", EMAIL, "--role", "trainer", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert not signed_in(browser) and not signed_in(copy) and not signed_in(remembered)


def test_session_ids_carry_the_version(kim):
    user = db.session.scalar(select(User).where(User.email == EMAIL))
    assert user.get_id() == f"{user.id}:{user.session_version}"
    assert load_user(user.get_id()) is user
    assert load_user(f"{user.id}:{user.session_version + 1}") is None
    assert load_user(str(user.id)) is None, "a bare id (a session from before versions) is not accepted"
    for junk in ("", ":", "x:1", f"{user.id}:", f"{user.id}:1:1", "١:١"):
        assert load_user(junk) is None
