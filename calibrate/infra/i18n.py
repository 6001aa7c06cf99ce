"""Languages: which one a page is in, and the switch a person uses to change it.

The choice goes, first to last: the language a person picked with the switch
(a cookie), the workshop's language that its trainer set, the browser's
preferred language, English. Catalogues live in ``calibrate/translations``
(``make translations`` extracts and updates them; ``make install`` compiles).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, g, has_request_context, redirect, request
from flask_babel import Babel, get_locale, get_translations, refresh
# Jinja's own newstyle wrappers (autoescape, %-formatting, `num` for plurals), bound to one page's catalogue.
from jinja2.ext import _make_new_gettext, _make_new_ngettext

LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
COOKIE = "calibrate_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()


def select_language() -> str:
    if not has_request_context():  # the shell, the CLI, exports and background work speak English
        return DEFAULT_LANGUAGE
    picked = request.cookies.get(COOKIE)
    if picked in LANGUAGES:
        return picked
    workshop_language = g.get("workshop_language")
    if workshop_language in LANGUAGES:
        return workshop_language
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def use_workshop_language(language: str | None) -> None:
    """Pages of a workshop default to the language its trainer chose (None: each person's browser decides)."""
    g.workshop_language = language


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def _same_site_path(target: str | None) -> str:
    """Only a path on this site: the switch must not become an open redirect."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def switch_language(code: str):
    """Remember the picked language for a year and go back to the page the person was on."""
    if code not in LANGUAGES:
        abort(404)
    response = redirect(_same_site_path(request.args.get("next")))
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


def _choose_afresh() -> None:
    """Babel keeps the language on `g`, which lives as long as the app context: a context held open
    across requests (the shell, tests) must not carry one request's language, or the English of work
    done outside a request (loading exercises), into the next. It runs before every other hook, so a
    request refused early (calibrate.infra.input_guard) is answered in its own language too."""
    g.pop("workshop_language", None)
    refresh()


def _page_gettext() -> dict:
    """The page's gettext and ngettext, bound to its catalogue once per render.

    Flask-Babel's template callables look the catalogue up again on every call (context,
    domain, locale), which costs more than the lookup of the text itself on a page with
    thirty strings; the catalogue cannot change while one page renders.
    """
    translations = get_translations()
    return {"gettext": _make_new_gettext(translations.ugettext),
            "ngettext": _make_new_ngettext(translations.ungettext)}


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language)
    app.before_request_funcs.setdefault(None, []).insert(0, _choose_afresh)
    app.context_processor(_page_gettext)
    app.add_url_rule("/language/<code>", "switch_language", switch_language)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language)
