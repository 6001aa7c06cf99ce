"""`calibrate export` and `calibrate purge` from the shell."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import func, select, update

from calibrate.domain import codebook
from calibrate.infra.extensions import db
from calibrate.models import Participant, Response, utcnow
from tests.analyst_data import build_world


def test_export_writes_every_table_and_the_codebook(app, exercises, tmp_path):
    world = build_world()
    result = app.test_cli_runner().invoke(args=["export", "--workshop", world.mine.code, "--format", "parquet", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {path.name for path in tmp_path.iterdir()} == {f"{name}.parquet" for name in codebook.TABLES} | {"codebook.md", "codebook.json"}
    assert set(pd.read_parquet(tmp_path / "participants.parquet")["workshop"]) == {world.mine.code}


def test_export_names_an_unknown_workshop(app, exercises, tmp_path):
    result = app.test_cli_runner().invoke(args=["export", "--workshop", "NOPE99", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--workshop" in result.output and "NOPE99" in result.output
    assert not any(tmp_path.iterdir())


def test_purge_deletes_only_old_participants_after_confirmation(app, exercises):
    """Old means last seen and last answer both before the cut-off (an answer's time counts as seen)."""
    world = build_world()
    long_ago = utcnow() - timedelta(days=100)
    mine = select(Participant.id).where(Participant.workshop_id == world.mine.id)
    db.session.execute(update(Participant).where(Participant.id.in_(mine)).values(last_seen_at=long_ago))
    db.session.execute(update(Response).where(Response.participant_id.in_(mine)).values(answered_at=long_ago))
    still_answering = db.session.scalar(mine.order_by(Participant.id).limit(1))
    db.session.execute(update(Response).where(Response.participant_id == still_answering).values(answered_at=utcnow()))
    db.session.commit()
    runner = app.test_cli_runner()
    declined = runner.invoke(args=["purge", "--older-than", "90d"], input="n\n")
    assert "Delete 7 participants and 84 answers" in declined.output and declined.exit_code == 1
    assert db.session.scalar(select(func.count(Participant.id))) == 17
    done = runner.invoke(args=["purge", "--older-than", "90d", "--yes"])
    assert done.exit_code == 0 and "Deleted 7 participants and 84 answers" in done.output
    assert db.session.scalar(select(func.count(Participant.id))) == 10
    assert runner.invoke(args=["purge", "--older-than", "ninety"]).exit_code == 2
