"""Configuration read from the environment.

Defaults suit `make run` on a laptop: an SQLite file in the instance folder and a
secret key generated once and kept there (never in the repository).
"""

import os
import secrets
from pathlib import Path


def _instance_secret(instance_path: Path) -> str:
    """Return the instance's secret key, creating it on first start."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping from environment variables."""
    database_url = os.environ.get("CALIBRATE_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'calibrate.sqlite3'}"
    )
    redis_url = os.environ.get("REDIS_URL")
    return {
        "SECRET_KEY": os.environ.get("CALIBRATE_SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # A whole room often shares one venue Wi-Fi address, so joining allows a room-sized burst per IP.
        "JOIN_RATE_LIMIT": os.environ.get("CALIBRATE_JOIN_RATE_LIMIT", "300 per minute"),
        "PROXY_FIX": os.environ.get("CALIBRATE_PROXY_FIX") == "1",
        "LOGIN_RATE_LIMIT": os.environ.get("CALIBRATE_LOGIN_RATE_LIMIT", "10 per minute"),
        "LOG_FORMAT": os.environ.get("CALIBRATE_LOG_FORMAT", "text"),
        "LOG_LEVEL": os.environ.get("CALIBRATE_LOG_LEVEL", "INFO"),
    }
