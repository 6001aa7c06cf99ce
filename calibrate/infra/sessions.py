"""Flask's signed-cookie sessions, with the signing serializer built once instead of on every request.

Every request opens the session (it holds the CSRF secret), and Flask builds a new
itsdangerous serializer for each open and save; building it costs about as much as
checking the cookie's signature. The cookie, its signature and its keys are Flask's own.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionCookies(SecureCookieSessionInterface):
    """Flask's cookie sessions; the serializer is kept while the secret key and its fallbacks stay the same."""

    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._serializer is None or self._serializer[0] != keys:
            self._serializer = (keys, super().get_signing_serializer(app))
        return self._serializer[1]
