"""Who may see which workshops and participants, and which of them a selection picks.

This is the one place that decides visibility for the analysis pages, every
export, the command line and the JSON API (docs/analysts.md):

* a trainer sees the workshops they own and their participants, and no
  self-serve participant (nobody ran a workshop for those);
* an analyst and an admin see every workshop and every participant,
  self-serve ones included.

Everything is expressed as SQL conditions, so a list, a count, an export and a
deletion all ask the database the same question and never load rows first to
filter them in Python.  A workshop someone may not see is reported exactly like
one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select, true

from calibrate.infra.extensions import db
from calibrate.models import Condition, Exercise, Participant, Response, Role, User, Workshop

ROUNDS = (1, 2)
CONDITION_KEYS = tuple(condition.value for condition in Condition)


class SelectionError(ValueError):
    """A selection names something that does not exist or is not visible; the message names the field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Operator:
    """Whoever runs `calibrate export` or `calibrate purge` on the server: they can read its database anyway."""

    id: None = None
    role: str = Role.ADMIN.value


OPERATOR = Operator()


def sees_everything(user: User | Operator) -> bool:
    """Analysts and admins see every workshop and self-serve participant."""
    return user.role in (Role.ANALYST.value, Role.ADMIN.value)


def visible_workshops(user: User | Operator) -> ColumnElement[bool]:
    """SQL condition on `Workshop`: the workshops this user may see."""
    return true() if sees_everything(user) else Workshop.owner_id == user.id


def visible_participants(user: User | Operator) -> ColumnElement[bool]:
    """SQL condition on `Participant`: the participants this user may see (self-serve ones only for analysts)."""
    if sees_everything(user):
        return true()
    owned = select(Workshop.id).where(Workshop.owner_id == user.id)
    return Participant.workshop_id.in_(owned)


@dataclass(frozen=True)
class Selection:
    """What an export, the statistics page or an API call is about; empty fields mean "everything visible".

    ``self_serve`` adds the participants who took an exercise outside any
    workshop (visible to analysts and admins only).
    """

    workshops: tuple[str, ...] = ()
    exercise: str | None = None
    conditions: tuple[str, ...] = ()
    rounds: tuple[int, ...] = ()
    self_serve: bool = True
    older_than: datetime | None = None
    participant_ids: tuple[int, ...] = field(default=())

    @property
    def describes_everything(self) -> bool:
        return not (self.workshops or self.exercise or self.conditions or self.rounds or self.participant_ids)


def resolve(user: User | Operator, selection: Selection) -> tuple[list[Workshop], Exercise | None]:
    """The visible workshops and the exercise a selection names; SelectionError for any other name.

    A workshop code that exists but belongs to someone else gets the same
    message as one that does not exist, so codes cannot be probed.
    """
    workshops: list[Workshop] = []
    if selection.workshops:
        codes = [code.strip().upper() for code in selection.workshops]
        found = {
            workshop.code: workshop
            for workshop in db.session.scalars(
                select(Workshop).where(Workshop.code.in_(codes), visible_workshops(user))
            )
        }
        missing = [code for code in codes if code not in found]
        if missing:
            raise SelectionError("workshop", f"no workshop with code {', '.join(missing)} that you can see")
        workshops = [found[code] for code in codes]
    exercise = None
    if selection.exercise:
        # A slug names every version of the exercise; the newest stands for them (docs/exercises.md).
        exercise = db.session.scalar(
            select(Exercise).where(Exercise.slug == selection.exercise).order_by(Exercise.version.desc()).limit(1)
        )
        if exercise is None:
            raise SelectionError("exercise", f"no exercise {selection.exercise!r}")
        other = [workshop.code for workshop in workshops if workshop.exercise.slug != exercise.slug]
        if other:
            raise SelectionError("workshop", f"{', '.join(other)} ran another exercise than {exercise.slug!r}")
    unknown = [key for key in selection.conditions if key not in CONDITION_KEYS]
    if unknown:
        raise SelectionError("condition", f"unknown condition {', '.join(unknown)}; use {', '.join(CONDITION_KEYS)}")
    bad_rounds = [str(number) for number in selection.rounds if number not in ROUNDS]
    if bad_rounds:
        raise SelectionError("round", f"round {', '.join(bad_rounds)} does not exist; rounds are 1 and 2")
    return workshops, exercise


def participant_filter(user: User | Operator, selection: Selection) -> ColumnElement[bool]:
    """SQL condition on `Participant`: visible to the user and picked by the selection (resolve it first)."""
    workshops, exercise = resolve(user, selection)
    conditions = [visible_participants(user)]
    if workshops:
        conditions.append(Participant.workshop_id.in_([workshop.id for workshop in workshops]))
    elif not selection.self_serve:
        conditions.append(Participant.workshop_id.is_not(None))
    if exercise is not None:
        conditions.append(Participant.exercise_id.in_(exercise_versions(exercise)))
    if selection.conditions:
        conditions.append(Participant.condition.in_(selection.conditions))
    if selection.participant_ids:
        conditions.append(Participant.id.in_(selection.participant_ids))
    if selection.older_than is not None:
        # Last seen before then, and no answer since: answering writes only the answer's own time.
        answered_since = select(Response.id).where(
            Response.participant_id == Participant.id, Response.answered_at >= selection.older_than
        )
        conditions.append(and_(Participant.last_seen_at < selection.older_than, ~answered_since.exists()))
    return and_(*conditions)


def participant_ids(user: User | Operator, selection: Selection) -> Select:
    """`SELECT participant.id` for the selection, in a stable order (for paging and chunked exports)."""
    return select(Participant.id).where(participant_filter(user, selection)).order_by(Participant.id)


def workshop_choices(user: User | Operator) -> list[Workshop]:
    """Every workshop the user may see, newest first (the selection forms list these)."""
    return list(
        db.session.scalars(select(Workshop).where(visible_workshops(user)).order_by(Workshop.created_at.desc(), Workshop.id.desc()))
    )


def exercise_versions(exercise: Exercise) -> Select:
    """`SELECT exercise.id` of every version of this exercise: a selection by slug spans them all."""
    return select(Exercise.id).where(Exercise.slug == exercise.slug)


def exercise_filter(user: User | Operator) -> ColumnElement[bool]:
    """SQL condition on `Exercise`: public exercises, and any exercise of a workshop the user may see."""
    if sees_everything(user):
        return true()
    used = select(Workshop.exercise_id).where(visible_workshops(user))
    return or_(Exercise.is_public, Exercise.id.in_(used))
