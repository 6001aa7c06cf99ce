"""gunicorn settings for production: `make serve-prod`, or `gunicorn --config gunicorn.conf.py`.

Every value can be changed through the environment (README, "Production"). gunicorn's own
access log stays off: it would write each request path, and participant paths carry the
participant's token. The app logs every request itself (logger ``calibrate.access``) with
the route template, status, duration and request id instead.

Liveness never waits for a free worker: the master process answers ``GET /healthz`` on a port
of its own (CALIBRATE_LIVENESS_BIND, by default the app's port + 1000), without the app, the
database or Redis. When every worker is busy with slow requests, the app's own ``/healthz``
waits in the queue with everything else, and a load balancer that checks it would take a
busy but healthy node out (docs/deploy.md, "Probes"). ``python gunicorn.conf.py`` checks that
port and exits 0 or 1: the container image's HEALTHCHECK.
"""

import json
import multiprocessing
import os
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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


def _liveness_address(app_bind: str) -> tuple[str, int] | None:
    """CALIBRATE_LIVENESS_BIND ("host:port", or "off"); by default the app's host with its port + 1000."""
    value = os.environ.get("CALIBRATE_LIVENESS_BIND", "").strip()
    if value.lower() == "off":
        return None
    host, _, port = (value or app_bind).rpartition(":")
    if not port.isdigit():  # a unix socket bind and no explicit setting: no default port to derive
        return None
    return host.strip("[]") or "0.0.0.0", int(port) + (0 if value else 1000)


liveness_address = _liveness_address(bind)


class LivenessHandler(BaseHTTPRequestHandler):
    """GET/HEAD /healthz: 200 while the master runs at least one worker, 503 when it has none."""

    arbiter = None  # set by when_ready

    def do_GET(self) -> None:
        self._answer(include_body=True)

    def do_HEAD(self) -> None:
        self._answer(include_body=False)

    def _answer(self, include_body: bool) -> None:
        if self.path.split("?", 1)[0] != "/healthz":
            status, body = 404, {"status": "not found"}
        elif self.arbiter is not None and self.arbiter.WORKERS:
            status, body = 200, {"status": "ok"}
        else:
            status, body = 503, {"status": "no workers"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if include_body:
            self.wfile.write(payload)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's signature
        """No access log: a probe every 2 s from each proxy would drown the app's own lines."""


def when_ready(server) -> None:
    """Start the liveness listener in the master, which never serves app requests and so is never busy."""
    if liveness_address is None:
        return
    LivenessHandler.arbiter = server
    listener = ThreadingHTTPServer(liveness_address, LivenessHandler)
    listener.daemon_threads = True
    server.liveness_listener = listener
    threading.Thread(target=listener.serve_forever, name="liveness", daemon=True).start()
    server.log.info("Liveness on http://%s:%s/healthz", *liveness_address)


def post_fork(server, worker) -> None:
    """A worker gets a copy of the master's liveness socket at fork: close it, only the master answers there."""
    listener = getattr(server, "liveness_listener", None)
    if listener is not None:
        listener.socket.close()


def probe_liveness() -> int:
    """Exit status for a container health check: 0 when this node's liveness port answers 200, else 1.

    It finds the port as the listener above does, so the check follows CALIBRATE_BIND and
    CALIBRATE_LIVENESS_BIND instead of repeating a port number in the Dockerfile.
    """
    if liveness_address is None:
        print("liveness listener is off (CALIBRATE_LIVENESS_BIND): nothing to check")
        return 1
    host, port = liveness_address
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:  # refused, timed out, or an HTTP error status such as 503
        print(f"{url}: {error}")
        return 1


if __name__ == "__main__":  # `python gunicorn.conf.py`: the image's HEALTHCHECK
    raise SystemExit(probe_liveness())
