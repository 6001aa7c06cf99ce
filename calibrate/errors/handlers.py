"""Handlers for HTTP errors and uncaught exceptions, registered for the whole app.

Log lines name the route template, never the path: participant paths carry
their token. An unreachable database is a 503 with Retry-After rather than a
500; a participant's failed form is kept on that page and sent again by
itself (static/js/retry.js) once the Retry-After time has passed.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from calibrate.errors import bp
from calibrate.infra.extensions import db, login_manager
from calibrate.infra.logs import route_template

# The database is unreachable, restarting, or has no free connection: worth retrying shortly.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)

# What the 503 page shows of a participant's kept form (every field is kept, these are named).
KEPT_FIELD_LABELS = {
    "own": _l("Your own answer"),
    "prediction": _l("Your prediction"),
    "lower": _l("Low end of your range"),
    "upper": _l("High end of your range"),
    "pseudonym": _l("Pseudonym"),
    "description": _l("Your description"),
    "code": _l("Workshop code"),
}

# What a person is told for each status: a heading and what to do next (the API's JSON stays English).
MESSAGES = {
    400: (_l("That request could not be read"), _l("Something in the form or the address was not valid. Go back and try again.")),
    401: (_l("Please sign in"), _l("This page needs a trainer or analyst account.")),
    403: (_l("Not allowed"), _l("Your account cannot open this page.")),
    404: (_l("Page not found"), _l("The link may be mistyped, or what it pointed to was deleted.")),
    405: (_l("That does not work here"), _l("This address does not accept that kind of request.")),
    410: (_l("No longer available"), _l("This is closed or was removed. Your trainer can tell you where to go next.")),
    413: (_l("Too large"), _l("The file or form you sent is larger than this site accepts.")),
    422: (_l("Please check your input"), _l("Some values could not be used.")),
    429: (_l("Too many requests"), _l("Many people are using the same network right now. Wait a moment, then try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you did caused this. Your saved answers are safe; please try again.")),
    503: (_l("Briefly unavailable"),
          _l("The site is busy or under maintenance. It will be back shortly; please try again.")),
    "maintenance": (_l("Down for maintenance"),
                    _l("The site is being updated. Answers saved before are safe; please come back shortly.")),
}


def wants_json() -> bool:
    """API routes and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, detail: str | None, headers: dict | None = None, **page_extras):
    title, advice = MESSAGES.get("maintenance" if page_extras.get("maintenance") else status,
                                 (_l("Error %(status)s", status=status), ""))
    request_id = g.get("request_id")
    if wants_json():
        with force_locale("en"):  # a machine interface: its messages do not change with the browser's language
            payload = {"status": status, "title": str(title), "message": str(detail or advice), "request_id": request_id}
        if page_extras.get("errors"):
            payload["errors"] = page_extras["errors"]
        body = jsonify(error=payload)
        return body, status, headers or {}
    try:
        page = render_template(
            "errors/error.html", status=status, title=title, advice=advice, detail=detail, request_id=request_id,
            retry_after=(headers or {}).get("Retry-After"), **page_extras,
        )
    except Exception:  # noqa: BLE001 - e.g. the database is down and the page's header cannot load the user
        current_app.logger.exception("Could not render the error page [request %s]", request_id)
        page = f"{title}. {advice}"
    return page, status, headers or {}


def _same_url() -> str:
    """This request's URL on this site (path and query), to send a kept form to again."""
    query = request.query_string.decode("latin-1")
    return request.script_root + request.path + (f"?{query}" if query else "")


def _kept_form() -> dict:
    """For a participant's failed POST: every submitted field (the CSRF token too), to post again unchanged."""
    if request.method != "POST" or request.blueprint != "participant":
        return {}
    fields = list(request.form.items(multi=True))
    shown = [(KEPT_FIELD_LABELS[name], value) for name, value in fields if name in KEPT_FIELD_LABELS and value.strip()]
    return {"resubmit_url": _same_url(), "resubmit_fields": fields, "kept_values": shown}


MAINTENANCE_OPEN = ("static", "healthz", "readyz")  # still answered during maintenance: assets for the page, probes


@bp.before_app_request
def maintenance():
    """With CALIBRATE_MAINTENANCE=1 every page is a 503 that says when to try again; nothing is read or written."""
    if current_app.config.get("MAINTENANCE") and request.endpoint not in MAINTENANCE_OPEN:
        headers = {"Retry-After": str(current_app.config.get("MAINTENANCE_RETRY_AFTER", 300))}
        if "_login_user" not in g:
            login_manager._update_request_context_with_user()  # the page is rendered as for a visitor: no database
        return _respond(ServiceUnavailable.code, None, headers, database_down=True, maintenance=True)
    return None


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Werkzeug's HTTP errors (404, 429, ...) rendered in the site's style."""
    if error.code is None or error.code < 400:
        return error
    headers = {key: value for key, value in error.get_headers() if key.lower() in ("retry-after", "www-authenticate")}
    if error.code == 429 and "Retry-After" not in headers:
        headers["Retry-After"] = str(_limit_window_seconds(error))
    description = error.description if error.description != type(error).description else None
    if error.code >= 500:
        current_app.logger.error("HTTP %s on %s %s [request %s]", error.code, request.method, route_template(), g.get("request_id"))
    # Invalid API arguments (webargs, through flask-smorest) carry a message per field and location.
    field_errors = (getattr(error, "data", None) or {}).get("messages")
    return _respond(error.code, description or _first_field_error(field_errors), headers, errors=field_errors)


def _first_field_error(messages) -> str | None:
    """'query.round: Must be one of: 1, 2.' from webargs' {"query": {"round": ["Must be one of: 1, 2."]}}."""
    if not messages:
        return None
    location, fields = next(iter(messages.items()))
    name, problems = next(iter(fields.items()))
    problem = problems[0] if isinstance(problems, list) else str(problems)
    return f"{location}.{name}: {problem}"


def _limit_window_seconds(error: HTTPException) -> int:
    """When to retry after a 429: the length of the limit's window (a fixed window is over by then)."""
    limit = getattr(getattr(error, "limit", None), "limit", None)
    return int(limit.get_expiry()) if limit is not None else 60


def database_unavailable(error: Exception):
    """The database cannot be reached: 503 with Retry-After; a participant's typed answer stays on the page."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session is removed at teardown anyway
        pass
    current_app.logger.error(
        "Database unavailable on %s %s [request %s]: %s",
        request.method, route_template(), g.get("request_id"), error.__class__.__name__, exc_info=error,
    )
    if "_login_user" not in g:
        # Every template gets `current_user`, and loading a signed-in user needs the database: this page
        # is rendered as for a visitor instead (Flask-Login caches the user for the request in g).
        login_manager._update_request_context_with_user()
    headers = {"Retry-After": str(current_app.config.get("RETRY_AFTER_SECONDS", 10))}
    # database_down: the page must not touch the database (no signed-in header, which would load the user).
    kept = _kept_form()
    # A kept form is posted again, a page that was only read is reloaded; other POSTs wait for the person.
    extras = {"database_down": True, "retry_by_itself": bool(kept) or request.method in ("GET", "HEAD")} | kept
    return _respond(ServiceUnavailable.code, None, headers, **extras)


for _exception in DATABASE_UNAVAILABLE:
    bp.app_errorhandler(_exception)(database_unavailable)


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    """Any uncaught exception: log it with its traceback and the request id, show a calm 500."""
    current_app.logger.exception("Unhandled error on %s %s [request %s]", request.method, route_template(), g.get("request_id"))
    return _respond(InternalServerError.code, None)
