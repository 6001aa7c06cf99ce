"""Test helpers: accounts, workshops and whole simulated rooms written straight to the database.

Used by the trainer, admin, auth and browser tests. A simulated room is
inserted with bulk statements (no HTTP), so a 500-person workshop takes well
under a second to set up and the tests measure only what they are about.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from calibrate.auth.services import save_user
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Participant, Response, User, Workshop, WorkshopState, utcnow
from calibrate.participant.services import condition_for_index, items_for_round, research_positions
from calibrate.trainer.services import WorkshopSettings, close_workshop, create_workshop, open_workshop

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def separate_sign_ins(app):
    """Make every test request load its user from its own session cookie.

    Requests made while a test holds an app context (the `app_ctx` fixture)
    share that context's `g`, where Flask-Login caches the signed-in user, so
    without this one client's sign-in would leak into another client's request
    and a permission test could pass for the wrong reason. Import this fixture
    into a conftest to switch it on for that folder.
    """

    def forget_user(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget_user, app)
    yield
    request_started.disconnect(forget_user, app)


def make_account(email: str, role: str = "trainer") -> User:
    user, _ = save_user(email, role, PASSWORD)
    return user


def signed_in_client(app: Flask, email: str, role: str = "trainer") -> FlaskClient:
    """A test client of a fresh account that has signed in through the real form."""
    make_account(email, role)
    return sign_in(app, email)


def sign_in(app: Flask, email: str) -> FlaskClient:
    """A test client of an existing account (password PASSWORD) that has signed in through the real form."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


def make_workshop(
    owner: User,
    *,
    slug: str = "public-spending",
    conditions: tuple[str, ...] = ("control",),
    allocation: tuple[int, ...] | None = None,
    state: str = WorkshopState.OPEN.value,
    title: str = "Brand team offsite",
    ask_intervals: bool = True,
    ask_empathy: bool = False,
    round2_enabled: bool = False,
) -> Workshop:
    exercise = db.session.scalar(select(Exercise).where(Exercise.slug == slug))
    settings = WorkshopSettings(
        title=title,
        exercise_id=exercise.id,
        conditions=list(conditions),
        allocation=list(allocation or [1] * len(conditions)),
        ask_intervals=ask_intervals,
        ask_empathy=ask_empathy,
        round2_enabled=round2_enabled,
    )
    workshop = create_workshop(owner, settings)
    if state != WorkshopState.DRAFT.value:
        open_workshop(workshop)
    if state == WorkshopState.CLOSED.value:
        close_workshop(workshop)
    db.session.commit()
    return workshop


def simulate_room(
    workshop: Workshop,
    n_people: int,
    *,
    n_items: int | None = None,
    rounds: tuple[int, ...] = (1,),
    pull: float = 0.3,
    seed: int = 1,
    idle_minutes: float = 0.0,
    empathy: bool = False,
    research_weight: float = 0.5,
) -> list[int]:
    """Insert `n_people` participants (conditions by the workshop's own randomisation) and their answers.

    Each prediction is the truth pulled towards the person's own answer by `pull`
    of the answer range, plus noise, so the room has a real egocentric weight; where the
    market-research condition shows a pilot estimate, the prediction also moves
    `research_weight` of the way with the estimate's deviation from the truth.
    Everyone finishes the given rounds unless `n_items` cuts them short.
    """
    rng = np.random.default_rng(seed)
    seen = utcnow() - timedelta(minutes=idle_minutes)
    first = db.session.scalar(select(db.func.count(Participant.id)).where(Participant.workshop_id == workshop.id))
    people = [
        {
            "exercise_id": workshop.exercise_id,
            "workshop_id": workshop.id,
            "condition": condition_for_index(workshop, first + i),
            "allocation_index": first + i,
            "pseudonym": f"secret-name-{first + i}",
            "instructions_seen_at": seen,
            "last_seen_at": seen,
            "empathy_score": float(rng.uniform(1, 5)) if empathy else None,
        }
        for i in range(n_people)
    ]
    db.session.execute(insert(Participant), people)
    ids = list(
        db.session.scalars(
            select(Participant.id)
            .where(Participant.workshop_id == workshop.id, Participant.allocation_index >= first)
            .order_by(Participant.allocation_index)
        )
    )
    sample = db.session.get(Participant, ids[0])
    answers = []
    for round_no in rounds:
        items = items_for_round(sample, round_no)[:n_items]
        for participant_id in ids:
            shown = research_positions(db.session.get(Participant, participant_id), round_no)
            for item in items:
                own = float(rng.integers(int(item.own_min), int(item.own_max) + 1))
                share = (own - item.own_min) / (item.own_max - item.own_min) - 0.5
                research = item.research_estimate if item.position in shown else None
                lean = research_weight * (research - item.truth) if research is not None else 0.0
                guess = item.truth + pull * share * (item.max - item.min) + lean + rng.normal(0, 6)
                answers.append(
                    {
                        "participant_id": participant_id,
                        "item_id": item.id,
                        "round": round_no,
                        "own": own,
                        "research": research,
                        "prediction": float(np.clip(guess, item.min, item.max)),
                        "lower": float(max(item.min, guess - 15)),
                        "upper": float(min(item.max, guess + 15)),
                        "answered_at": seen,
                    }
                )
    db.session.execute(insert(Response), answers)
    complete = n_items is None or n_items >= len(items_for_round(sample, 1))
    if complete:
        finished = {"finished_round1_at": seen}
        if 2 in rounds:
            finished |= {"round2_started_at": seen, "finished_round2_at": seen}
        db.session.execute(db.update(Participant).where(Participant.id.in_(ids)).values(**finished))
    db.session.commit()
    return ids
