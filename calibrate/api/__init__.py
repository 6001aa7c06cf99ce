"""JSON API for operators and analysts."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from calibrate.api import routes  # noqa: E402,F401  (registers the routes)
