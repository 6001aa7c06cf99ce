"""Helpers to drive the participant flow through the Flask test client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import Exercise, Participant


def token_from(location: str) -> str:
    return re.search(r"/p/([A-Za-z0-9_-]{43})", location).group(1)


@pytest.fixture
def start(client, exercises):
    """Start a self-serve exercise and return the participant's token."""

    def _start(slug: str = "public-spending", pseudonym: str = "") -> str:
        response = client.post(f"/e/{slug}", data={"consent": "y", "pseudonym": pseudonym})
        assert response.status_code == 302, response.text
        return token_from(response.headers["Location"])

    return _start


@pytest.fixture
def answer_all(client):
    """Answer every open item; own/prediction come from a callable of the item."""

    def _answer(token: str, answer_for) -> list:
        answered = []
        location = client.get(f"/p/{token}").headers["Location"]
        while "/item/" in location:
            participant = db.session.scalar(select(Participant).where(Participant.token == token))
            position = int(location.rsplit("/", 1)[1])
            item = next(i for i in participant.exercise.items if i.position == position)
            response = client.post(location, data=answer_for(item))
            assert response.status_code == 302, response.text
            answered.append(item)
            location = response.headers["Location"]
        return answered

    return _answer


def exercise(slug: str) -> Exercise:
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug))
