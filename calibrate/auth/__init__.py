"""Accounts for trainers, analysts and admins: sign-in, sign-out, password change.

Participants never sign in; they are known by their unguessable token alone.
"""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from calibrate.auth import access, routes  # noqa: E402,F401  (user loader and routes)
