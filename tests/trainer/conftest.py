"""Fixtures for the trainer tests: two signed-in trainers and their workshops."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import User
from tests.trainer.rooms import make_workshop, separate_sign_ins, signed_in_client  # noqa: F401  (autouse fixture)

TRAINER = "trainer@example.org"
OTHER_TRAINER = "other-trainer@example.org"


def account(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def trainer_client(app, exercises):
    return signed_in_client(app, TRAINER)


@pytest.fixture
def other_client(app, exercises):
    """A second trainer, for checking that nobody reaches someone else's workshop."""
    return signed_in_client(app, OTHER_TRAINER)


@pytest.fixture
def workshop(trainer_client):
    """An open one-condition workshop of the signed-in trainer."""
    return make_workshop(account(TRAINER))


@pytest.fixture
def new_workshop(trainer_client):
    """Factory for workshops of the signed-in trainer with any settings."""
    return lambda **settings: make_workshop(account(TRAINER), **settings)
