"""How an item's recorded value is written: the one owner of units and scales.

An item's truth, a prediction and a research cue are numbers on the item's own
scale.  What the number *is* depends on the item's value type: a percentage of
people, the share choosing one option (also a percentage), a mean rating on a
stated scale, or an amount of money in a currency.  The item page, the feedback,
the trainer report and the ``analyze`` output print values through
:func:`format_value` and scales through :func:`scale_text`, so "42%", "3.4 on
1–5" and "EUR 12.50" read the same everywhere (docs/exercises.md, section 1).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from analysis.wording import ENGLISH, Wording

__all__ = ["VALUE_TYPES", "ValueType", "format_value", "is_currency_code", "scale_text", "trimmed"]


@dataclass(frozen=True)
class ValueType:
    """One kind of recorded value: its name in items.csv, what it means, and its natural bounds."""

    name: str
    meaning: str
    lowest: float | None = None
    highest: float | None = None


VALUE_TYPES = {
    value_type.name: value_type
    for value_type in (
        ValueType("percent", "a percentage of people or occasions, 0-100", 0.0, 100.0),
        ValueType("share", "the percentage choosing one option, 0-100", 0.0, 100.0),
        ValueType("rating", "a mean rating on the stated scale from min to max"),
        ValueType("money", "an amount of money in the item's currency"),
    )
}
"""The value types an item may have (items.csv column ``value_type``; ``percent`` when empty)."""

_CURRENCY = re.compile(r"[A-Z]{3}")


def is_currency_code(text: str) -> bool:
    """True for a three-letter ISO 4217-style code such as EUR or USD.

    >>> is_currency_code("EUR"), is_currency_code("euro")
    (True, False)
    """
    return bool(_CURRENCY.fullmatch(text or ""))


def trimmed(value: float, digits: int, wording: Wording) -> str:
    """At most ``digits`` decimals, without trailing zeros."""
    rounded = round(value, digits)
    shown = next(places for places in range(digits + 1) if round(rounded, places) == rounded)
    return wording.number(value, shown)


def format_value(value, value_type: str = "percent", currency: str = "", digits: int = 1,
                 wording: Wording = ENGLISH) -> str:
    """A value on an item's scale as a person reads it; a dash when it is undefined.

    Parameters
    ----------
    value : float or None
        A truth, prediction, error or research estimate on the item's scale.
    value_type : str
        One of :data:`VALUE_TYPES`.
    currency : str
        The currency code of a ``money`` item.
    digits : int
        Decimals at most (money always shows cents).
    wording : Wording
        The reader's language: where the percent sign and currency go, and the decimal sign.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(86.67)
    '86.7%'
    >>> format_value(3.4, "rating")
    '3.4'
    >>> format_value(12.5, "money", "EUR")
    'EUR 12.50'
    >>> format_value(None)
    '–'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    _ = wording.gettext
    if value_type == "money":
        amount = wording.number(value, 2)
        return _("%(currency)s %(amount)s", currency=currency, amount=amount) if currency else amount
    if value_type in ("percent", "share"):
        return _("%(number)s%%", number=trimmed(value, digits, wording))
    return trimmed(value, digits, wording)


def scale_text(unit: str, value_type: str, low: float, high: float, currency: str = "",
               wording: Wording = ENGLISH) -> str:
    """The scale of a prediction in words: the unit and the range it is given on.

    Examples
    --------
    >>> scale_text("percent of households", "percent", 0, 100)
    'percent of households, 0%–100%'
    >>> scale_text("mean rating", "rating", 1, 5)
    'mean rating on a scale from 1 to 5'
    >>> scale_text("median price", "money", 0, 200, "EUR")
    'median price in EUR, EUR 0.00–EUR 200.00'
    """
    _ = wording.gettext
    if value_type == "rating":
        return _("%(unit)s on a scale from %(low)s to %(high)s", unit=unit, low=trimmed(low, 2, wording),
                 high=trimmed(high, 2, wording))
    low_text = format_value(low, value_type, currency, wording=wording)
    high_text = format_value(high, value_type, currency, wording=wording)
    if value_type == "money":
        return _("%(unit)s in %(currency)s, %(low)s–%(high)s", unit=unit, currency=currency, low=low_text,
                 high=high_text)
    return _("%(unit)s, %(low)s–%(high)s", unit=unit, low=low_text, high=high_text)
