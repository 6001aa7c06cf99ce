"""Handlers for HTTP errors and uncaught exceptions, registered for the whole app."""

from __future__ import annotations

from flask import current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from calibrate.errors import bp

# What a person is told for each status: a heading and what to do next.
MESSAGES = {
    400: ("That request could not be read", "Something in the form or the address was not valid. Go back and try again."),
    401: ("Please sign in", "This page needs a trainer or analyst account."),
    403: ("Not allowed", "Your account cannot open this page."),
    404: ("Page not found", "The link may be mistyped, or what it pointed to was deleted."),
    405: ("That does not work here", "This address does not accept that kind of request."),
    410: ("No longer available", "This is closed or was removed. Your trainer can tell you where to go next."),
    413: ("Too large", "The file or form you sent is larger than this site accepts."),
    422: ("Please check your input", "Some values could not be used."),
    429: ("Too many requests", "Many people are using the same network right now. Wait a moment, then try again."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Your saved answers are safe; please try again."),
    503: ("Briefly unavailable", "The site is busy or under maintenance. It will be back shortly; please try again."),
}


def wants_json() -> bool:
    """API routes and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, detail: str | None, headers: dict | None = None):
    title, advice = MESSAGES.get(status, (f"Error {status}", ""))
    request_id = g.get("request_id")
    if wants_json():
        body = jsonify(error={"status": status, "title": title, "message": detail or advice, "request_id": request_id})
        return body, status, headers or {}
    try:
        page = render_template(
            "errors/error.html", status=status, title=title, advice=advice, detail=detail, request_id=request_id,
            retry_after=(headers or {}).get("Retry-After"),
        )
    except Exception:  # noqa: BLE001 - e.g. the database is down and the page's header cannot load the user
        current_app.logger.exception("Could not render the error page [request %s]", request_id)
        page = f"{title}. {advice}"
    return page, status, headers or {}


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Werkzeug's HTTP errors (404, 429, ...) rendered in the site's style."""
    if error.code is None or error.code < 400:
        return error
    headers = {key: value for key, value in error.get_headers() if key.lower() == "retry-after"}
    if error.code == 429 and "Retry-After" not in headers:
        headers["Retry-After"] = "60"
    description = error.description if error.description != type(error).description else None
    if error.code >= 500:
        current_app.logger.error("HTTP %s on %s %s [request %s]", error.code, request.method, request.path, g.get("request_id"))
    return _respond(error.code, description, headers)


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    """Any uncaught exception: log it with its traceback and the request id, show a calm 500."""
    current_app.logger.exception("Unhandled error on %s %s [request %s]", request.method, request.url_rule or request.path, g.get("request_id"))
    return _respond(InternalServerError.code, None)
