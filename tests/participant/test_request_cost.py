"""What one answer costs the database: SQL statements per item GET and POST in the steady state.

A participant in the middle of a round opens the next item and saves an answer. In
that state an item GET may issue at most 2 SQL statements and a POST at most 3
(participant, workshop and answered state in one query; the answer as one upsert, whose
time is also when the person was last seen; the participant row only when the round ends). Statements are counted with a ``before_cursor_execute``
listener on the engine, so this holds for SQLite and, with
``CALIBRATE_TEST_DATABASE_URL``, for PostgreSQL alike.

The exercise and its items come from a per-process cache keyed by exercise id and
``content_hash``; reloading an exercise with a changed file must replace them.
"""

from __future__ import annotations

import html
import shutil
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from calibrate.domain import exercise_cache
from calibrate.domain.exercises import load_exercises
from calibrate.infra.extensions import db
from calibrate.infra.resources import resource_dir
from calibrate.models import Participant, Response, RoundResult, User, Workshop, WorkshopState
from calibrate.participant.wording import question_parts
from tests.participant.conftest import exercise, token_from
from tests.participant.test_flow import egocentric_answers

MAX_GET_STATEMENTS = 2
MAX_POST_STATEMENTS = 3


@contextmanager
def counted_statements():
    """Collect every SQL statement the engine sends while the block runs."""
    statements: list[str] = []

    def _record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)


def _item_of(token: str, position: int):
    participant = db.session.scalar(select(Participant).where(Participant.token == token))
    return next(i for i in participant.exercise.items if i.position == position)


def _answer_until(client, token: str, count: int) -> str:
    """Answer the first `count` open items; returns the location of the next one."""
    location = client.get(f"/p/{token}").headers["Location"]
    for _ in range(count):
        assert "/item/" in location, location
        item = _item_of(token, int(location.rsplit("/", 1)[1]))
        response = client.post(location, data=egocentric_answers(item))
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
    db.session.remove()
    return location


def _measure_item(client, token: str, location: str) -> tuple[list[str], list[str], str]:
    """SQL of one GET and one POST of the item at `location` (warm cache); returns (get, post, next location)."""
    item = _item_of(token, int(location.rsplit("/", 1)[1]))
    data = egocentric_answers(item)
    db.session.remove()
    with counted_statements() as get_sql:
        page = client.get(location)
    assert page.status_code == 200, page.text
    with counted_statements() as post_sql:
        saved = client.post(location, data=data)
    assert saved.status_code == 302, saved.text
    return get_sql, post_sql, saved.headers["Location"]


def _describe(statements: list[str]) -> str:
    return "\n".join(f"  {i + 1}. {' '.join(s.split())[:160]}" for i, s in enumerate(statements))


def test_self_serve_item_get_and_post_stay_within_the_statement_budget(client, start):
    token = start()
    location = _answer_until(client, token, 3)  # warm: the exercise is cached, the connection open
    get_sql, post_sql, next_location = _measure_item(client, token, location)
    assert len(get_sql) <= MAX_GET_STATEMENTS, f"item GET ran {len(get_sql)} statements:\n{_describe(get_sql)}"
    assert len(post_sql) <= MAX_POST_STATEMENTS, f"item POST ran {len(post_sql)} statements:\n{_describe(post_sql)}"
    assert not any(s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")) for s in get_sql), (
        f"an item GET writes nothing:\n{_describe(get_sql)}"
    )
    assert "/item/" in next_location
    with counted_statements():
        stored = db.session.scalar(
            select(Response).join(Participant).where(Participant.token == token, Response.round == 1)
            .order_by(Response.id.desc()).limit(1)
        )
    assert stored is not None and stored.prediction is not None


def test_workshop_item_get_and_post_stay_within_the_statement_budget(client, exercises):
    owner = User(email="cost-trainer@example.org", role="trainer")
    owner.set_password("a-long-password")
    workshop = Workshop(
        owner=owner, exercise=exercise("public-spending"), title="Cost", code="CQ7XKM",
        conditions=["market_research"], allocation=[1], state=WorkshopState.OPEN.value, round2_enabled=True,
    )
    db.session.add(workshop)
    db.session.commit()
    response = client.post(f"/j/{workshop.code}", data={"consent": "y"})
    token = token_from(response.headers["Location"])
    client.post(f"/p/{token}/instructions", data={"description": ""})
    location = _answer_until(client, token, 2)
    get_sql, post_sql, _ = _measure_item(client, token, location)
    assert len(get_sql) <= MAX_GET_STATEMENTS, f"item GET ran {len(get_sql)} statements:\n{_describe(get_sql)}"
    assert len(post_sql) <= MAX_POST_STATEMENTS, f"item POST ran {len(post_sql)} statements:\n{_describe(post_sql)}"


def test_finishing_a_round_is_stamped_in_the_same_transaction(client, start):
    token = start()
    total = len(exercise("public-spending").items)
    location = _answer_until(client, token, total - 1)
    get_sql, post_sql, next_location = _measure_item(client, token, location)
    assert len(post_sql) <= MAX_POST_STATEMENTS, f"the last POST ran {len(post_sql)} statements:\n{_describe(post_sql)}"
    assert next_location.endswith(f"/p/{token}/feedback")
    participant = db.session.scalar(select(Participant).where(Participant.token == token))
    assert participant.finished_round1_at is not None
    assert db.session.scalar(select(db.func.count(Response.id)).where(Response.participant_id == participant.id)) == total


def test_editing_a_finished_round_still_clears_its_stored_result(client, start):
    token = start()
    total = len(exercise("public-spending").items)
    _answer_until(client, token, total)
    assert client.get(f"/p/{token}/feedback").status_code == 200
    participant = db.session.scalar(select(Participant).where(Participant.token == token))
    assert db.session.scalar(select(RoundResult).where(RoundResult.participant_id == participant.id)) is not None
    item = _item_of(token, 0)
    response = client.post(f"/p/{token}/r1/item/0", data=egocentric_answers(item) | {"prediction": "50"})
    assert response.status_code == 302
    db.session.remove()
    assert db.session.scalar(select(RoundResult).where(RoundResult.participant_id == participant.id)) is None


def test_item_get_writes_nothing_and_a_mid_round_answer_writes_only_itself(client, start):
    """Reading an item writes nothing; saving one mid-round writes the answer alone, its time being 'last seen'."""
    token = start()
    location = _answer_until(client, token, 1)
    with counted_statements() as sql:
        assert client.get(location).status_code == 200
    assert not any(s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")) for s in sql)
    item = _item_of(token, int(location.rsplit("/", 1)[1]))
    db.session.remove()
    with counted_statements() as sql:
        assert client.post(location, data=egocentric_answers(item)).status_code == 302
    writes = [s for s in sql if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("INSERT INTO RESPONSE")
    db.session.remove()
    participant = db.session.scalar(select(Participant).where(Participant.token == token))
    saved = db.session.scalar(
        select(Response.answered_at).where(Response.participant_id == participant.id, Response.item_id == item.id)
    )
    assert saved > participant.last_seen_at


def shows_prompt(prompt: str, page: str) -> bool:
    """The item page sets a prompt's context and its question apart (calibrate/participant/wording.py)."""
    text = html.unescape(page)
    return all(part in text for part in question_parts(prompt) if part)


def test_cached_items_are_replaced_when_the_exercise_file_changes(app_ctx, client, tmp_path):
    source = resource_dir("experiments") / "public-spending"
    folder = tmp_path / "exercises" / "public-spending"
    shutil.copytree(source, folder)
    load_exercises(tmp_path / "exercises")
    response = client.post("/e/public-spending", data={"consent": "y"})
    token = token_from(response.headers["Location"])
    first = client.get(f"/p/{token}/r1/item/0")
    assert first.status_code == 200
    ex = exercise("public-spending")
    old_hash = ex.content_hash
    cached = exercise_cache.snapshot(ex.id, old_hash)
    assert cached is not None and shows_prompt(cached.items[0].prompt, first.text)

    items_csv = folder / "items.csv"
    text = items_csv.read_text(encoding="utf-8")
    old_prompt = cached.items[0].prompt
    new_prompt = old_prompt.rstrip(".?") + " (as of the latest survey)?"
    assert old_prompt in text
    items_csv.write_text(text.replace(old_prompt, new_prompt, 1), encoding="utf-8")
    assert load_exercises(tmp_path / "exercises") == {"public-spending": "updated"}
    db.session.remove()

    ex = exercise("public-spending")
    assert ex.content_hash != old_hash
    assert exercise_cache.snapshot(ex.id, old_hash) is None  # the loader dropped the stale entry
    second = client.get(f"/p/{token}/r1/item/0")
    assert second.status_code == 200
    page = html.unescape(second.text)
    assert shows_prompt(new_prompt, page) and not shows_prompt(old_prompt, page)
    assert exercise_cache.snapshot(ex.id, ex.content_hash).items[0].prompt == new_prompt


def test_cached_items_follow_a_changed_hash_even_without_the_loader(app_ctx, client, exercises):
    """Another process may have reloaded the exercise: a hash this process has not seen means a fresh load."""
    response = client.post("/e/public-spending", data={"consent": "y"})
    token = token_from(response.headers["Location"])
    assert client.get(f"/p/{token}/r1/item/0").status_code == 200
    ex = exercise("public-spending")
    old_hash = ex.content_hash
    item = ex.items[0]
    item.prompt = "A prompt changed by another process?"
    ex.content_hash = "0" * 64
    db.session.commit()
    db.session.remove()
    page = client.get(f"/p/{token}/r1/item/0")
    assert "A prompt changed by another process?" in html.unescape(page.text)
    assert exercise_cache.snapshot(ex.id, old_hash) is None
    assert exercise_cache.snapshot(ex.id, "0" * 64) is not None


def test_answer_requests_run_no_statistics(client, start):
    """No pandas or statistics inside an answer request: round results are computed on the feedback page."""
    import pandas as pd

    from calibrate.domain import round_results

    token = start()
    location = _answer_until(client, token, 1)
    item = _item_of(token, int(location.rsplit("/", 1)[1]))
    db.session.remove()

    def _fail(*args, **kwargs):
        raise AssertionError("statistics inside an answer request")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pd.DataFrame, "__init__", _fail)
        patch.setattr(round_results, "person_metrics", _fail)
        patch.setattr(round_results, "long_frame", _fail)
        assert client.get(location).status_code == 200
        assert client.post(location, data=egocentric_answers(item)).status_code == 302
