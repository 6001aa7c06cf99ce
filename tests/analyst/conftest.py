"""Fixtures for the analysis pages: the two-trainer world and signed-in clients of each role."""

from __future__ import annotations

import pytest

from tests.analyst_data import ANALYST, OTHER_TRAINER, TRAINER, build_world
from tests.trainer.rooms import separate_sign_ins, sign_in  # noqa: F401  (autouse fixture)


@pytest.fixture
def world(exercises):
    return build_world()


@pytest.fixture
def trainer_client(app, world):
    return sign_in(app, TRAINER)


@pytest.fixture
def other_client(app, world):
    return sign_in(app, OTHER_TRAINER)


@pytest.fixture
def analyst_client(app, world):
    return sign_in(app, ANALYST)
