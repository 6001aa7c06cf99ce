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
from dataclasses import dataclass
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
        return self._utc_time(record.created, record.msecs)

    def _utc_time(self, created: float, msecs: float) -> str:
        second, text = self._second
        if second != int(created):
            second = int(created)
            text = datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{text}.{int(msecs):03d}+00:00"

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

    def access_line(self, access: AccessEntry, created: float) -> str:
        """Exactly what :meth:`format` writes for this access record logged at ``created``, built without one.

        Every field is a number or a known text except the method and the route, whose JSON
        escapes are kept (a handful of each), so the line is put together without the encoder.
        """
        method, route = _json_text(access.method), _json_text(access.route)
        duration = "null" if access.duration_ms is None else repr(access.duration_ms)
        shown = "-" if access.duration_ms is None else duration
        return (
            f'{{"time": "{self._utc_time(created, int((created - int(created)) * 1000))}", '
            f'"level": "{logging.getLevelName(access.level)}", "logger": "{ACCESS_LOGGER}", '
            f'"message": "{method} {route} {access.status} {shown}ms", '
            f'"request_id": "{_json_text(access.request_id, keep=False)}", "route": "{route}", '
            f'"method": "{method}", "status": {access.status}, "duration_ms": {duration}}}'
        )


_json_texts: dict[str, str] = {}
_NOTHING_TO_ESCAPE = re.compile(r"[A-Za-z0-9 ._<>:/-]*")


def _json_text(text: str, keep: bool = True) -> str:
    """``text`` as the inside of a JSON string, escaped as JsonLines' encoder does.

    Kept for the few texts that recur (methods, routes) when ``keep``; a request id is
    checked instead, as it is new on every request and rarely needs escaping.
    """
    escaped = _json_texts.get(text) if keep else None
    if escaped is None:
        escaped = text if _NOTHING_TO_ESCAPE.fullmatch(text) else JsonLines._encode(text)[1:-1]
        if keep and len(_json_texts) < 1024:
            _json_texts[text] = escaped
    return escaped


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """What an access line says of one request."""

    level: int
    method: str
    route: str
    status: int
    duration_ms: float | None
    request_id: str


class AccessLog:
    """Writes each request's access line to the ``calibrate.access`` logger.

    A log record passed through logging's hierarchy and the JSON encoder cost a request
    more CPU than anything else the app adds to it (docs/performance.md, "Seventh round").
    So while that logger is set up as :func:`configure_logging` leaves it in production (its
    records reach only the app's handler, which writes JSON lines), the line is written to
    that handler's stream directly, exactly as the handler would have written it. Any other
    set-up (the text format, a test capturing records, an operator's own handlers, filters
    or levels) gets an ordinary log record.
    """

    def __init__(self, handler: logging.Handler) -> None:
        self.logger = logging.getLogger(ACCESS_LOGGER)
        self.handler = handler

    def write(self, access: AccessEntry) -> None:
        logger = self.logger
        if not logger.isEnabledFor(access.level):
            return
        handler = self._only_handler(access.level)
        if handler is None:
            logger.log(
                access.level, "%s %s %s %sms", access.method, access.route, access.status,
                access.duration_ms if access.duration_ms is not None else "-",
                extra={"method": access.method, "status": access.status, "duration_ms": access.duration_ms,
                       "route": access.route, "request_id": access.request_id},
            )
            return
        line = handler.formatter.access_line(access, time.time()) + handler.terminator
        with handler.lock:  # as StreamHandler.emit, called by Handler.handle
            try:
                handler.stream.write(line)
                handler.flush()
            except RecursionError:
                raise
            except Exception:  # noqa: BLE001 - logging never fails a request; it reports the failure itself
                handler.handleError(logging.makeLogRecord({"name": ACCESS_LOGGER, "msg": line}))

    def _only_handler(self, level: int) -> logging.StreamHandler | None:
        """The app's JSON handler when this logger's records reach nothing else and nothing changes them."""
        logger, handler = self.logger, self.handler
        parent = logger.parent
        if (logger.handlers or logger.filters or not logger.propagate or parent is None or parent.propagate
                or parent.handlers != [handler] or level < handler.level
                or not isinstance(handler.formatter, JsonLines)
                or len(handler.filters) != 1 or not isinstance(handler.filters[0], _RequestContext)):
            return None
        return handler


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
    access_log = AccessLog(handler)

    @app.before_request
    def _assign_request_id() -> None:
        g.request_started = time.perf_counter()
        offered = request.headers.get(REQUEST_ID_HEADER)
        g.request_id = offered if offered and _SANE_REQUEST_ID.match(offered) else secrets.token_hex(8)

    @app.after_request
    def _log_access(response):
        """Echo the request id to the client and write the access line: one hook, as every response needs both."""
        request_globals = g._get_current_object()  # the proxy resolved once, not four times
        request_id = getattr(request_globals, "request_id", None)
        if request_id is not None:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = getattr(request_globals, "request_started", None)
        duration_ms = round(1000 * (time.perf_counter() - started), 1) if started is not None else None
        route = route_template()
        access_log.write(AccessEntry(
            logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
            request.method, route, response.status_code, duration_ms, request_id or "-",
        ))
        return response
