"""The exercise loader: built-in data, idempotence, and bad files that must write nothing."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calibrate.exercises import ExerciseLoadError, load_exercises, read_exercises
from calibrate.extensions import db
from calibrate.models import Exercise, Item
from calibrate.resources import resource_dir

BUILT_IN = resource_dir("experiments")


def _copy_exercise(tmp_path: Path, slug: str = "public-spending") -> Path:
    root = tmp_path / "exercises"
    shutil.copytree(BUILT_IN / slug, root / slug)
    return root


def _edit_row(csv_path: Path, row_index: int, **changes) -> None:
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    rows[row_index].update(changes)
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_built_in_exercises_are_real_and_complete():
    definitions = read_exercises(BUILT_IN)
    assert len(definitions) >= 3
    for definition in definitions:
        for key in ("population", "source", "citation", "license"):
            assert definition.meta[key].strip()
        for item in definition.items:
            assert item["min"] <= item["truth"] <= item["max"]
            assert item["n"] > 0 and item["se"] >= 0
            assert item["own_min"] < item["own_max"]


def test_built_in_truths_match_the_shared_recorded_data():
    """Every truth is copied from the recorded datasets, never typed in."""
    shared = Path(__file__).resolve().parents[3] / "shared" / "datasets"
    if not shared.is_dir():
        pytest.skip("recorded datasets are not next to this checkout")
    recorded = {}
    for path in shared.glob("*.csv"):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            recorded[row["item_id"]] = (float(row["truth"]), int(row["n"]), float(row["se"]))
    for definition in read_exercises(BUILT_IN):
        for item in definition.items:
            assert recorded[item["item_key"]] == (item["truth"], item["n"], item["se"])


def test_load_is_idempotent(app_ctx):
    first = load_exercises(BUILT_IN)
    assert set(first.values()) == {"added"}
    count = db.session.scalar(select(func.count(Item.id)))
    second = load_exercises(BUILT_IN)
    assert set(second.values()) == {"unchanged"}
    assert db.session.scalar(select(func.count(Item.id))) == count


def test_changed_exercise_is_updated_in_place(app_ctx, tmp_path):
    root = _copy_exercise(tmp_path)
    load_exercises(root)
    _edit_row(root / "public-spending" / "items.csv", 0, prompt="A clearer prompt?")
    assert load_exercises(root) == {"public-spending": "updated"}
    item = db.session.scalar(select(Item).where(Item.item_key == "gss_nateduc"))
    assert item.prompt == "A clearer prompt?"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"truth": "120"}, "row 3, field 'truth': 120 is outside [0, 100]"),
        ({"truth": "abc"}, "row 3, field 'truth': 'abc' is not a number"),
        ({"truth": "nan"}, "row 3, field 'truth': 'nan' is not a finite number"),
        ({"n": "2.5"}, "row 3, field 'n': '2.5' is not an integer"),
        ({"prompt": ""}, "row 3, field 'prompt': is empty"),
        ({"own_max": "0"}, "row 3, field 'own_max': 0 must be greater than own_min 1"),
        ({"item_id": "gss_nateduc"}, "row 3, field 'item_id': 'gss_nateduc' repeats row 2"),
        ({"own_choices": "1=Yes|x=No"}, "row 3, field 'own_choices', choice 'x=No': 'x' is not a number"),
    ],
)
def test_bad_row_names_file_row_field_and_writes_nothing(app_ctx, tmp_path, changes, message):
    root = _copy_exercise(tmp_path)
    shutil.copytree(BUILT_IN / "nature-attitudes", root / "nature-attitudes")
    _edit_row(root / "public-spending" / "items.csv", 1, **changes)
    with pytest.raises(ExerciseLoadError) as error:
        load_exercises(root)
    assert message in str(error.value)
    assert "public-spending/items.csv" in str(error.value)
    assert db.session.scalar(select(func.count(Exercise.id))) == 0


def test_missing_column_and_missing_provenance_are_reported(app_ctx, tmp_path):
    root = _copy_exercise(tmp_path)
    folder = root / "public-spending"
    text = (folder / "exercise.toml").read_text().replace('license = "', 'licence_typo = "')
    (folder / "exercise.toml").write_text(text)
    lines = (folder / "items.csv").read_text().splitlines()
    header = lines[0].split(",")
    header[header.index("truth")] = "truth_value"
    (folder / "items.csv").write_text("\n".join([",".join(header), *lines[1:]]))
    with pytest.raises(ExerciseLoadError) as error:
        load_exercises(root)
    assert "field 'license': is missing or empty" in str(error.value)
    assert "missing column(s) truth" in str(error.value)


def test_cli_load_exercises_reports_and_aborts(app, tmp_path):
    root = _copy_exercise(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["load-exercises", str(root)])
    assert result.exit_code == 0, result.output
    assert "public-spending: added" in result.output
    _edit_row(root / "public-spending" / "items.csv", 4, max="abc")
    result = runner.invoke(args=["load-exercises", str(root)])
    assert result.exit_code != 0
    assert "nothing was loaded" in result.output
    assert "row 6, field 'max': 'abc' is not a number" in result.output
