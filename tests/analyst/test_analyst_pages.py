"""The analysis pages: who sees what, the statistics workspace, downloads and deleting data."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from scipy import stats
from sqlalchemy import func, select

from calibrate.domain import codebook
from calibrate.infra.extensions import db
from calibrate.models import Participant, Response
from calibrate.trainer.results import workshop_results


def test_trainer_overview_lists_only_own_workshops(trainer_client, world):
    page = trainer_client.get("/analysis/").text
    assert world.mine.code in page and world.theirs.code not in page
    assert "Self-serve" not in page


def test_analyst_overview_lists_every_workshop_and_self_serve(analyst_client, world):
    page = analyst_client.get("/analysis/").text
    assert world.mine.code in page and world.theirs.code in page and "Self-serve participants" in page


@pytest.mark.parametrize(
    "path",
    [
        "/analysis/statistics?workshop={code}",
        "/analysis/download?workshop={code}&table=all&format=csv",
        "/analysis/download?workshop={code}&table=responses&format=json",
        "/analysis/download?workshop={code}&table=participants&format=parquet",
    ],
)
def test_another_trainers_workshop_is_refused(trainer_client, world, path):
    response = trainer_client.get(path.format(code=world.theirs.code))
    assert response.status_code == 400
    assert world.theirs.title not in response.text  # the code is echoed back as typed, nothing about the workshop


def test_trainer_download_of_everything_holds_only_their_people(trainer_client, world):
    response = trainer_client.get("/analysis/download?table=participants&format=csv")
    frame = pd.read_csv(io.BytesIO(response.data), dtype=str)
    assert set(frame["workshop"]) == {world.mine.code}
    assert "other" not in response.text and "'=HYPERLINK" not in response.text


def test_zip_download_has_every_file_and_the_codebook(analyst_client, world):
    response = analyst_client.get(f"/analysis/download?workshop={world.mine.code}&table=all&format=parquet")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(response.data)).namelist())
    assert names == {f"{name}.parquet" for name in codebook.TABLES} | {"codebook.md", "codebook.json"}


def test_statistics_compare_two_workshops(analyst_client, world):
    """Two workshops in one selection: the Welch test between them equals scipy's on the trainer report's weights."""
    url = f"/analysis/statistics?workshop={world.mine.code}&workshop={world.theirs.code}&submitted=1"
    page = analyst_client.get(url)
    assert page.status_code == 200
    assert "Workshops compared" in page.text and 'data-figure="workshops"' in page.text
    assert 'data-download="svg"' in page.text and 'data-download="png"' in page.text
    # The workshop pair's reading is on the page, with the power-aware wording of docs/methods.md.
    assert "data-verdict" in page.text
    mine = [row["b_own"] for row in _weights(world.mine)]
    theirs = [row["b_own"] for row in _weights(world.theirs)]
    welch = stats.ttest_ind(mine, theirs, equal_var=False)
    assert f"{welch.statistic:.2f}" in page.text or f"{-welch.statistic:.2f}" in page.text


def _weights(workshop):
    from analysis import person_metrics
    from calibrate.domain.long_format import long_frame

    return person_metrics(long_frame(workshop_ids=[workshop.id])).to_dict("records")


def test_statistics_of_one_workshop_equal_the_trainer_report(trainer_client, world):
    page = trainer_client.get(f"/analysis/statistics?workshop={world.mine.code}").text
    overall = workshop_results(world.mine).overall[0]
    assert f"{overall['mean']:,.2f}" in page and "Empathy" in page


def test_statistics_selection_by_condition_and_round(analyst_client, world):
    page = analyst_client.get("/analysis/statistics?condition=control&round=1&submitted=1")
    assert page.status_code == 200
    # "submitted" without the self-serve box: workshop participants only.
    people = db.session.scalar(
        select(func.count(Participant.id)).where(Participant.condition == "control", Participant.workshop_id.is_not(None))
    )
    assert f"data-people>{people}<" in page.text
    with_self_serve = analyst_client.get("/analysis/statistics?condition=control&round=1&submitted=1&self_serve=y")
    assert f"data-people>{people + 1}<" in with_self_serve.text
    # A shared link that never went through the form includes self-serve people, as the unticked form says.
    assert f"data-people>{people + 1}<" in analyst_client.get("/analysis/statistics?condition=control&round=1").text


def test_bad_round_is_named(analyst_client):
    response = analyst_client.get("/analysis/statistics?round=7")
    assert response.status_code == 400 and "Round" in response.text


def test_deleting_a_workshops_data_needs_confirmation_and_counts(trainer_client, world):
    preview = trainer_client.get(f"/analysis/delete?workshop={world.mine.code}")
    assert "This deletes 8 participants and" in preview.text
    answers = db.session.scalar(
        select(func.count(Response.id)).join(Response.participant).where(Participant.workshop_id == world.mine.id)
    )
    unconfirmed = trainer_client.post("/analysis/delete", data={"workshop": world.mine.code, "expected": f"8 participants and {answers} answers"})
    assert unconfirmed.status_code == 422
    assert db.session.scalar(select(func.count(Participant.id)).where(Participant.workshop_id == world.mine.id)) == 8
    done = trainer_client.post(
        "/analysis/delete", data={"workshop": world.mine.code, "expected": f"8 participants and {answers} answers", "confirm": "y"}
    )
    assert done.status_code == 302
    assert db.session.scalar(select(func.count(Participant.id)).where(Participant.workshop_id == world.mine.id)) == 0
    assert db.session.scalar(select(func.count(Participant.id)).where(Participant.workshop_id == world.theirs.id)) == 8


def test_deletion_refuses_a_stale_count(trainer_client, world):
    response = trainer_client.post(
        "/analysis/delete", data={"workshop": world.mine.code, "expected": "1 participant and 1 answer", "confirm": "y"}
    )
    assert response.status_code == 422 and "The data changed" in response.text
    assert db.session.scalar(select(func.count(Participant.id)).where(Participant.workshop_id == world.mine.id)) == 8


def test_trainer_cannot_delete_another_trainers_data(trainer_client, world):
    other_person = db.session.scalar(select(Participant.id).where(Participant.workshop_id == world.theirs.id))
    preview = trainer_client.get(f"/analysis/delete?participant={other_person}")
    assert "Nothing to delete" in preview.text
    refused = trainer_client.post("/analysis/delete", data={"workshop": world.theirs.code, "expected": "x", "confirm": "y"})
    assert refused.status_code == 422
    posted = trainer_client.post("/analysis/delete", data={"participant": other_person, "expected": "1 participant and 12 answers", "confirm": "y"})
    assert posted.status_code == 422
    assert db.session.get(Participant, other_person) is not None


def test_codebook_files(analyst_client):
    assert "## responses" in analyst_client.get("/analysis/codebook.md").text
    assert {t["name"] for t in analyst_client.get("/analysis/codebook.json").json["tables"]} == set(codebook.TABLES)
