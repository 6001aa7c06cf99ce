"""Trainer blueprint: workshops, live dashboard, projector view and report.

Only trainers (and admins, who also run workshops) get in, and every view
that takes a workshop id loads it through `lookups.workshop_or_404`, so another
trainer's workshop is a 404, indistinguishable from one that does not exist.
"""

from flask import Blueprint

from calibrate.auth.access import restrict_to_roles
from calibrate.models import Role

bp = Blueprint("trainer", __name__, url_prefix="/trainer")
restrict_to_roles(bp, [Role.TRAINER.value, Role.ADMIN.value])

from calibrate.trainer import routes  # noqa: E402,F401  (registers the routes)
