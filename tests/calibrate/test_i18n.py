"""English and German: the choice of language, the switch, and complete catalogues."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import gettext

import calibrate
from calibrate.infra.extensions import db
from calibrate.infra.i18n import COOKIE, current_language, use_workshop_language
from tests.languages import english_words
from tests.participant.conftest import token_from
from tests.trainer.rooms import make_account, make_workshop

CATALOGUES = Path(calibrate.__file__).parent / "translations"
REPOSITORY = Path(__file__).parents[2]


def test_the_browser_language_decides_by_default(client):
    german = client.get("/", headers={"Accept-Language": "de-CH,de;q=0.9,en;q=0.5"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "fr,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="de">' in german and "Anmeldung für Trainer" in german
    assert '<html lang="en">' in english and "Trainer sign-in" in english


def test_the_switch_remembers_the_pick_and_goes_back(client):
    response = client.get("/language/de?next=/trainer/login?x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/trainer/login?x=1"
    cookie = client.get_cookie(COOKIE)
    assert cookie.value == "de" and cookie.http_only and cookie.same_site == "Lax"
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="de">' in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_the_switch_never_leaves_the_site(client, target):
    assert client.get("/language/en", query_string={"next": target}).headers["Location"] == "/"


def test_an_unknown_language_is_not_found(client):
    assert client.get("/language/xx").status_code == 404


def test_a_workshop_language_comes_before_the_browser_and_after_the_pick(app_ctx, client, exercises):
    workshop = make_workshop(make_account("lang@example.org"))
    workshop.language = "de"
    db.session.commit()
    page = client.get(f"/j/{workshop.code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="de">' in page
    client.get("/language/en")
    page = client.get(f"/j/{workshop.code}", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def _catalogue(language: str):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_marked_text_is_in_the_template_and_translated(tmp_path):
    """`make translations` was run after the last change of text, and German has every message."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
         "lazy_gettext", "-k", "N_", "--no-location", "--sort-output", "-o", str(fresh), "."],
        cwd=REPOSITORY, check=True, capture_output=True,
    )
    with open(fresh, "rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    german = _catalogue("de")
    missing = sorted(str(key) for key in wanted if key not in german or not german[key].string)
    assert not missing, f"not translated into German: {missing[:10]}"
    fuzzy = sorted(str(message.id) for message in german if message.id and message.fuzzy)
    assert not fuzzy, f"fuzzy (unchecked) German translations: {fuzzy[:10]}"


def test_translations_keep_their_placeholders():
    problems = [(message.id, errors) for message, errors in _catalogue("de").check() if errors]
    assert not problems


def test_english_words_are_found_on_a_page_and_names_are_allowed():
    page = ('<html><body><p>Ihre Vorhersage</p><p>Save your answer</p><a lang="en">English</a>'
            "<em>Journal of Marketing Research</em><script>var the = 1;</script></body></html>")
    hits = english_words(page)
    assert len(hits) == 3 and all("Save your answer" in hit for hit in hits)


def test_a_workshop_language_set_after_a_text_was_translated_still_takes_effect(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert current_language() == "en"
        use_workshop_language("de")
        assert current_language() == "de" and str(gettext("Back")) == "Zurück"


def test_the_item_page_follows_the_workshop_language(app_ctx, client, exercises):
    workshop = make_workshop(make_account("item-lang@example.org"))
    workshop.language = "de"
    db.session.commit()
    joined = client.post(f"/j/{workshop.code}", data={"consent": "y"}, headers={"Accept-Language": "en"})
    token = token_from(joined.headers["Location"])
    client.post(f"/p/{token}/instructions", data={"description": "Retired teachers who vote in every election."})
    page = client.get(f"/p/{token}", follow_redirects=True, headers={"Accept-Language": "en"})
    assert "/item/" in page.request.path and '<html lang="de">' in page.text


@pytest.mark.parametrize(("language", "message"), [("en", "This field is required."), ("de", "Dieses Feld wird benötigt.")])
def test_wtforms_own_messages_follow_the_page_language(app, language, message):
    """AppForm keeps WTForms' catalogue per language instead of reading it in every request; the words stay right."""
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from calibrate.infra.form_fields import AppForm

    class Probe(AppForm):
        name = StringField(validators=[DataRequired()])

    for _ in range(2):  # the second form reads the kept catalogue
        with app.test_request_context("/", method="POST", data={}, headers={"Accept-Language": language}):
            form = Probe(meta={"csrf": False})
            assert not form.validate()
            assert form.name.errors == [message]
