"""The exercise loader: built-in data, idempotence, bad files that must write nothing, stored answers kept valid."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calibrate.domain.exercises import (
    RESEARCH_COLUMNS,
    ExerciseLoadError,
    load_exercises,
    own_scale,
    read_exercise,
    read_exercises,
)
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item, Participant, Response
from calibrate.infra.resources import resource_dir

BUILT_IN = resource_dir("experiments")


def _copy_exercise(tmp_path: Path, slug: str = "public-spending") -> Path:
    root = tmp_path / "exercises"
    shutil.copytree(BUILT_IN / slug, root / slug)
    return root


def _edit_row(csv_path: Path, row_index: int, **changes) -> None:
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    rows[row_index].update(changes)
    _write_rows(csv_path, rows)


def _write_rows(csv_path: Path, rows: list[dict]) -> None:
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


YES_NO = {"own_min": "0", "own_max": "1", "own_step": "1", "own_choices": "0=No|1=Yes"}


def test_built_in_exercises_are_real_and_complete():
    definitions = read_exercises(BUILT_IN)
    assert len(definitions) >= 3
    for definition in definitions:
        for key in ("population", "source", "citation", "license"):
            assert definition.meta[key].strip()
        assert own_scale(definition.items) == "graded"
        for item in definition.items:
            assert item["min"] <= item["truth"] <= item["max"]
            assert item["n"] > 0 and item["se"] >= 0
            # Own answers share the prediction's 0-100 scale, so b_own is comparable across exercises.
            assert (item["own_min"], item["own_max"], item["own_step"], item["own_choices"]) == (0, 100, 1, None)
            assert "0 = " in item["own_prompt"] and "100 = " in item["own_prompt"]
            # Every item has a pilot-sample cue whose interval holds its estimate.
            assert item["min"] <= item["research_low"] <= item["research_estimate"] <= item["research_high"] <= item["max"]
            assert item["research_sample"].startswith("40 ") or item["research_sample"].endswith(" respondents")


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
        ({"own_max": "0"}, "row 3, field 'own_max': 0 must be greater than own_min 0"),
        ({"item_id": "gss_nateduc"}, "row 3, field 'item_id': 'gss_nateduc' repeats row 2"),
        ({"own_choices": "1=Yes|x=No"}, "row 3, field 'own_choices', choice 'x=No': 'x' is not a number"),
        ({"research_low": ""}, "row 3, field 'research_low': is empty; a research cue needs all of"),
        ({"research_sample": ""}, "row 3, field 'research_sample': is empty; a research cue needs all of"),
        ({"research_estimate": "abc"}, "row 3, field 'research_estimate': 'abc' is not a number"),
        ({"research_high": "101"}, "row 3, field 'research_high': 101 is outside [0, 100]"),
        ({"research_low": "-1"}, "row 3, field 'research_low': -1 is outside [0, 100]"),
        ({"research_low": "90", "research_estimate": "80", "research_high": "95"},
         "row 3, field 'research_low': 90 is above research_estimate 80"),
        ({"research_low": "10", "research_estimate": "80", "research_high": "70"},
         "row 3, field 'research_high': 70 is below research_estimate 80"),
        ({"research_sample": "x" * 121}, "row 3, field 'research_sample': longer than 120 characters"),
        (YES_NO, "public-spending/items.csv: mixes binary own answers (two own_choices; rows 3) with graded ones"),
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


def test_every_problem_is_listed_together(tmp_path):
    """Authors fix a file in one pass: every bad field of every file is reported at once."""
    root = _copy_exercise(tmp_path)
    shutil.copytree(BUILT_IN / "nature-attitudes", root / "nature-attitudes")
    spending, nature = root / "public-spending" / "items.csv", root / "nature-attitudes" / "items.csv"
    _edit_row(spending, 0, truth="abc", research_high="")
    _edit_row(spending, 3, research_low="99")
    _edit_row(nature, 1, **YES_NO)
    with pytest.raises(ExerciseLoadError) as error:
        read_exercises(root)
    assert error.value.problems == [
        f"{nature}: mixes binary own answers (two own_choices; rows 3) with graded ones "
        f"(rows 2, {', '.join(str(line) for line in range(4, 14))}); b_own from yes/no answers is much smaller "
        "than from graded ones, so ask every own answer on a graded scale (e.g. 0-100) or every one as a yes/no choice",
        f"{spending} row 2, field 'truth': 'abc' is not a number",
        f"{spending} row 2, field 'research_high': is empty; a research cue needs all of {', '.join(RESEARCH_COLUMNS)}",
        f"{spending} row 5, field 'research_low': 99 is above research_estimate 56.4",
    ]


def test_research_cue_is_optional_per_row(tmp_path):
    root = _copy_exercise(tmp_path)
    _edit_row(root / "public-spending" / "items.csv", 0, **dict.fromkeys(RESEARCH_COLUMNS, ""))
    items = read_exercise(root / "public-spending").items
    assert [items[0][column] for column in RESEARCH_COLUMNS] == [None] * 4
    assert (items[1]["research_estimate"], items[1]["research_sample"]) == (67.5, "40 respondents")


def test_the_old_market_research_column_is_refused(tmp_path):
    root = _copy_exercise(tmp_path)
    csv_path = root / "public-spending" / "items.csv"
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    _write_rows(csv_path, [row | {"market_research": "A study puts the value at 70%."} for row in rows])
    with pytest.raises(ExerciseLoadError) as error:
        read_exercise(root / "public-spending")
    assert "column 'market_research' is no longer read; give the cue as numbers in research_estimate" in str(error.value)


def test_an_all_binary_exercise_is_accepted_and_reported_as_binary(tmp_path):
    root = _copy_exercise(tmp_path)
    csv_path = root / "public-spending" / "items.csv"
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    _write_rows(csv_path, [row | YES_NO for row in rows])
    assert own_scale(read_exercise(root / "public-spending").items) == "binary"


def test_own_scale_reads_dicts_and_items():
    yes_no = [{"value": 0.0, "label": "No"}, {"value": 1.0, "label": "Yes"}]
    three = yes_no + [{"value": 2.0, "label": "Maybe"}]
    assert own_scale([{"own_choices": yes_no}, Item(own_choices=yes_no)]) == "binary"
    assert own_scale([{"own_choices": yes_no}, {"own_choices": None}]) == "graded"
    assert own_scale([Item(own_choices=three)]) == "graded"
    assert own_scale([]) == "graded"


def _answer(item_key: str) -> None:
    """One stored answer to the item, as a participant's submit would leave it."""
    item = db.session.scalar(select(Item).where(Item.item_key == item_key))
    participant = Participant(exercise=item.exercise)
    db.session.add_all([participant, Response(participant=participant, item=item, round=1, own=60, prediction=70)])
    db.session.commit()


@pytest.mark.parametrize(
    ("changes", "changed"),
    [
        ({"own_max": "10"}, "own_max"),
        ({"own_min": "1", "own_max": "5"}, "own_min, own_max"),
        ({"truth": "50"}, "truth"),
        ({"max": "99.5"}, "max"),
        ({"own_choices": "0=Never|50=Sometimes|100=Always"}, "own_choices"),
    ],
)
def test_answered_item_keeps_its_scales_and_truth(app_ctx, tmp_path, changes, changed):
    root = _copy_exercise(tmp_path)
    load_exercises(root)
    _answer("gss_natheal")
    _edit_row(root / "public-spending" / "items.csv", 1, **changes)
    _edit_row(root / "public-spending" / "items.csv", 2, truth="50")  # not answered: may change
    with pytest.raises(ExerciseLoadError) as error:
        load_exercises(root)
    assert error.value.problems == [
        f"public-spending: item 'gss_natheal' has answers, which were given on its current scale, "
        f"so it cannot change {changed}; add a new item or exercise instead"
    ]
    db.session.expire_all()
    untouched = db.session.scalar(select(Item).where(Item.item_key == "gss_natenvir"))
    assert untouched.truth == 68.23


def test_answered_item_may_change_its_wording_and_research_cue(app_ctx, tmp_path):
    root = _copy_exercise(tmp_path)
    load_exercises(root)
    _answer("gss_natheal")
    _edit_row(root / "public-spending" / "items.csv", 1, prompt="Clearer?", research_estimate="70", research_high="80")
    assert load_exercises(root) == {"public-spending": "updated"}
    item = db.session.scalar(select(Item).where(Item.item_key == "gss_natheal"))
    assert (item.prompt, item.research_estimate, item.research_high) == ("Clearer?", 70, 80)


def test_answered_item_cannot_be_removed(app_ctx, tmp_path):
    root = _copy_exercise(tmp_path)
    load_exercises(root)
    _answer("gss_natheal")
    csv_path = root / "public-spending" / "items.csv"
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    _write_rows(csv_path, [row for row in rows if row["item_id"] != "gss_natheal"])
    with pytest.raises(ExerciseLoadError) as error:
        load_exercises(root)
    assert str(error.value) == "public-spending: item 'gss_natheal' has answers and cannot be removed"
