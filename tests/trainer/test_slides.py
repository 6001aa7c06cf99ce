"""The projector as slides, moved by the presenter from the projector or the dashboard, and the public join link."""

from __future__ import annotations

import re

from calibrate.infra.extensions import db
from calibrate.models import Workshop
from tests.trainer.rooms import simulate_room


def slide_of(client, workshop_id: int) -> str:
    page = client.get(f"/trainer/workshops/{workshop_id}/projector/live").text
    return re.search(r'class="slide slide-[a-z]+" data-slide="([a-z]+)"', page).group(1)


def move(client, workshop_id: int, to: str, **headers):
    return client.post(f"/trainer/workshops/{workshop_id}/slide", data={"to": to}, headers=headers)


def test_the_presenter_walks_through_every_slide_and_back(trainer_client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"), round2_enabled=True)
    workshop.round2_open = True
    db.session.commit()
    simulate_room(workshop, 12, rounds=(1, 2))
    walk = [slide_of(trainer_client, workshop.id)]
    for _ in range(5):  # one press past the last slide changes nothing
        move(trainer_client, workshop.id, "next")
        walk.append(slide_of(trainer_client, workshop.id))
    assert walk == ["join", "items", "pull", "conditions", "rounds", "rounds"]
    assert db.session.get(Workshop, workshop.id).revealed

    for expected in ("conditions", "pull", "items", "join", "join"):
        move(trainer_client, workshop.id, "previous")
        assert slide_of(trainer_client, workshop.id) == expected
    assert not db.session.get(Workshop, workshop.id).revealed


def test_slides_without_data_are_left_out(trainer_client, workshop):
    simulate_room(workshop, 6)  # one condition, one round
    for _ in range(4):
        move(trainer_client, workshop.id, "next")
    assert slide_of(trainer_client, workshop.id) == "pull"
    move(trainer_client, workshop.id, "join")
    assert slide_of(trainer_client, workshop.id) == "join"


def test_before_enough_answers_a_revealed_projector_says_what_it_waits_for(trainer_client, workshop):
    move(trainer_client, workshop.id, "next")
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/projector/live").text
    assert 'data-slide="waiting"' in page and "Results appear when at least" in page


def test_an_htmx_move_answers_with_the_new_slide_and_a_form_goes_back(trainer_client, workshop):
    simulate_room(workshop, 6)
    response = move(trainer_client, workshop.id, "next", **{"HX-Request": "true"})
    assert response.status_code == 200 and 'data-slide="items"' in response.text
    dashboard = f"/trainer/workshops/{workshop.id}/dashboard"
    response = trainer_client.post(f"/trainer/workshops/{workshop.id}/slide", data={"to": "next", "next": dashboard})
    assert response.status_code == 302 and response.headers["Location"].endswith(dashboard)
    assert "slide 3 of 3" in trainer_client.get(f"{dashboard}/live").text


def test_an_unknown_move_is_a_400_naming_it(trainer_client, workshop):
    response = move(trainer_client, workshop.id, "sideways")
    assert response.status_code == 400 and "sideways" in response.text


def test_nobody_moves_another_trainers_projector(other_client, workshop):
    assert move(other_client, workshop.id, "next").status_code == 404
    assert not db.session.get(Workshop, workshop.id).revealed


def test_items_are_numbered_within_their_round(trainer_client, new_workshop):
    workshop = new_workshop(round2_enabled=True)
    workshop.round2_open = True
    db.session.commit()
    simulate_room(workshop, 6, rounds=(1, 2))
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text
    numbers = re.findall(r'<tr><td class="num">(\d+)</td>', page)
    assert numbers == [str(n) for n in (*range(1, 7), *range(1, 7))]


def test_join_link_uses_the_public_url_when_set(app_factory, exercises, workshop):
    from tests.trainer.rooms import signed_in_client

    configured = app_factory(PUBLIC_URL="https://calibrate.example.org")
    client = signed_in_client(configured, "trainer@example.org")
    page = client.get(f"/trainer/workshops/{workshop.id}").text
    assert f"https://calibrate.example.org/j/{workshop.code}" in page and "data-join-warning" not in page
    qr = client.get(f"/trainer/workshops/{workshop.id}/qr.svg").text
    assert "<svg" in qr


def test_a_loopback_host_gets_the_lan_address_with_a_note(trainer_client, workshop, monkeypatch):
    monkeypatch.setattr("calibrate.infra.public_url.lan_address", lambda: "192.168.1.20")
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}", base_url="http://localhost:5000").text
    assert f"http://192.168.1.20:5000/j/{workshop.code}" in page and 'data-join-warning="detected"' in page


def test_a_loopback_host_without_a_network_is_a_visible_warning(trainer_client, workshop, monkeypatch):
    monkeypatch.setattr("calibrate.infra.public_url.lan_address", lambda: None)
    for path in ("", "/dashboard", "/projector"):
        page = trainer_client.get(f"/trainer/workshops/{workshop.id}{path}", base_url="http://localhost:5000").text
        assert 'data-join-warning="loopback"' in page and "phones cannot reach" in page
