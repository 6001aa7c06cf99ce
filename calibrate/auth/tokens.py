"""Personal access tokens for the JSON API: created, listed, used and revoked (docs/analysts.md).

A token's secret is shown once, when it is created; only its SHA-256 digest is
stored (a long random secret needs no slow hash: it cannot be guessed, only
stolen, and the digest alone cannot be used).  A token acts as its owner and
sees exactly what the owner sees; a read-only token cannot delete.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import ApiToken, User, utcnow

SECRET_PREFIX = "cal_"
SHOWN_PREFIX = 8
MAX_ACTIVE_TOKENS = 20
LAST_USED_PRECISION = timedelta(minutes=1)
"""`last_used_at` is written at most once a minute per token, not on every request."""


class TokenLimitReached(ValueError):
    """The owner holds the most active tokens allowed; the message says what to do."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def active_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.owner_id == user.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.created_at.desc())
        )
    )


def create_token(user: User, name: str, *, read_only: bool) -> tuple[ApiToken, str]:
    """A new token and its secret (to show once)."""
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise TokenLimitReached(f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one you no longer use first.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        owner_id=user.id, name=name.strip(), token_hash=digest(secret),
        prefix=secret[: len(SECRET_PREFIX) + SHOWN_PREFIX], read_only=read_only,
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def token_for_secret(secret: str) -> ApiToken | None:
    """The active token with this secret, noting when it was used; None for unknown or revoked ones."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None)))
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or _aware(token.last_used_at) < now - LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.commit()
    return token


def revoke(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's tokens; None when the user has no such active token."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.owner_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if token is not None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def _aware(moment):
    """SQLite returns naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)
