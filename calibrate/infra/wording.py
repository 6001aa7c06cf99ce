"""The engine's words and numbers in the language of the page (the engine's side is analysis.wording).

The engine writes English with a decimal point; here its sentences are
translated as a whole and its numbers get the separators of the page's
language (German: 1.234,5). Numbers are rounded as Python rounds them, so
English pages read exactly as before and German ones differ only in signs.
"""

from __future__ import annotations

from analysis.wording import Wording
from calibrate.infra.i18n import page_language


def page_wording() -> Wording:
    """How the engine writes sentences and numbers for this request's page."""
    return page_language().wording


def number(value: float, digits: int) -> str:
    """``value`` with exactly ``digits`` decimals and the page language's decimal and thousands signs."""
    return page_language().wording.number(value, digits)


def decimal_sign() -> str:
    return page_language().decimal_sign


def translated(text: str) -> str:
    """An engine text (metric label, test title, reason) in the page's language; unknown text stays as it is."""
    return page_wording().phrase(text)
