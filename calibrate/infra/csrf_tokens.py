"""CSRF tokens: Flask-WTF's, each signed and each checked once per session secret and process.

Flask-WTF signs the session's CSRF secret anew whenever a page asks for a token (a new
serializer and an HMAC each time), although any of those tokens is as good as another:
tokens carry no time limit here (``WTF_CSRF_TIME_LIMIT`` is None), so a token that is
valid for a secret stays valid for as long as that secret. The first one signed for a
secret is kept per process and shown again. Likewise a submitted token that passed
Flask-WTF's check once is remembered with its secret, and the same token with the same
secret passes again without verifying its signature: a participant sends one token with
each of their answers. A token signed here counts as checked. Anything else (no secret,
an unknown token, a timed token) goes through Flask-WTF's own check, as do HTTPS requests
whose referrer is missing or from elsewhere.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_wtf import CSRFProtect
from flask_wtf.csrf import generate_csrf, same_origin

from calibrate.infra.kept import Kept

KEPT_TOKENS = 20_000
"""Secrets whose signed token is kept, and checked tokens (a few MB each); older ones are signed or checked again."""

_signed = Kept(KEPT_TOKENS)
_checked = Kept(KEPT_TOKENS)


def _secret_key(config) -> str:
    return config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key


def csrf_token() -> str:
    """The signed CSRF token for this session's secret (``{{ csrf_token() }}`` in templates)."""
    config = current_app.config
    secret = session.get(config["WTF_CSRF_FIELD_NAME"])
    if secret is None or config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()  # a new session's secret is created there; a timed token must be signed now
    key = (_secret_key(config), secret)
    token = _signed.get(key)
    if token is None:
        token = generate_csrf()
        _signed.keep(key, token)
        _checked.keep((*key, token), True)
    return token


class KeptCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, passing a token already checked for this session's secret without checking it again."""

    def protect(self, apply_exemptions=False):
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return  # what Flask-WTF decides too, after looking up the view's exemption first
        key = self._key()
        if key is not None and _checked.get(key) and _referrer_allowed():
            g.csrf_valid = True
            return
        super().protect(apply_exemptions)
        if key is not None and g.get("csrf_valid"):
            _checked.keep(key, True)

    def _key(self) -> tuple | None:
        """(secret key, session secret, submitted token), or None when the token cannot be remembered."""
        config = current_app.config
        secret = session.get(config["WTF_CSRF_FIELD_NAME"])
        token = self._get_csrf_token()
        if secret is None or not token or config["WTF_CSRF_TIME_LIMIT"] is not None:
            return None
        return (_secret_key(config), secret, token)


def _referrer_allowed() -> bool:
    """Flask-WTF's rule for HTTPS with ``WTF_CSRF_SSL_STRICT``: the referrer must be this site."""
    if not (request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]):
        return True
    return bool(request.referrer) and same_origin(request.referrer, f"https://{request.host}/")


def register_csrf_token(app: Flask) -> None:
    """Templates get this ``csrf_token``; call after CSRFProtect's init_app, whose own it replaces."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
