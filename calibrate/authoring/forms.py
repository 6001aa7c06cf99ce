"""Forms of the authoring pages: exercise files, a survey file, the draft's items and description.

The draft form is one page: design columns, description and one sub-form per item,
with three buttons (compute and check, add an item, save). Column choices are the
uploaded file's columns; a name that is not one is reported by the computation with
the item's number rather than by WTForms, so every problem appears in one list.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from calibrate.authoring.survey_items import STATISTICS
from calibrate.domain.exercises import DECISION_KINDS, MAX_ITEMS, MAX_TEXT, SHORT_TEXT

NO_COLUMN = SelectChoice("", "(none)")
MAX_SHORT = 120


def _short(label: str, limit: int = MAX_SHORT, **kwargs) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=limit)], **kwargs)


def _text(label: str, **kwargs) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=MAX_TEXT)], **kwargs)


class ExerciseFilesForm(FlaskForm):
    """exercise.toml and items.csv as two files, or both in one zip."""

    exercise_toml = FileField("exercise.toml")
    items_csv = FileField("items.csv")
    bundle = FileField("Or one .zip with both")
    public = BooleanField("Offer it to other trainers and on the landing page")
    submit = SubmitField("Check and save")


class SurveyFileForm(FlaskForm):
    survey = FileField("Survey file (.csv or .xlsx)", validators=[FileRequired("Choose a file to upload.")])
    submit = SubmitField("Upload")


class ItemSpecForm(Form):
    """One item: the question and statistic, and the words a participant reads."""

    item_id = _short("Item id", 80, description="Short and unique, e.g. buy_heinz")
    report_label = _short("Label in reports", 200)
    statistic = SelectField("Statistic", choices=[SelectChoice("", "(choose)"), *(SelectChoice(*pair) for pair in STATISTICS.items())],
                            validate_choice=False)
    column = SelectField("Question (column)", validate_choice=False)
    option = _short("Option counted (for shares)")
    segment_column = SelectField("Segment column", validate_choice=False)
    segment_value = _short("Segment value")
    low = _short("Scale or range from", 32)
    high = _short("to", 32)
    currency = _short("Currency (amounts)", 12, description="Three letters, e.g. EUR")
    unit = _short("Unit as participants read it", 80, description="e.g. percent of shoppers, mean rating, EUR")
    prompt = _text("Prediction question")
    own_prompt = _text("Own-answer question, with its scale's anchors")
    own_min = _short("Own answer from", 32, default="0")
    own_max = _short("to", 32, default="100")


class DraftForm(FlaskForm):
    weight = SelectField("Weight column", validate_choice=False)
    cluster = SelectField("Respondent or cluster column", validate_choice=False,
                          description="Rows with the same value are one respondent (or cluster): needed when a "
                                      "respondent has several rows, e.g. one per choice.")
    title = _short("Title", SHORT_TEXT)
    description = _text("Description (what the participant does)")
    population = _text("Population (who the recorded values describe)")
    period = _short("Period (when the data were collected)", SHORT_TEXT)
    sample_size = _short("Sample size", SHORT_TEXT)
    source = _text("Source (the data and how the values were computed)")
    citation = _text("Citation")
    license = _short("Licence", SHORT_TEXT)
    decision_kind = SelectField("Decision kind", choices=[SelectChoice("", "(none)"), *(SelectChoice(k, k) for k in DECISION_KINDS)],
                                validate_choice=False)
    minutes = _short("Minutes", 3)
    public = BooleanField("Offer it to other trainers and on the landing page")
    items = FieldList(FormField(ItemSpecForm), min_entries=1, max_entries=MAX_ITEMS)
    compute = SubmitField("Compute and check")
    add_item = SubmitField("Add an item")
    save = SubmitField("Save exercise")

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
