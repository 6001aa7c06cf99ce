"""The engine's words in any language, without the engine knowing about languages.

Text the engine writes for people (metric labels, feedback sentences, units)
is English here. Labels are marked with :func:`N_` so that ``make
translations`` collects them; the web app translates them where it shows
them. Sentences that carry numbers are composed through a :class:`Wording`:
the default writes English with a decimal point, and the web app passes one
that translates each whole sentence (word order included) and writes numbers
the way the page's language does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ENGLISH", "N_", "Phrase", "Wording"]


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it (the catalogue tools look for this name)."""
    return text


class Phrase(str):
    """English text made from a catalogue message and the words put into it, translatable as a whole.

    It is the English string everywhere a string is expected; the web app
    translates ``message`` and fills in ``words`` again.

    >>> Phrase("needs at least %(minimum)s items", minimum=2)
    'needs at least 2 items'
    """

    message: str
    words: dict

    def __new__(cls, message: str, **words) -> Phrase:
        phrase = super().__new__(cls, message % words)
        phrase.message, phrase.words = message, words
        return phrase


def _decimal(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


@dataclass(frozen=True)
class Wording:
    """How sentences are translated and numbers written.

    ``translate(text)`` returns a catalogue text in the reader's language;
    ``number(value, digits)`` writes a number with exactly ``digits``
    decimals and the language's separators.
    """

    translate: Callable[[str], str] = N_
    number: Callable[[float, int], str] = _decimal

    def gettext(self, message: str, /, **words) -> str:
        """``message`` translated, with its ``%(name)s`` places filled (``%%`` is a percent sign)."""
        return self.translate(message) % words

    def phrase(self, text: str) -> str:
        """An engine text in the reader's language; a :class:`Phrase` is translated whole, with its words."""
        if isinstance(text, Phrase):
            return self.gettext(text.message, **{name: self.phrase(word) if isinstance(word, str) else word
                                                 for name, word in text.words.items()})
        return self.translate(text) if text else text


ENGLISH = Wording()
"""English with a decimal point and a comma between thousands."""
