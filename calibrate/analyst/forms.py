"""The selection every analysis page, download and deletion starts from, read from the query string.

A GET form without CSRF (it changes nothing), so the address of a statistics
page holds the whole selection and can be sent to a colleague who has access.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, HiddenField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from calibrate.domain import codebook
from calibrate.domain.conditions import CONDITIONS
from calibrate.domain.exercise_text import localised
from calibrate.domain.exports import FORMATS
from calibrate.domain.scope import Selection
from calibrate.infra.form_fields import AppForm, WholeNumberField
from calibrate.models import Exercise, Workshop

MAX_RETENTION_DAYS = 36500


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SelectionForm(Form):
    """Workshops, exercise, conditions and round; empty means everything the user may see."""

    workshop = CheckboxList(_l("Workshops"), validate_choice=True)
    exercise = SelectField(_l("Exercise"), validators=[Optional()])
    condition = CheckboxList(_l("Conditions"), choices=[SelectChoice(key, text.label) for key, text in CONDITIONS.items()])
    round = SelectField(_l("Round"), choices=[SelectChoice("", _l("Both rounds")), SelectChoice("1", _l("Round 1")),
                                              SelectChoice("2", _l("Round 2"))],
                        validators=[Optional()])
    self_serve = BooleanField(_l("Include self-serve participants (when no workshop is chosen)"), default=True)

    def __init__(self, formdata, workshops: list[Workshop], exercises: list[Exercise], *, sees_self_serve: bool):
        super().__init__(formdata)
        self.workshop.choices = [SelectChoice(w.code, f"{w.title} ({w.code})") for w in workshops]
        self.exercise.choices = [SelectChoice("", _("All exercises"))] + [SelectChoice(e.slug, localised(e, "title")) for e in exercises]
        if not sees_self_serve:
            del self.self_serve
        elif formdata is None or "submitted" not in formdata:
            # Before the form is sent, self-serve people are included; once sent, the box says.
            self.self_serve.data = True

    def selection(self) -> Selection:
        return Selection(
            workshops=tuple(self.workshop.data or ()),
            exercise=self.exercise.data or None,
            conditions=tuple(self.condition.data or ()),
            rounds=(int(self.round.data),) if self.round.data else (),
            self_serve=bool(self.self_serve.data) if self.self_serve is not None else False,
        )


# The codebook's table titles as the download menu shows them (the codebook files themselves stay English).
TABLE_TITLES = {
    "responses": _l("Responses, long format"),
    "participants": _l("Participants"),
    "items": _l("Items with provenance"),
    "metrics": _l("Per-person metrics"),
    "group_tests": _l("Group tests"),
    "item_stats": _l("Item statistics"),
}


class DownloadForm(Form):
    table = SelectField(_l("File"), choices=[SelectChoice("all", _l("Everything (zip with codebook)"))]
                        + [SelectChoice(name, TABLE_TITLES.get(name, table.title)) for name, table in codebook.TABLES.items()])
    format = SelectField(_l("Format"), choices=[SelectChoice(fmt, fmt.upper() if fmt != "parquet" else "Parquet") for fmt in FORMATS])


class DeletionForm(AppForm):
    """What to delete (a workshop's data, one participant, or everyone last seen over N days ago) and the confirmation.

    `expected` carries the count the person confirmed; if the data changed since,
    nothing is deleted and the new count is shown.
    """

    workshop = SelectField(_l("A workshop's participants and answers"), validators=[Optional()])
    participant = WholeNumberField(_l("One participant (number from an export)"), validators=[Optional(), NumberRange(min=1)])
    older_than_days = WholeNumberField(
        _l("Everyone last seen more than this many days ago"),
        validators=[Optional(), NumberRange(min=0, max=MAX_RETENTION_DAYS,
                                            message=_l("Use 0 to %(most)s days.", most=MAX_RETENTION_DAYS))],
    )
    expected = HiddenField(validators=[InputRequired()])
    confirm = BooleanField(_l("I understand that this cannot be undone"), validators=[InputRequired(message=_l("Tick to confirm."))])

    def __init__(self, workshops: list[Workshop], **kwargs):
        super().__init__(**kwargs)
        self.workshop.choices = [SelectChoice("", "—")] + [SelectChoice(w.code, f"{w.title} ({w.code})") for w in workshops]

    TARGETS = ("workshop", "participant", "older_than_days")

    def chosen(self) -> list[str]:
        return [name for name in self.TARGETS if getattr(self, name).data not in (None, "")]
