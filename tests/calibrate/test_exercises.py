"""The exercise loader: built-in data, idempotence, bad files that must write nothing, stored answers kept valid."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from flask import render_template

import calibrate.domain.exercises as exercises_module
from calibrate.domain import exercise_catalogue
from calibrate.domain.exercises import (
    DECISION_KINDS,
    MIN_CUE_ITEMS,
    MIN_ITEMS,
    MIN_TRUTH_SD,
    REQUIRED_ITEM_COLUMNS,
    RESEARCH_COLUMNS,
    ExerciseLoadError,
    load_exercises,
    own_scale,
    read_exercise,
    read_exercises,
    validate_exercise,
    validate_upload,
    validate_path,
)
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item, Participant, Response
from calibrate.infra.resources import resource_dir
from tests.calibrate.test_exercise_languages import english_only

BUILT_IN = resource_dir("experiments")
SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"
ORIGINAL = ("supermarket-brands", "public-spending", "nature-attitudes", "self-descriptions")
"""Built from the recorded data in shared/datasets; the others from shared/datasets/candidates."""
CANDIDATE_EXTRAS = {"train_slow25-60_save5-10", "train_lesscomfort_save10-99", "train_morechanges_save0-5"}
"""Train cells that build_candidates.py skips (fewer than 40 travellers); the build script computes them the same way."""


def _copy_exercise(tmp_path: Path, slug: str = "public-spending") -> Path:
    """A built-in exercise in English only: its German is checked in tests/calibrate/test_exercise_languages.py."""
    root = tmp_path / "exercises"
    shutil.copytree(BUILT_IN / slug, root / slug)
    english_only(root / slug)
    return root


def _edit_row(csv_path: Path, row_index: int, **changes) -> None:
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    rows[row_index].update(changes)
    _write_rows(csv_path, rows)


def _write_rows(csv_path: Path, rows: list[dict]) -> None:
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(key for row in rows for key in row)))
        writer.writeheader()
        writer.writerows(rows)


YES_NO = {"own_min": "0", "own_max": "1", "own_step": "1", "own_choices": "0=No|1=Yes"}


def test_built_in_exercises_are_real_and_complete():
    definitions = read_exercises(BUILT_IN)
    assert len(definitions) >= 9
    # Hattula et al.'s four kinds of decision are all covered.
    assert {definition.meta["decision_kind"] for definition in definitions} == set(DECISION_KINDS)
    for definition in definitions:
        for key in ("population", "period", "sample_size", "source", "citation", "license"):
            assert definition.meta[key].strip(), (definition.slug, key)
        assert 1 <= definition.meta["minutes"] <= 15
        assert own_scale(definition.items) == "graded"
        for item in definition.items:
            assert item["min"] <= item["truth"] <= item["max"]
            assert item["n"] > 0 and item["se"] >= 0
            # Own answers share the prediction's 0-100 scale, so b_own is comparable across exercises.
            assert (item["own_min"], item["own_max"], item["own_step"], item["own_choices"]) == (0, 100, 1, None)
            assert "0 = " in item["own_prompt"] and "100 = " in item["own_prompt"]
            # Every item has a pilot-sample cue whose interval holds its estimate.
            assert item["min"] <= item["research_low"] <= item["research_estimate"] <= item["research_high"] <= item["max"]
            # Its size is stated: a pilot of 40 per data set, or a part of the item's own cell ("15 of the 76 ...").
            assert re.fullmatch(
                r"\d+ respondents|40 households \([\d,]+ purchases\)|\d+ of the [\d,]+ \w+( \([\d,]+ choices\))?",
                item["research_sample"],
            ), item["research_sample"]


def _recorded(folder: Path, pattern: str) -> dict[str, tuple[float, int, float]]:
    recorded = {}
    for path in folder.glob(pattern):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            recorded[row["item_id"]] = (float(row["truth"]), int(row["n"]), float(row["se"]))
    return recorded


def test_built_in_truths_match_the_shared_recorded_data():
    """Every truth is copied from the recorded datasets, never typed in."""
    if not SHARED.is_dir():
        pytest.skip(f"the recorded datasets ({SHARED}) are not next to this checkout")
    recorded = _recorded(SHARED, "*.csv")
    for slug in ORIGINAL:
        for item in read_exercise(BUILT_IN / slug).items:
            assert recorded[item["item_key"]] == (item["truth"], item["n"], item["se"])


def test_new_built_in_truths_match_the_candidate_tables():
    """The exercises built from the candidate data reproduce the candidates' truth, n and SE exactly."""
    candidates = SHARED / "candidates"
    if not candidates.is_dir():
        pytest.skip(f"the candidate item tables ({candidates}) are not next to this checkout")
    recorded = _recorded(candidates, "items_*.csv")
    compared = 0
    for definition in read_exercises(BUILT_IN):
        if definition.slug in ORIGINAL:
            continue
        for item in definition.items:
            if item["item_key"] in CANDIDATE_EXTRAS:
                assert item["item_key"] in definition.meta["source"]  # the exercise says where they come from
                continue
            assert recorded[item["item_key"]] == (item["truth"], item["n"], item["se"]), item["item_key"]
            compared += 1
    assert compared >= 45


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
        ({"truth": "120"}, "row 3, column 'truth': 120 is outside [0, 100]"),
        ({"truth": "abc"}, "row 3, column 'truth': 'abc' is not a number"),
        ({"truth": "nan"}, "row 3, column 'truth': 'nan' is not a finite number"),
        ({"n": "2.5"}, "row 3, column 'n': '2.5' is not an integer"),
        ({"prompt": ""}, "row 3, column 'prompt': is empty"),
        ({"own_max": "0"}, "row 3, column 'own_max': 0 must be greater than own_min 0"),
        ({"item_id": "gss_nateduc"}, "row 3, column 'item_id': 'gss_nateduc' repeats row 2"),
        ({"own_choices": "1=Yes|x=No"}, "row 3, column 'own_choices', choice 'x=No': 'x' is not a number"),
        ({"research_low": ""}, "row 3, column 'research_low': is empty; a research cue needs all of"),
        ({"research_sample": ""}, "row 3, column 'research_sample': is empty; a research cue needs all of"),
        ({"research_estimate": "abc"}, "row 3, column 'research_estimate': 'abc' is not a number"),
        ({"research_high": "101"}, "row 3, column 'research_high': 101 is outside [0, 100]"),
        ({"research_low": "-1"}, "row 3, column 'research_low': -1 is outside [0, 100]"),
        ({"research_low": "90", "research_estimate": "80", "research_high": "95"},
         "row 3, column 'research_low': 90 is above research_estimate 80"),
        ({"research_low": "10", "research_estimate": "80", "research_high": "70"},
         "row 3, column 'research_high': 70 is below research_estimate 80"),
        ({"research_sample": "x" * 121}, "row 3, column 'research_sample': longer than 120 characters"),
        (YES_NO, "public-spending/items.csv: mixes binary own answers (two own_choices; rows 3) with graded ones"),
    ],
)
def test_bad_row_names_file_row_field_and_writes_nothing(app_ctx, tmp_path, changes, message):
    root = _copy_exercise(tmp_path)
    shutil.copytree(BUILT_IN / "nature-attitudes", root / "nature-attitudes")
    english_only(root / "nature-attitudes")
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
    assert "exercise.toml, key 'license': is missing or empty. Fix: add license" in str(error.value)
    assert "exercise.toml, key 'licence_typo': is not a known key" in str(error.value)
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
    assert "row 6, column 'max': 'abc' is not a number" in result.output


def test_every_problem_is_listed_together(tmp_path):
    """Authors fix a file in one pass: every bad field of every file is reported at once."""
    root = _copy_exercise(tmp_path)
    shutil.copytree(BUILT_IN / "nature-attitudes", root / "nature-attitudes")
    english_only(root / "nature-attitudes")
    spending, nature = root / "public-spending" / "items.csv", root / "nature-attitudes" / "items.csv"
    _edit_row(spending, 0, truth="abc", research_high="")
    _edit_row(spending, 3, research_low="99")
    _edit_row(nature, 1, **YES_NO)
    with pytest.raises(ExerciseLoadError) as error:
        read_exercises(root)
    assert error.value.problems == [
        f"{nature}: mixes binary own answers (two own_choices; rows 3) with graded ones "
        f"(rows 2, {', '.join(str(line) for line in range(4, 14))}); b_own from yes/no answers is much smaller "
        "than from graded ones. Fix: ask every own answer on a graded scale (e.g. 0-100) or every one as a yes/no "
        "choice",
        f"{spending} row 2, column 'truth': 'abc' is not a number. Fix: write a plain number with a decimal point, "
        "e.g. 42 or 42.5, without % or units",
        f"{spending} row 2, column 'research_high': is empty; a research cue needs all of "
        f"{', '.join(RESEARCH_COLUMNS)}. Fix: fill in all four, or leave all four empty for an item without a cue",
        f"{spending} row 5, column 'research_low': 99 is above research_estimate 56.4. Fix: the interval must hold "
        "its estimate: research_low <= estimate <= research_high",
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
    assert "column 'market_research': is no longer read. Fix: give the cue as numbers in research_estimate" in str(
        error.value
    )


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
    "changes",
    [{"own_max": "10"}, {"own_min": "1", "own_max": "5"}, {"truth": "50"}, {"max": "99.5"}, {"prompt": "Clearer?"}],
)
def test_a_changed_exercise_with_answers_becomes_a_new_version(app_ctx, tmp_path, changes):
    root = _copy_exercise(tmp_path)
    load_exercises(root)
    _answer("gss_natheal")
    old_item = db.session.scalar(select(Item).where(Item.item_key == "gss_natheal"))
    old_values = {column: getattr(old_item, column) for column in ("truth", "min", "max", "own_min", "own_max", "prompt")}
    _edit_row(root / "public-spending" / "items.csv", 1, **changes)

    assert load_exercises(root) == {"public-spending": "version 2"}
    db.session.expire_all()
    versions = db.session.scalars(select(Exercise).where(Exercise.slug == "public-spending").order_by(Exercise.version)).all()
    assert [exercise.version for exercise in versions] == [1, 2]
    answer = db.session.scalar(select(Response))
    assert answer.item.exercise.version == 1
    assert {column: getattr(answer.item, column) for column in old_values} == old_values
    new_item = next(item for item in versions[1].items if item.item_key == "gss_natheal")
    for column, value in changes.items():
        assert str(getattr(new_item, column)).removesuffix(".0") == value
    assert exercise_catalogue.public_exercise("public-spending").id == versions[1].id
    assert load_exercises(root) == {"public-spending": "unchanged"}


def test_an_exercise_without_answers_is_updated_in_place(app_ctx, tmp_path):
    root = _copy_exercise(tmp_path)
    load_exercises(root)
    _edit_row(root / "public-spending" / "items.csv", 1, truth="50")
    assert load_exercises(root) == {"public-spending": "updated"}
    assert db.session.scalar(select(func.count(Exercise.id))) == 1
    assert db.session.scalar(select(Item).where(Item.item_key == "gss_natheal")).truth == 50


def test_removing_an_answered_item_keeps_it_in_the_answered_version(app_ctx, tmp_path):
    root = _copy_exercise(tmp_path)
    load_exercises(root)
    _answer("gss_natheal")
    csv_path = root / "public-spending" / "items.csv"
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    _write_rows(csv_path, [row for row in rows if row["item_id"] != "gss_natheal"])
    assert load_exercises(root) == {"public-spending": "version 2"}
    current = exercise_catalogue.public_exercise("public-spending")
    assert "gss_natheal" not in {item.item_key for item in current.items}
    assert db.session.scalar(select(Response)).item.item_key == "gss_natheal"


def test_a_new_version_of_an_archived_exercise_stays_archived(app_ctx, tmp_path):
    root = _copy_exercise(tmp_path)
    load_exercises(root)
    _answer("gss_natheal")
    exercise_catalogue.set_archived(exercise_catalogue.current_version("public-spending"), True)
    _edit_row(root / "public-spending" / "items.csv", 1, truth="50")
    assert load_exercises(root) == {"public-spending": "version 2"}
    assert exercise_catalogue.current_version("public-spending").is_archived
    assert exercise_catalogue.public_exercise("public-spending") is None
    assert exercise_catalogue.landing_exercises() == []


# --------------------------------------------------------------------------- the validator (DB-free, fast)
def _rows(csv_path: Path) -> list[dict]:
    return list(csv.DictReader(csv_path.open(encoding="utf-8")))


def _problems(folder: Path) -> list[str]:
    definition, problems = validate_exercise(folder)
    assert (definition is None) == bool(problems)
    return problems


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min": "100", "max": "0"}, "row 3, column 'max': 0 must be greater than min 100. Fix: give the lowest"),
        ({"min": "50", "max": "50"}, "row 3, column 'max': 50 must be greater than min 50"),
        ({"truth": "-3"}, "row 3, column 'truth': -3 is outside [0, 100]. Fix: check the recorded value"),
        ({"n": "many"}, "row 3, column 'n': 'many' is not an integer. Fix: write a whole number"),
        ({"n": "0"}, "row 3, column 'n': must be at least 1"),
        ({"se": "-1"}, "row 3, column 'se': must not be negative"),
        ({"own_step": "7"}, "row 3, column 'own_step': 7 does not divide the own-answer range 0-100 into whole steps"),
        ({"own_step": "0"}, "row 3, column 'own_step': 0 is not positive"),
        ({"own_optional": "maybe"}, "row 3, column 'own_optional': unknown code 'maybe'. Fix: write 1"),
        ({"own_choices": "0=No|Yes"}, "row 3, column 'own_choices': choice code 'Yes' must look like value=label"),
        ({"own_choices": "0=No|0=Yes"}, "row 3, column 'own_choices': the same value is used for two choices"),
        ({"own_choices": "0=No"}, "row 3, column 'own_choices': has only one choice"),
        ({"segment": "x" * 121}, "row 3, column 'segment': longer than 120 characters"),
        ({"item_id": "x" * 81}, "row 3, column 'item_id': longer than 80 characters"),
        ({"item_id": ""}, "row 3, column 'item_id': is empty"),
        ({"value_type": "ratio"}, "row 3, column 'value_type': unknown value type 'ratio'. Fix: write 'rating'"),
        ({"value_type": "money"}, "row 3, column 'currency': is empty. Fix: a money item needs its three-letter"),
        ({"value_type": "money", "currency": "euro"}, "row 3, column 'currency': 'EURO' is not a currency code"),
        ({"currency": "EUR"}, "row 3, column 'currency': is given for a percent item"),
        ({"value_type": "share", "max": "150", "truth": "50"}, "row 3, column 'max': 150 is outside 0-100, the range "
                                                                "of a share item"),
    ],
)
def test_validator_names_row_column_problem_and_fix(tmp_path, changes, message):
    root = _copy_exercise(tmp_path)
    _edit_row(root / "public-spending" / "items.csv", 1, **changes)
    problems = _problems(root / "public-spending")
    assert any(message in line for line in problems), problems
    assert all(". Fix: " in line for line in problems)


def test_validator_reports_a_missing_column_once_and_still_checks_the_rest(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    rows = _rows(folder / "items.csv")
    rows[0]["truth"] = "abc"
    _write_rows(folder / "items.csv", [{k: v for k, v in row.items() if k != "se"} for row in rows])
    problems = _problems(folder)
    assert problems[0] == (
        f"{folder / 'items.csv'}: missing column(s) se. Fix: add them to the header row (the first line); "
        "every items.csv needs item_id, prompt, own_prompt, own_min, own_max, unit, min, max, truth, n, se"
    )
    assert not any("column 'se'" in line for line in problems)  # not once per row
    assert any("row 2, column 'truth': 'abc' is not a number" in line for line in problems)


def test_validator_reports_unknown_columns_and_keys_with_the_likely_name(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    rows = _rows(folder / "items.csv")
    _write_rows(folder / "items.csv", [{("reserach_low" if k == "research_low" else k): v for k, v in row.items()}
                                       for row in rows])
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text().replace("decision_kind =", "decison_kind ="))
    problems = "\n".join(_problems(folder))
    assert "column 'reserach_low': is not a known column. Fix: rename it to 'research_low'" in problems
    assert "key 'decison_kind': is not a known key. Fix: rename it to 'decision_kind'" in problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('decision_kind = "branding"', "key 'decision_kind': unknown decision kind 'branding'. Fix: write 'brand'"),
        ('decision_kind = "loyalty"', "unknown decision kind 'loyalty'. Fix: write one of them (the decision kinds "
                                      "are: product features, pricing, brand, communication)"),
        ("minutes = 0", "key 'minutes': 0 is not a whole number of minutes from 1 to 180"),
        ('minutes = "6"', "key 'minutes': '6' is not a whole number of minutes"),
        ('public = "yes"', "key 'public': 'yes' is not true or false"),
        ("period = 1998", "key 'period': is int, not text"),
        ('title = "' + "x" * 201 + '"', "key 'title': is longer than 200 characters"),
        ('title = "unclosed', "exercise.toml: is not valid TOML"),
    ],
)
def test_validator_checks_exercise_toml(tmp_path, text, message):
    folder = _copy_exercise(tmp_path) / "public-spending"
    toml = folder / "exercise.toml"
    lines = [line for line in toml.read_text().splitlines() if not line.startswith(text.split(" =")[0] + " =")]
    toml.write_text("\n".join([*lines, text]) + "\n")
    assert any(message in line for line in _problems(folder)), _problems(folder)


def test_validator_reports_text_that_is_not_utf8(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    csv_path = folder / "items.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace("improving".encode(), "impr\xf6ving".encode("latin-1"), 1))
    toml = folder / "exercise.toml"
    lines = toml.read_bytes().count(b"\n")
    toml.write_bytes(toml.read_bytes() + 'period = "1998 \xe9"'.encode("cp1252"))
    problems = _problems(folder)
    assert problems[0].startswith(f"{toml} line {lines + 1}: is not UTF-8 text (byte 0xe9 at byte")
    assert problems[1].startswith(f"{csv_path} line 2: is not UTF-8 text (byte 0xf6 at byte")
    assert "Fix: save the file as UTF-8" in problems[1]


def test_validator_reports_empty_missing_and_header_only_files(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    csv_path = folder / "items.csv"
    csv_path.write_text("")
    assert _problems(folder) == [f"{csv_path}: is empty. Fix: write a header row and one row per item into it "
                                 "(docs/exercises.md)"]
    csv_path.write_text(",".join(REQUIRED_ITEM_COLUMNS) + "\n")
    assert _problems(folder) == [f"{csv_path}: has no items. Fix: add one row per item below the header"]
    csv_path.unlink()
    (folder / "exercise.toml").unlink()
    assert [line.split(": ", 1)[1][:10] for line in _problems(folder)] == ["is missing"] * 2


def test_validator_limits_file_size_and_item_count(tmp_path, monkeypatch):
    folder = _copy_exercise(tmp_path) / "public-spending"
    csv_path = folder / "items.csv"
    size = csv_path.stat().st_size
    monkeypatch.setattr(exercises_module, "MAX_FILE_BYTES", size - 1)
    assert _problems(folder) == [
        f"{csv_path}: is {size:,} bytes, more than the limit of {size - 1:,}. Fix: split it into smaller exercises, "
        "or check that this is the right file"
    ]
    monkeypatch.setattr(exercises_module, "MAX_FILE_BYTES", 10 * size)
    monkeypatch.setattr(exercises_module, "MAX_ITEMS", 10)
    assert _problems(folder) == [f"{csv_path}: has 12 items, more than the limit of 10. Fix: split them into "
                                 "several exercises"]


def test_too_few_items_for_two_rounds_of_the_per_person_regression(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    csv_path = folder / "items.csv"
    rows = _rows(csv_path)
    assert MIN_ITEMS == 8  # 4 answered items per round (analysis.metrics.MIN_ITEMS_REGRESSION), two rounds
    _write_rows(csv_path, rows[-8:])
    assert _problems(folder) == []
    _write_rows(csv_path, rows[-7:])
    assert _problems(folder) == [
        f"{csv_path}: has 7 items; at least 8 are needed, because a person's egocentric weight needs 4 answered "
        "items per round and a round 2 splits the items in two. Fix: add items (12-25 give a steadier weight; "
        "docs/methods.md, section 6)"
    ]


def test_truths_that_barely_spread_are_refused(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    csv_path = folder / "items.csv"
    rows = _rows(csv_path)
    # Truths 40, 42, ..., 62: SD 7.2 points of the 0-100 range (cues moved along so they stay valid).
    narrow = [row | {"truth": str(40 + 2 * i)} for i, row in enumerate(rows)]
    _write_rows(csv_path, narrow)
    problems = _problems(folder)
    assert problems == [
        f"{csv_path}: the recorded values barely differ: the SD of truth is 7.2% of the items' range (from 40.0% to "
        f"62.0%), below {MIN_TRUTH_SD:g}%, so the per-person regression cannot tell following the truth from "
        "following one's own taste. Fix: choose items whose recorded values lie further apart (docs/exercises.md, "
        "'Good items')"
    ]
    _write_rows(csv_path, [row | {"truth": str(30 + 3 * i)} for i, row in enumerate(rows)])  # SD 10.8
    assert _problems(folder) == []


def test_research_cues_on_too_few_items_are_refused(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    csv_path = folder / "items.csv"
    rows = _rows(csv_path)
    no_cue = dict.fromkeys(RESEARCH_COLUMNS, "")
    _write_rows(csv_path, rows[:3] + [row | no_cue for row in rows[3:]])
    assert _problems(folder) == [
        f"{csv_path}: only 3 items have a research cue (rows 2, 3, 4); the cue is shown on a random half of them "
        f"and the research model needs 2 answered items with research, so at least {MIN_CUE_ITEMS} are needed. "
        f"Fix: give at least {MIN_CUE_ITEMS} items a cue (best: every item), or remove the cues"
    ]
    _write_rows(csv_path, rows[:4] + [row | no_cue for row in rows[4:]])
    assert _problems(folder) == []
    _write_rows(csv_path, [row | no_cue for row in rows])  # no cues at all: fine outside the research condition
    assert _problems(folder) == []


def test_a_row_with_more_values_than_the_header(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    csv_path = folder / "items.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",surplus"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _problems(folder) == [
        f"{csv_path} row 3: has 21 values but the header has 20 columns. Fix: put text that contains commas in "
        "double quotes"
    ]


def test_every_problem_of_one_file_is_listed_together(tmp_path):
    """One pass over a file finds problems of every kind, in file order, each once."""
    folder = _copy_exercise(tmp_path) / "public-spending"
    csv_path = folder / "items.csv"
    rows = _rows(csv_path)[:6]
    rows[0] |= {"truth": "abc", "own_optional": "maybe"}
    rows[1] |= {"min": "60", "max": "40"}
    rows[2] |= {"item_id": rows[0]["item_id"], "own_step": "7"}
    rows[3] |= {"truth": "150", "research_estimate": "", "research_low": "", "research_high": "",
                "research_sample": ""}
    rows[4] |= {"own_choices": "0=No|Yes"}
    _write_rows(csv_path, rows)
    problems = validate_path(csv_path)[1]
    assert [line.split(": ", 1)[0].removeprefix(str(csv_path)) for line in problems] == [
        " row 2, column 'truth'",
        " row 2, column 'own_optional'",
        " row 3, column 'max'",
        " row 4, column 'own_step'",
        " row 4, column 'item_id'",
        " row 5, column 'truth'",
        " row 6, column 'own_choices'",
        "",  # too few items
        "",  # the remaining valid truths 68.2, 60.7, 55.6 barely spread
    ]
    assert "has 6 items; at least 8 are needed" in problems[-2]
    assert "the recorded values barely differ: the SD of truth is 6.4% of the items' range" in problems[-1]


def test_validate_path_takes_a_folder_of_exercises_or_single_files(tmp_path):
    root = _copy_exercise(tmp_path)
    shutil.copytree(BUILT_IN / "eco-apples", root / "eco-apples")
    checked, problems = validate_path(root)
    assert problems == []
    assert checked == [
        f"{root / 'eco-apples'}: valid, 10 items, pricing, about 5 minutes, also in [de]",
        f"{root / 'public-spending'}: valid, 12 items, communication, about 6 minutes",
    ]
    assert validate_path(root / "eco-apples" / "items.csv") == ([f"{root / 'eco-apples' / 'items.csv'}: valid, 10 items"], [])
    assert validate_path(root / "eco-apples" / "exercise.toml") == ([f"{root / 'eco-apples' / 'exercise.toml'}: valid"], [])
    assert validate_path(tmp_path / "empty-folder" if (tmp_path / "empty-folder").mkdir() is None else None)[1] == [
        f"{tmp_path / 'empty-folder'}: holds no exercise. Fix: give a folder with exercise.toml and items.csv, or a "
        "folder of such folders"
    ]


# --------------------------------------------------------------------------- provenance in the database and on pages
def test_provenance_is_stored_and_shown(client, exercises):
    exercise = db.session.scalar(select(Exercise).where(Exercise.slug == "eco-apples"))
    assert (exercise.decision_kind, exercise.period, exercise.minutes) == ("pricing", "November 1997 to February 1998", 5)
    assert exercise.sample_size.startswith("660 households")
    with client.application.test_request_context():
        html = render_template("participant/_provenance.html", exercise=exercise)
    for label, value in (("Decision kind", "Pricing"), ("Period", "November 1997 to February 1998"),
                         ("Sample size", "660 households"), ("Licence", "GPL (wooldridge, CRAN)")):
        assert re.search(rf"<dt>{label}</dt><dd>{re.escape(value)}", html), label


def test_landing_page_groups_exercises_by_decision_kind_and_shows_duration(client, exercises):
    page = client.get("/").text
    starts = [page.index(f'<h3 id="kind-{kind.replace(" ", "-")}-heading">') for kind in DECISION_KINDS]
    assert starts == sorted(starts)  # product features, pricing, brand, communication
    for definition in read_exercises(BUILT_IN):
        position = page.index(f'/e/{definition.slug}"')
        kind = DECISION_KINDS.index(definition.meta["decision_kind"])
        assert starts[kind] < position < (starts[kind + 1] if kind + 1 < len(starts) else len(page)), definition.slug
    assert page.count('class="badge duration"') == len(exercises)
    assert "about 5 min" in page and "about 12 min" in page
    assert "Other exercises" not in page and "All exercises" not in page


def test_an_upload_is_validated_like_a_folder_and_lists_every_problem_together(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    rows = _rows(folder / "items.csv")
    rows[0]["truth"] = "-3"
    rows[4]["value_type"] = "money"
    _write_rows(folder / "items.csv", rows)
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text().replace('decision_kind = "communication"', 'decision_kind = "branding"'))
    from_folder = [line.replace(str(folder) + "/", "") for line in _problems(folder)]
    definition, from_upload = validate_upload("x", "exercise.toml", toml.read_bytes(), "items.csv",
                                              (folder / "items.csv").read_bytes())
    assert definition is None and from_upload == from_folder
    assert len(from_upload) == 3


def test_an_upload_of_a_valid_exercise_gives_the_folders_definition(tmp_path):
    folder = _copy_exercise(tmp_path) / "public-spending"
    definition, problems = validate_upload("public-spending", "exercise.toml", (folder / "exercise.toml").read_bytes(),
                                           "items.csv", (folder / "items.csv").read_bytes())
    assert problems == [] and definition == read_exercise(folder)
