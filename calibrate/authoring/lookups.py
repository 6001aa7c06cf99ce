"""HTTP-aware lookups for the authoring views: a draft or exercise the signed-in trainer may use, or a 404."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from calibrate.domain.exercise_catalogue import can_manage
from calibrate.infra.extensions import db
from calibrate.models import AuthoringDraft, Exercise


def draft_or_404(draft_id: int) -> AuthoringDraft:
    """The signed-in trainer's own draft; another trainer's is a 404, so ids reveal nothing."""
    draft = db.session.get(AuthoringDraft, draft_id)
    if draft is None or draft.owner_id != current_user.id:
        abort(404)
    return draft


def manageable_exercise_or_404(exercise_id: int) -> Exercise:
    """An exercise the signed-in user may archive (their upload; any exercise for an admin), else 404."""
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None or not can_manage(current_user, exercise):
        abort(404)
    return exercise
