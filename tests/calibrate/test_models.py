"""Model invariants the rest of the product relies on."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from calibrate.infra.extensions import db
from calibrate.models import Exercise, Participant, Response, User


def _participant() -> Participant:
    exercise = db.session.scalar(select(Exercise).where(Exercise.slug == "public-spending"))
    participant = Participant(exercise=exercise)
    db.session.add(participant)
    db.session.commit()
    return participant


def test_participant_tokens_are_random_and_long(exercises):
    tokens = {_participant().token for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(token) >= 43 for token in tokens)  # 256 bits in URL-safe base64


def test_one_response_per_participant_item_and_round(exercises):
    participant = _participant()
    item = participant.exercise.items[0]
    db.session.add(Response(participant=participant, item=item, round=1, own=1, prediction=50))
    db.session.commit()
    db.session.add(Response(participant=participant, item=item, round=1, own=2, prediction=60))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Response(participant=participant, item=item, round=2, own=2, prediction=60))
    db.session.commit()
    assert db.session.scalar(select(func.count(Response.id))) == 2


def test_deleting_a_participant_deletes_their_answers(exercises):
    participant = _participant()
    for item in participant.exercise.items[:3]:
        db.session.add(Response(participant=participant, item=item, round=1, own=1, prediction=50))
    db.session.commit()
    db.session.delete(participant)
    db.session.commit()
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_passwords_are_hashed_with_scrypt(app_ctx):
    user = User(email="t@example.org")
    user.set_password("correct horse battery")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("correct horse battery") and not user.check_password("wrong")
