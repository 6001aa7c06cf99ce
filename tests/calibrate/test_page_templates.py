"""Templates compiled per page language: fixed texts translated once, pages word for word as before."""

from __future__ import annotations

import re

import pytest

from calibrate.infra.i18n import COOKIE
from calibrate.infra.page_templates import PageLanguageEnvironment
from tests.participant.conftest import token_from

SOURCE = (
    '{{ _("Save and next") }}|{{ gettext("Back") }}|{{ _("80%% sure:") }}|'
    '{{ _("Item %(number)s of %(total)s", number=2, total=20) }}|{{ words._("Back") }}|'
    "{{ _('Save and finish') if last else _('Save and next') }}|<b title=\"{{ _('Progress') }}\">|"
    '{{ _("%(count)s saved", count=words.join(["<i>", (1, 2)|length|string],),) }}'
)


class Words:
    @staticmethod
    def _(text):
        return f"<{text}>"

    @staticmethod
    def join(parts):
        return "".join(parts)


def _both(app, language: str, source: str, **context) -> tuple[str, str, str]:
    """(rendered with fixed texts folded, rendered with every text a call, the folded template's code)."""
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}={language}"}):
        app.preprocess_request()
        app.update_template_context(context)
        base = app.jinja_env
        folding = base._for_page()
        assert folding is not base and folding.fixed_text is not None
        code = folding.compile(source, raw=True)
        return folding.from_string(source).render(context), base.from_string(source).render(context), code


@pytest.mark.parametrize("language", ["en", "de"])
def test_fixed_texts_read_the_same_as_calls_and_are_no_calls(app, language):
    folded, called, code = _both(app, language, SOURCE, words=Words(), last=False)
    assert folded == called
    texts = folded.split("|")
    assert texts[2] in ("80% sure:", "80\xa0% sicher:"), "%-formatted like the call"
    assert texts[4] == "&lt;Back&gt;", "a method called _ is not a translation"
    assert texts[7].startswith("&lt;i&gt;2"), "words are escaped, nested brackets and commas kept"
    if language == "de":
        assert texts[0] != "Save and next" and texts[3] == "Item 2 von 20"
    assert not re.search(r"context\.call\(\(undefined\(name='(_|gettext)'\)", code), "no text is a call"
    if language == "de":
        assert "Markup('%(count)s gespeichert') % {'count': " in code, "a text with words: its translation, formatted when rendered"


def test_a_german_item_page_is_the_same_with_and_without_folding(app, client, exercises, monkeypatch):
    client.set_cookie(COOKIE, "de")
    token = token_from(client.post("/e/public-spending", data={"consent": "y"}).headers["Location"])
    client.post(f"/p/{token}/instructions", data={"description": "Pensioners in a small town who cook at home."})
    location = client.get(f"/p/{token}").headers["Location"]
    folded = client.get(location).text
    monkeypatch.setattr(PageLanguageEnvironment, "_for_page", lambda self: self)
    called = client.get(location).text
    assert "/item/" in location and '<html lang="de">' in folded
    assert folded == called


def test_templates_read_outside_the_app_keep_their_texts_as_calls(app):
    """Tools that load a template without an app context get the app's own environment, which folds nothing."""
    template = app.jinja_env.get_template("participant/item.html")
    assert template.environment is app.jinja_env and app.jinja_env.fixed_text is None


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_template_compiles_with_its_texts_folded(app, language):
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}={language}"}):
        folding = app.jinja_env._for_page()
        names = [name for name in folding.list_templates() if name.endswith(".html")]
        assert len(names) > 40
        for name in names:
            assert folding.get_template(name).environment is folding
