"""Shared data for the analyst, export and API tests: two trainers' workshops, self-serve people and accounts.

Two trainers each run a workshop with a simulated room; one more person took
an exercise self-serve.  Every permission test tries the other owner's ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from calibrate.infra.extensions import db
from calibrate.models import Exercise, Participant, Response, User, Workshop
from tests.trainer.rooms import make_account, make_workshop, simulate_room

TRAINER = "owner-trainer@example.org"
OTHER_TRAINER = "other-trainer@example.org"
ANALYST = "analyst@example.org"


@dataclass
class World:
    trainer: User
    other: User
    analyst: User
    mine: Workshop
    theirs: Workshop
    self_serve_id: int


def build_world(*, people: int = 8) -> World:
    """Two workshops of two trainers (two conditions, empathy asked), and one self-serve participant."""
    trainer = make_account(TRAINER)
    other = make_account(OTHER_TRAINER)
    analyst = make_account(ANALYST, role="analyst")
    mine = make_workshop(trainer, conditions=("control", "perspective"), ask_empathy=True, title="Before training")
    theirs = make_workshop(other, conditions=("control", "perspective"), ask_empathy=True, title="After training")
    simulate_room(mine, people, empathy=True, seed=3)
    simulate_room(theirs, people, empathy=True, seed=4, pull=0.1)
    exercise = db.session.scalar(select(Exercise).where(Exercise.slug == "public-spending"))
    solo = Participant(exercise_id=exercise.id, pseudonym="=HYPERLINK(\"http://evil\")", condition="control")
    db.session.add(solo)
    db.session.flush()
    db.session.execute(
        insert(Response),
        [
            {"participant_id": solo.id, "item_id": item.id, "round": 1, "own": 10.0 + i, "prediction": 40.0 + 2 * i}
            for i, item in enumerate(exercise.items)
        ],
    )
    db.session.commit()
    return World(trainer, other, analyst, mine, theirs, solo.id)
