"""HTTP-aware helpers of the analysis views: the selection from the query string, or a 400 that names the field."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from calibrate.analyst.forms import SelectionForm
from calibrate.domain.scope import Selection, SelectionError, exercise_filter, resolve, sees_everything, workshop_choices
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Workshop


def selection_form() -> SelectionForm:
    """The selection form filled from the query string, offering only what the user may see."""
    user = current_user._get_current_object()
    exercises = list(db.session.scalars(select(Exercise).where(exercise_filter(user)).order_by(Exercise.title)))
    return SelectionForm(request.args, workshop_choices(user), exercises, sees_self_serve=sees_everything(user))


def selection_or_400(form: SelectionForm) -> tuple[Selection, list[Workshop]]:
    """The form's selection and its workshops; 400 naming the field for a value the user may not choose."""
    if not form.validate():
        field, messages = next(iter(form.errors.items()))
        abort(400, description=f"{form[field].label.text}: {'; '.join(map(str, messages))}")
    selection = form.selection()
    try:
        workshops, _ = resolve(current_user._get_current_object(), selection)
    except SelectionError as error:
        abort(400, description=f"{error.field}: {error.message}")
    return selection, workshops


def query_without(*names: str) -> dict[str, list[str]]:
    """This request's query arguments minus `names`, for links that keep the selection."""
    return {key: request.args.getlist(key) for key in request.args if key not in names}
