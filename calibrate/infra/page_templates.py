"""Templates compiled once per page language, with their fixed texts already translated.

Most texts on a page are fixed words, ``{{ _("Save and next") }}``: the same for every
request in a language, yet each one is a call at render time (the call through Jinja's
context, the catalogue lookup, the markup). An item page has about twenty. Here each page
language gets its own Jinja environment, an overlay of the app's one that shares its loader,
globals and filters and keeps its own compiled templates, and while it compiles a template,
:class:`FixedTexts` puts the translation of every ``_("...")`` or ``gettext("...")`` with
a literal and no words in place of the call. The page reads the same, word for word:
the translation is the one the template's own ``_`` would have returned at render time
(calibrate.infra.i18n), markup-safe and %-formatted. A text with words,
``_("Item %(number)s of %(total)s", number=n, total=t)``, becomes its translation,
markup-safe, %-formatted with those words at render time, which escapes them: again what
the call did. ``{% trans %}`` blocks stay calls.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from flask.templating import Environment
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from calibrate.infra.i18n import page_language

GETTEXT_NAMES = frozenset({"_", "gettext"})


OPENING = {"lparen", "lbracket", "lbrace"}
CLOSING = {"rparen", "rbracket", "rbrace"}


class FixedTexts(Extension):
    """Puts translations in place of ``_("literal")`` and ``_("literal", word=...)`` in environments with a page language."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        if getattr(self.environment, "fixed_text", None) is None:
            yield from stream
            return
        tokens = iter(stream)
        previous = None
        for token in tokens:
            if token.type == "name" and token.value in GETTEXT_NAMES and (previous is None or previous.type != "dot"):
                call = _call_tokens(token, tokens)
                folded = self._folded(call)
                yield from folded if folded is not None else call
                previous = call[-1]
            else:
                yield token
                previous = token

    def _folded(self, call: list[Token]) -> list[Token] | None:
        """The tokens of the call's translation, or None when the call is not one with a literal and only named words."""
        if len(call) < 4 or call[1].type != "lparen" or call[2].type != "string" or call[-1].type != "rparen":
            return None
        line, message = call[0].lineno, call[2].value
        if call[3].type == "rparen":
            return [Token(line, "lparen", "("), Token(line, "string", str(self.environment.fixed_text(message))),
                    Token(line, "pipe", "|"), Token(line, "name", "safe"), Token(line, "rparen", ")")]
        if call[3].type != "comma":
            return None
        words = _named_words(call[4:-1])
        if words is None:
            return None
        folded = [Token(line, "lparen", "("), Token(line, "lparen", "("),
                  Token(line, "string", self.environment.translate(message)), Token(line, "pipe", "|"),
                  Token(line, "name", "safe"), Token(line, "rparen", ")"), Token(line, "mod", "%"),
                  Token(line, "lbrace", "{")]
        for name, value in words:
            folded += [Token(line, "string", name), Token(line, "colon", ":"), *value, Token(line, "comma", ",")]
        return folded + [Token(line, "rbrace", "}"), Token(line, "rparen", ")")]


def _call_tokens(name: Token, tokens: Iterator[Token]) -> list[Token]:
    """The name and, when a call follows, every token up to its closing parenthesis."""
    call = [name]
    following = next(tokens, None)
    if following is None:
        return call
    call.append(following)
    if following.type != "lparen":
        return call
    depth = 1
    for token in tokens:
        call.append(token)
        depth += (token.type in OPENING) - (token.type in CLOSING)
        if depth == 0:
            break
    return call


def _named_words(arguments: list[Token]) -> list[tuple[str, list[Token]]] | None:
    """``[(name, value tokens)]`` for ``name=value, ...`` (a trailing comma allowed); None for anything else."""
    words, depth, current = [], 0, []
    for token in [*arguments, Token(0, "comma", ",")]:
        if token.type == "comma" and depth == 0:
            if current:
                if len(current) < 3 or current[0].type != "name" or current[1].type != "assign":
                    return None
                words.append((current[0].value, current[2:]))
            current = []
            continue
        depth += (token.type in OPENING) - (token.type in CLOSING)
        current.append(token)
    return words


class PageLanguageEnvironment(Environment):
    """Flask's template environment, handing each template request to the overlay of the page's language.

    The app's own environment (``fixed_text`` None) keeps every text a call: it serves
    ``from_string`` and code outside an app context. Each overlay is made on the first page in
    its language and translates texts while compiling (:class:`FixedTexts`).
    """

    fixed_text = None  # the page language's ``_`` in an overlay
    translate = None  # the page language's catalogue lookup (gettext without formatting) in an overlay

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
        if translate is None:  # no app context: no page language
            return self
        overlay = self._languages.get(language.code)
        if overlay is None:
            with self._lock:
                overlay = self._languages.get(language.code)
                if overlay is None:
                    overlay = self.overlay(cache_size=self._cache_size())
                    overlay.fixed_text, overlay.translate = translate, language.wording.translate
                    self._languages[language.code] = overlay
        return overlay

    def _cache_size(self) -> int:
        """The app's template cache size, for an overlay's own cache (Jinja: 0 none, -1 unbounded)."""
        if self.cache is None:
            return 0
        return getattr(self.cache, "capacity", -1)
