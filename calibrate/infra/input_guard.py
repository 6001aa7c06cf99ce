"""Refuse characters no form or address of this site can contain, before any database work.

NUL cannot be stored by PostgreSQL (its driver raises DataError: a 500), lone
UTF-16 surrogates cannot be encoded to UTF-8, and the other C0 control
characters (all but tab, line feed and carriage return) only ever arrive in
crafted requests. Such a request gets a 400 naming the field, from an app-wide
``before_request`` hook that runs before rate limiting, CSRF, the user lookup
and every view.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from analysis.wording import N_

MAX_ROW_ID = 2**63 - 1
"""The largest integer a database column can hold: any larger id in a URL names nothing."""


def row_id(text: str) -> int:
    """A row id from a query string (``request.args.get(name, type=row_id)``): None there when it cannot be one."""
    value = int(text)
    if not 0 < value <= MAX_ROW_ID:
        raise ValueError(f"{text!r} is not a row id")
    return value


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route, bounded: an id beyond 63 bits is a 404, never an overflow in the database."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(url_map, *args, **kwargs)

INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

# Where a bad character was found: one whole sentence each, so that every language can word it its own way.
_ADDRESS = N_("The address contains %(what)s, which is not allowed. Remove it and try again.")
_QUERY = N_("The query parameter '%(name)s' contains %(what)s, which is not allowed. Remove it and try again.")
_FIELD = N_("The field '%(name)s' contains %(what)s, which is not allowed. Remove it and try again.")
_FILE = N_("The file field '%(name)s' contains %(what)s, which is not allowed. Remove it and try again.")
_JSON = N_("The JSON value at '%(name)s' contains %(what)s, which is not allowed. Remove it and try again.")


def _describe(character: str):
    if character == "\x00":
        return _l("a NUL byte")
    if "\ud800" <= character <= "\udfff":
        return _l("an unpaired surrogate")
    return _l("the control character U+%(code)s", code=format(ord(character), "04X"))


def _printable(name: str) -> str:
    """A field name safe to show: invalid characters escaped, long names cut."""
    shown = INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else "\\ufffd", name)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _walk_json(value, where: str):
    """(place, text) for every string in a JSON document, keys included."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield where, str(key)
            yield from _walk_json(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_json(item, f"{where}[{index}]")


def _places():
    """(message for the place, name of the place, text) for everything a view could read from the request.

    A request without a content type (every page a browser opens) has no form, file or JSON
    body for Werkzeug to parse, so only its address and query are looked at.
    """
    yield _ADDRESS, "", request.path
    if request.query_string:
        for name, value in request.args.items(multi=True):
            yield _QUERY, name, name + value
    if not request.environ.get("CONTENT_TYPE"):
        return
    for name, value in request.form.items(multi=True):
        yield _FIELD, name, name + value
    for name, upload in request.files.items(multi=True):
        yield _FILE, name, name + (upload.filename or "")
    if request.is_json:
        document = request.get_json(silent=True)
        if document is not None:
            yield from ((_JSON, place, text) for place, text in _walk_json(document, "$"))


def invalid_input():
    """A message naming the first place with a character that is not allowed (translated when shown), or None."""
    for message, name, text in _places():
        found = INVALID.search(text)
        if found:
            return _l(message, name=_printable(name), what=_describe(found.group()))
    return None


def register_input_guard(app: Flask) -> None:
    """Install the check; call it before the extensions' own before_request hooks and before any route."""
    app.url_map.converters["int"] = RowIdConverter

    @app.before_request
    def _refuse_invalid_characters() -> None:
        message = invalid_input()
        if message is not None:
            abort(400, description=message)
