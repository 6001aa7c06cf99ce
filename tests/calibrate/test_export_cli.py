"""`calibrate export` and `calibrate purge` from the shell."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import func, select, update

from calibrate.domain import codebook
from calibrate.infra.extensions import db
from calibrate.models import Participant, utcnow
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
    world = build_world()
    db.session.execute(update(Participant).where(Participant.workshop_id == world.mine.id).values(last_seen_at=utcnow() - timedelta(days=100)))
    db.session.commit()
    runner = app.test_cli_runner()
    declined = runner.invoke(args=["purge", "--older-than", "90d"], input="n\n")
    assert "Delete 8 participants and 96 answers" in declined.output and declined.exit_code == 1
    assert db.session.scalar(select(func.count(Participant.id))) == 17
    done = runner.invoke(args=["purge", "--older-than", "90d", "--yes"])
    assert done.exit_code == 0 and "Deleted 8 participants and 96 answers" in done.output
    assert db.session.scalar(select(func.count(Participant.id))) == 9
    assert runner.invoke(args=["purge", "--older-than", "ninety"]).exit_code == 2
