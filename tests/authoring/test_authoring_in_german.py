"""The authoring pages in German: the exercises list, both uploads, a computed draft and their problem lists."""

from __future__ import annotations

import io
import re
import zipfile
from html import escape

from tests.authoring.survey_fixture import META, SPECS, item_texts, survey_frame
from tests.authoring.test_exercise_management import broken_exercise, upload_files
from tests.authoring.test_survey_authoring import broken_draft, draft_id, form_data, upload
from tests.trainer.german import DE, german_leftovers


def _without_own_words(page: str, specs: list[dict], meta: dict) -> str:
    """The page without the words the trainer typed into the draft (their data, in their language)."""
    own_words = [*meta.values(), *(text for spec in specs for text in (*item_texts(spec).values(), *spec.values()))]
    # The pilot sample is described in the item's own data ("2 of the 24 respondents"), as participants see it.
    page = re.sub(r"\(\d+ of the \d+ respondents\)", " ", page)
    for text in sorted((text for text in own_words if len(text) > 2), key=len, reverse=True):
        page = page.replace(escape(text), " ").replace(escape(text).replace("&#x27;", "&#39;"), " ")
    return page


def test_exercises_and_uploads_are_german(trainer_client, app_ctx):
    for url in ("/trainer/exercises/", "/trainer/exercises/upload", "/trainer/exercises/survey"):
        page = trainer_client.get(url, headers=DE).text
        assert '<html lang="de">' in page and german_leftovers(page) == [], url
    missing = trainer_client.post("/trainer/exercises/upload", data={}, headers=DE).text
    assert "Nicht gespeichert: zuerst 1 Problem beheben" in missing and "Keine Datei ausgewählt" in missing


def test_a_computed_draft_is_german_apart_from_the_trainers_own_words(trainer_client, app_ctx):
    draft = draft_id(upload(trainer_client, "shoppers.csv", survey_frame().to_csv(index=False).encode()))
    page = trainer_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(SPECS, META), headers=DE).text
    assert "Alle Items berechnet und geprüft: bereit zum Speichern." in page and "Erhobener Wert" in page
    assert german_leftovers(_without_own_words(page, SPECS, META)) == []


def _broken_exercise_zip() -> bytes:
    toml, items = broken_exercise(truth="180.5")
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("apples/exercise.toml", toml)
        archive.writestr("apples/items.csv", items)
    return bundle.getvalue()


def test_the_problems_of_an_exercise_zip_are_german_on_a_german_page(trainer_client, app_ctx):
    body = _broken_exercise_zip()
    page = trainer_client.post("/trainer/exercises/upload", data={"bundle": (io.BytesIO(body), "apples.zip")},
                               content_type="multipart/form-data", headers=DE)
    assert page.status_code == 422
    for text in (
        "apples.zip: exercise.toml, Schlüssel &#39;decision_kind&#39;: unbekannte Entscheidungsart "
        "&#39;branding&#39;. Lösung: Schreiben Sie &#39;brand&#39; (die Entscheidungsarten sind:",
        "apples.zip: items.csv Zeile 2, Spalte &#39;truth&#39;: 180,5 liegt außerhalb von [0, 100]. "
        "Lösung: Prüfen Sie den erhobenen Wert",
        "apples.zip: items.csv Zeile 4, Spalte &#39;item_id&#39;:",
        "apples.zip: items.csv Zeile 5, Spalte &#39;min&#39;: &#39;abc&#39; ist keine Zahl. Lösung: Schreiben Sie",
    ):
        assert text in page.text, text
    assert german_leftovers(page.text) == []
    english = upload_files(trainer_client, {"bundle": (io.BytesIO(body), "apples.zip")}).text
    for text in (
        "apples.zip: exercise.toml, key &#39;decision_kind&#39;: unknown decision kind &#39;branding&#39;. "
        "Fix: write &#39;brand&#39; (the decision kinds are:",
        "apples.zip: items.csv row 2, column &#39;truth&#39;: 180.5 is outside [0, 100]. Fix: check the recorded value",
        "apples.zip: items.csv row 5, column &#39;min&#39;: &#39;abc&#39; is not a number. Fix: write a plain number",
    ):
        assert text in english, text


def test_the_problems_of_a_survey_file_are_german_on_a_german_page(trainer_client, app_ctx):
    page = trainer_client.post("/trainer/exercises/survey", data={"survey": (io.BytesIO(b"brand,brand,\n"), "bad.csv")},
                               content_type="multipart/form-data", headers=DE)
    assert page.status_code == 422
    for text in ("bad.csv: hat eine Kopfzeile, aber keine Zeilen. Lösung: Fügen Sie",
                 "bad.csv, Spalte 3: hat keinen Namen. Lösung: Geben Sie jeder Spalte eine Überschrift",
                 "bad.csv: hat doppelte Spaltennamen"):
        assert text in page.text, text
    assert german_leftovers(page.text) == []
    latin = trainer_client.post("/trainer/exercises/survey", headers=DE, content_type="multipart/form-data",
                                data={"survey": (io.BytesIO("brand\nCr\u00e8me\n".encode("latin-1")), "latin.csv")})
    assert "latin.csv Zeile 2: ist kein UTF-8-Text (Byte 0xe8)" in latin.text
    assert german_leftovers(latin.text) == []


def test_the_problems_of_a_draft_are_german_and_name_the_items_by_number(trainer_client, app_ctx):
    draft = draft_id(upload(trainer_client, "shoppers.csv", survey_frame().to_csv(index=False).encode()))
    specs, meta = broken_draft()
    page = trainer_client.post(f"/trainer/exercises/drafts/{draft}", data=form_data(specs, meta, action="save"),
                               headers=DE)
    assert page.status_code == 422
    for text in (
        "Item 1, Antwortoption: &#39;Dash&#39; ist keine Antwort in Spalte &#39;brand&#39;",
        "Item 7, Skala: braucht ihren kleinsten und größten Wert",
        "Item 8, Spalte &#39;currency&#39;: &#39;EURO&#39; ist kein Währungscode",
        "Item 2, Spalte &#39;item_id&#39;: &#39;acme&#39; wiederholt Zeile 2",
        "Beschreibung, Schlüssel &#39;title&#39;: fehlt oder ist leer",
    ):
        assert text in page.text, text
    # Item 1 could not be computed: its reason is listed once, not again as an empty truth.
    assert "Item 1, Spalte &#39;truth&#39;" not in page.text and "Zeile 2, Spalte" not in page.text
    assert german_leftovers(_without_own_words(page.text, specs, meta)) == []
