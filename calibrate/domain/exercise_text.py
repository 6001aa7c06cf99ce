"""An exercise's own words (titles, prompts, item labels) in the language of the page.

Exercise files carry English and may carry German for every text field; the
loader stores the German under ``translations`` on the exercise and on each
item (``{"de": {"title": ...}}``). A field without a translation falls back to
English, so an exercise uploaded in one language still works on every page.
"""

from __future__ import annotations

from flask import has_request_context

from calibrate.infra.i18n import current_language


def _value(source, name: str):
    """A field of a model row, a cached item or a dict: templates pass whichever they have."""
    return source.get(name) if isinstance(source, dict) else getattr(source, name, None)


def _in_language(source):
    """The source's texts in the current language ({} for English, when it has none, or outside a request:
    commands and exports write English)."""
    if not has_request_context():
        return {}
    translations = _value(source, "translations") or {}
    return translations.get(current_language()) or {}


def localised(source, field: str) -> str:
    """`field` of an exercise or item in the current language, else its English text.

    >>> localised({"title": "Eco apples", "translations": {"de": {"title": "Öko-Äpfel"}}}, "title")
    'Eco apples'
    """
    return _in_language(source).get(field) or _value(source, field) or ""


def localised_choices(item):
    """The item's own-answer choices ({"value", "label"}) with labels in the current language; None for a slider.

    Only the labels are translated: the values, which answers are stored as, are the same in every language.
    """
    return _in_language(item).get("own_choices") or _value(item, "own_choices")


def labels(items) -> dict[str, str]:
    """Each item's short label in the current language, by item_key: for chart and table labels built in Python.

    Call it while answering a request, never when building a cache shared by requests in other languages.
    """
    return {_value(item, "item_key"): localised(item, "label") for item in items}
