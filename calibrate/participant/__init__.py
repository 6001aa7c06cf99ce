"""Participant blueprint: landing page, joining, items, feedback. No account needed."""

from flask import Blueprint

bp = Blueprint("participant", __name__)

from calibrate.participant import routes  # noqa: E402,F401  (registers the routes)
from calibrate.participant.wording import question_parts  # noqa: E402

bp.add_app_template_filter(question_parts, "question_parts")
