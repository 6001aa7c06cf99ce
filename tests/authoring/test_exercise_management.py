"""Uploaded exercise files, ownership, archiving and versions over real HTTP, with another trainer's ids."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from calibrate.domain import exercise_catalogue
from calibrate.domain.exercises import load_exercises
from calibrate.domain.long_format import long_frame
from calibrate.infra.extensions import db
from calibrate.infra.resources import resource_dir
from calibrate.models import Exercise, Participant, Response, User
from tests.authoring.conftest import TRAINER
from tests.trainer.rooms import make_workshop, signed_in_client, simulate_room

BUILT_IN = resource_dir("experiments") / "eco-apples"


def files(toml: bytes | None = None, items: bytes | None = None, *, public: bool = False) -> dict:
    data = {}
    if toml is not None:
        data["exercise_toml"] = (io.BytesIO(toml), "exercise.toml")
    if items is not None:
        data["items_csv"] = (io.BytesIO(items), "items.csv")
    if public:
        data["public"] = "y"
    return data


def upload_files(client, data: dict):
    return client.post("/trainer/exercises/upload", data=data, content_type="multipart/form-data")


def exercise_choices(client) -> set[int]:
    """The exercise ids the new-workshop form offers this trainer."""
    page = client.get("/trainer/workshops/new").text
    select_html = page.split('name="exercise_id"', 1)[1].split("</select>", 1)[0]
    return {int(value) for value in re.findall(r'<option[^>]*value="(\d+)"', select_html)}


def uploaded(title: str = "Eco-labelled apples at a premium") -> Exercise | None:
    return db.session.scalar(select(Exercise).where(Exercise.owner_id.is_not(None), Exercise.title == title))


def test_exercise_files_are_saved_for_their_uploader_only(trainer_client, other_client, app_ctx):
    toml, items = (BUILT_IN / "exercise.toml").read_bytes(), (BUILT_IN / "items.csv").read_bytes()
    assert upload_files(trainer_client, files(toml, items)).status_code == 302
    exercise = uploaded()
    assert exercise.owner.email == TRAINER and not exercise.is_public and exercise.slug.startswith("eco-labelled-apples")
    assert len(exercise.items) == 10
    assert exercise.id in exercise_choices(trainer_client)
    assert exercise.id not in exercise_choices(other_client)
    assert f'data-exercise-id="{exercise.id}"' not in other_client.get("/trainer/exercises/").text
    refused = other_client.post("/trainer/workshops/new", data={
        "title": "Not mine", "exercise_id": str(exercise.id), "use_control": "y", "weight_control": "1",
        "expected_participants": "20"})
    assert refused.status_code == 422 and "Not a valid choice." in refused.text
    panel = other_client.get("/trainer/workshops/power", query_string={
        "exercise_id": exercise.id, "use_control": "y", "weight_control": "1", "expected_participants": "20"})
    assert panel.status_code == 400
    assert exercise.slug not in {e.slug for e in exercise_catalogue.landing_exercises()}


def test_a_zip_with_both_files_is_accepted_and_public_when_chosen(trainer_client, other_client, app_ctx):
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(BUILT_IN / "exercise.toml", "my-exercise/exercise.toml")
        archive.write(BUILT_IN / "items.csv", "my-exercise/items.csv")
    response = upload_files(trainer_client, {"bundle": (io.BytesIO(bundle.getvalue()), "apples.zip"), "public": "y"})
    assert response.status_code == 302
    exercise = uploaded()
    assert exercise.is_public
    assert exercise.id in exercise_choices(other_client)
    assert exercise.slug in {e.slug for e in exercise_catalogue.landing_exercises()}


def broken_exercise(truth: str = "180") -> tuple[str, str]:
    """The built-in apples exercise (exercise.toml, items.csv) with an unknown decision kind, ``truth`` off the
    first item's scale, a repeated id and a word where min needs a number."""
    toml = (BUILT_IN / "exercise.toml").read_text().replace('decision_kind = "pricing"', 'decision_kind = "branding"')
    rows = list(csv.DictReader(io.StringIO((BUILT_IN / "items.csv").read_text())))
    rows[0]["truth"] = truth
    rows[1]["item_id"] = rows[2]["item_id"]
    rows[3]["min"] = "abc"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return toml, out.getvalue()


def test_bad_exercise_files_list_every_problem_and_write_nothing(trainer_client, app_ctx):
    toml, items = broken_exercise()
    response = upload_files(trainer_client, files(toml.encode(), items.encode()))
    assert response.status_code == 422
    for text in ("key &#39;decision_kind&#39;: unknown decision kind &#39;branding&#39;",
                 "items.csv row 2, column &#39;truth&#39;: 180 is outside [0, 100]",
                 "items.csv row 4, column &#39;item_id&#39;",
                 "items.csv row 5, column &#39;min&#39;: &#39;abc&#39; is not a number"):
        assert text in response.text
    assert db.session.scalar(select(func.count(Exercise.id)).where(Exercise.owner_id.is_not(None))) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "No file was chosen"),
        (files(b"", None), "exercise.toml: is empty"),
        (files(None, b"item_id\n"), "exercise.toml: is missing"),
        ({"bundle": (io.BytesIO(b"no zip"), "x.zip")}, "x.zip: is not a zip archive"),
    ],
)
def test_missing_or_broken_files_are_named(trainer_client, app_ctx, data, message):
    response = upload_files(trainer_client, data)
    assert response.status_code == 422 and message in response.text


def test_only_the_owner_or_an_admin_archives(trainer_client, other_client, app, app_ctx):
    toml, items = (BUILT_IN / "exercise.toml").read_bytes(), (BUILT_IN / "items.csv").read_bytes()
    upload_files(trainer_client, files(toml, items, public=True))
    exercise = uploaded()
    built_in = exercise_catalogue.public_exercise("public-spending")
    assert other_client.post(f"/trainer/exercises/{exercise.id}/archive").status_code == 404
    assert trainer_client.post(f"/trainer/exercises/{built_in.id}/archive").status_code == 404
    db.session.expire_all()
    assert not exercise.is_archived and not built_in.is_archived

    assert trainer_client.post(f"/trainer/exercises/{exercise.id}/archive").status_code == 302
    db.session.expire_all()
    assert exercise.is_archived
    assert exercise.id not in exercise_choices(trainer_client)
    assert exercise.slug not in trainer_client.get("/").text
    assert trainer_client.get(f"/e/{exercise.slug}").status_code == 404
    assert trainer_client.post(f"/trainer/exercises/{exercise.id}/restore").status_code == 302

    admin = signed_in_client(app, "admin@example.org", role="admin")
    assert admin.post(f"/trainer/exercises/{built_in.id}/archive").status_code == 302
    db.session.expire_all()
    assert built_in.is_archived and "public-spending" not in {e.slug for e in exercise_catalogue.landing_exercises()}


def test_a_workshop_keeps_its_version_and_exports_name_it(trainer_client, app_ctx, tmp_path):
    owner = db.session.scalar(select(User).where(User.email == TRAINER))
    workshop = make_workshop(owner, slug="eco-apples")
    simulate_room(workshop, 3)
    answered = {(r.participant_id, r.item.item_key): r.item.truth for r in db.session.scalars(select(Response))}

    root = tmp_path / "experiments"
    (root / "eco-apples").mkdir(parents=True)
    (root / "eco-apples" / "exercise.toml").write_bytes((BUILT_IN / "exercise.toml").read_bytes())
    rows = list(csv.DictReader((BUILT_IN / "items.csv").open(encoding="utf-8")))
    rows[0]["truth"] = "12.5"
    with (root / "eco-apples" / "items.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert load_exercises(root) == {"eco-apples": "version 2"}

    db.session.expire_all()
    assert workshop.exercise.version == 1
    assert {(r.participant_id, r.item.item_key): r.item.truth for r in db.session.scalars(select(Response))} == answered
    frame = long_frame(workshop_ids=[workshop.id])
    assert set(frame["exercise_version"]) == {1} and set(frame["exercise"]) == {"eco-apples"}
    assert "version 1" in trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text
    assert "exercise_version" in trainer_client.get(f"/trainer/workshops/{workshop.id}/responses.csv").text.splitlines()[0]
    assert exercise_catalogue.public_exercise("eco-apples").version == 2
    offered = exercise_choices(trainer_client)
    assert exercise_catalogue.public_exercise("eco-apples").id in offered and workshop.exercise_id not in offered
    assert db.session.scalar(select(func.count(Participant.id))) == 3


def test_editing_a_draft_workshop_keeps_its_older_version_selectable(trainer_client, app_ctx, tmp_path):
    owner = db.session.scalar(select(User).where(User.email == TRAINER))
    answered = make_workshop(owner, slug="eco-apples")
    simulate_room(answered, 1)
    draft = make_workshop(owner, slug="eco-apples", state="draft", title="Next week")
    root = tmp_path / "experiments"
    (root / "eco-apples").mkdir(parents=True)
    (root / "eco-apples" / "exercise.toml").write_text(
        (BUILT_IN / "exercise.toml").read_text().replace("minutes = 5", "minutes = 6"))
    (root / "eco-apples" / "items.csv").write_bytes((BUILT_IN / "items.csv").read_bytes())
    assert load_exercises(root) == {"eco-apples": "version 2"}
    page = trainer_client.get(f"/trainer/workshops/{draft.id}/edit").text
    assert f'<option selected value="{draft.exercise_id}"' in page or f'value="{draft.exercise_id}" selected' in page
    panel = trainer_client.get("/trainer/workshops/power", query_string={
        "exercise_id": draft.exercise_id, "use_control": "y", "weight_control": "1", "expected_participants": "20"})
    assert panel.status_code == 200
    saved = trainer_client.post(f"/trainer/workshops/{draft.id}/edit", data={
        "title": "Next week", "exercise_id": str(draft.exercise_id), "use_control": "y", "weight_control": "1",
        "expected_participants": "20"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert draft.exercise.version == 1
