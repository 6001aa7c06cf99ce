"""Admins create accounts in the browser; nobody else can."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from calibrate.infra.extensions import db
from calibrate.models import User
from tests.trainer.rooms import PASSWORD, make_account, signed_in_client


@pytest.fixture
def admin(app, app_ctx):
    return signed_in_client(app, "admin@example.org", role="admin")


def new_user(**overrides) -> dict:
    return {"email": "new.trainer@example.org", "role": "trainer", "password": "initial password 1"} | overrides


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_admin_sees_users_and_nav_link(admin):
    page = admin.get("/admin/users").text
    assert "admin@example.org" in page and 'href="/admin/users"' in page


def test_admin_creates_a_user_who_can_sign_in(app, admin):
    response = admin.post("/admin/users", data=new_user(email="New.Trainer@Example.org", role="analyst"))
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "new.trainer@example.org"))
    assert user.role == "analyst" and user.check_password("initial password 1")
    login = app.test_client().post("/login", data={"email": "new.trainer@example.org", "password": "initial password 1"})
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "too short"}, "Use between 10 and 200 characters."),
        ({"email": "not-an-address"}, "Enter a valid e-mail address."),
        ({"role": "owner"}, "Not a valid choice."),
        ({"email": "admin@example.org"}, "An account with this e-mail exists already."),
    ],
)
def test_bad_input_is_refused_and_nothing_written(admin, overrides, message):
    before = count_users()
    response = admin.post("/admin/users", data=new_user(**overrides))
    assert response.status_code == 422 and message in response.text
    assert count_users() == before


@pytest.mark.parametrize("role", ["trainer", "analyst"])
def test_other_roles_are_forbidden(app, app_ctx, role):
    client = signed_in_client(app, f"{role}@example.org", role=role)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data=new_user()).status_code == 403
    assert count_users() == 1


def test_strangers_are_sent_to_sign_in(client):
    assert client.get("/admin/users").headers["Location"].startswith("/login?next=")


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_admin_signs_a_user_out_everywhere(app, admin):
    trainer = app.test_client()
    make_account("lost.laptop@example.org")
    login = trainer.post("/login", data={"email": "lost.laptop@example.org", "password": PASSWORD, "remember": "y"})
    assert login.status_code == 302
    copy = app.test_client()
    for name in ("session", "remember_token"):
        cookie = trainer.get_cookie(name)
        copy.set_cookie(name, cookie.value, domain=cookie.domain, path=cookie.path)
    assert trainer.get("/trainer/").status_code == 200 and copy.get("/trainer/").status_code == 200

    user = _user("lost.laptop@example.org")
    page = admin.get("/admin/users").text
    assert f'action="/admin/users/{user.id}/sign-out"' in page and "Sign out everywhere" in page
    response = admin.post(f"/admin/users/{user.id}/sign-out")
    assert response.status_code == 302
    assert "is signed out on every device" in admin.get("/admin/users").text
    assert trainer.get("/trainer/").status_code == 302 and copy.get("/trainer/").status_code == 302
    assert _user("lost.laptop@example.org").check_password(PASSWORD), "the password stays the same"
    assert admin.get("/admin/users").status_code == 200, "the admin's own session is untouched"


def test_sign_out_everywhere_needs_csrf_and_an_admin(app, app_factory, app_ctx):
    make_account("kim@example.org")
    version = _user("kim@example.org").session_version
    secured = app_factory(WTF_CSRF_ENABLED=True)
    admin_client = secured.test_client()
    make_account("boss@example.org", role="admin")
    page = admin_client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert admin_client.post("/login", data={"email": "boss@example.org", "password": PASSWORD, "csrf_token": token}).status_code == 302
    kim_id = _user("kim@example.org").id
    assert admin_client.post(f"/admin/users/{kim_id}/sign-out").status_code == 400
    trainer = signed_in_client(app, "trainer@example.org")
    assert trainer.post(f"/admin/users/{kim_id}/sign-out").status_code == 403
    assert _user("kim@example.org").session_version == version
    assert admin_client.post("/admin/users/999999/sign-out", data={"csrf_token": token}).status_code == 404
    assert admin_client.post(f"/admin/users/{kim_id}/sign-out", data={"csrf_token": token}).status_code == 302
    assert _user("kim@example.org").session_version == version + 1
