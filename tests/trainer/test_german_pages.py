"""The trainer's pages in German: no English left, the workshop language, dates per language, charts as tables."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from calibrate.infra.extensions import db
from calibrate.infra.i18n import COOKIE
from calibrate.models import Workshop
from tests.trainer.german import DE, german_leftovers
from tests.trainer.rooms import simulate_room


@pytest.fixture
def room(new_workshop, trainer_client):
    """A revealed two-round workshop with a room that has results in both rounds."""
    workshop = new_workshop(round2_enabled=True, ask_empathy=True)
    simulate_room(workshop, 8, rounds=(1, 2), empathy=True)
    trainer_client.post(f"/trainer/workshops/{workshop.id}/reveal", headers=DE)
    return workshop


def _german(client, url: str) -> str:
    response = client.get(url, headers=DE)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    assert '<html lang="de">' in page or "<html" not in page
    return page


def test_every_trainer_page_is_german(trainer_client, room):
    base = f"/trainer/workshops/{room.id}"
    pages = ["/trainer/", "/trainer/workshops/new", base, f"{base}/dashboard", f"{base}/dashboard/live",
             f"{base}/projector", f"{base}/report"]
    for url in pages:
        # English first: words built once per process (an imported template's module) must not stay English.
        assert trainer_client.get(url, headers={"Accept-Language": "en"}).status_code == 200
        assert german_leftovers(_german(trainer_client, url)) == [], url


def test_every_projector_slide_is_german_and_has_its_numbers_as_a_table(trainer_client, room):
    base = f"/trainer/workshops/{room.id}"
    seen = set()
    for _ in range(5):
        page = _german(trainer_client, f"{base}/projector/live")
        slide = page.split('data-slide="', 1)[1].split('"', 1)[0]
        seen.add(slide)
        assert german_leftovers(page) == [], slide
        assert '<div class="visually-hidden"><table data-chart-table=' in page and "Die Zahlen dieses Diagramms" in page
        trainer_client.post(f"{base}/slide", data={"to": "next"}, headers=DE)
    assert {"items", "pull", "rounds"} <= seen


def test_the_join_slide_and_a_draft_are_german(trainer_client, new_workshop):
    draft = new_workshop(state="draft")
    for url in (f"/trainer/workshops/{draft.id}/projector", f"/trainer/workshops/{draft.id}/dashboard",
                f"/trainer/workshops/{draft.id}/edit", f"/trainer/workshops/{draft.id}/report"):
        page = _german(trainer_client, url)
        assert german_leftovers(page) == [], url
    assert "Der Beitritt öffnet gleich." in _german(trainer_client, f"/trainer/workshops/{draft.id}/projector")


def test_the_power_panel_is_german(trainer_client, app_ctx):
    page = _german(trainer_client, "/trainer/workshops/new")
    exercise_id = page.split('<option selected value="', 1)[1].split('"', 1)[0]
    panel = trainer_client.get("/trainer/workshops/power", headers=DE, query_string={
        "exercise_id": exercise_id, "use_control": "y", "use_perspective": "y", "weight_control": "1",
        "weight_perspective": "1", "expected_participants": "40"}).get_data(as_text=True)
    assert "Kann dieser Workshop die Bedingungen unterscheiden?" in panel and "liegt die Chance bei" in panel
    assert german_leftovers(panel) == []


def test_the_workshop_language_is_saved_shown_and_used_by_the_projector_and_report(trainer_client, app_ctx):
    page = trainer_client.get("/trainer/workshops/new").text
    exercise_id = page.split('<option selected value="', 1)[1].split('"', 1)[0]
    assert 'name="language"' in page and "Each participant's browser decides" in page
    response = trainer_client.post("/trainer/workshops/new", data={
        "title": "Kickoff", "exercise_id": exercise_id, "use_control": "y", "weight_control": "1",
        "expected_participants": "20", "ask_intervals": "y", "language": "de"})
    assert response.status_code == 302
    workshop = db.session.scalar(db.select(Workshop).where(Workshop.title == "Kickoff"))
    assert workshop.language == "de"
    english = {"Accept-Language": "en"}
    overview = trainer_client.get(f"/trainer/workshops/{workshop.id}", headers=english).text
    assert '<html lang="en">' in overview and 'data-workshop-language="de">Deutsch<' in overview
    edit = trainer_client.get(f"/trainer/workshops/{workshop.id}/edit", headers=english).text
    assert '<option selected value="de">Deutsch</option>' in edit
    for room_page in ("projector", "projector/live", "report"):
        shown = trainer_client.get(f"/trainer/workshops/{workshop.id}/{room_page}", headers=english).text
        assert "Mit dem Smartphone teilnehmen" in shown or "Zwischenbericht" in shown, room_page
    assert "Join on your phone" not in trainer_client.get(f"/trainer/workshops/{workshop.id}/projector", headers=english).text
    # The trainer's own pick with the language switch still wins on the room's pages.
    trainer_client.set_cookie(COOKIE, "en")
    assert "Join on your phone" in trainer_client.get(f"/trainer/workshops/{workshop.id}/projector").text

    trainer_client.delete_cookie(COOKIE)
    trainer_client.post(f"/trainer/workshops/{workshop.id}/edit", data={
        "title": "Kickoff", "exercise_id": exercise_id, "use_control": "y", "weight_control": "1",
        "expected_participants": "20", "language": ""})
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).language is None


def test_dates_follow_the_page_language(trainer_client, workshop):
    workshop.created_at = workshop.opened_at = datetime(2026, 3, 9, 14, 5, tzinfo=timezone.utc)
    db.session.commit()
    german = _german(trainer_client, "/trainer/")
    english = trainer_client.get("/trainer/", headers={"Accept-Language": "en"}).text
    assert "09.03.2026" in german and "Mar 9, 2026" in english
    overview = _german(trainer_client, f"/trainer/workshops/{workshop.id}")
    assert "09.03.2026, 14:05 UTC" in overview
    report = trainer_client.get(f"/trainer/workshops/{workshop.id}/report", headers={"Accept-Language": "en"}).text
    assert "Mar 9, 2026, 2:05\u202fPM UTC" in report or "Mar 9, 2026, 2:05 PM UTC" in report
