"""Fixtures for the API tests: the two-trainer world and a token for each account."""

from __future__ import annotations

import pytest

from calibrate.auth.tokens import create_token
from tests.analyst_data import build_world


@pytest.fixture
def world(exercises):
    return build_world()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def tokens(world):
    """Secrets: read-only for the trainer, the other trainer and the analyst; a deleting one for the trainer."""
    return {
        "trainer": create_token(world.trainer, "notebook", read_only=True)[1],
        "trainer_rw": create_token(world.trainer, "cleanup", read_only=False)[1],
        "other": create_token(world.other, "other's notebook", read_only=True)[1],
        "other_rw": create_token(world.other, "other's cleanup", read_only=False)[1],
        "analyst": create_token(world.analyst, "analysis", read_only=True)[1],
    }
