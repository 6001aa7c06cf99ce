"""API endpoints: each checks the token, reads its filters, and asks `calibrate.domain.scope` what the owner may see.

Lists of participants, answers and metrics are paged by participant (a page
holds whole people, so a person's answers are never split between pages); the
cursor is the last participant number of the page.
"""

from __future__ import annotations

import tempfile

from flask import Response, abort, g, render_template, request, send_file, stream_with_context
from sqlalchemy import func, select
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from calibrate.api import bp, docs_bp, schemas
from calibrate.auth.tokens import token_for_secret
from calibrate.domain import codebook, deletion
from calibrate.domain.exports import FORMATS, Export, python_rows, text_blocks, write_table, write_zip
from calibrate.domain.scope import (
    Selection,
    SelectionError,
    exercise_filter,
    exercise_versions,
    participant_ids,
    resolve,
    visible_workshops,
)
from calibrate.infra import ratelimits
from calibrate.infra.csp import STYLE_ATTRIBUTES_ALLOWED
from calibrate.infra.extensions import csrf, db, limiter, talisman
from calibrate.models import Exercise, Item, Participant, Workshop

EXPORT_TABLES = ("all", *codebook.TABLES)
SPOOL_BYTES = 8 * 1024 * 1024

csrf.exempt(bp)  # token-authenticated, no cookies: cross-site forms cannot use it
limiter.limit(ratelimits.api_limit, key_func=ratelimits.api_token_key, error_message=ratelimits.API_LIMITED)(bp)

ERRORS = {
    401: "No valid token: send `Authorization: Bearer <token>` with a token from your account page.",
    403: "A read-only token cannot change data.",
    404: "Not found, or not visible to this token's owner.",
    429: "Too many requests with this token.",
}


def _errors(*codes: int):
    """Document the error responses an endpoint can give, with the site's error body."""
    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, schema=schemas.ErrorSchema, description=ERRORS[code])(view)
        return view
    return decorate


@bp.before_request
def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    token = token_for_secret(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise Unauthorized(ERRORS[401], www_authenticate=WWWAuthenticate("bearer"))
    if token.read_only and request.method not in ("GET", "HEAD", "OPTIONS"):
        abort(403, description=ERRORS[403])
    g.api_token = token


def _owner():
    return g.api_token.owner


def _selection(args: dict, **extra) -> Selection:
    """The filters as a selection; 404 naming the workshop or exercise the owner cannot see."""
    selection = Selection(
        workshops=tuple(args.get("workshop") or ()),
        exercise=args.get("exercise"),
        conditions=tuple(args.get("condition") or ()),
        rounds=(args["round"],) if args.get("round") else (),
        **extra,
    )
    _resolve(selection)
    return selection


def _resolve(selection: Selection):
    try:
        return resolve(_owner(), selection)
    except SelectionError as error:
        abort(404, description=f"{error.field}: {error.message}")


def _page(args: dict, table: str) -> dict:
    """One page of a per-participant table."""
    selection = _selection(args)
    query = participant_ids(_owner(), selection)
    if args.get("cursor"):
        query = query.where(Participant.id > int(args["cursor"]))
    ids = list(db.session.scalars(query.limit(args["limit"] + 1)))
    page, more = ids[: args["limit"]], len(ids) > args["limit"]
    rows = Export(_owner(), _selection(args, participant_ids=tuple(page))).frame(table) if page else None
    return {"data": python_rows(rows) if rows is not None else [], "next_cursor": str(page[-1]) if more else None}


@bp.get("/exercises")
@bp.response(200, schemas.list_schema(schemas.ExerciseSchema, "ExerciseList"))
@_errors(401, 429)
def list_exercises():
    """Exercises the owner may use: public ones and those of visible workshops, with size and data source."""
    n_items = select(func.count(Item.id)).where(Item.exercise_id == Exercise.id).scalar_subquery()
    rows = db.session.execute(
        select(Exercise, n_items.label("n_items")).where(exercise_filter(_owner())).order_by(Exercise.slug)
    )
    return {
        "data": [
            {"slug": e.slug, "title": e.title, "version": e.version, "content_hash": e.content_hash, "n_items": count, "population": e.population,
             "source": e.source, "citation": e.citation, "license": e.license}
            for e, count in rows
        ]
    }


@bp.get("/workshops")
@bp.arguments(schemas.SelectionArgs(only=["exercise"]), location="query")
@bp.response(200, schemas.list_schema(schemas.WorkshopSchema, "WorkshopList"))
@_errors(401, 404, 429)
def list_workshops(args):
    """Workshops the owner may see, newest first, with their number of participants."""
    people = select(func.count(Participant.id)).where(Participant.workshop_id == Workshop.id).scalar_subquery()
    query = select(Workshop, people.label("people")).where(visible_workshops(_owner()))
    if args.get("exercise"):
        _, exercise = _resolve(Selection(exercise=args["exercise"]))
        query = query.where(Workshop.exercise_id.in_(exercise_versions(exercise)))
    rows = db.session.execute(query.order_by(Workshop.created_at.desc(), Workshop.id.desc()))
    return {
        "data": [
            {"code": w.code, "title": w.title, "exercise": w.exercise.slug, "state": w.state, "conditions": w.conditions,
             "participants": count, "created_at": w.created_at}
            for w, count in rows
        ]
    }


@bp.get("/participants")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, schemas.page_schema("participants"))
@_errors(401, 404, 429)
def list_participants(args):
    """Participants: condition, empathy and timestamps (the pseudonym only identifies anyone)."""
    return _page(args, "participants")


@bp.delete("/participants/<int:participant_id>")
@bp.response(204)
@_errors(401, 403, 404, 429)
def delete_participant(participant_id: int):
    """Delete one participant with every answer and result (needs a token that is not read-only)."""
    selection = Selection(participant_ids=(participant_id,))
    if deletion.count(_owner(), selection).participants == 0:
        abort(404, description=ERRORS[404])
    deletion.delete_selection(_owner(), selection)
    return ""


@bp.get("/responses")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, schemas.page_schema("responses"))
@_errors(401, 404, 429)
def list_responses(args):
    """Answers in the long format, one row per participant, item and round (the columns of docs/analysts.md)."""
    return _page(args, "responses")


@bp.get("/metrics")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, schemas.page_schema("metrics"))
@_errors(401, 404, 429)
def list_metrics(args):
    """Per-person metrics per round, computed by the analysis engine (docs/methods.md)."""
    return _page(args, "metrics")


@bp.get("/group-tests")
@bp.arguments(schemas.SelectionArgs, location="query")
@bp.response(200, schemas.page_schema("group_tests", paged=False))
@_errors(401, 404, 429)
def list_group_tests(args):
    """Every group test for the whole selection (not paged: tests are about everyone selected at once)."""
    return {"data": python_rows(Export(_owner(), _selection(args)).frame("group_tests"))}


@bp.get("/item-stats")
@bp.arguments(schemas.SelectionArgs, location="query")
@bp.response(200, schemas.page_schema("item_stats", paged=False))
@_errors(401, 404, 429)
def list_item_stats(args):
    """Per-item statistics with false consensus across the selected people."""
    return {"data": python_rows(Export(_owner(), _selection(args)).frame("item_stats"))}


_FILE_TYPES = {"csv": "text/csv", "json": "application/json", "parquet": FORMATS["parquet"], "zip": "application/zip"}


@bp.get("/exports/<any(" + ", ".join(repr(name) for name in EXPORT_TABLES) + "):table>")
@bp.arguments(schemas.ExportArgs, location="query")
@bp.doc(
    description=f"One export table ({', '.join(codebook.TABLES)}) as a file, or `all` as a zip of every table with the "
    "codebook. Columns: GET /codebook.",
    responses={"200": {"description": "The file.", "content": {
        kind: {"schema": {"type": "array", "items": {"type": "object"}} if kind == "application/json"
               else {"type": "string", "contentMediaType": kind}}
        for kind in _FILE_TYPES.values()}}},
)
@_errors(401, 404, 429)
def export_file(args, table: str):
    """Download a table (or all of them as a zip) in CSV, JSON or Parquet."""
    fmt = args["format"]
    export = Export(_owner(), _selection(args))
    if table == "all" or fmt == "parquet":
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        if table == "all":
            write_zip(export, fmt, spool)
        else:
            write_table(export, table, fmt, spool)
        spool.seek(0)
        name = f"calibrate-{fmt}.zip" if table == "all" else f"{table}.{fmt}"
        return send_file(spool, mimetype=_FILE_TYPES["zip" if table == "all" else fmt], as_attachment=True, download_name=name)
    return Response(stream_with_context(text_blocks(export, table, fmt)), mimetype=_FILE_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{table}.{fmt}"'})


@bp.get("/codebook")
@bp.doc(responses={"200": {"description": "The codebook: every table and column of the exports.",
                           "content": {"application/json": {"schema": {"type": "object"}}}}})
@_errors(401, 429)
def get_codebook():
    """Every column of every export table: type, unit, allowed values and how it was computed."""
    return Response(codebook.codebook_json(), mimetype="application/json")


@docs_bp.get("/api/docs")
@talisman(content_security_policy=STYLE_ATTRIBUTES_ALLOWED)
def docs():
    """The browsable API documentation (Swagger UI, vendored; no CDN)."""
    return render_template("api/docs.html")
