"""HTTP-aware lookups for the participant views: a participant by token, or a 404."""

from __future__ import annotations

from flask import abort

from calibrate.models import Participant
from calibrate.participant import services


def participant_or_404(token: str) -> Participant:
    """The participant owning this token; anything else is a 404, never someone else's data."""
    participant = services.find_participant(token)
    if participant is None:
        abort(404)
    return participant
