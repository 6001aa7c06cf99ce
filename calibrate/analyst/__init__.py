"""Analysis blueprint: exports with a codebook, the statistics workspace across workshops, and deleting data.

Trainers, analysts and admins get in; what each sees is decided by
`calibrate.domain.scope` (a trainer: their own workshops; an analyst or admin:
every workshop and self-serve participant).
"""

from flask import Blueprint

from calibrate.auth.access import restrict_to_roles
from calibrate.models import Role

bp = Blueprint("analyst", __name__, url_prefix="/analysis")
restrict_to_roles(bp, [Role.TRAINER.value, Role.ANALYST.value, Role.ADMIN.value])

from calibrate.analyst import routes  # noqa: E402,F401  (registers the routes)
