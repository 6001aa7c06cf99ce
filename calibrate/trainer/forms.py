"""The workshop settings form.

Conditions come from `calibrate.conditions.CONDITIONS`, so a new condition
appears in the form without touching it: each gets a checkbox and an integer
allocation weight (2:1:1 puts twice as many people in the first condition).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from calibrate.conditions import CONDITIONS, ConditionText
from calibrate.models import Condition, Exercise, Workshop
from calibrate.trainer.services import MAX_WEIGHT, WorkshopSettings, settings_problems


class WorkshopForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[InputRequired(message="Give the workshop a title."), Length(max=200)],
        description="Shown to participants when they join, e.g. 'Brand team offsite, May'.",
    )
    exercise_id = SelectField("Exercise", coerce=int, validators=[InputRequired()])
    ask_intervals = BooleanField("Ask for an 80% range with each prediction", default=True)
    ask_empathy = BooleanField("Ask the short perspective-taking questionnaire after the items")
    round2_enabled = BooleanField(
        "Round 2 on held-out items after personal feedback",
        description="Round 1 uses every other item; the rest are kept for round 2, which you open when the room is ready.",
    )

    def __init__(self, exercises: list[Exercise], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exercises = {exercise.id: exercise for exercise in exercises}
        self.exercise_id.choices = [
            SelectChoice(exercise.id, f"{exercise.title} ({len(exercise.items)} items)") for exercise in exercises
        ]

    def condition_rows(self):
        """(key, label, what participants see, checkbox, weight field) for the template's table."""
        return [(key, text.label, _summary(text), self[f"use_{key}"], self[f"weight_{key}"]) for key, text in CONDITIONS.items()]

    def show_conditions(self, workshop: Workshop) -> None:
        """Tick the workshop's conditions and fill in their weights (for editing a draft)."""
        weights = dict(zip(workshop.conditions, workshop.allocation))
        for key in CONDITIONS:
            self[f"use_{key}"].data = key in weights
            self[f"weight_{key}"].data = weights.get(key, 1)

    def settings(self) -> WorkshopSettings:
        chosen = [key for key in CONDITIONS if self[f"use_{key}"].data]
        return WorkshopSettings(
            title=self.title.data.strip(),
            exercise_id=self.exercise_id.data,
            conditions=chosen,
            allocation=[self[f"weight_{key}"].data or 1 for key in chosen],
            ask_intervals=self.ask_intervals.data,
            ask_empathy=self.ask_empathy.data,
            round2_enabled=self.round2_enabled.data,
        )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        exercise = self.exercises.get(self.exercise_id.data)
        if exercise is None:
            self.exercise_id.errors.append("Choose one of the listed exercises.")
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
        "They first describe a typical customer in a few sentences." if text.asks_description else "",
        "Some items show a market-research summary." if text.shows_market_research else "",
    ]
    return " ".join([text.heading + ".", *filter(None, extras)])


for _key in CONDITIONS:
    setattr(WorkshopForm, f"use_{_key}", BooleanField(CONDITIONS[_key].label, default=_key == Condition.CONTROL.value))
    setattr(
        WorkshopForm,
        f"weight_{_key}",
        IntegerField(
            f"Allocation weight for {CONDITIONS[_key].label}",
            default=1,
            validators=[Optional(), NumberRange(min=1, max=MAX_WEIGHT, message=f"Use a whole number from 1 to {MAX_WEIGHT}.")],
        ),
    )
