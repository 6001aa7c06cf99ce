"""Creating workshops, their states, the join link and QR code, and the data download."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from calibrate.infra.extensions import db
from calibrate.models import Exercise, Workshop, WorkshopState
from calibrate.trainer import services
from calibrate.domain.workshop_codes import CODE_ALPHABET, CODE_LENGTH
from tests.trainer.conftest import TRAINER, account
from tests.trainer.rooms import simulate_room


def exercise_id(slug: str = "public-spending") -> int:
    return db.session.scalar(select(Exercise.id).where(Exercise.slug == slug))


def form_data(**overrides) -> dict:
    data = {
        "title": "Brand team offsite",
        "exercise_id": str(exercise_id()),
        "use_control": "y",
        "weight_control": "1",
        "use_perspective": "y",
        "weight_perspective": "2",
        "ask_intervals": "y",
        "round2_enabled": "y",
        "expected_participants": "48",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def only_workshop() -> Workshop:
    db.session.expire_all()
    return db.session.scalar(select(Workshop))


def test_form_lists_exercises_and_conditions(trainer_client):
    page = trainer_client.get("/trainer/workshops/new").text
    assert "Public spending priorities" in page and "Supermarket brand shares" in page
    for label in ("Control", "Perspective taking", "set own taste aside", "Market research shown"):
        assert label in page


def test_create_workshop_as_draft_with_a_readable_code(trainer_client):
    response = trainer_client.post("/trainer/workshops/new", data=form_data())
    workshop = only_workshop()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/trainer/workshops/{workshop.id}")
    assert workshop.state == WorkshopState.DRAFT.value
    assert workshop.conditions == ["control", "perspective"] and workshop.allocation == [1, 2]
    assert workshop.round2_enabled and workshop.ask_intervals and not workshop.ask_empathy
    assert workshop.expected_participants == 48
    assert workshop.owner.email == TRAINER
    assert len(workshop.code) == CODE_LENGTH and set(workshop.code) <= set(CODE_ALPHABET)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Give the workshop a title."),
        ({"use_control": None, "use_perspective": None}, "Choose at least one condition."),
        ({"weight_perspective": "0"}, "Use a whole number from 1 to 9."),
        ({"weight_perspective": "many"}, "Not a valid integer value."),
        ({"exercise_id": "999999"}, "Not a valid choice."),
        ({"expected_participants": "1"}, "Use a whole number from 2 to 2000."),
        ({"expected_participants": ""}, "Say how many people you expect."),
    ],
)
def test_bad_settings_are_refused_with_a_message(trainer_client, overrides, message):
    response = trainer_client.post("/trainer/workshops/new", data=form_data(**overrides))
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(select(func.count(Workshop.id))) == 0


def test_settings_the_exercise_cannot_support_are_named():
    """Round 2 needs 8 items (4 per round for an egocentric weight); market research needs research estimates."""
    exercise = SimpleNamespace(items=[SimpleNamespace(research_estimate=None)] * 6)
    settings = services.WorkshopSettings(
        title="t",
        exercise_id=1,
        conditions=["market_research"],
        allocation=[1],
        ask_intervals=True,
        ask_empathy=False,
        round2_enabled=True,
    )
    problems = dict(services.settings_problems(exercise, settings))
    assert "no market-research summaries" in problems["conditions"]
    assert "at least 8 items" in problems["round2_enabled"]

    exercise.items = [SimpleNamespace(research_estimate=None)] * 7 + [SimpleNamespace(research_estimate=42.0)]
    assert dict(services.settings_problems(exercise, settings)) == {}


def test_a_code_taken_meanwhile_is_redrawn(trainer_client, workshop, monkeypatch):
    codes = iter([workshop.code, "QWERTY"])
    monkeypatch.setattr(services, "new_code", lambda: next(codes))
    settings = services.WorkshopSettings(
        title="B",
        exercise_id=exercise_id(),
        conditions=["control"],
        allocation=[1],
        ask_intervals=True,
        ask_empathy=False,
        round2_enabled=False,
        expected_participants=40,
    )
    second = services.create_workshop(account(TRAINER), settings)
    assert second.code == "QWERTY" and second.expected_participants == 40


def test_edit_settings_while_draft_only(trainer_client, new_workshop):
    draft = new_workshop(state=WorkshopState.DRAFT.value)
    page = trainer_client.get(f"/trainer/workshops/{draft.id}/edit").text
    assert 'name="use_control" type="checkbox" value="y"' in page and "checked" in page
    trainer_client.post(f"/trainer/workshops/{draft.id}/edit", data=form_data(title="Renamed", expected_participants="80"))
    assert only_workshop().title == "Renamed" and only_workshop().expected_participants == 80

    trainer_client.post(f"/trainer/workshops/{draft.id}/open")
    response = trainer_client.post(f"/trainer/workshops/{draft.id}/edit", data=form_data(title="Too late"), follow_redirects=True)
    assert "only be changed before the workshop is opened" in response.text
    assert only_workshop().title == "Renamed"


def test_state_changes_draft_open_closed_and_reopen(trainer_client, new_workshop):
    workshop = new_workshop(state=WorkshopState.DRAFT.value, round2_enabled=True)
    base = f"/trainer/workshops/{workshop.id}"

    refused = trainer_client.post(f"{base}/close", follow_redirects=True)
    assert "Only an open workshop can be closed." in refused.text
    refused = trainer_client.post(f"{base}/open-round2", follow_redirects=True)
    assert "Open the workshop before starting round 2." in refused.text

    trainer_client.post(f"{base}/open")
    opened = only_workshop()
    assert opened.state == "open" and opened.opened_at is not None
    trainer_client.post(f"{base}/open-round2")
    assert only_workshop().round2_open

    trainer_client.post(f"{base}/close")
    closed = only_workshop()
    assert closed.state == "closed" and closed.closed_at is not None
    trainer_client.post(f"{base}/open")
    assert only_workshop().state == "open" and only_workshop().closed_at is None


def test_round2_only_when_the_workshop_has_one(trainer_client, workshop):
    response = trainer_client.post(f"/trainer/workshops/{workshop.id}/open-round2", follow_redirects=True)
    assert "This workshop has no second round." in response.text
    assert not only_workshop().round2_open


def test_closing_keeps_answers_and_participants_get_the_closed_page(client, trainer_client, workshop):
    simulate_room(workshop, 3)
    trainer_client.post(f"/trainer/workshops/{workshop.id}/close")
    assert len(services.responses_csv(only_workshop()).splitlines()) == 1 + 3 * 12
    assert client.get(f"/j/{workshop.code}").status_code == 410


def test_reveal_and_hide_for_the_projector(trainer_client, workshop):
    base = f"/trainer/workshops/{workshop.id}"
    assert "Join on your phone" in trainer_client.get(f"{base}/projector/live").text
    response = trainer_client.post(f"{base}/reveal", data={"next": f"{base}/projector"})
    assert response.headers["Location"].endswith(f"{base}/projector")
    assert only_workshop().revealed
    trainer_client.post(f"{base}/hide")
    assert not only_workshop().revealed


def test_next_never_leaves_the_site(trainer_client, workshop):
    response = trainer_client.post(f"/trainer/workshops/{workshop.id}/reveal", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/trainer/workshops/{workshop.id}")


def test_workshop_page_shows_code_link_and_qr(trainer_client, workshop, monkeypatch):
    monkeypatch.setattr("calibrate.infra.public_url.lan_address", lambda: "192.168.1.20")
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}").text
    assert workshop.code in page
    assert f"http://192.168.1.20/j/{workshop.code}" in page
    assert f'src="/trainer/workshops/{workshop.id}/qr.svg"' in page


def test_qr_code_is_an_svg_of_the_join_link(trainer_client, workshop):
    response = trainer_client.get(f"/trainer/workshops/{workshop.id}/qr.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.text.startswith("<?xml") and "<svg" in response.text and "viewBox" in response.text
    assert f"Join code {workshop.code}" in response.text


def test_workshop_list_shows_own_workshops_with_counts(trainer_client, new_workshop):
    new_workshop(title="Morning group")
    second = new_workshop(title="Afternoon group")
    simulate_room(second, 4)
    page = trainer_client.get("/trainer/").text
    assert "Morning group" in page and "Afternoon group" in page
    assert page.index("Afternoon group") < page.index("Morning group"), "newest first"
    assert '<td class="num">4</td>' in page and '<td class="num">0</td>' in page


def test_csv_download_is_the_long_format_of_this_workshop_only(trainer_client, new_workshop):
    mine, other = new_workshop(), new_workshop(title="Other group")
    simulate_room(mine, 2)
    simulate_room(other, 3, seed=2)
    response = trainer_client.get(f"/trainer/workshops/{mine.id}/responses.csv")
    assert response.mimetype == "text/csv"
    assert f'filename="calibrate-workshop-{mine.code}-responses.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2 * 12
    assert {row["workshop"] for row in rows} == {mine.code}
    assert list(rows[0])[:5] == ["participant_id", "workshop", "condition", "round", "item_id"]
