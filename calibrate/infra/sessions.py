"""Flask's signed-cookie sessions, with the signing serializer built once and checked cookies remembered.

Every request opens the session (it holds the CSRF secret), and Flask builds a new
itsdangerous serializer for each open and save; building it costs about as much as
checking the cookie's signature. A participant sends the same cookie with every page
(an unchanged session is not sent again), so a cookie whose signature was checked once
is remembered with its signing time and, when it holds only plain values (strings,
numbers: a participant's holds just the CSRF secret), its decoded payload; its age is
still checked against the session lifetime on every request. Only cookies that passed
the check are remembered, at most ``KEPT_COOKIES`` per process, and the memory is
dropped whenever the secret key changes. The cookie, its signature and its keys are
Flask's own.
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from calibrate.infra.kept import Kept

KEPT_COOKIES = 20_000
"""Checked cookies remembered per process (a few MB); older ones are checked again when they next arrive."""


class SessionCookies(SecureCookieSessionInterface):
    """Flask's cookie sessions; the serializer is kept while the secret key and its fallbacks stay the same."""

    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None
        # cookie -> (when it was signed, in seconds since the epoch; its payload if plain values only, else None)
        self._checked = Kept(KEPT_COOKIES)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._serializer is None or self._serializer[0] != keys:
            self._checked.clear()
            self._serializer = (keys, super().get_signing_serializer(app))
        return self._serializer[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Flask's open_session, checking each cookie's signature once (its age on every request)."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        checked = self._checked.get(cookie)
        if checked is not None:
            signed_at, data = checked
            if not 0 <= int(time.time()) - signed_at <= max_age:  # itsdangerous' own age rule
                return self.session_class()
            if data is None:
                data = serializer.load_payload(cookie.rsplit(".", 2)[0].encode())
            return self.session_class(data)  # a copy: the kept payload is never changed
        try:
            data, signed = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        self._checked.keep(cookie, (int(signed.timestamp()), data if _plain(data) else None))
        return self.session_class(data)  # a copy: what is kept is never changed


PLAIN_TYPES = (str, int, float, bool, type(None))


def _plain(data: dict) -> bool:
    """Whether every value is immutable, so that the session's copy of the payload cannot change what is kept."""
    return all(type(value) in PLAIN_TYPES for value in data.values())
