"""Logging for the app: one configuration, a request id on every request and every log line.

Plain readable lines on a laptop; JSON lines (one object per line, for a log
collector) when ``CALIBRATE_LOG_FORMAT=json``, as in production (README).
The request id comes from a trusted proxy's ``X-Request-ID`` when it looks
sane, otherwise it is generated; it is echoed in the response header and on
error pages, so a participant's "reference" finds the matching log line.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class _RequestContext(logging.Filter):
    """Adds the request id and the route (its template, never a path with a participant token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        record.route = str(request.url_rule) if has_request_context() and request.url_rule else "-"
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, route and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "route": getattr(record, "route", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(route)s] %(message)s"


def configure_logging(app: Flask) -> None:
    """Send the app's log to stderr in the configured format and tag requests with an id."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if app.config.get("LOG_FORMAT") == "json" else logging.Formatter(TEXT_FORMAT))
    app.logger.handlers[:] = [handler]
    app.logger.filters[:] = [_RequestContext()]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = False

    @app.before_request
    def _assign_request_id() -> None:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = offered if _SANE_REQUEST_ID.match(offered) else secrets.token_hex(8)

    @app.after_request
    def _echo_request_id(response):
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response
