"""Joining exactly once, however often the join is sent.

The consent form carries a signed, fresh participant token (the join key). The
participant is created with that token, so a join sent twice – a double tap, the
back button, or a proxy repeating a request whose node died mid-way – finds the
participant the first one created instead of making a second one in another slot.
The signature means only tokens this server drew can become participants' secrets.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from calibrate.models import new_participant_token

SALT = "calibrate.join-key"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_join_key() -> str:
    return _serializer().dumps(new_participant_token())


def token_for_join_key(join_key: str | None) -> str:
    """The token a join key stands for; a fresh token when the key is missing or forged (an old page)."""
    try:
        token = _serializer().loads(join_key or "")
    except BadSignature:
        return new_participant_token()
    return token if isinstance(token, str) else new_participant_token()
