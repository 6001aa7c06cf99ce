"""Accounts: creating them, checking and changing passwords, and ending sessions.

Used by the sign-in and account views, the admin's user page and the
`calibrate create-user` command, so each rule lives in one place.

Every signed-in session and remember cookie carries the user's
``session_version`` (``User.get_id()`` is "id:version"); raising the version
makes all of them invalid at once. That happens on sign-out, on a password
change or reset, and when an admin signs a user out everywhere.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask_login import login_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from calibrate.infra.extensions import db
from calibrate.infra.ratelimits import normalise_email
from calibrate.models import Role, User


class AccountExists(ValueError):
    """An account with this e-mail address exists already."""


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password", method="scrypt")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None.

    An unknown e-mail still costs one scrypt check, so response times do not
    reveal which addresses have accounts.
    """
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None


def _end_sessions(user: User) -> None:
    """Invalidate every session and remember cookie issued to this user so far (caller commits)."""
    user.session_version = (user.session_version or 0) + 1


def create_user(email: str, role: str, password: str) -> User:
    """A new account; AccountExists if the address is taken (also when a concurrent request took it first)."""
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountExists(email)
    user = User(email=email, role=role, session_version=1)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise AccountExists(email) from exc
    return user


def save_user(email: str, role: str, password: str) -> tuple[User, bool]:
    """Create the user, or reset their password and role and end their sessions; returns (user, created)."""
    user = find_user(email)
    if user is None:
        return create_user(email, role, password), True
    user.role = role
    user.set_password(password)
    _end_sessions(user)
    db.session.commit()
    return user, False


def change_password(user: User, current: str, new: str) -> bool:
    """Set a new password if the current one is right; False leaves everything unchanged.

    Every other session of the user ends; this browser is signed in again with
    the new session version (and keeps its remember cookie if it had one).
    """
    if not user.check_password(current):
        return False
    user.set_password(new)
    _end_sessions(user)
    db.session.commit()
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remember_cookie in request.cookies)
    return True


def sign_out_everywhere(user: User) -> None:
    """End every session and remember cookie of this user, on every device."""
    _end_sessions(user)
    db.session.commit()


def home_url(user: User) -> str:
    """Where a user lands after signing in: the main page of their role."""
    endpoint = "trainer.workshops" if user.role in (Role.TRAINER.value, Role.ADMIN.value) else "analyst.overview"
    if endpoint not in current_app.view_functions:
        endpoint = "auth.account"
    return url_for(endpoint)


def safe_next_url(target: str | None) -> str | None:
    """Accept only a path on this site, so a crafted link cannot bounce a user to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
