"""Forms for the participant flow.

Numbers are parsed by hand rather than with FloatField so that every message
names the field and the problem in words a participant understands, a decimal
comma works, and 'nan'/'inf' are refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from calibrate.domain.questionnaire import load_questionnaire
from analysis import units
from calibrate.infra.form_fields import AppForm
from calibrate.infra.wording import decimal_sign, page_wording
from calibrate.models import Item
from calibrate.participant.services import Answer

MAX_NUMBER_TEXT = 32


class ConsentForm(AppForm):
    pseudonym = StringField(
        _l("Pseudonym (optional)"),
        validators=[Optional(), Length(max=40, message=_l("Keep the pseudonym under 40 characters."))],
        # Optional() ends validation for whitespace-only input, so strip it first: 70 spaces must not reach the database.
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
        description=_l("Shown to the trainer instead of a number. Do not use your real name if you prefer not to."),
    )
    consent = BooleanField(
        _l("I agree that my anonymous answers are stored and used for feedback and research."),
        validators=[DataRequired(message=_l("Please tick the box to take part."))],
    )
    # Makes a repeated join find the participant it created (calibrate.participant.join_keys).
    join_key = HiddenField()


class ConfirmForm(AppForm):
    """No fields: a CSRF-protected confirmation button."""


class JoinCodeForm(AppForm):
    code = StringField(
        _l("Workshop code"),
        validators=[InputRequired(message=_l("Enter the code your trainer shows.")), Length(max=12)],
    )


class InstructionsForm(AppForm):
    description = TextAreaField(
        _l("Describe a typical customer"),
        validators=[Optional(), Length(max=2000, message=_l("Please keep it under 2,000 characters."))],
    )


def format_number(value: float | None) -> str:
    """A saved answer back in its field, with the page language's decimal sign (parse_number reads either)."""
    return "" if value is None else f"{value:g}".replace(".", decimal_sign())


def parse_number(text: str | None, label, low: float, high: float, errors: list[str]) -> float | None:
    """Parse a participant's number; append a clear message, naming the field by ``label``, and return None when it is bad."""
    raw = (text or "").strip().replace(",", ".")
    if raw == "":
        return None
    if len(raw) > MAX_NUMBER_TEXT:
        errors.append(_("%(label)s: that is too long to be a number.", label=label))
        return None
    try:
        value = float(raw)
    except ValueError:
        errors.append(_("%(label)s: '%(text)s' is not a number.", label=label, text=text.strip()))
        return None
    if not math.isfinite(value):
        errors.append(_("%(label)s: enter an ordinary number.", label=label))
        return None
    if not low <= value <= high:
        wording = page_wording()
        errors.append(_("%(label)s: enter a value between %(low)s and %(high)s.", label=label,
                        low=units.trimmed(low, 4, wording), high=units.trimmed(high, 4, wording)))
        return None
    return value


# The fields' names in messages, translated only when a message is shown (most answers have none).
OWN_ANSWER, PREDICTION, LOW_END, HIGH_END = _l("Your own answer"), _l("Your prediction"), _l("Low end"), _l("High end")

ANSWER_FIELDS = ("own", "prediction", "lower", "upper")
"""The item form's fields. The form is plain HTML, not a FlaskForm: CSRFProtect already checks the token of
every POST before the view, and a WTForms form would only carry four strings (and check the token again)."""


def answer_texts(form: Mapping[str, str]) -> dict[str, str | None]:
    """The submitted texts of the item form (None for a field not sent), to check and to show again."""
    return {name: form.get(name) for name in ANSWER_FIELDS}


def saved_texts(answer: Answer) -> dict[str, str]:
    """A stored answer as the item form shows it again."""
    return {name: format_number(getattr(answer, name)) for name in ANSWER_FIELDS}


def parse_answer(texts: Mapping[str, str | None], item: Item, ask_intervals: bool) -> tuple[Answer | None, dict[str, list[str]]]:
    """Check the own answer, prediction and optional 80% interval for one item; returns (answer, errors by field)."""
    errors: dict[str, list[str]] = {name: [] for name in ("own", "prediction", "interval")}
    own = parse_number(texts["own"], OWN_ANSWER, item.own_min, item.own_max, errors["own"])
    if own is None and not errors["own"] and not item.own_optional:
        errors["own"].append(_("Your own answer: please choose or enter a value."))
    if item.own_choices and own is not None and own not in {c["value"] for c in item.own_choices}:
        errors["own"].append(_("Your own answer: choose one of the options."))
    prediction = parse_number(texts["prediction"], PREDICTION, item.min, item.max, errors["prediction"])
    if prediction is None and not errors["prediction"]:
        errors["prediction"].append(_("Your prediction: please enter a value."))
    lower = upper = None
    if ask_intervals:
        lower = parse_number(texts["lower"], LOW_END, item.min, item.max, errors["interval"])
        upper = parse_number(texts["upper"], HIGH_END, item.min, item.max, errors["interval"])
        if not errors["interval"]:
            if (lower is None) != (upper is None):
                errors["interval"].append(_("Give both ends of the range, or leave both empty."))
            elif lower is not None and lower > upper:
                errors["interval"].append(_("The low end must not be above the high end."))
    if any(errors.values()):
        return None, errors
    return Answer(own=own, prediction=prediction, lower=lower, upper=upper), errors


@lru_cache(maxsize=1)
def _questionnaire_form_class() -> type[AppForm]:
    """The questionnaire's form class, built once from its data file: one required radio question per item."""
    questionnaire = load_questionnaire()
    choices = [
        SelectChoice(str(value), label)
        for value, label in zip(range(questionnaire.scale_min, questionnaire.scale_max + 1), questionnaire.scale_labels)
    ]
    fields = {
        item["key"]: RadioField(
            item["text"], choices=choices, coerce=int, validators=[InputRequired(message=_l("Please choose an answer."))]
        )
        for item in questionnaire.items
    }
    return type("QuestionnaireForm", (AppForm,), fields)


def questionnaire_form() -> AppForm:
    """A fresh questionnaire form for this request (the class is built once)."""
    return _questionnaire_form_class()()
