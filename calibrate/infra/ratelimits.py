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
import time
from functools import lru_cache

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from calibrate.infra.extensions import limiter

SIGN_IN_LIMITED = _l("Too many failed sign-ins for this account or from this network. Wait a minute, then try again.")
API_LIMITED = _l("Too many API requests with this token. Wait a minute, then try again.")
ANSWERS_LIMITED = _l("Answers are arriving faster than anyone can type. Wait a moment, then try again.")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


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


@lru_cache(maxsize=16)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


class AnswerLimit:
    """Saved answers per participant token, counted by the view that saves them.

    Flask-Limiter spent about 0.4 ms of CPU per saved answer, more than half of it deciding
    which of its limits apply (docs/performance.md), on the request a room sends most often.
    This counts with the same `limits` strategy and storage that Flask-Limiter uses (Redis in
    production, shared by every app node). Like Flask-Limiter it never fails a request because
    that storage is down: it logs a warning and counts in this process's memory, trying the
    storage again after ``RETRY_STORAGE_AFTER`` seconds.
    """

    RETRY_STORAGE_AFTER = 30.0

    def __init__(self) -> None:
        self._in_memory = FixedWindowRateLimiter(MemoryStorage())
        self._storage_down_until = 0.0

    def count(self, token: str) -> None:
        """Count one answer of this participant; raise 429 (with Retry-After) when their limit is used up."""
        if not limiter.enabled:
            return
        config = current_app.config
        item = _parsed(config["ANSWER_RATE_LIMIT"])
        key = (config["RATELIMIT_KEY_PREFIX"], "answers", _digest(token))
        if not self._hit(item, key):
            raise TooManyRequests(ANSWERS_LIMITED, retry_after=item.get_expiry())

    def _hit(self, item: RateLimitItem, key: tuple[str, ...]) -> bool:
        if time.monotonic() >= self._storage_down_until:
            try:
                return limiter.limiter.hit(item, *key)  # the storage-bound strategy (its fallback once it saw Redis down)
            except Exception:  # noqa: BLE001 - any storage error: a room keeps answering
                self._storage_down_until = time.monotonic() + self.RETRY_STORAGE_AFTER
                current_app.logger.warning(
                    "Rate limit storage unreachable - falling back to in-memory storage for saved answers for %d s",
                    self.RETRY_STORAGE_AFTER,
                )
        return self._in_memory.hit(item, *key)


answer_limit = AnswerLimit()


@limiter.request_filter
def not_limited_by_flask_limiter() -> bool:
    """A participant's pages, except joining, skip Flask-Limiter's work.

    Reading a page is never limited, and saving an answer is counted by the item view
    (:class:`AnswerLimit`). These are most of a room's requests.
    """
    return request.blueprint == "participant" and (
        request.method in ("GET", "HEAD") or request.endpoint == "participant.item"
    )


def sign_in_failed(response) -> bool:
    """Only failed sign-ins count (the login view answers 401 to those)."""
    return response.status_code == 401
