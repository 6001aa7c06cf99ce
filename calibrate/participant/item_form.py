"""The item page's form, rendered once per item, language and layout, and filled in on each request.

Inside the form, everything but the answer's four values, the CSRF token and the link
back depends only on the item (an immutable snapshot, calibrate.domain.exercise_cache),
the page language and a few flags: its prompts, scale, choices, market research and
labels. Rendering all of that through Jinja on every page cost a sixth of an item
request's CPU (docs/performance.md, "Seventh round"). So the form is rendered once with
a mark in each of those places, kept as pieces of markup, and each request joins the
pieces with its own values, escaped as the template escapes them. A form with errors
(its classes and messages change) and a form whose marks the text could confuse are
rendered whole, as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup, escape

from calibrate.infra.i18n import page_language
from calibrate.infra.kept import Kept

TEMPLATE = "participant/_item_form.html"
SLOTS = ("csrf", "own", "prediction", "lower", "upper", "previous_url")
"""What each request fills in."""

_MARK = "\ue000{}\ue001"  # private-use characters, which escaping leaves alone; a text with them is caught below
_MARKS = re.compile("\ue000([a-z_]+)\ue001")
_forms = Kept(4096)


@dataclass(frozen=True)
class _Pieces:
    item: object  # the snapshot the pieces were rendered from; a new version of the exercise is a new object
    parts: tuple[str, ...]  # markup, slot name, markup, slot name, ..., markup


def item_form(item, *, texts: Mapping[str, str | None], errors: Mapping[str, list], csrf: str,
              previous_url: str | None, last: bool, ask_intervals: bool, show_research: bool,
              posted: bool = False, keep: bool = True) -> Markup:
    """The form of one item page, as the template renders it with these values.

    ``keep=False`` renders it whole, for items that are not snapshots (an authoring preview).
    """
    flags = {"item": item, "errors": errors, "last": last, "ask_intervals": ask_intervals,
             "show_research": show_research, "posted": posted}
    values = {"csrf": csrf, "own": texts.get("own"), "prediction": texts.get("prediction"),
              "lower": texts.get("lower"), "upper": texts.get("upper"), "previous_url": previous_url}
    if errors or not keep:
        return _render(flags, values)
    # A choice item shows its own answer as a checked radio button, not as a value: it is part of the layout.
    chosen = values["own"] if item.own_choices else None
    key = (page_language().code, id(item), last, previous_url is not None, ask_intervals, show_research, posted,
           chosen)
    pieces = _forms.get(key)
    if pieces is None or pieces.item is not item:
        marked = {name: _MARK.format(name) for name in SLOTS}
        if item.own_choices:
            marked["own"] = chosen
        if previous_url is None:
            marked["previous_url"] = None
        pieces = _pieces(item, flags, marked)
        if pieces is None:
            return _render(flags, values)
        _forms.keep(key, pieces)
    return Markup("".join(part if index % 2 == 0 else escape(values[part] or "")
                          for index, part in enumerate(pieces.parts)))


def _render(flags: dict, values: dict) -> Markup:
    texts = {name: values[name] for name in ("own", "prediction", "lower", "upper")}
    return Markup(render_template(TEMPLATE, texts=texts, csrf=values["csrf"], previous_url=values["previous_url"],
                                  **flags))


def _pieces(item, flags: dict, marked: dict) -> _Pieces | None:
    """The form rendered with marks, cut at them; None when the marks did not come out as put in."""
    parts = tuple(_MARKS.split(_render(flags, marked)))
    literal = "".join(parts[0::2])
    expected = {name for name in SLOTS if marked[name] == _MARK.format(name)}
    if "\ue000" in literal or "\ue001" in literal or set(parts[1::2]) != expected:
        return None
    return _Pieces(item, parts)
