"""The authoring pages in German: the exercises list, both uploads and a computed draft."""

from __future__ import annotations

import re
from html import escape

from tests.authoring.survey_fixture import META, SPECS, item_texts, survey_frame
from tests.authoring.test_survey_authoring import draft_id, form_data, upload
from tests.trainer.german import DE, german_leftovers


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
    own_words = [*META.values(), *(text for spec in SPECS for text in (*item_texts(spec).values(), *spec.values()))]
    # The pilot sample is described in the item's own data ("2 of the 24 respondents"), as participants see it.
    page = re.sub(r"\(\d+ of the \d+ respondents\)", " ", page)
    for text in sorted((text for text in own_words if len(text) > 2), key=len, reverse=True):
        page = page.replace(escape(text), " ").replace(escape(text).replace("&#x27;", "&#39;"), " ")
    assert german_leftovers(page) == []
