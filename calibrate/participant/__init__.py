"""Participant blueprint: landing page, joining, items, feedback. No account needed."""

from flask import Blueprint

bp = Blueprint("participant", __name__)

from calibrate.participant import routes  # noqa: E402,F401  (registers the routes)
