"""Rate-limit values and keys that fit a workshop room.

A whole room usually shares one venue Wi-Fi address, so only joining is
limited per address (with a room-sized budget). Answers are limited per
participant token, and sign-in per account *and* per address, counting only
failed attempts, so one person's typos or a stranger's guessing cannot lock
out every trainer behind the same proxy.

Behind a reverse proxy the client address is the forwarded one only when
``CALIBRATE_PROXY_FIX=1`` (ProxyFix rewrites ``remote_addr``, which
``get_remote_address`` reads). Keys never contain an e-mail address or a
participant token, only a short hash of it, so neither ends up in Redis.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter.util import get_remote_address

from calibrate.infra.extensions import limiter

SIGN_IN_LIMITED = "Too many failed sign-ins for this account or from this network. Wait a minute, then try again."
API_LIMITED = "Too many API requests with this token. Wait a minute, then try again."
ANSWERS_LIMITED = "Answers are arriving faster than anyone can type. Wait a moment, then try again."


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def answer_limit() -> str:
    return current_app.config["ANSWER_RATE_LIMIT"]


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def api_token_key() -> str:
    """Per personal access token (its hash's start), so one script cannot slow down everyone else's."""
    header = request.headers.get("Authorization", "")
    return "token:" + _digest(header.removeprefix("Bearer ").strip())


def normalise_email(email: str | None) -> str:
    """The form of an address that sign-in looks up (services.authenticate)."""
    return (email or "").strip().lower()


def address_key() -> str:
    return "ip:" + (get_remote_address() or "unknown")


def account_key() -> str:
    """The submitted e-mail address, normalised, so 'Kim@x.org ' and 'kim@x.org' share one budget."""
    return "account:" + _digest(normalise_email(request.form.get("email"))[:320])


def not_saving_an_answer() -> bool:
    """The answer limit is the participant blueprint's; it counts only the item page (its POST)."""
    return request.endpoint != "participant.item"


def participant_key() -> str:
    return "participant:" + _digest((request.view_args or {}).get("token", ""))


@limiter.request_filter
def reading_a_participant_page() -> bool:
    """A participant's GET is never limited (only joining and answering are): skip the limiter's work for it.

    These are most of a room's requests, and without this filter Flask-Limiter resolves
    every limit twice per request (before the request and in the route's decorator).
    """
    return request.blueprint == "participant" and request.method in ("GET", "HEAD")


def sign_in_failed(response) -> bool:
    """Only failed sign-ins count (the login view answers 401 to those)."""
    return response.status_code == 401
