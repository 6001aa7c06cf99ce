"""The whole participant flow and its error pages in German, and in English, with nothing of the other left.

Exercise text is data whose German another part of the product supplies; here it is stood in for by
German placeholder text through the same ``localised`` lookup, so that only the pages' own words are tested.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import TooManyRequests

import calibrate.infra.templating
import calibrate.participant.feedback
from calibrate.domain.exercise_text import localised
from calibrate.infra.extensions import db
from tests.languages import english_words, visible_text
from tests.participant.conftest import token_from
from tests.participant.test_flow import egocentric_answers
from tests.trainer.rooms import make_account, make_workshop

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
# Words only German pages use: an English page must show none of them.
GERMAN_ONLY = re.compile(r"\b(?:Ihre|Sie|und|Vorhersage|Antwort|Übung)\b")


@pytest.fixture
def german_exercise_text(app, monkeypatch):
    """Exercise and item text as if the exercise file carried German for every field."""

    def in_german(source, field):
        english = localised(source, field)
        if not english:
            return english
        if field == "own_choices":
            return [{"value": choice["value"], "label": f"Wahl {number}"} for number, choice in enumerate(english, 1)]
        return "Übungstext"

    monkeypatch.setitem(app.jinja_env.filters, "localised", in_german)
    monkeypatch.setattr(calibrate.infra.templating, "localised", in_german)
    monkeypatch.setattr(calibrate.participant.feedback, "localised", in_german)


def english_page_text(page: str) -> str:
    """The visible text of an English page (whose <html lang="en"> english_words' reader would skip)."""
    return visible_text(page.replace('<html lang="en">', "<html>", 1))


def walk(client, headers: dict) -> dict[str, str]:
    """Every participant page of a workshop (perspective taking, questionnaire), with wrong input on the way."""
    workshop = make_workshop(make_account("languages@example.org"), conditions=("perspective",), ask_empathy=True,
                             title="Markenteam")
    pages = {"landing": client.get("/", headers=headers).text,
             "self-serve start": client.get("/e/public-spending", headers=headers).text,
             "join": client.get(f"/j/{workshop.code}", headers=headers).text,
             "join without consent": client.post(f"/j/{workshop.code}", data={"pseudonym": "x" * 41},
                                                 headers=headers).text,
             "no workshop": client.get("/j/ZZZZZZ", headers=headers).text}
    joined = client.post(f"/j/{workshop.code}", data={"consent": "y"}, headers=headers)
    token = token_from(joined.headers["Location"])
    pages["instructions"] = client.get(f"/p/{token}/instructions", headers=headers).text
    pages["instructions too short"] = client.post(f"/p/{token}/instructions", data={"description": "kurz"},
                                                  headers=headers).text
    location = client.post(f"/p/{token}/instructions", data={"description": "Menschen, die jeden Tag Nachrichten lesen."},
                           headers=headers).headers["Location"]
    pages["item"] = client.get(location, headers=headers).text
    pages["item with errors"] = client.post(location, data={"own": "abc", "prediction": "500", "lower": "9"},
                                            headers=headers).text
    for item in workshop.exercise.items:
        if "/item/" not in location:
            break
        location = client.post(location, data=egocentric_answers(item), headers=headers).headers["Location"]
    pages["questionnaire"] = client.get(location, headers=headers).text
    pages["questionnaire unanswered"] = client.post(location, data={}, headers=headers).text
    answers = {f"pt{number}": "3" for number in range(1, 8)}
    feedback = client.post(location, data=answers, headers=headers).headers["Location"]
    pages["feedback"] = client.get(feedback, headers=headers).text
    pages["delete"] = client.get(f"/p/{token}/delete", headers=headers).text
    workshop.state = "closed"
    db.session.commit()
    pages["closed workshop"] = client.get(f"/j/{workshop.code}", headers=headers).text
    pages["not found"] = client.get("/no/such/page", headers=headers).text
    return pages


def test_every_participant_page_is_german(client, exercises, german_exercise_text):
    pages = walk(client, GERMAN)
    for name, page in pages.items():
        assert '<html lang="de">' in page, name
        assert english_words(page) == [], (name, english_words(page))
    assert "Item 1 von 12" in pages["item"] and "Speichern und weiter" in pages["item"]
    assert "„abc“ ist keine Zahl" in pages["item with errors"]
    assert "zwischen 0 und 100" in pages["item with errors"]
    assert "Bitte wählen Sie eine Antwort." in pages["questionnaire unanswered"]
    assert "Egozentrisches Gewicht" in pages["feedback"] and "Was Sie als Nächstes tun können." in pages["feedback"]


def test_every_participant_page_is_english(client, exercises):
    pages = walk(client, ENGLISH)
    for name, page in pages.items():
        text = english_page_text(page).replace("Deutsch", "")
        assert '<html lang="en">' in page, name
        assert not GERMAN_ONLY.findall(text), (name, text)
    assert "For each of 12 items" in pages["join"] and "Egocentric weight" in pages["feedback"]


def test_the_feedback_writes_numbers_the_german_way(client, start, answer_all, german_exercise_text):
    token = start()
    answer_all(token, egocentric_answers)
    page = client.get(f"/p/{token}/feedback", headers=GERMAN).text
    german = visible_text(page)
    english = english_page_text(client.get(f"/p/{token}/feedback", headers=ENGLISH).text)
    assert "Punkte je 10" in german and "points per 10" in english
    assert "\u00a0%" in page and "95-%-KI" in german  # a no-break space keeps "42 %" on one line
    assert re.search(r"\b0,\d\d\b", german) and not re.search(r"\b0\.\d", german)  # weights, correlations
    assert re.search(r"\b0\.\d\d\b", english) and not re.search(r"\b0,\d", english)
    assert re.search(r"n = 2\.\d{3}, SE", german) and re.search(r"n = 2,\d{3}, SE", english)  # thousands


def test_a_choice_of_language_holds_for_the_whole_flow(client, exercises):
    """The footer switch beats the browser and the workshop's language on every page that follows."""
    workshop = make_workshop(make_account("switch@example.org"))
    workshop.language = "en"
    db.session.commit()
    client.get("/language/de")
    token = token_from(client.post(f"/j/{workshop.code}", data={"consent": "y"}, headers=ENGLISH).headers["Location"])
    instructions = client.get(f"/p/{token}/instructions", headers=ENGLISH).text
    assert '<html lang="de">' in instructions and "Weiter zu den Items" in instructions
    location = client.post(f"/p/{token}/instructions", headers=ENGLISH).headers["Location"]
    for item in workshop.exercise.items[:3]:
        page = client.get(location, headers=ENGLISH).text
        assert '<html lang="de">' in page and "Speichern und weiter" in page
        location = client.post(location, data=egocentric_answers(item), headers=ENGLISH).headers["Location"]


def test_the_join_page_follows_the_workshop_language(client, exercises):
    workshop = make_workshop(make_account("workshop-language@example.org"))
    workshop.language = "de"
    db.session.commit()
    page = client.get(f"/j/{workshop.code}", headers=ENGLISH).text
    assert '<html lang="de">' in page and "Übung starten" in page


@pytest.mark.parametrize("status", [404, 410, 429, 500, 503])
def test_error_pages_are_german(app_factory, status):
    app = app_factory()

    @app.get("/fails")
    def fails():
        from flask import abort

        if status == 429:
            raise TooManyRequests()
        abort(status)

    page = app.test_client().get("/fails", headers=GERMAN).text
    assert '<html lang="de">' in page and f"Fehler {status}" in page
    assert english_words(page) == [], english_words(page)
    assert "Zur Startseite" in page
    if status == 429:
        assert "in etwa <span data-retry-countdown>60</span> Sekunden" in page


def test_maintenance_page_is_german_and_the_api_stays_english(app_factory, exercises):
    client = app_factory(MAINTENANCE=True, MAINTENANCE_RETRY_AFTER=600).test_client()
    page = client.get("/", headers=GERMAN).text
    assert "Wartungsarbeiten" in page and "in etwa 10 Minuten" in page and english_words(page) == []
    error = client.get("/api/v1/exercises", headers=GERMAN).get_json()["error"]
    assert error["title"] == "Down for maintenance"


def test_a_bad_character_is_named_in_german(client, exercises):
    response = client.post("/e/public-spending", data={"pseudonym": "a\x00b", "consent": "y"}, headers=GERMAN)
    assert response.status_code == 400
    assert "Das Feld „pseudonym“ enthält ein NUL-Byte" in visible_text(response.text)


def test_market_research_and_round_two_are_german(client, exercises, german_exercise_text):
    """The pilot-survey cue on an item and the offer of a second round, on a German page."""
    workshop = make_workshop(make_account("research-de@example.org"), conditions=("market_research",),
                             round2_enabled=True, title="Markenteam")
    workshop.round2_open = True
    db.session.commit()
    token = token_from(client.post(f"/j/{workshop.code}", data={"consent": "y"}, headers=GERMAN).headers["Location"])
    location = client.post(f"/p/{token}/instructions", headers=GERMAN).headers["Location"]
    research_pages = []
    for item in workshop.exercise.items:
        if "/item/" not in location:
            break
        page = client.get(location, headers=GERMAN).text
        if 'class="market-research"' in page:
            research_pages.append(page)
        location = client.post(location, data=egocentric_answers(item), headers=GERMAN).headers["Location"]
    assert research_pages and all(english_words(page) == [] for page in research_pages)
    assert "Eine Vorstudie mit" in research_pages[0]
    feedback = client.get(f"/p/{token}/feedback", headers=GERMAN).text
    assert "Runde 2 ist geöffnet" in feedback and "Runde 2 starten" in feedback
    assert english_words(feedback) == [], english_words(feedback)
