"""A join sent twice makes one participant: double taps, the back button and a proxy's retry."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from calibrate.infra.extensions import db
from calibrate.models import Participant
from calibrate.participant.join_keys import issue_join_key, token_for_join_key
from tests.trainer.rooms import make_account, make_workshop


def _join_key(client, path: str) -> str:
    return re.search(r'name="join_key" type="hidden" value="([^"]+)"', client.get(path).text).group(1)


def _participants() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Participant.id)))


def test_the_same_join_sent_twice_is_one_participant(app_ctx, client, exercises):
    workshop = make_workshop(make_account("once@example.org"))
    key = _join_key(client, f"/j/{workshop.code}")
    first = client.post(f"/j/{workshop.code}", data={"consent": "y", "join_key": key})
    again = client.post(f"/j/{workshop.code}", data={"consent": "y", "join_key": key})
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert _participants() == 1


def test_two_people_opening_the_page_are_two_participants(app_ctx, client, exercises):
    workshop = make_workshop(make_account("two@example.org"))
    for _ in range(2):
        client.post(f"/j/{workshop.code}", data={"consent": "y", "join_key": _join_key(client, f"/j/{workshop.code}")})
    assert _participants() == 2


def test_a_self_serve_start_sent_twice_is_one_participant(app_ctx, client, exercises):
    key = _join_key(client, "/e/public-spending")
    locations = {client.post("/e/public-spending", data={"consent": "y", "join_key": key}).headers["Location"]
                 for _ in range(2)}
    assert len(locations) == 1 and _participants() == 1


def test_a_forged_or_missing_key_still_joins_with_a_token_of_the_servers_own(app_ctx, client, exercises):
    workshop = make_workshop(make_account("forged@example.org"))
    client.post(f"/j/{workshop.code}", data={"consent": "y", "join_key": "my-own-weak-token"})
    client.post(f"/j/{workshop.code}", data={"consent": "y"})
    tokens = db.session.scalars(select(Participant.token)).all()
    assert len(tokens) == 2 and "my-own-weak-token" not in tokens and all(len(token) == 43 for token in tokens)
    assert token_for_join_key("my-own-weak-token") != token_for_join_key("my-own-weak-token")


def test_a_key_is_the_token_it_signs_and_fresh_each_time(app_ctx):
    first, second = issue_join_key(), issue_join_key()
    assert first != second
    assert token_for_join_key(first) == token_for_join_key(first) != token_for_join_key(second)


def test_simultaneous_repeats_of_one_join_make_one_participant(app, app_ctx, client, exercises):
    workshop = make_workshop(make_account("race@example.org"))
    key, code = _join_key(client, f"/j/{workshop.code}"), workshop.code

    def join(_) -> str:
        return app.test_client().post(f"/j/{code}", data={"consent": "y", "join_key": key}).headers["Location"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        locations = set(pool.map(join, range(12)))
    assert len(locations) == 1 and _participants() == 1
