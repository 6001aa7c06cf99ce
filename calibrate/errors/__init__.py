"""Error pages for people and error objects for programs (one place for every failed request).

HTML in the site's style for browsers; JSON for API routes and clients that ask
for JSON, so a script never has to parse an HTML page.  Every server error is
logged with the request id that the page shows, so an operator can find it.
"""

from flask import Blueprint

bp = Blueprint("errors", __name__)

from calibrate.errors import handlers  # noqa: E402,F401  (registers the handlers)
