"""Signing in and out, changing the password, and the sign-in rate limit."""

from __future__ import annotations

import pytest
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


@pytest.mark.parametrize(
    ("role", "landing", "heading"),
    [("trainer", "/trainer/", "Your workshops"), ("admin", "/trainer/", "Your workshops"), ("analyst", "/analysis/", "Analysis")],
)
def test_each_role_lands_on_its_page(app, app_ctx, role, landing, heading):
    make_account(f"{role}@example.org", role=role)
    client = app.test_client()
    response = sign_in(client, email=f"{role}@example.org")
    assert response.status_code == 302 and response.headers["Location"] == landing
    page = client.get(landing)
    assert page.status_code == 200 and heading in page.text


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


def test_sign_in_is_limited_per_account_whatever_the_address(app_factory, kim):
    make_account("lee@example.org")
    limited = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="2 per minute")
    client = limited.test_client()
    # Two failures for kim, spelled differently: the same account.
    assert sign_in(client, email="KIM@example.org ", password="wrong password!").status_code == 401
    assert sign_in(client, password="wrong password!", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 401
    blocked = sign_in(limited.test_client(), environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert blocked.status_code == 429, "kim's budget is used up, from any address"
    assert "Too many failed sign-ins" in blocked.text and int(blocked.headers["Retry-After"]) > 0
    assert sign_in(client, email="lee@example.org").status_code == 302, "other accounts are not affected"


def test_successful_sign_ins_do_not_use_up_the_budget(app_factory, kim):
    limited = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", LOGIN_ACCOUNT_RATE_LIMIT="2 per minute")
    for _ in range(4):  # a room of trainers behind one address signing in
        client = limited.test_client()
        assert sign_in(client).status_code == 302
