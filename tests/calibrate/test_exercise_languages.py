"""Exercise files in English and German: what the loader stores, what the validator refuses, what a new
translation does to an answered exercise, and how pages read the text in their language."""

from __future__ import annotations

import csv
import re
import shutil
import tomllib
from pathlib import Path

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from calibrate.domain import exercise_cache, exercise_catalogue
from calibrate.domain.exercise_text import labels, localised, localised_choices
from calibrate.domain.exercises import (
    TRANSLATED_EXERCISE_KEYS,
    TRANSLATED_ITEM_COLUMNS,
    TRANSLATION_COLUMNS,
    load_exercises,
    read_exercises,
    validate_path,
    validate_upload,
)
from calibrate.infra.extensions import db
from calibrate.infra.i18n import choose_afresh
from calibrate.infra.resources import resource_dir
from calibrate.models import Exercise, Item, Participant, Response

BUILT_IN = resource_dir("experiments")
SLUG = "public-spending"


def _copy(tmp_path: Path, slug: str = SLUG) -> Path:
    root = tmp_path / "exercises"
    shutil.copytree(BUILT_IN / slug, root / slug)
    return root


def _rows(csv_path: Path) -> list[dict]:
    with csv_path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_rows(csv_path: Path, rows: list[dict]) -> None:
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def english_only(folder: Path) -> None:
    """The folder as it was before it had German: no [de] table, no *_de columns."""
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text(encoding="utf-8").split("\n[de]\n")[0] + "\n", encoding="utf-8")
    rows = _rows(folder / "items.csv")
    _write_rows(folder / "items.csv", [{k: v for k, v in row.items() if not k.endswith("_de")} for row in rows])


def _problems(folder: Path) -> list[str]:
    return validate_path(folder)[1]


def _answer(item_key: str) -> Response:
    item = db.session.scalar(select(Item).where(Item.item_key == item_key))
    participant = Participant(exercise=item.exercise)
    response = Response(participant=participant, item=item, round=1, own=60, prediction=70)
    db.session.add_all([participant, response])
    db.session.commit()
    return response


GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
ENGLISH = {"Accept-Language": "en"}


@contextmanager
def _page(app, headers: dict):
    """A request in the browser's language; the test's app context is shared, so its cached language is dropped."""
    with app.test_request_context(headers=headers):
        choose_afresh()
        yield


# --------------------------------------------------------------------------- the built-in exercises
def test_every_built_in_exercise_is_complete_in_german():
    """The validator demands German for every text once an exercise has some; every built-in one has it."""
    for definition in read_exercises(BUILT_IN):
        german = definition.meta["de"]
        for key in TRANSLATED_EXERCISE_KEYS:
            if definition.meta.get(key):
                assert german[key], (definition.slug, key)
        assert german["title"] != definition.meta["title"] and german["description"] != definition.meta["description"]
        for item in definition.items:
            texts = item["translations"]["de"]
            for column in TRANSLATED_ITEM_COLUMNS:
                if item.get(column):
                    assert texts.get(column), (definition.slug, item["item_key"], column)


def test_built_in_german_uses_formal_address_and_german_numbers():
    for definition in read_exercises(BUILT_IN):
        for item in definition.items:
            own = item["translations"]["de"]["own_prompt"]
            assert not re.search(r"\b(du|dich|dir|dein\w*)\b", own, re.IGNORECASE), item["item_key"]
            for text in item["translations"]["de"].values():
                assert not re.search(r"\d\.\d\d?\b|\$\d|\bEUR \d", text), (item["item_key"], text)


# --------------------------------------------------------------------------- the loader
def test_the_loader_stores_german_and_pages_fall_back_to_english(app, app_ctx, tmp_path):
    load_exercises(_copy(tmp_path))
    exercise = exercise_catalogue.public_exercise(SLUG)
    item = next(item for item in exercise.items if item.item_key == "gss_natspac")
    assert exercise.translations["de"]["title"] == "Prioritäten bei Staatsausgaben (GSS 2018)"
    assert item.translations["de"]["label"] == "Raumfahrtprogramm"
    assert "2.348 Befragte" in item.translations["de"]["prompt"]
    cached = exercise_cache.exercise_items(exercise.id, exercise.content_hash).by_id[item.id]
    with _page(app, GERMAN):
        assert localised(exercise, "title") == "Prioritäten bei Staatsausgaben (GSS 2018)"
        assert localised(cached, "label") == "Raumfahrtprogramm"
        assert localised(cached, "research_sample") == item.research_sample.replace("respondents", "der Befragten")
        assert labels([item])["gss_natspac"] == "Raumfahrtprogramm"
        # A field without German (source is never translated) falls back to English.
        assert localised(exercise, "source") == exercise.source
    with _page(app, ENGLISH):
        assert localised(exercise, "title") == "Public spending priorities (GSS 2018)"
        assert localised(cached, "label") == item.label == "The space exploration program"
    # Commands and exports (no request) write English.
    assert localised(exercise, "title") == exercise.title


def test_an_exercise_without_german_shows_english_everywhere(app, app_ctx, tmp_path):
    root = _copy(tmp_path)
    english_only(root / SLUG)
    assert load_exercises(root) == {SLUG: "added"}
    exercise = exercise_catalogue.public_exercise(SLUG)
    assert exercise.translations == {} and all(item.translations == {} for item in exercise.items)
    with _page(app, GERMAN):
        assert localised(exercise, "title") == exercise.title
        assert localised(exercise.items[0], "prompt") == exercise.items[0].prompt


def test_german_choice_labels_keep_the_values(app, app_ctx, tmp_path):
    root = _copy(tmp_path)
    rows = _rows(root / SLUG / "items.csv")
    for row in rows:
        row.update(own_min="0", own_max="1", own_step="1", own_choices="0=No|1=Yes", own_choices_de="0=Nein|1=Ja")
    _write_rows(root / SLUG / "items.csv", rows)
    load_exercises(root)
    item = db.session.scalar(select(Item).where(Item.item_key == "gss_natheal"))
    cached = exercise_cache.exercise_items(item.exercise_id, item.exercise.content_hash).by_id[item.id]
    with _page(app, GERMAN):
        assert [dict(choice) for choice in localised_choices(cached)] == [
            {"value": 0.0, "label": "Nein"}, {"value": 1.0, "label": "Ja"}]
    with _page(app, ENGLISH):
        assert [choice["label"] for choice in localised_choices(item)] == ["No", "Yes"]


# --------------------------------------------------------------------------- versions
def test_a_changed_translation_of_an_answered_exercise_is_updated_in_place(app, app_ctx, tmp_path):
    root = _copy(tmp_path)
    load_exercises(root)
    answer = _answer("gss_natheal")
    exercise = exercise_catalogue.public_exercise(SLUG)
    old_hash = exercise.content_hash
    rows = _rows(root / SLUG / "items.csv")
    rows[1]["label_de"] = "Gesundheit der Bevölkerung"
    _write_rows(root / SLUG / "items.csv", rows)
    toml = root / SLUG / "exercise.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'title = "Prioritäten bei Staatsausgaben (GSS 2018)"', 'title = "Wofür der Staat Geld ausgeben soll"'),
        encoding="utf-8")

    assert load_exercises(root) == {SLUG: "translations updated"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Exercise.id))) == 1
    exercise = exercise_catalogue.public_exercise(SLUG)
    assert exercise.version == 1 and exercise.content_hash != old_hash
    assert exercise.translations["de"]["title"] == "Wofür der Staat Geld ausgeben soll"
    item = db.session.get(Item, answer.item_id)
    assert item.translations["de"]["label"] == "Gesundheit der Bevölkerung"
    assert db.session.get(Response, answer.id).item_id == item.id
    # The participant pages' cache follows the new hash, so they show the new German at once.
    snapshot = exercise_cache.exercise_items(exercise.id, exercise.content_hash)
    assert snapshot.by_id[item.id].translations["de"]["label"] == "Gesundheit der Bevölkerung"
    with _page(app, GERMAN):
        assert localised(exercise, "title") == "Wofür der Staat Geld ausgeben soll"
    assert load_exercises(root) == {SLUG: "unchanged"}


def test_a_changed_english_text_next_to_a_new_translation_still_makes_a_version(app_ctx, tmp_path):
    root = _copy(tmp_path)
    load_exercises(root)
    _answer("gss_natheal")
    rows = _rows(root / SLUG / "items.csv")
    rows[1].update(prompt="Clearer?", prompt_de="Klarer?")
    _write_rows(root / SLUG / "items.csv", rows)
    assert load_exercises(root) == {SLUG: "version 2"}
    current = exercise_catalogue.public_exercise(SLUG)
    assert next(i for i in current.items if i.item_key == "gss_natheal").translations["de"]["prompt"] == "Klarer?"


def test_a_database_loaded_before_german_gets_it_without_a_new_version(app_ctx, tmp_path):
    """The upgrade path: answers given on the English-only files, then `make run` with the German ones."""
    root = _copy(tmp_path)
    english = tmp_path / "english"
    shutil.copytree(root, english)
    english_only(english / SLUG)
    load_exercises(english)
    answer = _answer("gss_natheal")
    assert load_exercises(root) == {SLUG: "translations updated"}
    db.session.expire_all()
    exercise = exercise_catalogue.public_exercise(SLUG)
    assert exercise.version == 1 and exercise.translations["de"]["title"]
    assert all(item.translations["de"]["prompt"] for item in exercise.items)
    assert db.session.get(Response, answer.id).item.exercise_id == exercise.id


# --------------------------------------------------------------------------- the validator
def _edit_toml(folder: Path, old: str, new: str) -> None:
    toml = folder / "exercise.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new), encoding="utf-8")


def test_a_german_key_missing_from_the_table_is_named(tmp_path):
    folder = _copy(tmp_path) / SLUG
    german_period = re.search(r'\[de\][^\[]*?\nperiod = "[^"]*"\n', (folder / "exercise.toml").read_text()).group(0)
    _edit_toml(folder, german_period, german_period.replace('period = "2018"\n', "tagline = \"x\"\n"))
    assert _problems(folder) == [
        f"{folder}/exercise.toml, key 'de.tagline': is not a key that is translated. Fix: rename or remove it (the "
        f"translated keys are: {', '.join(TRANSLATED_EXERCISE_KEYS)})",
        f"{folder}/exercise.toml, key 'de.period': is missing or empty, but the exercise has a [de] table, which needs "
        "every text it has in English. Fix: add period = \"...\" under [de], or remove the whole table",
    ]


def test_an_empty_german_cell_names_its_row_and_column(tmp_path):
    folder = _copy(tmp_path) / SLUG
    rows = _rows(folder / "items.csv")
    rows[2]["own_prompt_de"] = ""
    rows[4]["segment_de"] = " "
    _write_rows(folder / "items.csv", rows)
    assert _problems(folder) == [
        f"{folder}/items.csv row 4, column 'own_prompt_de': is empty, but the items have text in 'de', which every "
        "row needs for every text it has in English. Fix: translate column 'own_prompt' of this row, or leave every "
        "*_de column empty",
        f"{folder}/items.csv row 6, column 'segment_de': is empty, but the items have text in 'de', which every row "
        "needs for every text it has in English. Fix: translate column 'segment' of this row, or leave every *_de "
        "column empty",
    ]


def test_a_missing_german_column_is_reported_once(tmp_path):
    folder = _copy(tmp_path) / SLUG
    rows = [{k: v for k, v in row.items() if k != "unit_de"} for row in _rows(folder / "items.csv")]
    _write_rows(folder / "items.csv", rows)
    assert _problems(folder) == [
        f"{folder}/items.csv, column 'unit_de': is missing, but the items have text in 'de', which every row needs "
        "for every text it has in English. Fix: add the column 'unit_de' to the header",
    ]


def test_german_in_one_file_only_is_refused(tmp_path):
    folder = _copy(tmp_path) / SLUG
    rows = _rows(folder / "items.csv")
    english_only(folder)
    assert _problems(folder) == []
    _write_rows(folder / "items.csv", rows)
    problems = _problems(folder)
    assert problems == [
        f"{folder}/exercise.toml: has no [de] table, but {folder}/items.csv has text in 'de'. Fix: add a [de] table "
        f"with {', '.join(TRANSLATED_EXERCISE_KEYS)} (those the exercise has in English), or empty the *_de columns",
    ]


def test_german_choices_must_keep_the_english_values(tmp_path):
    folder = _copy(tmp_path) / SLUG
    rows = _rows(folder / "items.csv")
    for row in rows:
        row.update(own_min="0", own_max="1", own_step="1", own_choices="0=No|1=Yes", own_choices_de="0=Nein|1=Ja")
    rows[3]["own_choices_de"] = "1=Ja|0=Nein"
    rows[5]["own_choices_de"] = ""
    _write_rows(folder / "items.csv", rows)
    assert _problems(folder) == [
        f"{folder}/items.csv row 5, column 'own_choices_de': does not have the values of own_choices, in the same "
        "order. Fix: translate only the labels: 0=No|1=Yes",
        f"{folder}/items.csv row 7, column 'own_choices_de': is empty, but the items have text in 'de', which every "
        "row needs for every text it has in English. Fix: translate column 'own_choices' of this row, or leave every "
        "*_de column empty",
    ]


def test_german_text_has_the_english_limits(tmp_path):
    folder = _copy(tmp_path) / SLUG
    rows = _rows(folder / "items.csv")
    rows[0]["unit_de"] = "Prozent " * 20
    _write_rows(folder / "items.csv", rows)
    _edit_toml(folder, 'title = "Prioritäten bei Staatsausgaben (GSS 2018)"', f'title = "{"x" * 201}"')
    assert _problems(folder) == [
        f"{folder}/exercise.toml, key 'de.title': is longer than 200 characters. Fix: shorten it",
        f"{folder}/items.csv row 2, column 'unit_de': longer than 80 characters. Fix: shorten it",
    ]


def test_an_upload_with_german_is_read_like_the_folder(tmp_path):
    folder = _copy(tmp_path) / SLUG
    definition, problems = validate_upload(SLUG, "exercise.toml", (folder / "exercise.toml").read_bytes(),
                                           "items.csv", (folder / "items.csv").read_bytes())
    assert problems == []
    assert definition.meta["de"] == tomllib.loads((folder / "exercise.toml").read_text())["de"]
    assert all(item["translations"]["de"]["prompt"] for item in definition.items)


def test_the_translation_columns_are_the_translated_texts_in_german():
    assert TRANSLATION_COLUMNS == tuple(f"{column}_de" for column in TRANSLATED_ITEM_COLUMNS)


@pytest.mark.parametrize("headers, first, neighbours", [
    (GERMAN, "Bahntickets: Zeit, Komfort und Preis",
     ["Natur und umweltbewusstes Verhalten (Kakadu-Befragung)", "Öko-Äpfel mit Preisaufschlag",
      "Orangensaft: Marken, Aktionen und Markentreue"]),
    (ENGLISH, "Eco-labelled apples at a premium",
     ["Framing, questions and mailings", "How people describe themselves", "Nature and green behaviour (Kakadu survey)"]),
])
def test_lists_of_exercises_follow_the_titles_in_the_pages_language(app, exercises, headers, first, neighbours):
    with _page(app, headers):
        titles = [localised(exercise, "title") for exercise in exercise_catalogue.landing_exercises()]
    start = titles.index(neighbours[0])
    assert titles[0] == first and titles[start : start + 3] == neighbours
