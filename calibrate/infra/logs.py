"""Logging for the app: one configuration, a request id on every request and every log line.

Plain readable lines on a laptop; JSON lines (one object per line, for a log
collector) when ``CALIBRATE_LOG_FORMAT=json``, as in production (README).
The request id comes from a trusted proxy's ``X-Request-ID`` when it looks
sane, otherwise it is generated; it is echoed in the response header and on
error pages, so a participant's "reference" finds the matching log line.

The app writes its own access log (logger ``calibrate.access``): method, the
route *template* (``/p/<token>/...``), status, duration and request id. A
request path is never logged, because participant paths carry the token that
is their only credential; gunicorn's own access log is therefore off
(gunicorn.conf.py), and the development server's request lines are dropped.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
ACCESS_LOGGER = "calibrate.access"
NO_ROUTE = "<no route>"  # the path matched no route (404/405): the path itself is not logged
# Requests from load balancers and probes: logged at DEBUG, so they do not drown the access log.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/static/<path:filename>"})
# Extensions whose log lines go to the app's handler too.
EXTENSION_LOGGERS = ("flask-limiter",)


def route_template() -> str:
    """The matched route's template, e.g. '/p/<token>/r<int:round_no>/item/<int:position>'."""
    if has_request_context() and request.url_rule is not None:
        return str(request.url_rule)
    return NO_ROUTE if has_request_context() else "-"


class _RequestContext(logging.Filter):
    """Adds the request id and the route (its template, never a path with a participant token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "route"):  # the access line brings its own
            in_request = has_request_context()
            record.request_id = g.get("request_id", "-") if in_request else "-"
            record.route = route_template() if in_request else "-"
        return True


class _NoRequestLines(logging.Filter):
    """Drops the development server's request lines ('"GET /p/<the token> HTTP/1.1" 200 -')."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith('"%s" %s %s'))


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, route and traceback.

    Every request writes one (its access line), so the time's date and clock part is formatted
    once per second, and one JSON encoder serves every line.
    """

    _encode = json.JSONEncoder(ensure_ascii=False).encode
    _second: tuple[int, str] = (-1, "")

    def utc_time(self, record: logging.LogRecord) -> str:
        """ISO 8601 in UTC to the millisecond, e.g. '2026-11-28T07:38:04.123+00:00'."""
        second, text = self._second
        if second != int(record.created):
            second = int(record.created)
            text = datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{text}.{int(record.msecs):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "route": getattr(record, "route", "-"),
        }
        for extra in ("method", "status", "duration_ms"):
            if hasattr(record, extra):
                entry[extra] = getattr(record, extra)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self._encode(entry)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(route)s] %(message)s"


def configure_logging(app: Flask) -> None:
    """Send the app's log to stderr in the configured format and tag requests with an id."""
    # Every request writes an access line: skip what no format here shows (the logging HOWTO's "Optimization"),
    # including the caller's file and line, which logging finds by walking the stack for every record.
    # The process id stays: gunicorn's own error lines print it (a record without one cannot be formatted).
    logging.logThreads = logging.logMultiprocessing = False
    logging._srcfile = None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if app.config.get("LOG_FORMAT") == "json" else logging.Formatter(TEXT_FORMAT))
    # On the handler too, so records of child loggers (calibrate.access) and extensions get the fields.
    handler.addFilter(_RequestContext())
    level = app.config.get("LOG_LEVEL", "INFO")
    app.logger.handlers[:] = [handler]
    app.logger.filters[:] = [_RequestContext()]
    app.logger.setLevel(level)
    app.logger.propagate = False
    for name in EXTENSION_LOGGERS:
        extension_logger = logging.getLogger(name)
        extension_logger.handlers[:] = [handler]
        extension_logger.setLevel(level)
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, _NoRequestLines) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(_NoRequestLines())
    access_log = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def _assign_request_id() -> None:
        g.request_started = time.perf_counter()
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = offered if _SANE_REQUEST_ID.match(offered) else secrets.token_hex(8)

    @app.after_request
    def _log_access(response):
        """Echo the request id to the client and write the access line: one hook, as every response needs both."""
        request_globals = g._get_current_object()  # the proxy resolved once, not four times
        request_id = getattr(request_globals, "request_id", None)
        if request_id is not None:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = getattr(request_globals, "request_started", None)
        duration_ms = round(1000 * (time.perf_counter() - started), 1) if started is not None else None
        route, method, status = route_template(), request.method, response.status_code
        access_log.log(
            logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
            "%s %s %s %sms",
            method,
            route,
            status,
            duration_ms if duration_ms is not None else "-",
            extra={"method": method, "status": status, "duration_ms": duration_ms, "route": route,
                   "request_id": request_id or "-"},
        )
        return response
