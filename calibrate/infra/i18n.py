"""Languages: which one a page is in, and the switch a person uses to change it.

The choice goes, first to last: the language a person picked with the switch
(a cookie), the workshop's language that its trainer set, the browser's
preferred language, English. Catalogues live in ``calibrate/translations``
(``make translations`` extracts and updates them; ``make install`` compiles).
"""

from __future__ import annotations

from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from dataclasses import dataclass

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Flask, abort, current_app, g, has_app_context, has_request_context, redirect, request
from flask_babel import Babel, force_locale, get_locale, get_translations, refresh
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from analysis.wording import ENGLISH, Wording
from calibrate.infra.kept import Kept, fixed_url

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
    return browser_language(request.headers.get("Accept-Language", ""))


_browser_choices = Kept(1024)


def browser_language(accept_language: str) -> str:
    """The best of our languages for a browser's ``Accept-Language`` header, worked out once per header:
    a room's browsers send a handful of different ones, and parsing one costs more than the rest of the choice."""
    code = _browser_choices.get(accept_language)
    if code is None:
        code = parse_accept_header(accept_language, LanguageAccept).best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
        _browser_choices.keep(accept_language, code)
    return code


def use_workshop_language(language: str | None) -> None:
    """Pages of a workshop default to the language its trainer chose (None: each person's browser decides).

    Usually the workshop is known before anything on the page is translated; when a text was
    translated earlier in the request, the page's language is chosen again.
    """
    g.workshop_language = language
    if "page_language" in g:
        g.pop("page_language")
        refresh()


def _same_site_path(target: str | None) -> str:
    """Only a path on this site: the switch must not become an open redirect."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def language_links() -> list[tuple[str, str, str]]:
    """(code, name, link) of each language for the footer's switch; each link comes back to this page."""
    back = url_quote(request.full_path.rstrip("?"), safe="/")
    return [(code, name, f"{fixed_url('switch_language', code=code)}?next={back}") for code, name in LANGUAGES.items()]


def switch_language(code: str):
    """Remember the picked language for a year and go back to the page the person was on."""
    if code not in LANGUAGES:
        abort(404)
    response = redirect(_same_site_path(request.args.get("next")))
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


def choose_afresh() -> None:
    """Babel keeps the language on `g`, which lives as long as the app context: a context held open
    across requests (the shell, tests) must not carry one request's language, or the English of work
    done outside a request (loading exercises), into the next. It runs before every other hook, so a
    request refused early (calibrate.infra.input_guard) is answered in its own language too. A request
    in an app context of its own (every request under gunicorn) finds `g` empty: nothing to forget."""
    if not vars(g._get_current_object()):
        return
    g.pop("workshop_language", None)
    g.pop("page_language", None)
    refresh()


def _template_callables(translations) -> dict:
    """``_``, ``gettext`` and ``ngettext`` for templates, bound to one catalogue.

    They do what Jinja's "newstyle" gettext does in an autoescaped template (every page
    here is one): the translation is markup-safe, the words put into it are escaped, and
    it is always %-formatted, so ``%%`` is a percent sign with or without words. Plain
    functions: Flask-Babel's look the catalogue up again on every call (context, domain,
    locale) and Jinja's pass the template context through two more calls, which together
    cost more than the lookups on a page with thirty strings.
    """
    ugettext, ungettext = translations.ugettext, translations.ungettext
    without_words: dict[str, Markup] = {}  # most of a page's texts: the same markup every time

    def gettext(message: str, /, **words) -> Markup:
        if not words:
            text = without_words.get(message)
            if text is None:
                text = without_words[message] = Markup(ugettext(message)) % {}
            return text
        return Markup(ugettext(message)) % words

    def ngettext(singular: str, plural: str, num: int, /, **words) -> Markup:
        words.setdefault("num", num)
        return Markup(ungettext(singular, plural, num)) % words

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


@dataclass(frozen=True)
class PageLanguage:
    """A page language's catalogue and number signs, looked up once: neither changes while the app runs."""

    code: str
    wording: Wording
    decimal_sign: str
    template_callables: dict

    @classmethod
    def of(cls, locale: Locale, translations) -> PageLanguage:
        decimal = get_decimal_symbol(locale)
        signs = {ord(","): get_group_symbol(locale), ord("."): decimal}

        def number(value: float, digits: int) -> str:
            return f"{value:,.{digits}f}".translate(signs)

        return cls(str(locale), Wording(translate=translations.ugettext, number=number), decimal,
                   _template_callables(translations))


ENGLISH_OUTSIDE_REQUESTS = PageLanguage(DEFAULT_LANGUAGE, ENGLISH, ".", {})
PAGE_LANGUAGES = "calibrate.page_languages"
"""Key in ``app.extensions``: each language's :class:`PageLanguage`, built the first time a page needs it."""


def page_language() -> PageLanguage:
    """The language of this request's page; English with a decimal point where no app is running.

    Chosen by the same rule as Flask-Babel's locale (:func:`select_language`), and kept on ``g``
    for the rest of the request: a page asks for it a dozen times. Each language's catalogue and
    number signs are looked up once per app, since neither changes while it runs.
    """
    if not has_app_context():
        return ENGLISH_OUTSIDE_REQUESTS
    # Through the proxy's documented _get_current_object: ``g.get`` resolves the proxy twice, 3 µs,
    # and a feedback page asks several hundred times (every localised text and number).
    request_globals = g._get_current_object()
    chosen = getattr(request_globals, "page_language", None)
    if chosen is not None:
        return chosen
    code = select_language()
    languages = current_app.extensions.setdefault(PAGE_LANGUAGES, {})
    language = languages.get(code)
    if language is None:
        with force_locale(code):
            language = languages[code] = PageLanguage.of(get_locale(), get_translations())
    request_globals.page_language = language
    return language


def current_language() -> str:
    return page_language().code


def _page_gettext() -> dict:
    """The page's gettext callables, bound to its catalogue."""
    return page_language().template_callables


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language)
    app.before_request_funcs.setdefault(None, []).insert(0, choose_afresh)
    app.context_processor(_page_gettext)
    app.add_url_rule("/language/<code>", "switch_language", switch_language)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language,
                                language_links=language_links)
