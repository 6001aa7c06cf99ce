"""Forms of the authoring pages: exercise files, a survey file, the draft's items and description.

The draft form is one page: design columns, description and one sub-form per item,
with three buttons (compute and check, add an item, save). Column choices are the
uploaded file's columns; a name that is not one is reported by the computation with
the item's number rather than by WTForms, so every problem appears in one list.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from calibrate.authoring.survey_items import STATISTICS
from calibrate.domain.exercises import DECISION_KINDS, MAX_ITEMS, MAX_TEXT, SHORT_TEXT
from calibrate.infra.form_fields import AppForm

NO_COLUMN = SelectChoice("", _l("(none)"))
MAX_SHORT = 120


def _short(label: str, limit: int = MAX_SHORT, **kwargs) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=limit)], **kwargs)


def _text(label: str, **kwargs) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=MAX_TEXT)], **kwargs)


class ExerciseFilesForm(AppForm):
    """exercise.toml and items.csv as two files, or both in one zip."""

    exercise_toml = FileField("exercise.toml")
    items_csv = FileField("items.csv")
    bundle = FileField(_l("Or one .zip with both"))
    public = BooleanField(_l("Offer it to other trainers and on the landing page"))
    submit = SubmitField(_l("Check and save"))


class SurveyFileForm(AppForm):
    survey = FileField(_l("Survey file (.csv or .xlsx)"), validators=[FileRequired(_l("Choose a file to upload."))])
    submit = SubmitField(_l("Upload"))


class ItemSpecForm(Form):
    """One item: the question and statistic, and the words a participant reads."""

    item_id = _short(_l("Item id"), 80, description=_l("Short and unique, e.g. buy_heinz"))
    report_label = _short(_l("Label in reports"), 200)
    statistic = SelectField(_l("Statistic"), choices=[SelectChoice("", _l("(choose)")),
                                                      *(SelectChoice(*pair) for pair in STATISTICS.items())],
                            validate_choice=False)
    column = SelectField(_l("Question (column)"), validate_choice=False)
    option = _short(_l("Option counted (for shares)"))
    segment_column = SelectField(_l("Segment column"), validate_choice=False)
    segment_value = _short(_l("Segment value"))
    low = _short(_l("Scale or range from"), 32)
    high = _short(_l("to"), 32)
    currency = _short(_l("Currency (amounts)"), 12, description=_l("Three letters, e.g. EUR"))
    unit = _short(_l("Unit as participants read it"), 80, description=_l("e.g. percent of shoppers, mean rating, EUR"))
    prompt = _text(_l("Prediction question"))
    own_prompt = _text(_l("Own-answer question, with its scale's anchors"))
    own_min = _short(_l("Own answer from"), 32, default="0")
    own_max = _short(_l("to"), 32, default="100")


class DraftForm(AppForm):
    weight = SelectField(_l("Weight column"), validate_choice=False)
    cluster = SelectField(_l("Respondent or cluster column"), validate_choice=False,
                          description=_l("Rows with the same value are one respondent (or cluster): needed when a "
                                         "respondent has several rows, e.g. one per choice."))
    title = _short(_l("Title"), SHORT_TEXT)
    description = _text(_l("Description (what the participant does)"))
    population = _text(_l("Population (who the recorded values describe)"))
    period = _short(_l("Period (when the data were collected)"), SHORT_TEXT)
    sample_size = _short(_l("Sample size"), SHORT_TEXT)
    source = _text(_l("Source (the data and how the values were computed)"))
    citation = _text(_l("Citation"))
    license = _short(_l("Licence"), SHORT_TEXT)
    decision_kind = SelectField(_l("Decision kind"), choices=[SelectChoice("", _l("(none)")),
                                                              *(SelectChoice(k, k) for k in DECISION_KINDS)],
                                validate_choice=False)
    minutes = _short(_l("Minutes"), 3)
    public = BooleanField(_l("Offer it to other trainers and on the landing page"))
    items = FieldList(FormField(ItemSpecForm), min_entries=1, max_entries=MAX_ITEMS)
    compute = SubmitField(_l("Compute and check"))
    add_item = SubmitField(_l("Add an item"))
    save = SubmitField(_l("Save exercise"))

    META_FIELDS = ("title", "description", "population", "period", "sample_size", "source", "citation", "license",
                   "decision_kind", "minutes")

    def set_columns(self, columns: list[str]) -> None:
        options = [NO_COLUMN, *(SelectChoice(column, column) for column in columns)]
        self.weight.choices = self.cluster.choices = options
        for entry in self.items:
            entry.column.choices = entry.segment_column.choices = options

    def settings(self) -> dict:
        """The draft as it is stored between requests (calibrate.models.AuthoringDraft.settings)."""
        meta = {name: self[name].data or "" for name in self.META_FIELDS}
        meta["public"] = bool(self.public.data)
        return {
            "design": {"weight": self.weight.data or "", "cluster": self.cluster.data or ""},
            "meta": meta,
            "items": [{name: (value or "") for name, value in entry.data.items()} for entry in self.items],
        }

    @staticmethod
    def data_from(settings: dict) -> dict:
        """Form data from stored settings (the inverse of :meth:`settings`)."""
        meta = dict(settings.get("meta") or {})
        return {**(settings.get("design") or {}), **meta, "items": settings.get("items") or []}
