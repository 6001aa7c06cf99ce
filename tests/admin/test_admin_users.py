"""Admins create accounts in the browser; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from calibrate.infra.extensions import db
from calibrate.models import User
from tests.trainer.rooms import signed_in_client


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
