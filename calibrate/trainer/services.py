"""Workshop logic for trainers: ownership, settings, states, join link, QR code and data.

Views call these functions and render; nothing here knows about requests
except `owned_workshop`, which turns a foreign id into a 404.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass

import segno
from flask import abort, url_for
from sqlalchemy import func, select

from calibrate.database import insert_unique
from calibrate.extensions import db
from calibrate.models import Condition, Exercise, Participant, User, Workshop, WorkshopState, utcnow
from calibrate.responses import long_frame
from calibrate.workshop_codes import new_code

MAX_WEIGHT = 9
MAX_CODE_ATTEMPTS = 10
# b_own needs at least 4 answered items per person and round (DESIGN §5), so a
# split into two rounds needs 8 items.
MIN_ITEMS_FOR_ROUND2 = 8


class WorkshopStateError(Exception):
    """A state change that does not apply now (e.g. closing a draft); the message says why."""


@dataclass(frozen=True)
class WorkshopSettings:
    title: str
    exercise_id: int
    conditions: list[str]
    allocation: list[int]
    ask_intervals: bool
    ask_empathy: bool
    round2_enabled: bool


def settings_problems(exercise: Exercise, settings: WorkshopSettings) -> list[tuple[str, str]]:
    """(field, message) for every setting this exercise cannot support; empty when all is well."""
    problems = []
    if not settings.conditions:
        problems.append(("conditions", "Choose at least one condition."))
    has_research = any(item.market_research for item in exercise.items)
    if Condition.MARKET_RESEARCH.value in settings.conditions and not has_research:
        problems.append(("conditions", "This exercise has no market-research summaries; choose another condition or exercise."))
    if settings.round2_enabled and len(exercise.items) < MIN_ITEMS_FOR_ROUND2:
        problems.append(
            ("round2_enabled", f"A second round needs at least {MIN_ITEMS_FOR_ROUND2} items; this exercise has {len(exercise.items)}.")
        )
    return problems


def selectable_exercises() -> list[Exercise]:
    return list(db.session.scalars(select(Exercise).order_by(Exercise.title)))


def owned_workshop(owner: User, workshop_id: int) -> Workshop:
    """The owner's workshop with this id; 404 for anyone else's, so ids reveal nothing."""
    workshop = db.session.scalar(select(Workshop).where(Workshop.id == workshop_id, Workshop.owner_id == owner.id))
    if workshop is None:
        abort(404)
    return workshop


def workshops_with_counts(owner: User) -> list[tuple[Workshop, int]]:
    """The owner's workshops, newest first, each with its number of participants (one query)."""
    query = (
        select(Workshop, func.count(Participant.id))
        .outerjoin(Participant, Participant.workshop_id == Workshop.id)
        .where(Workshop.owner_id == owner.id)
        .group_by(Workshop.id)
        .order_by(Workshop.created_at.desc(), Workshop.id.desc())
    )
    return [(workshop, count) for workshop, count in db.session.execute(query)]


def create_workshop(owner: User, settings: WorkshopSettings) -> Workshop:
    """A new draft workshop with a fresh join code; a code taken meanwhile is simply redrawn."""
    return insert_unique(
        lambda: Workshop(owner=owner, code=new_code(), **asdict(settings)),
        MAX_CODE_ATTEMPTS,
        "no free workshop code found; try again",
    )


def ensure_editable(workshop: Workshop) -> None:
    """Settings are fixed once the workshop opens: people who joined must keep a valid condition."""
    if workshop.state != WorkshopState.DRAFT.value:
        raise WorkshopStateError("Settings can only be changed before the workshop is opened.")


def update_workshop(workshop: Workshop, settings: WorkshopSettings) -> None:
    ensure_editable(workshop)
    for name, value in asdict(settings).items():
        setattr(workshop, name, value)
    db.session.commit()


def open_workshop(workshop: Workshop) -> str:
    if workshop.is_open:
        raise WorkshopStateError("The workshop is open already.")
    workshop.state = WorkshopState.OPEN.value
    workshop.opened_at = workshop.opened_at or utcnow()
    workshop.closed_at = None
    return "The workshop is open: participants can join with the code."


def close_workshop(workshop: Workshop) -> str:
    if not workshop.is_open:
        raise WorkshopStateError("Only an open workshop can be closed.")
    workshop.state = WorkshopState.CLOSED.value
    workshop.closed_at = utcnow()
    return "The workshop is closed. Everything saved is kept; the report is final."


def open_round2(workshop: Workshop) -> str:
    if not workshop.round2_enabled:
        raise WorkshopStateError("This workshop has no second round.")
    if not workshop.is_open:
        raise WorkshopStateError("Open the workshop before starting round 2.")
    if workshop.round2_open:
        raise WorkshopStateError("Round 2 is open already.")
    workshop.round2_open = True
    return "Round 2 is open: participants who finished round 1 see their feedback and then fresh items."


def reveal_results(workshop: Workshop) -> str:
    workshop.revealed = True
    return "The projector now shows the results."


def hide_results(workshop: Workshop) -> str:
    workshop.revealed = False
    return "The projector shows only the join code and the count."


# Every button on the workshop, dashboard and projector pages posts one of these actions.
ACTIONS = {
    "open": open_workshop,
    "close": close_workshop,
    "open-round2": open_round2,
    "reveal": reveal_results,
    "hide": hide_results,
}


def apply_action(workshop: Workshop, action: str) -> str:
    """Run one state change (a key of ACTIONS) and commit it; returns the message for the trainer."""
    message = ACTIONS[action](workshop)
    db.session.commit()
    return message


def join_url(workshop: Workshop) -> str:
    return url_for("participant.join", code=workshop.code, _external=True)


def qr_svg(workshop: Workshop) -> bytes:
    """The join link as a scalable SVG QR code; medium error correction survives a blurry projector."""
    buffer = io.BytesIO()
    segno.make(join_url(workshop), error="m").save(
        buffer, kind="svg", border=2, dark="#000000", light="#ffffff", omitsize=True, title=f"Join code {workshop.code}"
    )
    return buffer.getvalue()


def responses_csv(workshop: Workshop) -> str:
    """This workshop's answers in the long format of DESIGN §4, for analysis elsewhere."""
    return long_frame(workshop_ids=[workshop.id]).to_csv(index=False)
