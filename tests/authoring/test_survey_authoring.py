"""A trainer's own survey file becomes an exercise over real HTTP: truths, problems, nothing partial, ownership."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from calibrate.infra.extensions import db
from calibrate.models import AuthoringDraft, Exercise, User
from tests.authoring.conftest import TRAINER
from tests.authoring.survey_fixture import META, SPECS, expected, item_texts, survey_frame


def upload(client, name: str, body: bytes):
    return client.post("/trainer/exercises/survey", data={"survey": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


def draft_id(response) -> int:
    assert response.status_code == 302, response.text
    return int(re.search(r"/drafts/(\d+)", response.headers["Location"]).group(1))


def form_data(specs: list[dict], meta: dict, *, weight="weight", cluster="shopper", action="compute") -> dict:
    data = {"weight": weight, "cluster": cluster, action: "1", **meta}
    for index, spec in enumerate(specs):
        for key, value in {**item_texts(spec), **spec}.items():
            data[f"items-{index}-{key}"] = value
    return data


@pytest.fixture
def survey_csv() -> bytes:
    return survey_frame().to_csv(index=False).encode()


def computed(page: str) -> dict[str, tuple[float, float, int]]:
    """item number -> (truth, SE, n) as the draft page shows them."""
    return {int(number): (float(truth), float(se), int(n)) for number, truth, se, n in re.findall(
        r'data-item="(\d+)" data-truth="([^"]+)" data-se="([^"]+)" data-n="(\d+)"', page)}


def test_survey_file_becomes_an_exercise_with_independently_computed_truths(trainer_client, app_ctx, survey_csv):
    draft = draft_id(upload(trainer_client, "shoppers.csv", survey_csv))
    page = trainer_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(SPECS, META))
    assert page.status_code == 200, page.text
    assert "ready to save" in page.text, re.findall(r"<li>(.*?)</li>", page.text)
    shown = computed(page.text)
    frame = survey_frame()
    for number, spec in enumerate(SPECS, start=1):
        truth, se = expected(frame, spec)
        assert shown[number][0] == pytest.approx(truth, abs=0.005), spec["item_id"]
        assert shown[number][1] == pytest.approx(se, abs=0.005), spec["item_id"]
    assert shown[4][2] == frame.loc[frame.region == "North", "shopper"].nunique()

    saved = trainer_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(SPECS, META, action="save"))
    assert saved.status_code == 302
    exercise = db.session.scalar(select(Exercise).where(Exercise.title == META["title"]))
    owner = db.session.scalar(select(User).where(User.email == TRAINER))
    assert (exercise.owner_id, exercise.version, exercise.is_public) == (owner.id, 1, False)
    by_key = {item.item_key: item for item in exercise.items}
    assert [item.item_key for item in exercise.items] == [spec["item_id"] for spec in SPECS]
    assert (by_key["rating"].value_type, by_key["paid"].value_type, by_key["paid"].currency) == ("rating", "money", "EUR")
    assert by_key["paid"].truth == pytest.approx(expected(frame, SPECS[7])[0], abs=0.005)
    assert all(item.research_estimate is not None and "of the" in item.research_sample for item in exercise.items)
    assert db.session.scalar(select(func.count(AuthoringDraft.id))) == 0


def broken_draft() -> tuple[list[dict], dict]:
    """The fixture's items and description with a problem in four items and in the description."""
    specs = [dict(spec) for spec in SPECS]
    specs[0]["option"] = "Dash"                 # not an answer in the column
    specs[6]["high"] = ""                       # rating without its scale
    specs[7]["currency"] = "euro"               # not a currency code
    specs[1]["item_id"] = "acme"                # duplicate id
    return specs, {**META, "title": ""}         # missing title


def test_every_problem_of_a_draft_is_listed_together_and_nothing_is_written(trainer_client, app_ctx, survey_csv):
    draft = draft_id(upload(trainer_client, "shoppers.csv", survey_csv))
    specs, meta = broken_draft()
    response = trainer_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(specs, meta, action="save"))
    assert response.status_code == 422
    text = response.text
    for expected_text in (
        "Item 1, option: &#39;Dash&#39; is not an answer in column &#39;brand&#39;",
        "Item 7, scale: needs its lowest and highest value",
        "Item 8, column &#39;currency&#39;: &#39;EURO&#39; is not a currency code",
        "Item 2, column &#39;item_id&#39;: &#39;acme&#39; repeats row 2",
        "Description, key &#39;title&#39;: is missing or empty",
    ):
        assert expected_text in text
    assert db.session.scalar(select(func.count(Exercise.id)).where(Exercise.owner_id.is_not(None))) == 0


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("empty.csv", b"", "empty.csv: is empty"),
        ("data.sav", b"x", "data.sav: is neither .csv nor .xlsx"),
        ("latin.csv", "brand\nCr\u00e8me\n".encode("latin-1"), "latin.csv line 2: is not UTF-8 text"),
        ("header.csv", b"brand,brand\n", "header.csv: has a header but no rows"),
        ("fake.xlsx", b"not a workbook", "fake.xlsx: is not an Excel workbook"),
    ],
)
def test_bad_survey_files_are_refused_with_the_reason(trainer_client, app_ctx, name, body, message):
    response = upload(trainer_client, name, body)
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(select(func.count(AuthoringDraft.id))) == 0


def test_a_file_with_several_problems_lists_them_all(trainer_client, app_ctx):
    response = upload(trainer_client, "bad.csv", b"brand,brand,\n")
    assert response.status_code == 422
    assert "has a header but no rows" in response.text
    assert "column 3: has no name" in response.text
    assert "has repeated column names" in response.text


def test_xlsx_gives_the_same_truths_as_csv(trainer_client, app_ctx):
    buffer = io.BytesIO()
    survey_frame().to_excel(buffer, index=False)
    draft = draft_id(upload(trainer_client, "shoppers.xlsx", buffer.getvalue()))
    page = trainer_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(SPECS, META))
    truth, se = expected(survey_frame(), SPECS[6])
    assert computed(page.text)[7][:2] == pytest.approx((truth, se), abs=0.005)


def test_upload_markup_is_shown_as_text(trainer_client, app_ctx):
    body = b"brand,<script>alert(1)</script>\nAcme,<b>x</b>\n"
    draft = draft_id(upload(trainer_client, "markup.csv", body))
    page = trainer_client.get(f"/trainer/exercises/drafts/{draft}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page


def test_preview_shows_the_item_as_a_participant_sees_it_and_saves_nothing(trainer_client, app_ctx, survey_csv):
    draft = draft_id(upload(trainer_client, "shoppers.csv", survey_csv))
    trainer_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(SPECS, META))
    preview = trainer_client.get(f"/trainer/exercises/drafts/{draft}/preview/8")
    assert preview.status_code == 200
    assert "Recorded value (median amount paid in EUR, EUR 0.00–EUR 100.00)" in preview.text
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
    checked = trainer_client.post(f"/trainer/exercises/drafts/{draft}/preview/8", data={"own": "50", "prediction": "500"})
    assert "Your prediction" in checked.text and "100" in checked.text
    assert db.session.scalar(select(func.count(Exercise.id)).where(Exercise.owner_id.is_not(None))) == 0


def test_another_trainers_draft_is_not_found(trainer_client, other_client, app_ctx, survey_csv):
    draft = draft_id(upload(trainer_client, "shoppers.csv", survey_csv))
    assert other_client.get(f"/trainer/exercises/drafts/{draft}").status_code == 404
    assert other_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(SPECS, META)).status_code == 404
    assert other_client.get(f"/trainer/exercises/drafts/{draft}/preview/1").status_code == 404
    assert other_client.post(f"/trainer/exercises/drafts/{draft}/delete").status_code == 404
    assert db.session.get(AuthoringDraft, draft) is not None
    assert trainer_client.post(f"/trainer/exercises/drafts/{draft}/delete").status_code == 302
    assert db.session.get(AuthoringDraft, draft) is None


def test_add_an_item_keeps_what_was_typed_and_adds_an_empty_block(trainer_client, app_ctx, survey_csv):
    draft = draft_id(upload(trainer_client, "shoppers.csv", survey_csv))
    page = trainer_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(SPECS, META, action="add_item"))
    assert page.status_code == 200
    assert 'name="items-8-item_id"' in page.text and 'name="items-9-item_id"' not in page.text
    assert db.session.get(AuthoringDraft, draft).settings["items"][7]["item_id"] == "paid"
    assert len(db.session.get(AuthoringDraft, draft).settings["items"]) == 9


def test_size_and_row_limits_are_named(trainer_client, app_ctx, monkeypatch, survey_csv):
    from calibrate.authoring import survey_file

    monkeypatch.setattr(survey_file, "MAX_SURVEY_ROWS", 100)
    response = upload(trainer_client, "shoppers.csv", survey_csv)
    assert response.status_code == 422 and "shoppers.csv: has 480 rows, more than the limit of 100" in response.text
    monkeypatch.setattr(survey_file, "MAX_SURVEY_BYTES", 1000)
    response = upload(trainer_client, "shoppers.csv", survey_csv)
    assert response.status_code == 422 and "more than the limit of 1,000" in response.text
    assert db.session.scalar(select(func.count(AuthoringDraft.id))) == 0
