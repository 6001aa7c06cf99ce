"""Trainer views: each loads the trainer's own workshop, delegates to services, and renders.

Live pages (dashboard, projector) poll a partial with htmx every 2 seconds
rather than holding a server-sent-events stream open: a poll is an ordinary
short GET, so it works behind any proxy or load balancer, needs no long-lived
connection per open dashboard (which would tie up a sync gunicorn worker each),
and recovers by itself after a network blip or a server restart.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from calibrate.auth.services import safe_next_url
from calibrate.domain.exercise_catalogue import selectable_exercises
from calibrate.infra.downloads import attachment
from calibrate.infra.extensions import db
from calibrate.infra.i18n import use_workshop_language
from calibrate.infra.input_guard import row_id
from calibrate.trainer import bp, services, slides
from calibrate.trainer.lookups import join_base, join_url, qr_svg, workshop_or_404
from calibrate.trainer.next_step import next_step
from calibrate.trainer.forms import PowerQuery, WorkshopForm
from calibrate.trainer.results import LIVE, PROGRESS, REPORT, workshop_results


@bp.get("/")
def workshops():
    return render_template("trainer/workshops.html", rows=services.workshops_with_counts(current_user))


@bp.route("/workshops/new", methods=["GET", "POST"])
def create():
    form = WorkshopForm(selectable_exercises(current_user))
    if form.validate_on_submit():
        workshop = services.create_workshop(current_user, form.settings())
        flash(_("Workshop created with code %(code)s. Open it when the room is ready.", code=workshop.code), "success")
        return redirect(url_for(".workshop", workshop_id=workshop.id))
    return render_template("trainer/form.html", form=form, workshop=None), (422 if form.errors else 200)


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
def edit(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    try:
        services.ensure_editable(workshop)
    except services.WorkshopStateError as error:
        flash(str(error), "error")
        return redirect(url_for(".workshop", workshop_id=workshop.id))
    form = WorkshopForm(selectable_exercises(current_user, keep=workshop.exercise), obj=workshop)
    if request.method == "GET":
        form.show_conditions(workshop)
    if form.validate_on_submit():
        services.update_workshop(workshop, form.settings())
        flash(_("Settings saved."), "success")
        return redirect(url_for(".workshop", workshop_id=workshop.id))
    return render_template("trainer/form.html", form=form, workshop=workshop), (422 if form.errors else 200)


@bp.get("/workshops/power")
def power_panel():
    """The settings form's power panel for the values in the query string (htmx swaps it in as they change).

    Needs no saved workshop and shows nothing private: only the exercises every
    trainer can choose and arithmetic on the numbers given.  Bad values get a
    400 that names them.
    """
    # A workshop being edited keeps its own (possibly older) exercise version, so the panel accepts that one too.
    kept = services.exercise_of_own_workshop(current_user, request.args.get("exercise_id", type=row_id))
    query = PowerQuery(selectable_exercises(current_user, keep=kept), request.args)
    valid = query.validate()
    plan, problems = query.power_panel()
    return render_template("trainer/_power.html", plan=plan, problems=problems), (200 if valid else 400)


def _page(template: str, workshop_id: int, *, detail: str = LIVE, for_the_room: bool = False) -> str:
    """Render a page about one of the trainer's workshops with its results as of now.

    Pages the room sees (projector, report) are in the workshop's language unless
    the trainer picked one with the switch (calibrate/infra/i18n.py).
    """
    workshop = workshop_or_404(workshop_id)
    if for_the_room:
        use_workshop_language(workshop.language)
    return _render(template, workshop, workshop_results(workshop, detail=detail))


def _render(template: str, workshop, results) -> str:
    return render_template(
        template,
        workshop=workshop,
        results=results,
        join_url=join_url(workshop),
        join_base=join_base(),
        slide=slides.current_slide(workshop, results),
        slide_position=slides.slide_position(workshop, results),
        step=next_step(workshop, results),
    )


@bp.get("/workshops/<int:workshop_id>")
def workshop(workshop_id: int):
    return _page("trainer/workshop.html", workshop_id, detail=PROGRESS)


@bp.post("/workshops/<int:workshop_id>/<any(" + ", ".join(repr(name) for name in services.ACTIONS) + "):action>")
def change(workshop_id: int, action: str):
    workshop = workshop_or_404(workshop_id)
    try:
        flash(services.apply_action(workshop, action), "success")
    except services.WorkshopStateError as error:
        flash(str(error), "error")
    return redirect(safe_next_url(request.form.get("next")) or url_for(".workshop", workshop_id=workshop.id))


@bp.get("/workshops/<int:workshop_id>/qr.svg")
def qr(workshop_id: int):
    return Response(qr_svg(workshop_or_404(workshop_id)), mimetype="image/svg+xml")


@bp.get("/workshops/<int:workshop_id>/dashboard")
def dashboard(workshop_id: int):
    return _page("trainer/dashboard.html", workshop_id)


@bp.get("/workshops/<int:workshop_id>/dashboard/live")
def dashboard_live(workshop_id: int):
    return _page("trainer/_dashboard_live.html", workshop_id)


@bp.get("/workshops/<int:workshop_id>/projector")
def projector(workshop_id: int):
    return _page("trainer/projector.html", workshop_id, for_the_room=True)


@bp.get("/workshops/<int:workshop_id>/projector/live")
def projector_live(workshop_id: int):
    return _page("trainer/_projector_live.html", workshop_id, for_the_room=True)


@bp.post("/workshops/<int:workshop_id>/slide")
def slide(workshop_id: int):
    """Move the projector (arrow keys there, buttons on the dashboard); htmx gets the projector's new slide back."""
    workshop = workshop_or_404(workshop_id)
    use_workshop_language(workshop.language)
    results = workshop_results(workshop)
    try:
        slides.move(workshop, results, request.form.get("to", ""))
    except ValueError as error:
        abort(400, description=str(error))
    db.session.commit()
    if request.headers.get("HX-Request"):
        return _render("trainer/_projector_live.html", workshop, results)
    return redirect(safe_next_url(request.form.get("next")) or url_for(".projector", workshop_id=workshop.id))


@bp.get("/workshops/<int:workshop_id>/report")
def report(workshop_id: int):
    return _page("trainer/report.html", workshop_id, detail=REPORT, for_the_room=True)


@bp.get("/workshops/<int:workshop_id>/responses.csv")
def responses_csv(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    filename = f"calibrate-workshop-{workshop.code}-responses.csv"
    return attachment(services.responses_csv(workshop), "text/csv", filename)
