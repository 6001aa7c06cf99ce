"""Checking and changing passwords."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from calibrate.infra.extensions import db
from calibrate.models import Role, User


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password", method="scrypt")


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None.

    An unknown e-mail still costs one scrypt check, so response times do not
    reveal which addresses have accounts.
    """
    user = db.session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None


def change_password(user: User, current: str, new: str) -> bool:
    """Set a new password if the current one is right; False leaves everything unchanged."""
    if not user.check_password(current):
        return False
    user.set_password(new)
    db.session.commit()
    return True


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
