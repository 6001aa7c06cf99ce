"""Probes for operators and load balancers.

``/healthz`` is liveness: the process answers, nothing else is touched, so a
database outage never makes an orchestrator restart healthy workers.
``/readyz`` is readiness: the database and, when rate limits are kept in
Redis, Redis; a 503 names the one that failed.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify
from sqlalchemy import text

from calibrate.infra.extensions import db, limiter

REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "redis+unix://")
PROBE_TIMEOUT_SECONDS = 2


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the session is removed at teardown
            pass
        current_app.logger.warning("Readiness: database unreachable (%s)", exc.__class__.__name__)
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _redis_client():
    """One client per app, with short timeouts, for the rate-limit storage URI."""
    clients = current_app.extensions.setdefault("calibrate_probe_redis", {})
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if uri not in clients:
        import redis

        clients[uri] = redis.Redis.from_url(
            uri.replace("redis+unix://", "unix://", 1),
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
            socket_timeout=PROBE_TIMEOUT_SECONDS,
        )
    return clients[uri]


def check_redis() -> str:
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        return "not used"
    try:
        if uri.startswith(REDIS_SCHEMES):
            _redis_client().ping()
        elif not limiter.storage.check():  # other backends (sentinel, cluster, ...): the limiter's own check
            raise ConnectionError("storage check failed")
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        current_app.logger.warning("Readiness: Redis unreachable (%s)", exc.__class__.__name__)
        return f"error: {exc.__class__.__name__}"
    return "ok"


def register_health(app: Flask) -> None:
    @app.get("/healthz")
    @limiter.exempt
    def healthz():
        """Liveness: no database, no Redis."""
        return jsonify(status="ok")

    @app.get("/readyz")
    @limiter.exempt
    def readyz():
        """Readiness: 200 when the database and Redis answer, else 503 naming what failed."""
        checks = {"database": check_database(), "redis": check_redis()}
        ready = all(value in ("ok", "not used") for value in checks.values())
        return jsonify(status="ok" if ready else "error", **checks), (200 if ready else 503)
