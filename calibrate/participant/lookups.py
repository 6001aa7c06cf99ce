"""HTTP-aware lookups for the participant views: a participant by token, or a 404."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Connection

from calibrate.infra.i18n import use_workshop_language
from calibrate.models import Participant
from calibrate.participant import services


def visit_or_404(
    token: str, saved_for: tuple[int, int] | None = None, connection: Connection | None = None
) -> services.Visit:
    """The visit of the participant owning this token (one query); anything else is a 404, never someone else's data.

    ``saved_for`` and ``connection``: see :func:`calibrate.participant.services.load_visit`.
    """
    visit = services.load_visit(token, saved_for, connection)
    if visit is None:
        abort(404)
    workshop = visit.participant.workshop
    use_workshop_language(workshop.language if workshop is not None else None)
    return visit


def participant_or_404(token: str) -> Participant:
    """The participant owning this token, for pages that need neither progress nor items."""
    return visit_or_404(token).participant
