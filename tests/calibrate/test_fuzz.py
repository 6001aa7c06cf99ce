"""Random input for the forms anyone can reach: never a 500, and never a partial write.

Values mix unicode (control characters and NUL included), numbers a person
would not type (huge, non-finite, exponent notation), wrong types, repeated
fields and over-long text.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import Item, Participant, Response, User
from tests.calibrate.test_security import count, start_participant
from tests.trainer.rooms import PASSWORD, make_account

# Derandomised: the suite must give the same answer on every run (a random search that finds a new input on one CI
# run in ten would make red builds nobody can reproduce); a bug it finds becomes an explicit regression test.
FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Lone surrogates cannot be form-encoded by any client, so "Cs" is left out (test_security covers them in JSON).
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.sampled_from(["nan", "-inf", "Infinity", "1e309", "1e-400", "0x10", "１２", "٣", "1_000", "5,5", " 7 ", "--1", ""]),
)
values = st.one_of(text, numbers, st.text(max_size=5).map(lambda s: s * 2000), st.booleans().map(str))
# A field is missing, sent once, or sent several times.
field = st.one_of(st.none(), values, st.lists(values, min_size=2, max_size=3))


def form(**fields) -> dict:
    return {name: value for name, value in fields.items() if value is not None}


def answer_row(participant_id: int, position: int):
    db.session.expire_all()
    return db.session.execute(
        select(Response.own, Response.prediction, Response.lower, Response.upper)
        .join(Item)
        .where(Response.participant_id == participant_id, Item.position == position)
    ).all()


@pytest.fixture
def item_page(client, exercises):
    url = start_participant(client)
    token, position = url.split("/")[2], int(url.rsplit("/", 1)[1])
    participant = db.session.scalar(select(Participant).where(Participant.token == token))
    item = next(i for i in participant.exercise.items if i.position == position)
    return url, participant.id, item


@FUZZ
@given(own=field, prediction=field, lower=field, upper=field)
def test_item_form(client, item_page, own, prediction, lower, upper):
    url, participant_id, item = item_page
    before = answer_row(participant_id, item.position)
    response = client.post(url, data=form(own=own, prediction=prediction, lower=lower, upper=upper))
    assert response.status_code < 500, response.text[:500]
    after = answer_row(participant_id, item.position)
    if response.status_code == 302:
        [(saved_own, saved_prediction, saved_lower, saved_upper)] = after
        assert item.min <= saved_prediction <= item.max and math.isfinite(saved_prediction)
        assert saved_own is None or item.own_min <= saved_own <= item.own_max
        assert (saved_lower is None) == (saved_upper is None)
        assert saved_lower is None or item.min <= saved_lower <= saved_upper <= item.max
    else:
        assert after == before, "a refused answer changes nothing"


@FUZZ
@given(pseudonym=field, consent=field)
def test_join_form(client, exercises, pseudonym, consent):
    participants = count(Participant)
    response = client.post("/e/public-spending", data=form(pseudonym=pseudonym, consent=consent))
    assert response.status_code < 500, response.text[:500]
    created = count(Participant) - participants
    assert created == (1 if response.status_code == 302 else 0)


@FUZZ
@given(email=field, password=field, remember=field, right_password=st.booleans())
def test_sign_in_form(app, app_ctx, email, password, remember, right_password):
    if not count(User):
        make_account("kim@example.org")
    version = db.session.scalar(select(User.session_version))
    password = PASSWORD if right_password else password
    response = app.test_client().post("/login", data=form(email=email, password=password, remember=remember))
    assert response.status_code < 500, response.text[:500]
    assert response.status_code in (302, 400, 401, 413)
    db.session.expire_all()
    assert count(User) == 1 and db.session.scalar(select(User.session_version)) == version, "signing in writes nothing"
