"""Taking part in a trainer's workshop: code, conditions, questionnaire, round 2, closing."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from analysis import person_metrics
from calibrate.infra.extensions import db
from calibrate.models import (
    Participant,
    Response,
    RoundResult,
    User,
    Workshop,
    WorkshopState,
)
from calibrate.participant.services import condition_for_index
from calibrate.domain.long_format import long_frame
from calibrate.domain.workshop_codes import CODE_ALPHABET, new_code, normalise_code
from tests.participant.conftest import exercise, token_from
from tests.participant.test_flow import egocentric_answers


@pytest.fixture
def workshop(exercises):
    """An open workshop on the public-spending exercise."""

    def _make(**options) -> Workshop:
        owner = User(email=f"trainer{new_code()}@example.org", role="trainer")
        owner.set_password("a-long-password")
        values = {"conditions": ["control"], "allocation": [1], "state": WorkshopState.OPEN.value} | options
        made = Workshop(owner=owner, exercise=exercise("public-spending"), title="Spring workshop", code=new_code(), **values)
        db.session.add(made)
        db.session.commit()
        return made

    return _make


def _join(client, code: str, pseudonym: str = "") -> str:
    response = client.post(f"/j/{code}", data={"consent": "y", "pseudonym": pseudonym})
    assert response.status_code == 302, response.text
    return token_from(response.headers["Location"])


def _participant(token: str) -> Participant:
    return db.session.scalar(select(Participant).where(Participant.token == token))


def test_codes_are_unambiguous_and_typing_is_forgiving():
    assert not set("0O1IL2Z5S8B") & set(CODE_ALPHABET)
    code = new_code()
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert normalise_code(f" {code[:3].lower()}-{code[3:]} ") == code


def test_join_by_code_form_and_link(client, workshop):
    made = workshop()
    response = client.post("/join", data={"code": made.code.lower()})
    assert response.headers["Location"].endswith(f"/j/{made.code}")
    page = client.get(f"/j/{made.code}").text
    assert "Spring workshop" in page and "Please tick" not in page
    token = _join(client, made.code, "Alex")
    assert _participant(token).workshop_id == made.id


def test_unknown_draft_and_closed_workshops(client, workshop):
    assert client.get("/j/AAAAAA").status_code == 404
    draft = workshop(state=WorkshopState.DRAFT.value)
    assert client.get(f"/j/{draft.code}").status_code == 404
    closed = workshop(state=WorkshopState.CLOSED.value)
    response = client.post(f"/j/{closed.code}", data={"consent": "y"})
    assert response.status_code == 410 and "closed" in response.text
    assert db.session.scalar(select(func.count(Participant.id))) == 0


@pytest.mark.parametrize(
    ("conditions", "allocation", "joins"),
    [
        (["control", "perspective"], [1, 1], 20),
        (["control", "perspective", "perspective_suppress"], [2, 1, 1], 24),
        (["control", "perspective", "perspective_suppress", "market_research"], [1, 1, 1, 1], 40),
    ],
)
def test_block_randomisation_is_exactly_balanced(client, workshop, conditions, allocation, joins):
    made = workshop(conditions=conditions, allocation=allocation)
    tokens = [_join(client, made.code) for _ in range(joins)]
    counts = Counter(_participant(t).condition for t in tokens)
    blocks = joins // sum(allocation)
    assert counts == {c: w * blocks for c, w in zip(conditions, allocation)}
    indices = sorted(_participant(t).allocation_index for t in tokens)
    assert indices == list(range(joins))


def test_blocks_are_shuffled_not_cyclic(app_ctx, workshop):
    made = workshop(conditions=["control", "perspective"], allocation=[1, 1])
    firsts = {condition_for_index(made, 2 * block) for block in range(40)}
    assert firsts == {"control", "perspective"}


def test_perspective_condition_stores_the_customer_description(client, workshop):
    made = workshop(conditions=["perspective_suppress"], allocation=[1])
    token = _join(client, made.code)
    assert client.get(f"/p/{token}").headers["Location"].endswith("/instructions")
    page = client.get(f"/p/{token}/instructions").text
    assert "set aside your own preferences" in page
    short = client.post(f"/p/{token}/instructions", data={"description": "Busy."})
    assert "at least 20 characters" in short.text
    description = "A retired teacher in Ohio who follows the news and worries about prices."
    assert client.post(f"/p/{token}/instructions", data={"description": description}).status_code == 302
    assert _participant(token).customer_description == description
    assert "/item/0" in client.get(f"/p/{token}").headers["Location"]


def _research_shown(client, token: str, round_no: int, positions: list[int]) -> dict[int, float | None]:
    """The research estimate each item page shows (None where it shows none), read from its data attribute."""
    shown = {}
    for position in positions:
        page = client.get(f"/p/{token}/r{round_no}/item/{position}").text
        match = re.search(r'data-research="([^"]+)"', page)
        shown[position] = float(match.group(1)) if match else None
    return shown


def test_market_research_is_shown_only_in_its_condition(client, workshop):
    hidden = workshop(conditions=["control"], allocation=[1])
    token = _join(client, hidden.code)
    client.post(f"/p/{token}/instructions", data={})
    positions = [item.position for item in hidden.exercise.items]
    assert set(_research_shown(client, token, 1, positions).values()) == {None}


@pytest.mark.parametrize("round2", [False, True])
def test_market_research_shows_a_real_cue_on_half_the_items_of_every_round(client, workshop, answer_all, round2):
    made = workshop(conditions=["market_research"], allocation=[1], round2_enabled=round2, round2_open=round2)
    items = {item.position: item for item in made.exercise.items}
    halves = []
    for _ in range(6):
        token = _join(client, made.code)
        client.post(f"/p/{token}/instructions", data={})
        for round_no in (1, 2) if round2 else (1,):
            positions = [p for p in items if not round2 or p % 2 == round_no - 1]
            shown = _research_shown(client, token, round_no, positions)
            with_research = {p for p, value in shown.items() if value is not None}
            assert len(with_research) in {len(positions) // 2, (len(positions) + 1) // 2}
            for position in with_research:
                assert shown[position] == pytest.approx(items[position].research_estimate)
                assert shown[position] != pytest.approx(items[position].truth)  # a pilot estimate, not the answer
            halves.append(frozenset(with_research))
            if round_no == 1:
                answer_all(token, egocentric_answers)
                client.post(f"/p/{token}/round2", data={})
        # What was shown is stored with each answer, and only there.
        stored = {
            (r.round, r.item.position): r.research
            for r in db.session.scalars(select(Response).where(Response.participant_id == _participant(token).id))
        }
        round1 = _research_shown(client, token, 1, [p for (r, p) in stored if r == 1])
        assert {p: v for (r, p), v in stored.items() if r == 1} == round1
    assert len(set(halves)) > 1  # the half is drawn per person, not fixed by the exercise


def test_questionnaire_then_feedback(client, workshop, answer_all):
    made = workshop(ask_empathy=True, ask_intervals=False)
    token = _join(client, made.code)
    client.post(f"/p/{token}/instructions", data={})
    page = client.get(f"/p/{token}/r1/item/0").text
    assert 'id="lower"' not in page  # the trainer turned intervals off
    answer_all(token, lambda item: {"own": "3", "prediction": f"{item.truth:.0f}"})
    assert client.get(f"/p/{token}").headers["Location"].endswith("/about-you")
    missing = client.post(f"/p/{token}/about-you", data={"pt1": "2"})
    assert "Please choose an answer." in missing.text
    answers = {f"pt{i}": "4" for i in range(1, 8)} | {"pt1": "2", "pt4": "1"}
    assert client.post(f"/p/{token}/about-you", data=answers).status_code == 302
    # Reverse-coded items pt1 and pt4: (6-2) and (6-1) with five 4s → mean 29/7.
    assert _participant(token).empathy_score == pytest.approx(29 / 7)
    assert client.get(f"/p/{token}").headers["Location"].endswith("/feedback")


def test_round_two_after_feedback_on_held_out_items(client, workshop, answer_all, app_ctx):
    made = workshop(round2_enabled=True)
    token = _join(client, made.code)
    client.post(f"/p/{token}/instructions", data={})
    first = answer_all(token, egocentric_answers)
    assert [item.position for item in first] == [0, 2, 4, 6, 8, 10]
    page = client.get(f"/p/{token}/feedback").text
    assert "will open a second round" in page

    made.round2_open = True
    db.session.commit()
    page = client.get(f"/p/{token}/feedback").text
    assert "Start round 2" in page
    # Round 2 is not reachable before the participant starts it from the feedback page.
    assert client.get(f"/p/{token}/r2/item/1").status_code == 404
    client.post(f"/p/{token}/round2")
    second = answer_all(token, lambda item: {"own": "2", "prediction": f"{item.truth + 3:.1f}"})
    assert [item.position for item in second] == [1, 3, 5, 7, 9, 11]
    page = client.get(f"/p/{token}/feedback").text
    assert "Before and after your feedback" in page and "Round 2" in page
    rounds = db.session.execute(select(Response.round, func.count()).group_by(Response.round)).all()
    assert dict(rounds) == {1: 6, 2: 6}


def test_closed_workshop_keeps_answers_and_refuses_new_ones(client, workshop):
    made = workshop()
    token = _join(client, made.code)
    client.post(f"/p/{token}/instructions", data={})
    client.post(f"/p/{token}/r1/item/0", data={"own": "1", "prediction": "40"})
    made.state = WorkshopState.CLOSED.value
    db.session.commit()
    assert client.get(f"/p/{token}").headers["Location"].endswith("/closed")
    response = client.post(f"/p/{token}/r1/item/1", data={"own": "1", "prediction": "40"})
    assert response.headers["Location"].endswith("/closed")
    assert "Everything you already answered is saved" in client.get(f"/p/{token}/closed").text
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_peer_standing_appears_in_a_workshop(client, workshop, answer_all):
    made = workshop()
    tokens = [_join(client, made.code) for _ in range(4)]
    for shift, token in enumerate(tokens):
        client.post(f"/p/{token}/instructions", data={})
        answer_all(token, lambda item, s=shift: {"own": f"{1 + item.position % 3}", "prediction": f"{min(100, item.truth + s * (item.position % 3) * 5):.1f}"})
        client.get(f"/p/{token}/feedback")  # where finishing takes everyone
    page = client.get(f"/p/{tokens[-1]}/feedback").text
    assert "The median in this workshop is" in page and "participants with a result so far" in page


def test_simultaneous_joins_get_distinct_balanced_slots(app, workshop):
    """Phones joining at the same moment each get their own slot; blocks stay exact."""
    made = workshop(conditions=["control", "perspective"], allocation=[1, 1])
    code = made.code

    def join_five() -> list[int]:
        client = app.test_client()
        return [client.post(f"/j/{code}", data={"consent": "y"}).status_code for _ in range(5)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for batch in pool.map(lambda _: join_five(), range(8)) for status in batch]
    assert statuses == [302] * 40
    db.session.expire_all()
    rows = db.session.execute(select(Participant.allocation_index, Participant.condition)).all()
    assert sorted(index for index, _ in rows) == list(range(40))
    assert Counter(condition for _, condition in rows) == {"control": 20, "perspective": 20}


def test_stored_round_result_is_what_the_feedback_page_showed_and_follows_later_edits(client, workshop, answer_all):
    made = workshop()
    token = _join(client, made.code)
    client.post(f"/p/{token}/instructions", data={})
    answer_all(token, egocentric_answers)
    participant = _participant(token)

    def stored() -> float | None:
        db.session.expire_all()
        return db.session.scalar(select(RoundResult.b_own).where(RoundResult.participant_id == participant.id))

    def shown() -> float:
        page = client.get(f"/p/{token}/feedback").text
        return float(re.search(r'data-metric="b_own"[^>]*data-value="([^"]+)"', page).group(1))

    def engine() -> float:
        return float(person_metrics(long_frame(participant_ids=[participant.id]))["b_own"].iloc[0])

    assert stored() is None  # nothing is computed while answers are saved
    assert shown() == pytest.approx(engine(), abs=1e-12) and stored() == pytest.approx(engine(), abs=1e-12)
    before = stored()
    client.post(f"/p/{token}/r1/item/0", data={"own": "1", "prediction": "5"})
    assert stored() is None  # the edit made the stored weight stale
    assert shown() == pytest.approx(engine(), abs=1e-12) and stored() == pytest.approx(engine(), abs=1e-12)
    assert stored() != before


def test_recompute_command_rebuilds_every_finished_round(app, client, workshop, answer_all):
    made = workshop()
    tokens = [_join(client, made.code) for _ in range(3)]
    for token in tokens[:2]:
        client.post(f"/p/{token}/instructions", data={})
        answer_all(token, egocentric_answers)
    result = app.test_cli_runner().invoke(args=["recompute-results"])
    assert result.exit_code == 0 and "Recomputed 2 round results" in result.output
    expected = person_metrics(long_frame(workshop_ids=[made.id])).set_index("participant_id")["b_own"]
    rows = db.session.execute(select(RoundResult.participant_id, RoundResult.b_own)).all()
    assert {str(pid): b for pid, b in rows} == pytest.approx(expected.to_dict(), abs=1e-12)
