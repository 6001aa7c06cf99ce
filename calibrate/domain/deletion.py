"""Deleting participants and their answers: one person, a workshop's data, or everything older than N days.

The same rules serve the analysis pages, the JSON API and `calibrate purge`:
what goes is exactly what `calibrate.domain.scope` lets the user see and the
selection picks, it is counted before it goes, and it goes in one transaction
(answers, stored round results, then the people), so a failure deletes nothing.
Workshops themselves stay, so their settings and codes keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from calibrate.domain.scope import Operator, Selection, participant_filter
from calibrate.infra.extensions import db
from calibrate.models import Participant, Response, RoundResult, User, utcnow

DELETE_BATCH = 5000
"""Ids per DELETE statement: well under the bound-parameter limits of SQLite and PostgreSQL."""


@dataclass(frozen=True)
class Count:
    participants: int
    responses: int

    def __str__(self) -> str:
        people = "1 participant" if self.participants == 1 else f"{self.participants} participants"
        answers = "1 answer" if self.responses == 1 else f"{self.responses} answers"
        return f"{people} and {answers}"


def older_than(days: int) -> Selection:
    """Everyone last seen more than `days` days ago (retention)."""
    return Selection(older_than=utcnow() - timedelta(days=days))


def count(user: User | Operator, selection: Selection) -> Count:
    """What deleting this selection would remove."""
    chosen = select(Participant.id).where(participant_filter(user, selection))
    people = db.session.scalar(select(func.count()).select_from(chosen.subquery()))
    answers = db.session.scalar(select(func.count(Response.id)).where(Response.participant_id.in_(chosen)))
    return Count(people or 0, answers or 0)


def delete_selection(user: User | Operator, selection: Selection) -> Count:
    """Delete the selected participants with everything stored about them; returns what went."""
    gone = count(user, selection)
    ids = list(db.session.scalars(select(Participant.id).where(participant_filter(user, selection))))
    for start in range(0, len(ids), DELETE_BATCH):
        batch = ids[start : start + DELETE_BATCH]
        db.session.execute(delete(Response).where(Response.participant_id.in_(batch)))
        db.session.execute(delete(RoundResult).where(RoundResult.participant_id.in_(batch)))
        db.session.execute(delete(Participant).where(Participant.id.in_(batch)))
    db.session.commit()
    return gone
