"""The dashboard says what to do next, and its one main button is that step."""

from __future__ import annotations

import re
from datetime import timedelta

from calibrate.infra.extensions import db
from calibrate.models import Participant, Response, WorkshopState, utcnow
from tests.trainer.rooms import simulate_room


def banner(client, workshop) -> tuple[str, str, list[str]]:
    """The step's key, its heading, and the actions of its button (at most one)."""
    page = client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text
    section = page[page.index('<section class="next-step') : page.index("</section>")]
    key = re.search(r'data-next-step="([a-z_0-9]+)"', section).group(1)
    heading = " ".join(re.sub(r"<[^>]+>", " ", section[section.index("<h2") : section.index("</h2>")]).split())
    return key, heading, re.findall(r'data-action="([a-z0-9-]+)"', section)


def test_a_session_is_led_step_by_step(trainer_client, new_workshop):
    workshop = new_workshop(state=WorkshopState.DRAFT.value, round2_enabled=True)
    assert banner(trainer_client, workshop)[::2] == ("draft", ["open"])
    trainer_client.post(f"/trainer/workshops/{workshop.id}/open")
    assert banner(trainer_client, workshop)[::2] == ("waiting", [])

    simulate_room(workshop, 4)  # finished
    simulate_room(workshop, 4, n_items=2, seed=2)  # still answering, active just now
    key, heading, actions = banner(trainer_client, workshop)
    assert (key, actions) == ("answering", ["reveal"]) and "4 of 8 finished round 1 — reveal when ready" in heading
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text
    assert "4 still answering" in page
    controls = page[page.index('<div class="controls">') :]
    assert 'data-action="open-round2"' in controls and 'class="secondary" data-action="open-round2"' in controls

    trainer_client.post(f"/trainer/workshops/{workshop.id}/reveal")
    assert banner(trainer_client, workshop)[::2] == ("ready_for_round2", ["open-round2"])
    trainer_client.post(f"/trainer/workshops/{workshop.id}/open-round2")
    key, heading, actions = banner(trainer_client, workshop)
    assert (key, actions) == ("answering2", []) and "0 of 4 finished round 2" in heading


def test_stragglers_do_not_hold_the_room_up(trainer_client, workshop):
    simulate_room(workshop, 5)
    simulate_room(workshop, 2, n_items=3, idle_minutes=4, seed=3)
    key, heading, actions = banner(trainer_client, workshop)
    assert (key, actions) == ("ready_to_reveal", ["reveal"]) and "5 of 7 have finished round 1" in heading
    assert "2 idle for a minute or more" in trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text


def test_closing_is_the_last_step_and_asks_first(trainer_client, workshop):
    simulate_room(workshop, 5)
    trainer_client.post(f"/trainer/workshops/{workshop.id}/reveal")
    key, _, actions = banner(trainer_client, workshop)
    assert (key, actions) == ("ready_to_close", ["close"])
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text
    assert re.search(r'data-action="close" data-confirm="Close the workshop\?[^"]+"', page)
    assert page.count('data-action="close"') == 1, "one close button, in the banner"

    trainer_client.post(f"/trainer/workshops/{workshop.id}/close")
    db.session.expire_all()
    assert banner(trainer_client, workshop)[::2] == ("closed", [])


def test_round_1_stragglers_neither_hold_up_nor_hide_round_2(trainer_client, new_workshop):
    """While round 2 is open, only people with round-2 items left count: those in round 2 who are active keep
    the room answering, however many round-1 stragglers sit idle."""
    workshop = new_workshop(round2_enabled=True)
    in_round2 = simulate_room(workshop, 3)  # finished round 1 just now
    simulate_room(workshop, 3, n_items=2, idle_minutes=4, seed=3)  # stuck in round 1
    trainer_client.post(f"/trainer/workshops/{workshop.id}/reveal")
    trainer_client.post(f"/trainer/workshops/{workshop.id}/open-round2")
    db.session.execute(db.update(Participant).where(Participant.id.in_(in_round2)).values(round2_started_at=utcnow()))
    db.session.commit()
    key, heading, actions = banner(trainer_client, workshop)
    assert (key, actions) == ("answering2", []) and "0 of 3 finished round 2" in heading
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text
    assert "3 still answering." in page and "of them idle" not in page

    db.session.execute(db.update(Participant).where(Participant.id.in_(in_round2))
                       .values(last_seen_at=utcnow() - timedelta(minutes=5)))
    db.session.execute(db.update(Response).where(Response.participant_id.in_(in_round2))
                       .values(answered_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    key, _, actions = banner(trainer_client, workshop)
    assert (key, actions) == ("ready_to_close", ["close"]), "round-2 stragglers do not hold the room up"
