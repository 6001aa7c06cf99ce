"""Signing in and out, changing the password, and the sign-in rate limit."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import User
from tests.trainer.rooms import PASSWORD, make_account, signed_in_client

EMAIL = "kim@example.org"


@pytest.fixture
def kim(app_ctx):
    return make_account(EMAIL)


def sign_in(client, email=EMAIL, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password}, **extra)


def test_login_page_and_header_link(client):
    assert "Trainer sign-in" in client.get("/").text
    page = client.get("/login").text
    assert 'name="email"' in page and 'name="password"' in page and 'name="csrf_token"' not in page  # CSRF off in tests


def test_trainer_signs_in_and_lands_on_workshops(client, kim):
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/trainer/"
    page = client.get("/trainer/").text
    assert "Your workshops" in page and "Sign out" in page


def test_e_mail_is_case_insensitive(client, kim):
    assert sign_in(client, email="  KIM@Example.org ").status_code == 302


@pytest.mark.parametrize(("email", "password"), [(EMAIL, "wrong password!"), ("nobody@example.org", PASSWORD)])
def test_wrong_credentials_get_one_vague_message(client, kim, email, password):
    response = sign_in(client, email=email, password=password)
    assert response.status_code == 401
    assert "E-mail or password is wrong." in response.text
    assert client.get("/trainer/").status_code == 302


def test_next_is_followed_only_within_the_site(client, kim):
    assert sign_in(client, query_string={"next": "/trainer/workshops/new"}).headers["Location"] == "/trainer/workshops/new"
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        assert sign_in(client, query_string={"next": target}).headers["Location"] == "/trainer/"
        client.post("/logout")


def test_analyst_lands_on_the_analysis_page_or_their_account(app, app_ctx):
    make_account("ana@example.org", role="analyst")
    location = sign_in(app.test_client(), email="ana@example.org").headers["Location"]
    with app.test_request_context():
        expected = url_for("analyst.overview") if "analyst.overview" in app.view_functions else url_for("auth.account")
    assert location == expected


def test_logout_is_a_post(client, kim):
    sign_in(client)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/trainer/").status_code == 302


def test_password_change(app, kim):
    client = signed_in_client(app, "lee@example.org")
    page = client.post(
        "/account", data={"current_password": "wrong", "new_password": "another long one", "confirm": "another long one"}
    )
    assert page.status_code == 422 and "The current password is wrong." in page.text
    page = client.post("/account", data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert "Use between 10 and 200 characters." in page.text
    page = client.post(
        "/account", data={"current_password": PASSWORD, "new_password": "another long one", "confirm": "different one!"}
    )
    assert "The two new passwords differ." in page.text

    response = client.post(
        "/account", data={"current_password": PASSWORD, "new_password": "another long one", "confirm": "another long one"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "lee@example.org"))
    assert user.check_password("another long one") and not user.check_password(PASSWORD)
    assert user.password_hash.startswith("scrypt:")


def test_account_needs_sign_in(client):
    assert client.get("/account").headers["Location"].startswith("/login?next=")


def test_sign_in_is_rate_limited_per_address(app_factory, kim):
    limited = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [sign_in(client, password="wrong password!").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    assert sign_in(client).status_code == 429, "even the right password waits once the limit is hit"
    assert client.get("/login").status_code == 200, "only attempts count, not looking at the form"
