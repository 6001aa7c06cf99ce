"""gunicorn settings for production: `make serve-prod`, or `gunicorn --config gunicorn.conf.py`.

Every value can be changed through the environment (README, "Production"). gunicorn's own
access log stays off: it would write each request path, and participant paths carry the
participant's token. The app logs every request itself (logger ``calibrate.access``) with
the route template, status, duration and request id instead.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "calibrate:create_app()"
bind = os.environ.get("CALIBRATE_BIND", "127.0.0.1:8000")
# Workers are processes; each holds a small database pool. 2 x cores + 1, at most 8 by default.
workers = _int("CALIBRATE_WORKERS", _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = _int("CALIBRATE_THREADS", 1)
# A request that takes longer than this is stuck (the database connect timeout is 5 s): the worker is replaced.
timeout = _int("CALIBRATE_WORKER_TIMEOUT", 30)
graceful_timeout = _int("CALIBRATE_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then, spread out so they never all restart at once.
max_requests = _int("CALIBRATE_MAX_REQUESTS", 5000)
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0

accesslog = None  # off on purpose, see above
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = os.environ.get("CALIBRATE_LOG_LEVEL", "info").lower()
