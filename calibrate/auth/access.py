"""Who may see what: where Flask-Login sends strangers, and role checks for whole blueprints.

The user loader itself lives beside the User model (calibrate/models.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, abort, request
from flask_login import current_user

from calibrate.infra.extensions import login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


def restrict_to_roles(blueprint: Blueprint, roles: Iterable[str]) -> None:
    """Guard every view of a blueprint: strangers go to sign-in, other roles get 403.

    One check per blueprint instead of a decorator per view, so a new route
    cannot be added without protection by forgetting a line.
    """
    allowed = frozenset(roles)

    @blueprint.before_request
    def _require_role():
        if not current_user.is_authenticated:
            # A live page polling after the session ended must not swap a login form into itself.
            if request.headers.get("HX-Request"):
                abort(401)
            return login_manager.unauthorized()
        if current_user.role not in allowed:
            abort(403)
        return None
