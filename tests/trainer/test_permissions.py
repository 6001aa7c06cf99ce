"""Every trainer route is for the workshop's owner only.

Another trainer gets 404 (as if the workshop did not exist), an analyst 403,
and someone not signed in is sent to the sign-in page.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import User, Workshop, WorkshopState
from tests.trainer.rooms import make_workshop, signed_in_client

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


class ListedWorkshops(HTMLParser):
    """The rows of the workshop list (templates/trainer/workshops.html) and everything else the page shows.

    ``rows`` holds the data attributes of each workshop row; ``shown`` every text and attribute value.
    """

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.shown: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-workshop-id" in attrs:
            self.rows.append({name: value for name, value in attrs.items() if name.startswith("data-")})
        self.shown.extend(value for value in attrs.values() if value)

    def handle_data(self, data):
        if data.strip():
            self.shown.append(" ".join(data.split()))


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


def test_other_trainer_does_not_see_the_workshop_in_their_list(trainer_client, other_client, workshop):
    other_trainer = db.session.scalar(select(User).where(User.email == "other-trainer@example.org"))
    theirs = make_workshop(other_trainer, title="Their own session")
    mine = trainer_client.get("/trainer/")
    assert mine.status_code == 200
    assert [(row["data-workshop-id"], row["data-code"]) for row in ListedWorkshops(mine.text).rows] == [
        (str(workshop.id), workshop.code)
    ]
    page = other_client.get("/trainer/")
    assert page.status_code == 200
    listed = ListedWorkshops(page.text)
    assert [(row["data-workshop-id"], row["data-code"]) for row in listed.rows] == [(str(theirs.id), theirs.code)]
    assert "Their own session" in listed.shown
    assert not any(workshop.code in value or workshop.title in value for value in listed.shown)


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
