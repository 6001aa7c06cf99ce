"""An exercise's own words (titles, prompts, item labels) in the language of the page.

Exercise files carry English and may carry German for every text field; the
loader stores the German under ``translations`` on the exercise and on each
item (``{"de": {"title": ...}}``). A field without a translation falls back to
English, so an exercise uploaded in one language still works on every page.
"""

from __future__ import annotations

from calibrate.infra.i18n import current_language


def _value(source, name: str):
    """A field of a model row, a cached item or a dict: templates pass whichever they have."""
    return source.get(name) if isinstance(source, dict) else getattr(source, name, None)


def localised(source, field: str) -> str:
    """`field` of an exercise or item in the current language, else its English text.

    >>> localised({"title": "Eco apples", "translations": {"de": {"title": "Öko-Äpfel"}}}, "title")
    'Eco apples'
    """
    translations = _value(source, "translations") or {}
    text = (translations.get(current_language()) or {}).get(field)
    return text or _value(source, field) or ""
