"""Fixtures for the authoring tests: two signed-in trainers (the second to try the first one's ids)."""

from __future__ import annotations

import pytest

from tests.trainer.rooms import separate_sign_ins, signed_in_client  # noqa: F401  (autouse fixture)

TRAINER = "author@example.org"
OTHER_TRAINER = "other-author@example.org"


@pytest.fixture
def trainer_client(app, exercises):
    return signed_in_client(app, TRAINER)


@pytest.fixture
def other_client(app, exercises):
    return signed_in_client(app, OTHER_TRAINER)
