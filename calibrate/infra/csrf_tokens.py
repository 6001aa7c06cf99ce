"""The CSRF token pages show: Flask-WTF's, signed once per session secret instead of for every page.

Flask-WTF signs the session's CSRF secret anew whenever a page asks for a token (a new
serializer and an HMAC each time), although any of those tokens is as good as another:
tokens carry no time limit here (``WTF_CSRF_TIME_LIMIT`` is None), so the first one
signed for a secret stays valid for as long as that secret. That one is kept per
process, for the most recent secrets, and shown again. Checking a submitted token is
Flask-WTF's own (CSRFProtect), unchanged.
"""

from __future__ import annotations

from flask import Flask, current_app, session
from flask_wtf.csrf import generate_csrf

from calibrate.infra.kept import Kept

KEPT_TOKENS = 20_000
"""Secrets whose signed token is kept (a few MB); older ones are signed again when their page is next shown."""

_signed = Kept(KEPT_TOKENS)


def csrf_token() -> str:
    """The signed CSRF token for this session's secret (``{{ csrf_token() }}`` in templates)."""
    config = current_app.config
    secret = session.get(config["WTF_CSRF_FIELD_NAME"])
    if secret is None or config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()  # a new session's secret is created there; a timed token must be signed now
    key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, secret)
    token = _signed.get(key)
    if token is None:
        token = generate_csrf()
        _signed.keep(key, token)
    return token


def register_csrf_token(app: Flask) -> None:
    """Templates get this ``csrf_token``; call after CSRFProtect's init_app, whose own it replaces."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
