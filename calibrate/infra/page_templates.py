"""Templates compiled once per page language, with their fixed texts already translated.

Most texts on a page are fixed words, ``{{ _("Save and next") }}``: the same for every
request in a language, yet each one is a call at render time (the call through Jinja's
context, the catalogue lookup, the markup). An item page has about twenty. Here each page
language gets its own Jinja environment, an overlay of the app's one that shares its loader,
globals and filters and keeps its own compiled templates, and while it compiles a template,
:class:`FixedTexts` puts the translation of every ``_("...")`` or ``gettext("...")`` with
a literal and no words in place of the call. The page reads the same, word for word:
the translation is the one the template's own ``_`` would have returned at render time
(calibrate.infra.i18n), markup-safe and %-formatted. Texts with words
(``_("Item %(number)s of %(total)s", ...)``) and ``{% trans %}`` blocks stay calls.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from flask.templating import Environment
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from calibrate.infra.i18n import page_language

GETTEXT_NAMES = frozenset({"_", "gettext"})


class FixedTexts(Extension):
    """Replaces ``_("literal")`` by its translation, marked safe, in environments that have a page language."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        translate = getattr(self.environment, "fixed_text", None)
        if translate is None:
            yield from stream
            return
        window: list[Token] = []
        previous_type = None
        for token in stream:
            window.append(token)
            if len(window) < 4:
                continue
            name, opening, literal, closing = window
            if (name.type == "name" and name.value in GETTEXT_NAMES and previous_type != "dot"
                    and opening.type == "lparen" and literal.type == "string" and closing.type == "rparen"):
                line = name.lineno
                yield Token(line, "lparen", "(")
                yield Token(line, "string", str(translate(literal.value)))
                yield Token(line, "pipe", "|")
                yield Token(line, "name", "safe")
                yield Token(line, "rparen", ")")
                window.clear()
                previous_type = "rparen"
                continue
            previous_type = name.type
            yield window.pop(0)
        yield from window


class PageLanguageEnvironment(Environment):
    """Flask's template environment, handing each template request to the overlay of the page's language.

    The app's own environment (``fixed_text`` None) keeps every text a call: it serves work
    outside a request. Each overlay is made on the first page in its language and translates
    fixed texts while compiling (:class:`FixedTexts`).
    """

    fixed_text = None

    def __init__(self, app, **options) -> None:
        options["extensions"] = [*options.get("extensions", ()), FixedTexts]
        super().__init__(app, **options)
        self._languages: dict = {}
        self._lock = threading.Lock()

    def get_template(self, name, parent=None, globals=None):
        return self._for_page().get_template_here(name, parent, globals)

    def select_template(self, names, parent=None, globals=None):
        return self._for_page().select_template_here(names, parent, globals)

    def get_template_here(self, name, parent=None, globals=None):
        return super().get_template(name, parent, globals)

    def select_template_here(self, names, parent=None, globals=None):
        return super().select_template(names, parent, globals)

    def _for_page(self) -> Environment:
        if self.fixed_text is not None:  # an overlay: its templates are already in its language
            return self
        language = page_language()
        translate = language.template_callables.get("_")
        if translate is None:  # outside a request
            return self
        overlay = self._languages.get(language.code)
        if overlay is None:
            with self._lock:
                overlay = self._languages.get(language.code)
                if overlay is None:
                    overlay = self.overlay(cache_size=self.cache.capacity if self.cache is not None else 0)
                    overlay.fixed_text = translate
                    self._languages[language.code] = overlay
        return overlay
