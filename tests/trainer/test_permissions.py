"""Every trainer route is for the workshop's owner only.

Another trainer gets 404 (as if the workshop did not exist), an analyst 403,
and someone not signed in is sent to the sign-in page.
"""

from __future__ import annotations

import pytest

from calibrate.infra.extensions import db
from calibrate.models import Workshop, WorkshopState
from tests.trainer.rooms import signed_in_client

GET_ROUTES = [
    "",
    "/edit",
    "/qr.svg",
    "/dashboard",
    "/dashboard/live",
    "/projector",
    "/projector/live",
    "/report",
    "/responses.csv",
]
POST_ROUTES = ["/open", "/close", "/open-round2", "/reveal", "/hide", "/edit"]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_owner_reaches_every_page(trainer_client, new_workshop, path):
    draft = new_workshop(state=WorkshopState.DRAFT.value)  # settings can be edited only before opening
    assert trainer_client.get(f"/trainer/workshops/{draft.id}{path}").status_code == 200


@pytest.mark.parametrize("path", GET_ROUTES)
def test_other_trainer_gets_404_on_every_page(other_client, workshop, path):
    assert other_client.get(f"/trainer/workshops/{workshop.id}{path}").status_code == 404


@pytest.mark.parametrize("path", POST_ROUTES)
def test_other_trainer_cannot_change_anything(other_client, workshop, path):
    before = (workshop.state, workshop.revealed, workshop.round2_open, workshop.title)
    response = other_client.post(f"/trainer/workshops/{workshop.id}{path}", data={"title": "Hijacked"})
    assert response.status_code == 404
    db.session.expire_all()
    after = db.session.get(Workshop, workshop.id)
    assert (after.state, after.revealed, after.round2_open, after.title) == before


def test_other_trainer_does_not_see_the_workshop_in_their_list(other_client, workshop):
    page = other_client.get("/trainer/").text
    assert workshop.code not in page and workshop.title not in page


def test_unknown_workshop_is_404(trainer_client):
    assert trainer_client.get("/trainer/workshops/999999").status_code == 404


def test_unknown_action_is_404(trainer_client, workshop):
    assert trainer_client.post(f"/trainer/workshops/{workshop.id}/delete").status_code == 404


@pytest.mark.parametrize("path", ["/trainer/", "/trainer/workshops/new"] + [f"/trainer/workshops/1{p}" for p in GET_ROUTES])
def test_analyst_is_forbidden(app, exercises, path):
    analyst = signed_in_client(app, "analyst@example.org", role="analyst")
    assert analyst.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/trainer/", "/trainer/workshops/new", "/trainer/workshops/1/dashboard"])
def test_strangers_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_strangers_cannot_post_actions(client, workshop):
    response = client.post(f"/trainer/workshops/{workshop.id}/close")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).state == WorkshopState.OPEN.value


def test_a_live_poll_after_sign_out_gets_401_not_a_login_form(client, workshop):
    """htmx would otherwise swap the sign-in page into the dashboard."""
    response = client.get(f"/trainer/workshops/{workshop.id}/dashboard/live", headers={"HX-Request": "true"})
    assert response.status_code == 401


def test_admin_runs_workshops_too(app, exercises):
    admin = signed_in_client(app, "admin@example.org", role="admin")
    assert admin.get("/trainer/").status_code == 200
