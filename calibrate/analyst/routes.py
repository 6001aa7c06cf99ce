"""Analysis views: overview, statistics workspace, downloads with codebook, and deleting data.

Each view reads the selection from the query string (`lookups.selection_form`),
so every page and file can be linked to; who sees what is decided by
`calibrate.domain.scope` for every query.
"""

from __future__ import annotations

import tempfile

from flask import Response, abort, flash, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from calibrate.analyst import bp, services
from calibrate.analyst.forms import DeletionForm, DownloadForm
from calibrate.analyst.lookups import query_without, selection_form, selection_or_400
from calibrate.analyst.wording import count_text
from calibrate.domain import codebook, deletion
from calibrate.domain.exports import FORMATS, Export, ExportError, file_name, text_blocks, write_table, write_zip
from calibrate.domain.scope import Selection, sees_everything, visible_participants, workshop_choices
from calibrate.infra.downloads import attachment
from calibrate.infra.csp import STYLE_ATTRIBUTES_ALLOWED
from calibrate.infra.extensions import db, talisman
from calibrate.models import Participant

SPOOL_BYTES = 8 * 1024 * 1024
"""Parquet files and zips are built in a temporary file that stays in memory up to this size."""


def _user():
    return current_user._get_current_object()


@bp.get("/")
def overview():
    user = _user()
    counts = dict(
        db.session.execute(
            select(Participant.workshop_id, func.count(Participant.id))
            .where(visible_participants(user)).group_by(Participant.workshop_id)
        ).all()
    )
    return render_template(
        "analyst/overview.html",
        workshops=workshop_choices(user),
        counts=counts,
        self_serve=counts.get(None, 0) if sees_everything(user) else None,
        form=selection_form(),
        download=DownloadForm(request.args),
    )


@bp.get("/statistics")
@talisman(content_security_policy=STYLE_ATTRIBUTES_ALLOWED)
def statistics():
    form = selection_form()
    selection, workshops = selection_or_400(form)
    results = services.workspace(Export(_user(), selection), workshops)
    return render_template(
        "analyst/statistics.html", form=form, results=results, workshops=workshops, selection=selection,
        query=query_without("table", "format"),
    )


@bp.get("/download")
def download():
    """One table in one format, or everything as a zip with the codebook, for the selection in the query."""
    selection, _workshops = selection_or_400(selection_form())
    choice = DownloadForm(request.args)
    if not choice.validate():
        field, messages = next(iter(choice.errors.items()))
        abort(400, description=f"{choice[field].label.text}: {'; '.join(map(str, messages))}")
    table, fmt = choice.table.data, choice.format.data
    export = Export(_user(), selection)
    if table == "all":
        return _spooled(lambda out: write_zip(export, fmt, out), "application/zip", f"calibrate-export-{fmt}.zip")
    if fmt == "parquet":
        return _spooled(lambda out: write_table(export, table, fmt, out), FORMATS[fmt], file_name(table, fmt))
    stream = stream_with_context(text_blocks(export, table, fmt))
    return Response(stream, mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{file_name(table, fmt)}"'})


def _spooled(write, mimetype: str, filename: str):
    """Build a binary file (Parquet needs its footer, a zip its directory) in a spooled temporary file, then send it."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        write(spool)
    except ExportError as error:
        spool.close()
        abort(400, description=str(error))
    spool.seek(0)
    return send_file(spool, mimetype=mimetype, as_attachment=True, download_name=filename)


@bp.get("/codebook.<any(md, json):fmt>")
def codebook_file(fmt: str):
    if fmt == "md":
        return attachment(codebook.codebook_markdown(), "text/markdown", "codebook.md")
    return attachment(codebook.codebook_json(), "application/json", "codebook.json")


def _deletion_selection(form: DeletionForm) -> Selection:
    if form.workshop.data:
        return Selection(workshops=(form.workshop.data,), self_serve=False)
    if form.participant.data:
        return Selection(participant_ids=(form.participant.data,))
    return deletion.older_than(form.older_than_days.data)


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    """Preview what a deletion removes (GET), then delete exactly that after confirmation (POST).

    The confirmation carries the count that was shown; when the data changed
    in between (someone joined, or another deletion ran), nothing is deleted
    and the new count is shown to confirm again.
    """
    user = _user()
    posted = request.method == "POST"
    form = DeletionForm(workshop_choices(user), formdata=request.form if posted else request.args,
                        meta={} if posted else {"csrf": False})
    found = None
    targets_valid = all(getattr(form, name).validate(form) for name in DeletionForm.TARGETS)
    if len(form.chosen()) > 1:
        form.form_errors.append(_("Choose one thing to delete: a workshop, a participant or an age."))
    elif form.chosen() and targets_valid:
        found = deletion.count(user, _deletion_selection(form))
    if posted and found is not None and form.validate():
        if form.expected.data == str(found):
            gone = deletion.delete_selection(user, _deletion_selection(form))
            flash(_("Deleted %(what)s.", what=count_text(gone)), "success")
            return redirect(url_for(".delete"))
        flash(_("The data changed since you looked: it is now %(what)s. Check and confirm again.", what=count_text(found)),
              "error")
    form.expected.data = str(found) if found is not None else ""
    return render_template(
        "analyst/delete.html", form=form, found=found, found_text=count_text(found) if found is not None else ""
    ), (422 if posted else 200)
