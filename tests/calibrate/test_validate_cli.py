"""`calibrate validate-exercise DIR|FILE`: the loader's validator on the command line, exit 0 or 1."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calibrate.infra.extensions import db
from calibrate.infra.resources import resource_dir
from calibrate.models import Exercise

BUILT_IN = resource_dir("experiments")


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _bad_copy(tmp_path: Path) -> Path:
    """public-spending with a bad truth in row 2, a repeated id in row 4 and a typo in the licence key."""
    folder = tmp_path / "public-spending"
    shutil.copytree(BUILT_IN / "public-spending", folder)
    rows = list(csv.DictReader((folder / "items.csv").open(encoding="utf-8")))
    rows[0]["truth"] = "77%"
    rows[2]["item_id"] = rows[1]["item_id"]
    with (folder / "items.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("license =", "licence ="), encoding="utf-8")
    return folder


def test_every_built_in_exercise_is_valid(runner):
    result = runner.invoke(args=["validate-exercise", str(BUILT_IN)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "Valid."
    assert len([line for line in lines if ": valid, " in line]) >= 9
    assert f"{BUILT_IN / 'eco-apples'}: valid, 10 items, pricing, about 5 minutes, also in [de]" in lines


def test_one_folder_and_single_files(runner):
    folder = BUILT_IN / "train-trade-offs"
    for path, line in (
        (folder, f"{folder}: valid, 10 items, product features, about 6 minutes, also in [de]"),
        (folder / "items.csv", f"{folder / 'items.csv'}: valid, 10 items"),
        (folder / "exercise.toml", f"{folder / 'exercise.toml'}: valid"),
    ):
        result = runner.invoke(args=["validate-exercise", str(path)])
        assert (result.exit_code, result.output) == (0, f"{line}\nValid.\n")


def test_problems_are_all_listed_and_exit_1(runner, tmp_path):
    folder = _bad_copy(tmp_path)
    result = runner.invoke(args=["validate-exercise", str(folder)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{folder}: not valid, 4 problem(s)",
        "",
        "Every problem (4), to fix before loading:",
        f"- {folder / 'exercise.toml'}, key 'licence': is not a known key. Fix: rename it to 'license' (the keys "
        "are: title, description, population, source, citation, license, decision_kind, period, sample_size, "
        "minutes, prediction_prompt, own_prompt, public)",
        f"- {folder / 'exercise.toml'}, key 'license': is missing or empty. Fix: add license = \"...\" "
        "(docs/exercises.md)",
        f"- {folder / 'items.csv'} row 2, column 'truth': '77%' is not a number. Fix: write a plain number with a "
        "decimal point, e.g. 42 or 42.5, without % or units",
        f"- {folder / 'items.csv'} row 4, column 'item_id': 'gss_natheal' repeats row 3. Fix: give every item its "
        "own id",
    ]


def test_the_loader_refuses_what_the_validator_reports(runner, tmp_path):
    """One validator: load-exercises prints the same problems and writes nothing."""
    folder = _bad_copy(tmp_path)
    validated = runner.invoke(args=["validate-exercise", str(folder)])
    loaded = runner.invoke(args=["load-exercises", str(tmp_path)])
    assert loaded.exit_code == 1
    problems = [line[2:] for line in validated.output.splitlines() if line.startswith("- ")]
    assert problems and all(problem in loaded.output for problem in problems)
    with runner.app.app_context():
        assert db.session.scalar(select(func.count(Exercise.id))) == 0


def test_a_folder_without_exercises_and_a_missing_path(runner, tmp_path):
    result = runner.invoke(args=["validate-exercise", str(tmp_path)])
    assert result.exit_code == 1
    assert f"- {tmp_path}: holds no exercise. Fix:" in result.output
    result = runner.invoke(args=["validate-exercise", str(tmp_path / "nowhere")])
    assert result.exit_code == 2  # click's usage error
    assert "does not exist" in result.output
