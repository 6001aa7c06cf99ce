"""The engine's words and numbers in the language of the page (the engine's side is analysis.wording).

The engine writes English with a decimal point; here its sentences are
translated as a whole and its numbers get the separators of the page's
language (German: 1.234,5). Numbers are rounded as Python rounds them, so
English pages read exactly as before and German ones differ only in signs.
"""

from __future__ import annotations

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale, gettext

from analysis.wording import Wording


def number(value: float, digits: int) -> str:
    """``value`` with exactly ``digits`` decimals and the page language's decimal and thousands signs."""
    locale = get_locale()
    text = f"{value:,.{digits}f}"
    if locale is None:
        return text
    return text.translate({ord(","): get_group_symbol(locale), ord("."): get_decimal_symbol(locale)})


def decimal_sign() -> str:
    locale = get_locale()
    return "." if locale is None else get_decimal_symbol(locale)


def translated(text: str) -> str:
    """An engine text (metric label, test title, reason) in the page's language; unknown text stays as it is."""
    return page_wording().phrase(text)


def page_wording() -> Wording:
    """How the engine writes sentences and numbers for this request's page."""
    return Wording(translate=gettext, number=number)
