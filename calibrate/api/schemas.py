"""Marshmallow schemas of the API: query arguments, and rows generated from the export codebook.

The row schemas are built from `calibrate.domain.codebook.TABLES`, so a column
added to an export appears in the API and its OpenAPI document by itself.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from calibrate.domain.codebook import BOOLEAN, DATETIME, INTEGER, NUMBER, TABLES, Column
from calibrate.domain.exports import FORMATS
from calibrate.domain.scope import CONDITION_KEYS, ROUNDS

MAX_PAGE = 1000
DEFAULT_PAGE = 100


class ErrorBodySchema(Schema):
    status = fields.Integer(required=True)
    title = fields.String(required=True)
    message = fields.String(required=True)
    request_id = fields.String(allow_none=True)
    errors = fields.Dict(metadata={"description": "Invalid arguments: location -> field -> messages."})


class ErrorSchema(Schema):
    """Every error of the site in JSON: {"error": {"status", "title", "message", "request_id"}}."""

    error = fields.Nested(ErrorBodySchema, required=True)


class SelectionArgs(Schema):
    """Filters shared by every data endpoint; empty means everything the token's owner may see."""

    workshop = fields.List(fields.String(validate=validate.Regexp(r"^[A-Za-z0-9]{1,12}$")),
                           metadata={"description": "Workshop join code; repeat for several."})
    exercise = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"),
                             metadata={"description": "Exercise slug (its folder name)."})
    condition = fields.List(fields.String(validate=validate.OneOf(CONDITION_KEYS)), metadata={"description": "Repeat for several."})
    round = fields.Integer(validate=validate.OneOf(ROUNDS))


class PageArgs(SelectionArgs):
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,18}$"),
                           metadata={"description": "next_cursor of the previous page (opaque)."})
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE),
                           metadata={"description": "Participants per page."})


class ExportArgs(SelectionArgs):
    format = fields.String(load_default="csv", validate=validate.OneOf(list(FORMATS)))


class ExerciseSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.Integer(
        required=True, metadata={"description": "Version number; a changed exercise with answers becomes its next version."}
    )
    content_hash = fields.String(required=True, metadata={"description": "SHA-256 of the version's definition as loaded."})
    n_items = fields.Integer(required=True)
    population = fields.String(required=True)
    source = fields.String(required=True)
    citation = fields.String(required=True)
    license = fields.String(required=True)


class WorkshopSchema(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    exercise = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["draft", "open", "closed"]))
    conditions = fields.List(fields.String(validate=validate.OneOf(CONDITION_KEYS)), required=True)
    participants = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


_FIELDS = {INTEGER: fields.Integer, NUMBER: fields.Float, BOOLEAN: fields.Boolean, DATETIME: fields.DateTime}


def _field(column: Column) -> fields.Field:
    kind = _FIELDS.get(column.type, fields.String)
    return kind(required=True, allow_none=column.nullable,
                metadata={"description": column.description + (f" Unit: {column.unit}." if column.unit else "")})


def row_schema(table: str) -> type[Schema]:
    """The schema of one row of an export table, named after it in the OpenAPI document."""
    columns = {column.name: _field(column) for column in TABLES[table].columns}
    return Schema.from_dict(columns, name="".join(part.title() for part in table.split("_")) + "Row")


def page_schema(table: str, *, paged: bool = True) -> type[Schema]:
    rows = fields.List(fields.Nested(row_schema(table)), required=True)
    body = {"data": rows}
    if paged:
        body["next_cursor"] = fields.String(required=True, allow_none=True,
                                            metadata={"description": "Pass as cursor for the next page; null on the last."})
    return Schema.from_dict(body, name="".join(part.title() for part in table.split("_")) + ("Page" if paged else "List"))


def list_schema(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({"data": fields.List(fields.Nested(item), required=True)}, name=name)
