"""The workshop settings form and the query of its power panel.

Conditions come from `calibrate.domain.conditions.CONDITIONS`, so a new condition
appears in the form without touching it: each gets a checkbox and an integer
allocation weight (2:1:1 puts twice as many people in the first condition).

`PlanFields` holds what the power panel needs (exercise, conditions and
weights, expected participants, round 2); the settings form adds the rest,
and the panel's GET endpoint validates its query string with `PowerQuery`,
so both accept exactly the same values.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from calibrate.domain.conditions import CONDITIONS, ConditionText
from calibrate.domain.exercise_text import localised
from calibrate.infra.form_fields import AppForm, WholeNumberField
from calibrate.infra.i18n import LANGUAGES
from calibrate.models import Condition, Exercise, Workshop
from calibrate.trainer.services import (
    DEFAULT_EXPECTED_PARTICIPANTS,
    MAX_EXPECTED_PARTICIPANTS,
    MAX_WEIGHT,
    MIN_EXPECTED_PARTICIPANTS,
    PowerPlan,
    WorkshopSettings,
    power_plan,
    settings_problems,
)


def _condition_fields() -> dict:
    """A checkbox and an allocation weight per condition of CONDITIONS (control ticked by default)."""
    fields = {}
    for key, text in CONDITIONS.items():
        fields[f"use_{key}"] = BooleanField(text.label, default=key == Condition.CONTROL.value)
        fields[f"weight_{key}"] = WholeNumberField(
            _l("Allocation weight for %(condition)s", condition=text.label),
            default=1,
            validators=[Optional(), NumberRange(min=1, max=MAX_WEIGHT,
                                                message=_l("Use a whole number from 1 to %(most)s.", most=MAX_WEIGHT))],
        )
    return fields


# Declared once from the condition table, so a new condition needs no change here.
ConditionFields = type("ConditionFields", (Form,), _condition_fields())


def _exercise_label(exercise: Exercise) -> str:
    """Title and size; the version too once there is more than one, so a trainer knows which one a workshop keeps."""
    title, items = localised(exercise, "title"), len(exercise.items)
    if exercise.version > 1 and exercise.is_archived:
        return _("%(title)s (%(items)s items, version %(version)s, archived)", title=title, items=items,
                 version=exercise.version)
    if exercise.version > 1:
        return _("%(title)s (%(items)s items, version %(version)s)", title=title, items=items, version=exercise.version)
    if exercise.is_archived:
        return _("%(title)s (%(items)s items, archived)", title=title, items=items)
    return _("%(title)s (%(items)s items)", title=title, items=items)


class PlanFields(ConditionFields):
    """The settings that decide how many people each comparison has: shared by the form and the panel."""

    exercise_id = SelectField(_l("Exercise"), coerce=int, validators=[InputRequired()])
    expected_participants = WholeNumberField(
        _l("Expected participants"),
        default=DEFAULT_EXPECTED_PARTICIPANTS,
        validators=[
            InputRequired(message=_l("Say how many people you expect.")),
            NumberRange(
                min=MIN_EXPECTED_PARTICIPANTS,
                max=MAX_EXPECTED_PARTICIPANTS,
                message=_l("Use a whole number from %(least)s to %(most)s.", least=MIN_EXPECTED_PARTICIPANTS,
                           most=MAX_EXPECTED_PARTICIPANTS),
            ),
        ],
        description=_l("Only for planning: nobody is turned away when more come."),
    )
    round2_enabled = BooleanField(
        _l("Round 2 on held-out items after personal feedback"),
        description=_l("Round 1 uses every other item; the rest are kept for round 2, which you open when the room is ready."),
    )

    def set_exercises(self, exercises: list[Exercise]) -> None:
        self.exercises = {exercise.id: exercise for exercise in exercises}
        self.exercise_id.choices = [
            SelectChoice(exercise.id, _exercise_label(exercise)) for exercise in exercises
        ]

    def chosen_conditions(self) -> tuple[list[str], list[int]]:
        """The ticked conditions and their weights (an empty weight counts as 1)."""
        chosen = [key for key in CONDITIONS if self[f"use_{key}"].data]
        return chosen, [self[f"weight_{key}"].data or 1 for key in chosen]

    def plan_problems(self) -> list[str]:
        """What is wrong with the panel's fields (after validation), as '<field label>: <message>'."""
        # Only a field's first error: "x" as a weight is both not an integer and out of range.
        return [f"{self[name].label.text}: {self[name].errors[0]}" for name in PLAN_FIELD_NAMES if self[name].errors]

    def power_panel(self) -> tuple[PowerPlan | None, list[str]]:
        """The power panel for these values, or None and the problems that prevent it.

        No plan and no problems means the settings are incomplete (no condition
        ticked, or an exercise or size missing before validation).
        """
        problems = self.plan_problems()
        exercise = self.exercises.get(self.exercise_id.data)
        conditions, allocation = self.chosen_conditions()
        expected = self.expected_participants.data
        if problems or exercise is None or not conditions or not expected:
            return None, problems
        return power_plan(exercise, conditions, allocation, expected, bool(self.round2_enabled.data)), []


class PowerQuery(PlanFields):
    """The power panel's query string: the form's own field names, validated the same way."""

    def __init__(self, exercises: list[Exercise], formdata):
        super().__init__(formdata=formdata)
        self.set_exercises(exercises)


class WorkshopForm(AppForm, PlanFields):
    title = StringField(
        _l("Title"),
        validators=[InputRequired(message=_l("Give the workshop a title.")), Length(max=200)],
        description=_l("Shown to participants when they join, e.g. 'Brand team offsite, May'."),
    )
    ask_intervals = BooleanField(_l("Ask for an %(percent)s range with each prediction", percent="80%"), default=True)
    ask_empathy = BooleanField(_l("Ask the short perspective-taking questionnaire after the items"))
    language = SelectField(
        _l("Language participants see first"),
        choices=[SelectChoice("", _l("Each participant's browser decides")),
                 *(SelectChoice(code, name) for code, name in LANGUAGES.items())],
        validators=[Optional()],
        description=_l("Participants can still switch at the foot of every page. The projector and the report "
                       "use it too, unless you picked a language for yourself at the foot of the page."),
    )

    def __init__(self, exercises: list[Exercise], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_exercises(exercises)
        if self.exercise_id.data is None and exercises and not self.is_submitted():
            # A fresh form shows the first exercise selected; the power panel describes that one.
            self.exercise_id.data = exercises[0].id

    def condition_rows(self):
        """(key, label, what participants see, checkbox, weight field) for the template's table."""
        return [(key, str(text.label), _summary(text), self[f"use_{key}"], self[f"weight_{key}"])
                for key, text in CONDITIONS.items()]

    def show_conditions(self, workshop: Workshop) -> None:
        """Tick the workshop's conditions and fill in their weights (for editing a draft).

        A workshop saved before the expected size was asked gets the default.
        """
        weights = dict(zip(workshop.conditions, workshop.allocation))
        for key in CONDITIONS:
            self[f"use_{key}"].data = key in weights
            self[f"weight_{key}"].data = weights.get(key, 1)
        if workshop.expected_participants is None:
            self.expected_participants.data = DEFAULT_EXPECTED_PARTICIPANTS

    def settings(self) -> WorkshopSettings:
        chosen, allocation = self.chosen_conditions()
        return WorkshopSettings(
            title=self.title.data.strip(),
            exercise_id=self.exercise_id.data,
            conditions=chosen,
            allocation=allocation,
            ask_intervals=self.ask_intervals.data,
            ask_empathy=self.ask_empathy.data,
            round2_enabled=self.round2_enabled.data,
            expected_participants=self.expected_participants.data,
            language=self.language.data or None,
        )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        exercise = self.exercises.get(self.exercise_id.data)
        if exercise is None:
            self.exercise_id.errors.append(_("Choose one of the listed exercises."))
            return False
        problems = settings_problems(exercise, self.settings())
        for field_name, message in problems:
            # Condition problems concern the table of checkboxes as a whole: form-level errors.
            errors = self.form_errors if field_name == "conditions" else self[field_name].errors
            errors.append(message)
        return not problems


def _summary(text: ConditionText) -> str:
    """The condition's heading plus what it adds, short enough to compare conditions at a glance."""
    extras = [
        _("They first describe a typical customer in a few sentences.") if text.asks_description else "",
        _("Half of their items show a pilot-survey estimate (market research).") if text.shows_market_research else "",
    ]
    return " ".join([_("%(heading)s.", heading=text.heading), *filter(None, extras)])


PLAN_FIELD_NAMES = (
    "exercise_id",
    *(f"weight_{key}" for key in CONDITIONS),
    "expected_participants",
)
"""The panel's fields that can be invalid, in the order the form shows them."""
