"""Participant views: each one loads, delegates to services, and renders or redirects."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Connection, select
from sqlalchemy.orm import joinedload

from calibrate.domain import exercise_cache, round_results
from calibrate.domain.conditions import condition_text
from calibrate.domain.exercise_catalogue import landing_exercises, public_exercise
from calibrate.domain.long_format import long_frame
from calibrate.domain.progress import Stage, round_items
from calibrate.domain.questionnaire import load_questionnaire
from calibrate.domain.workshop_codes import normalise_code
from calibrate.infra import ratelimits
from calibrate.infra.csrf_tokens import csrf_token
from calibrate.infra.database import kept_autocommit_connection
from calibrate.infra.downloads import attachment
from calibrate.infra.extensions import db, limiter
from calibrate.infra.i18n import current_language, use_workshop_language
from calibrate.models import Exercise, Workshop, WorkshopState
from calibrate.participant import bp, services
from calibrate.participant.feedback import METRIC_LABELS, build_feedback, export_records
from calibrate.participant.forms import (
    ConfirmForm,
    ConsentForm,
    InstructionsForm,
    JoinCodeForm,
    answer_texts,
    parse_answer,
    questionnaire_form,
    saved_texts,
)
from calibrate.participant.item_form import item_form
from calibrate.participant.join_keys import issue_join_key, token_for_join_key
from calibrate.participant.lookups import participant_or_404, visit_or_404


def _next_url(visit: services.Visit) -> str:
    """The URL of the page this participant belongs on (calibrate.domain.progress decides which)."""
    now = visit.progress
    token = visit.participant.token
    if now.stage is Stage.ITEMS:
        item = visit.next_unanswered(now.round)
        return url_for(".item", token=token, round_no=now.round, position=item.position)
    endpoint = {
        Stage.INSTRUCTIONS: ".instructions",
        Stage.QUESTIONNAIRE: ".questionnaire",
        Stage.CLOSED: ".closed",
        Stage.FEEDBACK: ".feedback",
    }[now.stage]
    return url_for(endpoint, token=token)


@bp.get("/")
def index():
    return render_template("participant/index.html", exercises=landing_exercises(), join_form=JoinCodeForm())


@bp.route("/e/<slug>", methods=["GET", "POST"])
@limiter.limit(ratelimits.join_limit, methods=["POST"])
def start(slug: str):
    exercise = public_exercise(slug)
    if exercise is None:
        abort(404)
    form = ConsentForm(join_key=issue_join_key())
    if form.validate_on_submit():
        participant = services.start_self_serve(exercise, form.pseudonym.data, token_for_join_key(form.join_key.data))
        return _to_first_page(participant.token)
    return _start_page(exercise, form, None)


@bp.post("/join")
@limiter.limit(ratelimits.join_limit)
def join_by_code():
    form = JoinCodeForm()
    if form.validate_on_submit():
        return redirect(url_for(".join", code=normalise_code(form.code.data)))
    flash(_("Enter the code your trainer shows."), "error")
    return redirect(url_for(".index"))


@bp.route("/j/<code>", methods=["GET", "POST"])
@limiter.limit(ratelimits.join_limit, methods=["POST"])
def join(code: str):
    query = select(Workshop).where(Workshop.code == normalise_code(code))
    if request.method == "GET":  # the consent page shows the exercise; joining needs only its id
        query = query.options(joinedload(Workshop.exercise))
    workshop = db.session.scalar(query)
    if workshop is not None:
        use_workshop_language(workshop.language)
    if workshop is None or workshop.state == WorkshopState.DRAFT.value:
        return render_template("participant/no_workshop.html", code=code), 404
    if not workshop.is_open:
        return render_template("participant/workshop_closed.html", workshop=workshop), 410
    form = ConsentForm(join_key=issue_join_key())
    if form.validate_on_submit():
        participant = services.join_workshop(workshop, form.pseudonym.data, token_for_join_key(form.join_key.data))
        return _to_first_page(participant.token)
    return _start_page(workshop.exercise, form, workshop)


def _to_first_page(token: str):
    """Straight to the page a participant who has just joined belongs on (the instructions, or further on a repeated
    join), not through their private link: in a room that joins at once, the detour was a request per person."""
    return redirect(_next_url(visit_or_404(token)))


def _start_page(exercise: Exercise, form: ConsentForm, workshop: Workshop | None) -> str:
    """The consent page, saying how many items the first round has and whether a second follows."""
    items = exercise_cache.items_of(exercise)
    first_round = len(round_items(items, workshop, 1))
    return render_template(
        "participant/start.html", exercise=exercise, form=form, workshop=workshop, first_round=first_round,
        second_round=len(items) - first_round if workshop is not None and workshop.round2_enabled else 0,
    )


@bp.get("/p/<token>")
def resume(token: str):
    visit = visit_or_404(token)
    services.seen(visit)  # someone coming back: item pages themselves write nothing
    return redirect(_next_url(visit))


@bp.route("/p/<token>/instructions", methods=["GET", "POST"])
def instructions(token: str):
    visit = visit_or_404(token)
    participant = visit.participant
    text = condition_text(participant.condition)
    form = InstructionsForm()
    if form.validate_on_submit():
        description = (form.description.data or "").strip()
        if text.asks_description and len(description) < 20:
            form.description.errors.append(_("Please describe the customer in a few sentences (at least 20 characters)."))
        else:
            services.record_instructions(visit, description)
            return redirect(_next_url(visit))
    return render_template("participant/instructions.html", participant=participant, text=text, form=form)


@bp.route("/p/<token>/r<int:round_no>/item/<int:position>", methods=["GET", "POST"])
def item(token: str, round_no: int, position: int):
    # The hot path of a room: one statement per page, two per saved answer (three when it finishes the round),
    # on the worker's own connection, outside the ORM session.
    if request.method == "POST":
        ratelimits.answer_limit.count(token)
    with kept_autocommit_connection() as connection:
        return _item_page(connection, token, round_no, position)


def _item_page(connection: Connection, token: str, round_no: int, position: int):
    posted = request.method == "POST"
    visit = visit_or_404(token, saved_for=None if posted else (round_no, position), connection=connection)
    participant, now = visit.participant, visit.progress
    item = visit.item_at(round_no, position)
    if item is None or round_no > now.round:
        abort(404)
    if not now.accepts_answers:
        return redirect(url_for(".closed", token=token))
    errors: dict[str, list[str]] = {}
    if posted:
        texts = answer_texts(request.form)
        answer, errors = parse_answer(texts, item, participant.ask_intervals)
        if answer is not None:
            services.save_answer(visit, item, round_no, answer)
            return redirect(_next_url(visit))
    else:
        texts = saved_texts(visit.saved) if visit.saved is not None else answer_texts({})
    items = visit.round_items(round_no)
    index = items.index(item)
    previous = items[index - 1] if index > 0 else None
    form_html = item_form(
        item, texts=texts, errors=errors, csrf=csrf_token(), last=index + 1 == len(items),
        previous_url=url_for(".item", token=token, round_no=round_no, position=previous.position) if previous else None,
        ask_intervals=participant.ask_intervals, show_research=item.position in visit.research_positions(round_no),
        posted=posted,
    )
    return render_template(
        "participant/item.html",
        participant=participant,
        form_html=form_html,
        errors=errors,
        round_no=round_no,
        number=index + 1,
        total=len(items),
        answered=len(visit.answered.get(round_no, ())),
    ), (422 if errors else 200)


@bp.route("/p/<token>/about-you", methods=["GET", "POST"])
def questionnaire(token: str):
    visit = visit_or_404(token)
    participant = visit.participant
    questionnaire_data = load_questionnaire(current_language())
    form = questionnaire_form()
    if form.validate_on_submit():
        answers = {item["key"]: form[item["key"]].data for item in questionnaire_data.items}
        services.record_questionnaire(visit, answers, questionnaire_data.score(answers))
        return redirect(_next_url(visit))
    return render_template(
        "participant/questionnaire.html", participant=participant, form=form, questionnaire=questionnaire_data
    )


@bp.get("/p/<token>/closed")
def closed(token: str):
    visit = visit_or_404(token)
    participant = visit.participant
    if visit.progress.accepts_answers:
        return redirect(_next_url(visit))
    return render_template("participant/workshop_closed.html", workshop=participant.workshop, participant=participant)


@bp.get("/p/<token>/feedback")
def feedback(token: str):
    visit = visit_or_404(token)
    participant = visit.participant
    if participant.finished_round1_at is None:
        return redirect(_next_url(visit))
    now = visit.progress
    feedback = build_feedback(participant)
    finished = {1: participant.finished_round1_at, 2: participant.finished_round2_at}
    round_results.store(participant, {r.round: r.metrics.get("b_own") for r in feedback.rounds if finished.get(r.round)})
    return render_template(
        "participant/feedback.html",
        participant=participant,
        exercise=participant.exercise,
        feedback=feedback,
        round2_waiting=now.round2_waiting,
        offer_round2=now.round2_offered,
        round2_started=now.round == 2,
        confirm_form=ConfirmForm(),
        metric_labels=METRIC_LABELS,
    )


@bp.post("/p/<token>/round2")
def start_round2(token: str):
    visit = visit_or_404(token)
    if ConfirmForm().validate_on_submit():
        services.start_round2(visit)
    return redirect(_next_url(visit))


@bp.get("/p/<token>/results.json")
def results_json(token: str):
    participant = participant_or_404(token)
    answers, metrics = export_records(participant)
    body = json.dumps({"exercise": participant.exercise.slug, "exercise_version": participant.exercise.version,
                       "answers": answers, "metrics": metrics}, indent=2)
    return attachment(body, "application/json", f"calibrate-{participant.exercise.slug}.json")


@bp.get("/p/<token>/results.csv")
def results_csv(token: str):
    participant = participant_or_404(token)
    body = long_frame(participant_ids=[participant.id]).to_csv(index=False)
    return attachment(body, "text/csv", f"calibrate-{participant.exercise.slug}.csv")


@bp.route("/p/<token>/delete", methods=["GET", "POST"])
def delete(token: str):
    participant = participant_or_404(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_participant(participant)
        flash(_("Your answers and results were deleted."), "success")
        return redirect(url_for(".index"))
    return render_template("participant/delete.html", participant=participant, form=form)
