"""Configuration read from the environment.

Defaults suit `make run` on a laptop: an SQLite file in the instance folder and a
secret key generated once and kept there (never in the repository). With
``CALIBRATE_ENV=production`` nothing is generated: the secret key must be given.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

PRODUCTION = "production"


class ConfigError(RuntimeError):
    """A setting is missing or unusable; the message says which and what to do."""


def _instance_secret(instance_path: Path) -> str:
    """Return the instance's secret key, creating it on first start.

    Several gunicorn workers may start at the same moment. The key is written
    completely to a private temporary file and then hard-linked to its final
    name, which fails if the name exists: exactly one process creates the file,
    and nobody can read it half-written. Every process then reads that file.
    """
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=instance_path)  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, key_file)
            except FileExistsError:
                pass  # another process won the race; use its key
        finally:
            os.unlink(temporary)
    key = key_file.read_text().strip()
    if not key:
        raise ConfigError(f"{key_file} is empty: delete it (a new key is created) or set CALIBRATE_SECRET_KEY.")
    return key


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {raw!r}.")
    return int(raw)


def _redis_options(uri: str) -> dict:
    """Short socket timeouts, so a Redis that hangs costs a request a second, not a worker timeout."""
    if uri.startswith(("redis://", "rediss://", "redis+unix://", "unix://")):
        return {"socket_connect_timeout": 1, "socket_timeout": 1}
    return {}


def _engine_options(database_url: str) -> dict:
    # hide_parameters: a database error's message (logged with its traceback) must not carry the
    # statement's values, which include participant tokens.
    # No pre-ping: it costs a round trip on every request. A connection that died (the server restarted)
    # fails its request once, which the app answers with a 503 that retries by itself, and SQLAlchemy
    # then replaces every pooled connection older than that failure; pool_recycle retires idle ones
    # before a firewall or the server's idle timeout silently drops them.
    options: dict = {"hide_parameters": True, "pool_recycle": 1800}
    if database_url.startswith("postgresql"):
        # An unreachable server fails the request within seconds (503), instead of hanging the worker.
        options["connect_args"] = {"connect_timeout": 5}
    return options


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping from environment variables."""
    environment = os.environ.get("CALIBRATE_ENV", "development").strip().lower() or "development"
    database_url = os.environ.get("CALIBRATE_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'calibrate.sqlite3'}"
    )
    redis_url = os.environ.get("REDIS_URL")
    storage_uri = redis_url or "memory://"
    secret_key = os.environ.get("CALIBRATE_SECRET_KEY")
    if not secret_key and environment != PRODUCTION:
        secret_key = _instance_secret(instance_path)
    secure_cookies = _flag("CALIBRATE_SECURE_COOKIES")
    return {
        "CALIBRATE_ENV": environment,
        "SECRET_KEY": secret_key,  # None in production without CALIBRATE_SECRET_KEY: create_app refuses to start
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_STORAGE_OPTIONS": _redis_options(storage_uri),
        "RATELIMIT_KEY_PREFIX": "calibrate",
        # No X-RateLimit-* headers: they cost a second Redis round trip on every limited request; a 429 still
        # says when to retry (Retry-After, calibrate.errors.handlers).
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis down: count in each worker's memory (a warning is logged) instead of failing requests.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Every cookie (the session, which also holds the CSRF secret, and Flask-Login's remember cookie):
        # not readable by scripts, not sent on cross-site subrequests, and only over HTTPS when asked.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_DURATION": timedelta(days=_positive_int("CALIBRATE_REMEMBER_DAYS", 30)),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # A whole room often shares one venue Wi-Fi address, so joining allows a room-sized burst per IP.
        "JOIN_RATE_LIMIT": os.environ.get("CALIBRATE_JOIN_RATE_LIMIT", "300 per minute"),
        "PROXY_FIX": os.environ.get("CALIBRATE_PROXY_FIX") == "1",
        # Failed sign-ins, counted per client address and, separately, per e-mail address tried.
        "LOGIN_RATE_LIMIT": os.environ.get("CALIBRATE_LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("CALIBRATE_LOGIN_ACCOUNT_RATE_LIMIT", "10 per minute"),
        # Saved answers per participant (not per address, which a whole room shares).
        "ANSWER_RATE_LIMIT": os.environ.get("CALIBRATE_ANSWER_RATE_LIMIT", "120 per minute"),
        # JSON API requests per personal access token.
        "API_RATE_LIMIT": os.environ.get("CALIBRATE_API_RATE_LIMIT", "300 per minute"),
        # Seconds a client is asked to wait when the database is unreachable (503 Retry-After).
        "RETRY_AFTER_SECONDS": _positive_int("CALIBRATE_RETRY_AFTER", 10),
        # Every page answers 503 "down for maintenance" with Retry-After (calibrate/errors/handlers.py).
        "MAINTENANCE": _flag("CALIBRATE_MAINTENANCE"),
        "MAINTENANCE_RETRY_AFTER": _positive_int("CALIBRATE_MAINTENANCE_RETRY_AFTER", 300),
        # The address phones use for join links and QR codes, e.g. https://calibrate.example.org
        # (calibrate/infra/public_url.py); unset, a loopback host is replaced by the LAN address.
        "PUBLIC_URL": os.environ.get("CALIBRATE_PUBLIC_URL", "").strip() or None,
        "LOG_FORMAT": os.environ.get("CALIBRATE_LOG_FORMAT", "text"),
        "LOG_LEVEL": os.environ.get("CALIBRATE_LOG_LEVEL", "INFO"),
    }


def check_config(config) -> None:
    """Refuse to start with settings that would be unsafe; called once the app's config is complete."""
    if not config.get("SECRET_KEY"):
        if config.get("CALIBRATE_ENV") == PRODUCTION:
            raise ConfigError(
                "CALIBRATE_SECRET_KEY is not set. With CALIBRATE_ENV=production the key is never generated: "
                "every worker and every restart must use the same key from your secret store "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        raise ConfigError("SECRET_KEY is empty.")
