"""Authoring blueprint: trainers turn their own survey data or exercise files into exercises, and archive them.

Only trainers and admins get in. Every view that takes an exercise or draft id loads
it through `lookups`, so another trainer's private exercise or draft is a 404.
The steps and the file formats are described in docs/exercises.md, section 5.
"""

from flask import Blueprint

from calibrate.auth.access import restrict_to_roles
from calibrate.models import Role

bp = Blueprint("authoring", __name__, url_prefix="/trainer/exercises")
restrict_to_roles(bp, [Role.TRAINER.value, Role.ADMIN.value])

from calibrate.authoring import routes  # noqa: E402,F401  (registers the routes)
