"""Authoring views: the exercises page with archiving, exercise-file upload, and the survey-to-exercise steps.

The survey steps keep their state server-side in an AuthoringDraft row (the parsed
table and the trainer's choices); nothing becomes an exercise until the whole
draft passes the loader's validator, and then exercise and items are written in
one transaction (docs/exercises.md, section 5).
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from calibrate import CONTENT_SECURITY_POLICY
from calibrate.authoring import bp, services
from calibrate.authoring.exercise_files import read_exercise_files
from calibrate.authoring.forms import DraftForm, ExerciseFilesForm, SurveyFileForm
from calibrate.authoring.lookups import draft_or_404, manageable_exercise_or_404
from calibrate.authoring.survey_file import MAX_SURVEY_BYTES, MAX_SURVEY_ROWS, SurveyFileError
from calibrate.authoring.survey_items import new_slug
from calibrate.domain import exercise_catalogue
from calibrate.domain.exercise_text import localised
from calibrate.domain.exercises import MAX_ITEMS
from calibrate.infra.csrf_tokens import csrf_token
from calibrate.infra.extensions import talisman
from calibrate.participant.forms import ConfirmForm, answer_texts, parse_answer
from calibrate.participant.item_form import item_form

PREVIEW_POLICY = {**CONTENT_SECURITY_POLICY, "frame-ancestors": "'self'"}
"""The preview is shown in a phone-sized frame on the draft page, so only it may be framed, by this site only."""


def _saved(exercise) -> str:
    return _("‘%(title)s’ saved with %(items)s items. You can now create a workshop with it.",
             title=localised(exercise, "title"), items=len(exercise.items))


@bp.get("/")
def exercises():
    return render_template(
        "authoring/exercises.html", exercises=exercise_catalogue.manageable_exercises(current_user),
        drafts=services.drafts(current_user),
        can_manage=lambda exercise: exercise_catalogue.can_manage(current_user, exercise), form=ConfirmForm(),
    )


@bp.post("/<int:exercise_id>/<any(archive, restore):action>")
def archive(exercise_id: int, action: str):
    exercise = manageable_exercise_or_404(exercise_id)
    if ConfirmForm().validate_on_submit():
        exercise_catalogue.set_archived(exercise, action == "archive")
        title = localised(exercise, "title")
        if action == "archive":
            flash(_("‘%(title)s’ is archived: hidden from new workshops and the landing page; its answers stay.",
                    title=title), "success")
        else:
            flash(_("‘%(title)s’ is offered again.", title=title), "success")
    return redirect(url_for(".exercises"))


def _upload(field) -> tuple[str, bytes] | None:
    storage = field.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return storage.filename, storage.read()


@bp.route("/upload", methods=["GET", "POST"])
def upload_files():
    form = ExerciseFilesForm()
    problems: list[str] = []
    if form.validate_on_submit():
        toml, items, bundle = _upload(form.exercise_toml), _upload(form.items_csv), _upload(form.bundle)
        if bundle is None and toml is None and items is None:
            problems = [_("No file was chosen: upload exercise.toml and items.csv, or one .zip with both.")]
        else:
            definition, problems = read_exercise_files("upload", toml, items, bundle)
            if definition is not None:
                definition.slug = new_slug(definition.meta["title"])
                exercise = services.save_files(definition, current_user, bool(form.public.data))
                flash(_saved(exercise), "success")
                return redirect(url_for(".exercises"))
    return render_template("authoring/upload_files.html", form=form, problems=problems), (422 if problems else 200)


@bp.route("/survey", methods=["GET", "POST"])
def upload_survey():
    form = SurveyFileForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = _upload(form.survey)
        try:
            draft = services.start_draft(current_user, *upload)
        except SurveyFileError as error:
            problems = error.problems
        else:
            return redirect(url_for(".draft", draft_id=draft.id))
    problems += [message for messages in form.errors.values() for message in messages]
    return render_template("authoring/survey_upload.html", form=form, problems=problems,
                           max_bytes=MAX_SURVEY_BYTES, max_rows=MAX_SURVEY_ROWS), (422 if problems else 200)


@bp.route("/drafts/<int:draft_id>", methods=["GET", "POST"])
def draft(draft_id: int):
    draft = draft_or_404(draft_id)
    frame = services.draft_frame(draft)
    form = DraftForm(data=DraftForm.data_from(draft.settings)) if request.method == "GET" else DraftForm()
    form.set_columns(list(frame.columns))
    status = 200
    settings = draft.settings
    if request.method == "POST":
        if not form.validate_on_submit():
            # Shown as submitted, with each field's message, but not kept: the stored draft stays valid text.
            flash(_("Some fields are too long or the page expired; see the messages below and submit again."), "error")
            status, settings = 422, form.settings()
        else:
            if form.add_item.data and len(form.items) < MAX_ITEMS:
                form.items.append_entry()
                form.set_columns(list(frame.columns))
            settings = form.settings()
            services.store_settings(draft, settings)
    result = services.compute(draft, frame, settings)
    if request.method == "POST" and form.save.data and status == 200:
        if result.definition is None:
            status = 422
        else:
            exercise = services.save_draft(draft, result.definition, current_user)
            flash(_saved(exercise), "success")
            return redirect(url_for(".exercises"))
    previews = [number for number in range(1, len(result.items) + 1) if services.preview_item(result, number)]
    # A fresh page lists no problems (an empty draft has nothing but); every submit lists all of them.
    problems = result.problems if request.method == "POST" else []
    return render_template("authoring/draft.html", draft=draft, form=form, result=result, previews=previews,
                           problems=problems, columns=services.columns(frame), rows=len(frame)), status


@bp.post("/drafts/<int:draft_id>/delete")
def delete_draft(draft_id: int):
    draft = draft_or_404(draft_id)
    if ConfirmForm().validate_on_submit():
        services.delete_draft(draft)
        flash(_("The draft and its uploaded data were deleted."), "success")
    return redirect(url_for(".exercises"))


@bp.route("/drafts/<int:draft_id>/preview/<int:number>", methods=["GET", "POST"])
@talisman(content_security_policy=PREVIEW_POLICY)
def preview(draft_id: int, number: int):
    """Item `number` exactly as a participant's phone shows it; a submit is checked like theirs, never saved."""
    draft = draft_or_404(draft_id)
    result = services.compute(draft, services.draft_frame(draft))
    item = services.preview_item(result, number)
    if item is None:
        abort(404)
    texts = answer_texts(request.form)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        _, errors = parse_answer(texts, item, True)
    errors = {key: value for key, value in errors.items() if value}
    form_html = item_form(
        item, texts=texts, errors=errors, csrf=csrf_token(), previous_url=None, last=number == len(result.items),
        ask_intervals=True, show_research=item.research_estimate is not None, posted=request.method == "POST",
        keep=False,  # a draft's items are not snapshots: nothing to keep them by
    )
    return render_template(
        "participant/item.html", participant=SimpleNamespace(token="preview", ask_intervals=True), form_html=form_html,
        errors=errors, round_no=1, number=number, total=len(result.items), answered=0, preview=True,
    )
