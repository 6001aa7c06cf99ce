"""Which exercise versions people may see and use, and who may archive them.

Every version of an exercise is a row of its own (calibrate.models.Exercise), so
old answers keep the items and truths they were given on. New participants and new
workshops get the *current* version of an exercise: its newest one, unless the
exercise is archived. An uploaded exercise belongs to the trainer who uploaded it
and is offered to other trainers only when its owner made it public; the built-in
ones (no owner) are offered to every trainer (docs/exercises.md, section 5).
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import aliased

from calibrate.domain.exercise_text import localised
from calibrate.infra.extensions import db
from calibrate.models import Exercise, User, utcnow


def _current() -> Select:
    """Exercise rows that are the newest version of their slug and not archived."""
    newer = aliased(Exercise)
    newest = select(func.max(newer.version)).where(newer.slug == Exercise.slug).scalar_subquery()
    return select(Exercise).where(Exercise.version == newest, Exercise.archived_at.is_(None))


def _sort_key(title: str) -> str:
    """A title as dictionaries sort it: case and accents aside, so "Öko-Äpfel" comes among the O's."""
    return "".join(c for c in unicodedata.normalize("NFKD", title.casefold()) if not unicodedata.combining(c))


def _by_title(query: Select, *, archived_last: bool = False) -> list[Exercise]:
    """The exercises in the order of their titles in the page's language, as the lists show them."""
    return sorted(db.session.scalars(query), key=lambda exercise: (
        archived_last and exercise.is_archived, _sort_key(localised(exercise, "title"))))


def landing_exercises() -> list[Exercise]:
    """What the landing page offers: the current version of every public exercise."""
    return _by_title(_current().where(Exercise.is_public))


def public_exercise(slug: str) -> Exercise | None:
    """The current public version behind /e/<slug>, or None."""
    return db.session.scalar(_current().where(Exercise.slug == slug, Exercise.is_public))


def _visible_to(user: User):
    """Built-in exercises, public uploads and the user's own uploads."""
    return or_(Exercise.owner_id.is_(None), Exercise.is_public, Exercise.owner_id == user.id)


def selectable_exercises(user: User, keep: Exercise | None = None) -> list[Exercise]:
    """The exercises a trainer may start a workshop with: current versions they may see.

    ``keep`` (a workshop's own exercise) stays in the list even when it is an older or
    archived version, so editing a workshop never moves it to another version.
    """
    exercises = _by_title(_current().where(_visible_to(user)))
    if keep is not None and keep not in exercises:
        exercises.append(keep)
    return exercises


def current_version(slug: str) -> Exercise | None:
    """The newest version of a slug, archived or not (the loader writes on top of it)."""
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug).order_by(Exercise.version.desc()).limit(1))


def manageable_exercises(user: User) -> list[Exercise]:
    """The newest version of every exercise the user may see, archived ones included, for the exercises page."""
    newer = aliased(Exercise)
    newest = select(func.max(newer.version)).where(newer.slug == Exercise.slug).scalar_subquery()
    query = select(Exercise).where(Exercise.version == newest)
    if not user.is_admin:
        query = query.where(_visible_to(user))
    return _by_title(query, archived_last=True)


def can_manage(user: User, exercise: Exercise) -> bool:
    """Only the owner archives an uploaded exercise; built-in ones (no owner) only an admin."""
    return user.is_admin or (exercise.owner_id is not None and exercise.owner_id == user.id)


def set_archived(exercise: Exercise, archived: bool) -> None:
    """Archive (or restore) every version of the exercise; answers, workshops and reports stay as they are."""
    db.session.execute(
        update(Exercise).where(Exercise.slug == exercise.slug).values(archived_at=utcnow() if archived else None)
    )
    db.session.commit()
    db.session.refresh(exercise)
