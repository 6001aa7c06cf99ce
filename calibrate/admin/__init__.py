"""Admin blueprint: user accounts are created in the browser, no shell needed."""

from flask import Blueprint

from calibrate.auth.access import restrict_to_roles
from calibrate.models import Role

bp = Blueprint("admin", __name__)
restrict_to_roles(bp, [Role.ADMIN.value])

from calibrate.admin import routes  # noqa: E402,F401  (registers the routes)
