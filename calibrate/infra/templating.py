"""Template helpers: header links for signed-in users, number formatting and the engine's vocabulary."""

from __future__ import annotations

import functools
import math

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from analysis import units, vocabulary
from calibrate.domain.exercise_text import localised, localised_choices
from calibrate.domain.long_format import LONG_COLUMNS
from calibrate.infra.kept import fixed_url
from calibrate.infra.wording import decimal_sign, number, page_wording, translated

# (endpoint, label, roles that see it); endpoints not registered yet are skipped.
NAV_LINKS = (
    ("trainer.workshops", _l("Workshops"), {"trainer", "admin"}),
    ("authoring.exercises", _l("Exercises"), {"trainer", "admin"}),
    ("analyst.overview", _l("Analysis"), {"analyst", "admin", "trainer"}),
    ("admin.users", _l("Users"), {"admin"}),
    ("auth.account", _l("Account"), {"trainer", "analyst", "admin"}),
)


def nav_links() -> list[tuple[str, str]]:
    endpoints = current_app.view_functions
    role = getattr(current_user, "role", None)
    return [(endpoint, label) for endpoint, label, roles in NAV_LINKS if role in roles and endpoint in endpoints]


def static_url(filename: str) -> str:
    """``url_for('static', filename=...)``, built once per file: it is the same on every page."""
    return fixed_url("static", filename=filename)


def _undefined(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_number(value, digits: int = 2) -> str:
    """Numbers for people: a dash for undefined values, the page language's decimal and thousands signs."""
    if _undefined(value):
        return "–"
    return number(value, digits)


def format_percent(value, digits: int = 0) -> str:
    """A share as a percentage: '42%' in English, '42 %' in German."""
    if _undefined(value):
        return "–"
    return _("%(number)s%%", number=number(100 * value, digits))


def format_p(value) -> str:
    """p-values as journals print them: three decimals without the leading zero, and '< .001' below that.

    German keeps the journal style with its decimal comma ('< ,001', ',034'; docs/methods.md).
    """
    if _undefined(value):
        return "–"
    text = "< .001" if value < 0.001 else f"{value:.3f}".lstrip("0")
    return text.replace(".", decimal_sign())


def format_metric(value, name: str) -> str:
    """A per-person metric as its unit reads: counts whole, p-values as journals print them, shares in percent."""
    unit = vocabulary.metric(name).unit
    if unit == vocabulary.COUNT:
        return format_number(value, 0)
    if unit == vocabulary.P_VALUE:
        return format_p(value)
    if unit == vocabulary.SHARE:
        return format_percent(value)
    return format_number(value, 3)


def _field(item, name: str, default=""):
    """A field of an item, a cached item or a result row (dict): templates pass whichever they have."""
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


# Each item page writes its scale and a few values again; analysis.units is pure, so its answers are kept.
_value_text = functools.lru_cache(maxsize=8192)(units.format_value)
_scale_text = functools.lru_cache(maxsize=4096)(units.scale_text)


def format_item_value(value, item, digits: int = 1) -> str:
    """A truth, prediction or research value in its item's unit (analysis.units owns the wording)."""
    return _value_text(value, _field(item, "value_type") or "percent", _field(item, "currency"), digits,
                       wording=page_wording())


def format_item_scale(item) -> str:
    """The prediction's unit and range, e.g. 'mean rating on a scale from 1 to 5'."""
    return _scale_text(localised(item, "unit"), _field(item, "value_type") or "percent",
                       _field(item, "min"), _field(item, "max"), _field(item, "currency"), wording=page_wording())


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(format_number, "num")
    app.add_template_filter(format_percent, "pct")
    app.add_template_filter(format_p, "pvalue")
    app.add_template_filter(format_metric, "metric")
    app.add_template_filter(format_item_value, "value")
    app.add_template_filter(format_item_scale, "scale")
    app.add_template_filter(localised, "localised")
    app.add_template_filter(localised_choices, "localised_choices")
    app.add_template_filter(translated, "translated")
    # One set of words for every page: labels and units of metrics, titles of group tests, minimum counts.
    app.jinja_env.globals.update(
        METRICS=vocabulary.METRICS,
        GROUP_TESTS=vocabulary.GROUP_TESTS,
        MIN_ITEMS_REGRESSION=vocabulary.MIN_ITEMS_REGRESSION,
        MIN_PERSONS=vocabulary.MIN_PERSONS,
        in_words=lambda count: translated(vocabulary.in_words(count)),
        LONG_COLUMNS=LONG_COLUMNS,
        decimal_sign=decimal_sign,
        static_url=static_url,
        fixed_url=fixed_url,
        nav_links=nav_links,
    )
