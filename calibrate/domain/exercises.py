"""Load exercise definitions (exercise.toml + items.csv) into the database, and validate them.

One validator serves the loader and `calibrate validate-exercise`: it reads
both files to the end and lists every problem it finds, each naming the file,
row and column, what is wrong and how to fix it, before anything is written.
Answers already stored are protected: an exercise version with answers is never
rewritten; a changed definition becomes its next version (calibrate.domain.exercise_catalogue).
Text in another language is not part of what was answered: when only the German of an
answered version changed, it is updated in place (docs/exercises.md, section 6).

The format, every check and its threshold are described in docs/exercises.md.
items.csv columns: REQUIRED_ITEM_COLUMNS, plus the optional OPTIONAL_ITEM_COLUMNS
(own_choices like '0=No|1=Yes') and the market-research cue RESEARCH_COLUMNS
(all four or none per row), and the German of the item's texts in TRANSLATION_COLUMNS
(label_de, prompt_de, ...; exercise.toml has a [de] table). The built-in files are
written by experiments/build/build_exercises.py.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import statistics
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from analysis.metrics import MIN_ITEMS_REGRESSION, MIN_RESEARCH_ITEMS
from analysis.units import VALUE_TYPES, is_currency_code
from calibrate.domain import exercise_cache, exercise_catalogue
from calibrate.infra.extensions import db
from calibrate.infra.i18n import DEFAULT_LANGUAGE, LANGUAGES
from calibrate.infra.wording import decimal_sign, number
from calibrate.models import Exercise, Item, Response, User

REQUIRED_ITEM_COLUMNS = (
    "item_id", "prompt", "own_prompt", "own_min", "own_max", "unit", "min", "max", "truth", "n", "se",
)
OPTIONAL_ITEM_COLUMNS = ("label", "own_step", "own_choices", "own_optional", "segment", "value_type", "currency")
RESEARCH_COLUMNS = ("research_estimate", "research_low", "research_high", "research_sample")
TRANSLATED_LANGUAGES = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
"""Languages an exercise may carry besides English: a [de] table in exercise.toml, *_de columns in items.csv."""
TRANSLATED_ITEM_COLUMNS = ("label", "prompt", "own_prompt", "unit", "segment", "research_sample", "own_choices")
TRANSLATION_COLUMNS = tuple(
    f"{column}_{language}" for language in TRANSLATED_LANGUAGES for column in TRANSLATED_ITEM_COLUMNS
)
ITEM_COLUMNS = REQUIRED_ITEM_COLUMNS + OPTIONAL_ITEM_COLUMNS + RESEARCH_COLUMNS + TRANSLATION_COLUMNS
LABEL_LENGTH = 200
SAMPLE_LENGTH = 120
COLUMN_LENGTHS = {"item_id": 80, "unit": 80, "segment": 120}
"""Longest text the database keeps in these item columns."""
REQUIRED_EXERCISE_KEYS = ("title", "description", "population", "source", "citation", "license")
OPTIONAL_EXERCISE_KEYS = ("decision_kind", "period", "sample_size", "minutes", "prediction_prompt", "own_prompt", "public")
SHORT_EXERCISE_KEYS = ("title", "license", "decision_kind", "period", "sample_size")
"""exercise.toml texts kept in 200-character columns; the others may be MAX_TEXT long."""
TRANSLATED_EXERCISE_KEYS = ("title", "description", "population", "period", "sample_size", "prediction_prompt",
                            "own_prompt")
"""exercise.toml texts a language table such as [de] translates; source, citation and license stay as written."""
SHORT_TEXT = 200
MAX_TEXT = 2000
TEXT_LENGTHS = {"label": LABEL_LENGTH, "prompt": MAX_TEXT, "own_prompt": MAX_TEXT, "unit": COLUMN_LENGTHS["unit"],
                "segment": COLUMN_LENGTHS["segment"], "research_sample": SAMPLE_LENGTH}
"""Longest text of each translated item column, in any language."""
DECISION_KINDS = ("product features", "pricing", "brand", "communication")
"""The four kinds of marketing decision of Hattula et al. (2015); an exercise names one as `decision_kind`."""
MAX_MINUTES = 180

MAX_FILE_BYTES = 1_000_000
"""Largest exercise.toml or items.csv accepted (the biggest built-in items.csv is about 25 kB)."""
MAX_ITEMS = 100
"""Most items in one exercise: at about half a minute per item, 100 items already take 50 minutes."""
MIN_ITEMS = 2 * MIN_ITEMS_REGRESSION
"""Fewest items: the per-person regression needs MIN_ITEMS_REGRESSION (4) answered items, and a round 2
splits the items in two (docs/methods.md, sections 2 and 6), so each round must still get 4."""
MIN_TRUTH_SD = 10.0
"""Smallest spread of the recorded values: SD of the truths over the items, in percent of each item's range.
Below it, with 12 items, a residual SD of 15 points and own answers that follow the truth at r = 0.37 (the
section-1 simulation), a person's weight on the truth has a 95% CI wider than +/-1, so the regression cannot
separate following the truth from following one's own taste (docs/exercises.md, "Good items")."""
MIN_CUE_ITEMS = 2 * MIN_RESEARCH_ITEMS
"""Fewest items with a research cue when some have one: the cue is shown on a random half of them, and the
research model needs MIN_RESEARCH_ITEMS (2) answered items with research (docs/methods.md, section 3)."""
OPTIONAL_FLAGS = {"": False, "0": False, "false": False, "no": False, "1": True, "true": True, "yes": True}


class ExerciseLoadError(ValueError):
    """Raised with every problem found, one per line, before anything is written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ExerciseDefinition:
    """A validated exercise, ready to be written."""

    slug: str
    meta: dict
    items: list[dict] = field(default_factory=list)
    content_hash: str = ""


def _is_binary(item) -> bool:
    """True when the own answer is a choice between exactly two options (e.g. 0=No|1=Yes)."""
    choices = item.get("own_choices") if isinstance(item, dict) else getattr(item, "own_choices", None)
    return len(choices or []) == 2


def own_scale(items) -> str:
    """Return "binary" when every item's own answer is a two-option choice, else "graded".

    b_own from 0/1 own answers is attenuated against graded ones, so results on
    the two kinds of scale must never be pooled or compared (docs/methods.md,
    section 1). Items may be dicts (as read from items.csv) or `Item` objects.
    """
    items = list(items)
    return "binary" if items and all(_is_binary(item) for item in items) else "graded"


def problem(where: str, what: str, fix: str = "") -> str:
    """One problem as the loader and the validator print it: where, what is wrong, how to fix it.

    The three parts come translated (or English outside a request, as on the command line).
    """
    if fix:
        return _("%(where)s: %(what)s. Fix: %(fix)s", where=where, what=what, fix=fix)
    return _("%(where)s: %(what)s", where=where, what=what)


class RowProblem(str):
    """A problem of one items.csv row that carries the row's number, so no caller has to read it from the text."""

    row: int

    @classmethod
    def of(cls, text: str, row: int) -> RowProblem:
        made = cls(text)
        made.row = row
        return made


def at_row(name: str, row: int) -> str:
    """Where a row is: rows are numbered as a spreadsheet shows them (the header is row 1)."""
    return _("%(file)s row %(row)s", file=name, row=row)


def at_line(name: str, line: int) -> str:
    return _("%(file)s line %(line)s", file=name, line=line)


def at_column(where: str, column: str) -> str:
    return _("%(where)s, column '%(column)s'", where=where, column=column)


def at_key(name: str, key: str) -> str:
    return _("%(file)s, key '%(key)s'", file=name, key=key)


def amount(value: float) -> str:
    """A whole number with the page language's thousands sign (1,000,000 or 1.000.000)."""
    return number(value, 0)


def short_number(value: float) -> str:
    """A number as few digits as it needs (42, 42.5), with the page language's decimal sign."""
    return f"{value:g}".replace(".", decimal_sign())


RENAME_FIXES = {
    "keys": (_l("rename it to '%(name)s' (the keys are: %(known)s)"),
             _l("rename or remove it (the keys are: %(known)s)")),
    "translated keys": (_l("rename it to '%(name)s' (the translated keys are: %(known)s)"),
                        _l("rename or remove it (the translated keys are: %(known)s)")),
    "decision kinds": (_l("write '%(name)s' (the decision kinds are: %(known)s)"),
                       _l("write one of them (the decision kinds are: %(known)s)")),
    "value types": (_l("write '%(name)s' (the value types are: %(known)s)"),
                    _l("write one of them (the value types are: %(known)s)")),
    "columns": (_l("rename it to '%(name)s' (the columns are: %(known)s)"),
                _l("rename or remove it (the columns are: %(known)s)")),
}
"""How to fix an unknown name, with and without a close known one."""


def _rename(name: str, known, what: str) -> str:
    """How to fix an unknown name: the closest known one when there is one, and the list of known ones."""
    close = difflib.get_close_matches(name.strip().lower(), list(known), n=1, cutoff=0.6)
    with_close, without = RENAME_FIXES[what]
    if close:
        return with_close % {"name": close[0], "known": ", ".join(known)}
    return without % {"known": ", ".join(known)}


def _read_text(path: Path, problems: list[str], contents: str) -> str | None:
    """The file as text, or None after adding why it cannot be read (missing, empty, too big, not UTF-8)."""
    if not path.is_file():
        problems.append(problem(str(path), _("is missing"),
                                _("create it with %(contents)s (docs/exercises.md)", contents=contents)))
        return None
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(_too_big(str(path), size))
        return None
    return decode_text(str(path), path.read_bytes(), problems, contents)


def _too_big(name: str, size: int) -> str:
    return problem(name, _("is %(size)s bytes, more than the limit of %(limit)s", size=amount(size),
                           limit=amount(MAX_FILE_BYTES)),
                   _("split it into smaller exercises, or check that this is the right file"))


def decode_text(name: str, raw: bytes, problems: list[str], contents: str) -> str | None:
    """Uploaded or read bytes as text, or None after adding why not (empty, too big, not UTF-8)."""
    if not raw:
        problems.append(problem(name, _("is empty"),
                                _("write %(contents)s into it (docs/exercises.md)", contents=contents)))
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(_too_big(name, len(raw)))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(problem(
            at_line(name, line), _("is not UTF-8 text (byte 0x%(byte)02x at byte %(position)s)",
                                   byte=raw[exc.start], position=amount(exc.start + 1)),
            _("save the file as UTF-8 (Excel: 'CSV UTF-8 (comma delimited)'; LibreOffice: character set "
              "'Unicode (UTF-8)')"),
        ))
        return None


# --------------------------------------------------------------------------- exercise.toml
META_CONTENTS = _l("the exercise's title, description and provenance")
ITEMS_CONTENTS = _l("a header row and one row per item")


def validate_meta(toml_path: Path) -> tuple[dict, list[str]]:
    """Read exercise.toml and return (its keys, every problem found)."""
    problems: list[str] = []
    text = _read_text(toml_path, problems, META_CONTENTS)
    if text is None:
        return {}, problems
    return validate_meta_text(str(toml_path), text, problems)


def validate_meta_text(toml_path: str, text: str, problems: list[str] | None = None) -> tuple[dict, list[str]]:
    """Parse and check the text of an exercise.toml; ``toml_path`` names it in the messages."""
    problems = [] if problems is None else problems
    try:
        meta = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(problem(
            str(toml_path), _("is not valid TOML (%(error)s)", error=exc),
            _('write one key = value per line and put every text in double quotes, e.g. title = "Brand shares"'),
        ))
        return {}, problems
    problems.extend(check_meta(meta, toml_path))
    return meta, problems


def check_meta(meta: dict, toml_path: str) -> list[str]:
    """Every problem of an exercise's keys (from exercise.toml or the authoring form), each naming the key."""
    problems: list[str] = []

    def where(key: str) -> str:
        return at_key(toml_path, key)

    known = REQUIRED_EXERCISE_KEYS + OPTIONAL_EXERCISE_KEYS
    for key in meta:
        if key not in known and key not in TRANSLATED_LANGUAGES:
            problems.append(problem(where(key), _("is not a known key"), _rename(key, known, "keys")))
    for key in REQUIRED_EXERCISE_KEYS:
        if not str(meta.get(key, "")).strip():
            problems.append(problem(where(key), _("is missing or empty"),
                                    _('add %(key)s = "..." (docs/exercises.md)', key=key)))
    for key in known:
        if key in meta and key not in ("minutes", "public"):
            problems.extend(_check_text(meta[key], key, where(key)))
    for language in TRANSLATED_LANGUAGES:
        if language in meta:
            problems.extend(_check_meta_language(meta, language, toml_path))
    kind = meta.get("decision_kind")
    if isinstance(kind, str) and kind.strip() not in DECISION_KINDS:
        problems.append(problem(where("decision_kind"), _("unknown decision kind '%(kind)s'", kind=kind),
                                _rename(kind, DECISION_KINDS, "decision kinds")))
    minutes = meta.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)
                                or not 1 <= minutes <= MAX_MINUTES):
        problems.append(problem(
            where("minutes"), _("%(value)s is not a whole number of minutes from 1 to %(limit)s",
                                value=repr(minutes), limit=MAX_MINUTES),
            _("write the expected duration without quotes, e.g. minutes = 6 (about half a minute per item)"),
        ))
    if "public" in meta and not isinstance(meta["public"], bool):
        problems.append(problem(where("public"), _("%(value)s is not true or false", value=repr(meta["public"])),
                                _("write public = true or public = false, without quotes")))
    return problems


def _check_text(value, key: str, where: str) -> list[str]:
    """A text key of exercise.toml: text, and not longer than its column."""
    limit = SHORT_TEXT if key in SHORT_EXERCISE_KEYS else MAX_TEXT
    if not isinstance(value, str):
        return [problem(where, _("is %(kind)s, not text", kind=type(value).__name__),
                        _('write %(key)s = "..."', key=key))]
    if len(value.strip()) > limit:
        return [problem(where, _longer(limit), _("shorten it"))]
    return []


def _longer(limit: int) -> str:
    return _("is longer than %(limit)s characters", limit=amount(limit))


def _cell_longer(limit: int) -> str:
    return _("longer than %(limit)s characters", limit=amount(limit))


def _check_meta_language(meta: dict, language: str, toml_path: str) -> list[str]:
    """The [de] table: only translatable keys, as text, and one for every text the exercise has in English."""
    table = meta[language]
    if not isinstance(table, dict):
        return [problem(at_key(toml_path, language), _("is %(kind)s, not a table", kind=type(table).__name__),
                        _('write [%(language)s] on a line of its own at the end, then its keys, e.g. title = "..."',
                          language=language))]
    problems = []
    for key, value in table.items():
        where = at_key(toml_path, f"{language}.{key}")
        if key not in TRANSLATED_EXERCISE_KEYS:
            problems.append(problem(where, _("is not a key that is translated"),
                                    _rename(key, TRANSLATED_EXERCISE_KEYS, "translated keys")))
        else:
            problems.extend(_check_text(value, key, where))
    for key in TRANSLATED_EXERCISE_KEYS:
        if str(meta.get(key, "")).strip() and not str(table.get(key, "")).strip():
            problems.append(problem(
                at_key(toml_path, f"{language}.{key}"),
                _("is missing or empty, but the exercise has a [%(language)s] table, which needs every text it has "
                  "in English", language=language),
                _('add %(key)s = "..." under [%(language)s], or remove the whole table', key=key, language=language),
            ))
    return problems


def _meta_translations(meta: dict) -> dict:
    """The exercise's texts per language as stored on Exercise.translations: {"de": {"title": ...}}."""
    return {
        language: {key: str(meta[language][key]).strip() for key in TRANSLATED_EXERCISE_KEYS
                   if str(meta[language].get(key, "")).strip()}
        for language in TRANSLATED_LANGUAGES if isinstance(meta.get(language), dict)
    }


# --------------------------------------------------------------------------- items.csv
def _number(raw: str | None, where: str, problems: list[str], *, integer: bool = False) -> float | None:
    text = (raw or "").strip()
    if text == "":
        problems.append(problem(where, _("is empty"), _("write a number")))
        return None
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        if integer:
            problems.append(problem(where, _("'%(text)s' is not an integer", text=text),
                                    _("write a whole number such as 120, without separators")))
        else:
            problems.append(problem(where, _("'%(text)s' is not a number", text=text),
                                    _("write a plain number with a decimal point, e.g. 42 or 42.5, without % or "
                                      "units")))
        return None
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(problem(where, _("'%(text)s' is not a finite number", text=text),
                                _("write an ordinary number")))
        return None
    return value


def _parse_choices(raw: str | None, where: str, problems: list[str]) -> list[dict] | None:
    """Parse '0=No|1=Yes' into [{'value': 0.0, 'label': 'No'}, ...]."""
    text = (raw or "").strip()
    if not text:
        return None
    choices = []
    for part in text.split("|"):
        value, sep, label = part.partition("=")
        if not sep or not label.strip():
            problems.append(problem(where, _("choice code '%(code)s' must look like value=label", code=part),
                                    _("write the choices as 0=No|1=Yes")))
            continue
        number = _number(value, _("%(where)s, choice '%(code)s'", where=where, code=part), problems)
        if number is not None:
            choices.append({"value": number, "label": label.strip()})
    values = [choice["value"] for choice in choices]
    if len(values) != len(set(values)):
        problems.append(problem(where, _("the same value is used for two choices"),
                                _("give every choice its own value")))
    if len(text.split("|")) == 1:
        problems.append(problem(where, _("has only one choice"), _("give at least two, or leave own_choices empty")))
    return choices


def _range(low: float, high: float) -> str:
    return f"[{short_number(low)}, {short_number(high)}]"


def _validate_row(row: dict, header: set[str], where: str, problems: list[str],
                  languages: tuple[str, ...] = ()) -> dict:
    """Check one items.csv row (only the columns the header has) and return it with numbers converted.

    ``languages`` are those the file has text in besides English: the row must give each of them for every
    text it has in English.
    """
    def loc(column: str) -> str:
        return at_column(where, column)

    def given(column: str) -> bool:
        return column in header

    item = {"item_key": (row.get("item_id") or "").strip()}
    if given("item_id") and not item["item_key"]:
        problems.append(problem(loc("item_id"), _("is empty"),
                                _("give every item a short unique id, e.g. ketchup_heinz")))
    for column in ("prompt", "own_prompt", "unit"):
        text = (row.get(column) or "").strip()
        if given(column) and not text:
            problems.append(problem(loc(column), _("is empty"), _("write the question text")
                                    if column != "unit" else _("name the unit, e.g. percent of respondents")))
        elif len(text) > MAX_TEXT:
            problems.append(problem(loc(column), _cell_longer(MAX_TEXT), _("shorten it")))
        item[column] = text
    for column in ("min", "max", "truth", "se", "own_min", "own_max"):
        item[column] = _number(row.get(column), loc(column), problems) if given(column) else None
    item["n"] = _number(row.get("n"), loc("n"), problems, integer=True) if given("n") else None
    step = (row.get("own_step") or "").strip()
    item["own_step"] = _number(step, loc("own_step"), problems) if step else None
    item["own_choices"] = _parse_choices(row.get("own_choices"), loc("own_choices"), problems)
    flag = (row.get("own_optional") or "").strip().lower()
    if flag not in OPTIONAL_FLAGS:
        problems.append(problem(loc("own_optional"), _("unknown code '%(code)s'", code=flag),
                                _("write 1 (the own answer may be skipped) or leave it empty")))
    item["own_optional"] = OPTIONAL_FLAGS.get(flag, False)
    item["segment"] = (row.get("segment") or "").strip()
    for column, limit in COLUMN_LENGTHS.items():
        value = item["item_key"] if column == "item_id" else item[column]
        if len(value) > limit:
            problems.append(problem(loc(column), _cell_longer(limit), _("shorten it")))
    label = (row.get("label") or "").strip() or item["prompt"]
    item["label"] = label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1] + "…"

    lo, hi, truth = item["min"], item["max"], item["truth"]
    _validate_value_type(row, item, loc, problems)
    if lo is not None and hi is not None:
        if lo >= hi:
            problems.append(problem(loc("max"), _("%(high)s must be greater than min %(low)s", high=short_number(hi),
                                                  low=short_number(lo)),
                                    _("give the lowest possible recorded value as min and the highest as max")))
        elif truth is not None and not lo <= truth <= hi:
            problems.append(problem(loc("truth"), _("%(value)s is outside %(range)s", value=short_number(truth),
                                                    range=_range(lo, hi)),
                                    _("check the recorded value, or widen min and max to the scale it is on")))
    own_lo, own_hi = item["own_min"], item["own_max"]
    if own_lo is not None and own_hi is not None and own_lo >= own_hi:
        problems.append(problem(loc("own_max"), _("%(high)s must be greater than own_min %(low)s",
                                                  high=short_number(own_hi), low=short_number(own_lo)),
                                _("graded own answers go from own_min = 0 to own_max = 100")))
    step = item["own_step"]
    if step is not None and not item["own_choices"]:
        if step <= 0:
            problems.append(problem(loc("own_step"), _("%(step)s is not positive", step=short_number(step)),
                                    _("use 1, or leave it empty")))
        elif own_lo is not None and own_hi is not None and own_lo < own_hi:
            steps = (own_hi - own_lo) / step
            if abs(steps - round(steps)) > 1e-9:
                problems.append(problem(
                    loc("own_step"), _("%(step)s does not divide the own-answer range %(low)s-%(high)s into whole "
                                       "steps, so own_max cannot be chosen", step=short_number(step),
                                       low=short_number(own_lo), high=short_number(own_hi)),
                    _("use a step that does, e.g. 1"),
                ))
    if item["n"] is not None and item["n"] < 1:
        problems.append(problem(loc("n"), _("must be at least 1"),
                                _("give the number of observations behind truth")))
    if item["se"] is not None and item["se"] < 0:
        problems.append(problem(loc("se"), _("must not be negative"), _("give the standard error of truth")))
    for choice in item["own_choices"] or []:
        if own_lo is not None and own_hi is not None and not own_lo <= choice["value"] <= own_hi:
            problems.append(problem(loc("own_choices"),
                                    _("value %(value)s is outside %(range)s", value=short_number(choice["value"]),
                                      range=_range(own_lo, own_hi)),
                                    _("keep every choice value between own_min and own_max")))
    _validate_research(row, item, loc, problems)
    item["translations"] = {
        language: _row_language(row, header, item, language, loc, problems) for language in languages
    }
    return item


def _row_language(row: dict, header: set[str], item: dict, language: str, loc, problems: list[str]) -> dict:
    """The row's texts in one language, checked like the English ones; a text the row has in English is required.

    A label left empty falls back to the prompt, in every language, as in English.
    """
    texts: dict = {}
    for column in TRANSLATED_ITEM_COLUMNS:
        name = f"{column}_{language}"
        raw = (row.get(name) or "").strip()
        if column == "own_choices":
            choices = _parse_choices(raw, loc(name), problems)
            english = [choice["value"] for choice in item["own_choices"] or []]
            if choices and [choice["value"] for choice in choices] != english:
                problems.append(problem(loc(name), _("does not have the values of own_choices, in the same order"),
                                        _("translate only the labels: %(choices)s",
                                          choices=(row.get("own_choices") or "").strip())))
            elif choices:
                texts[column] = choices
        elif len(raw) > TEXT_LENGTHS[column]:
            problems.append(problem(loc(name), _cell_longer(TEXT_LENGTHS[column]), _("shorten it")))
        elif raw:
            texts[column] = raw
        given = (row.get(column) or "").strip() if column in ("label", "own_choices") else item[column]
        if given and not raw and name in header:
            problems.append(problem(
                loc(name), _("is empty, but the items have text in '%(language)s', which every row needs for every "
                             "text it has in English", language=language),
                _("translate column '%(column)s' of this row, or leave every *_%(language)s column empty",
                  column=column, language=language),
            ))
    if "label" not in texts and "prompt" in texts:
        prompt = texts["prompt"]
        texts["label"] = prompt if len(prompt) <= LABEL_LENGTH else prompt[: LABEL_LENGTH - 1] + "…"
    return texts


VALUE_TYPE_RANGES = {
    "percent": (_l("%(value)s is outside %(low)s-%(high)s, the range of a percent item"),
                _l("a percent item is a percentage of people or occasions, 0-100")),
    "share": (_l("%(value)s is outside %(low)s-%(high)s, the range of a share item"),
              _l("a share item is the percentage choosing one option, 0-100")),
}
"""What is wrong with a min or max outside its value type's range, and what the type means (analysis.units:
only these types have a fixed range)."""


def _validate_value_type(row: dict, item: dict, loc, problems: list[str]) -> None:
    """Add the value type (how values print: analysis.units) and the currency of a money item."""
    value_type = (row.get("value_type") or "").strip().lower() or "percent"
    currency = (row.get("currency") or "").strip().upper()
    item["value_type"], item["currency"] = value_type, currency
    kind = VALUE_TYPES.get(value_type)
    if kind is None:
        problems.append(problem(loc("value_type"), _("unknown value type '%(name)s'", name=value_type),
                                _rename(value_type, VALUE_TYPES, "value types")))
        return
    if value_type == "money" and not is_currency_code(currency):
        problems.append(problem(loc("currency"), _("'%(code)s' is not a currency code", code=currency)
                                if currency else _("is empty"),
                                _("a money item needs its three-letter currency code, e.g. EUR or USD")))
    elif value_type != "money" and currency:
        problems.append(problem(loc("currency"), _("is given for a %(value_type)s item", value_type=value_type),
                                _("leave currency empty unless value_type is money")))
    lo, hi = item["min"], item["max"]
    for column, value in (("min", lo), ("max", hi)):
        if value is not None and kind.lowest is not None and not kind.lowest <= value <= kind.highest:
            what, fix = VALUE_TYPE_RANGES[value_type]
            problems.append(problem(loc(column), what % {"value": short_number(value), "low": short_number(
                kind.lowest), "high": short_number(kind.highest)}, str(fix)))


def _validate_research(row: dict, item: dict, loc, problems: list[str]) -> None:
    """Add the market-research cue (a pilot's estimate and 95% interval of `truth`) to item.

    The cue is all four columns or none; the numbers lie in the item's range, low <= estimate <= high.
    """
    raw = {column: (row.get(column) or "").strip() for column in RESEARCH_COLUMNS}
    item.update(dict.fromkeys(RESEARCH_COLUMNS))
    if not any(raw.values()):
        return
    for column in RESEARCH_COLUMNS:
        if not raw[column]:
            problems.append(problem(
                loc(column), _("is empty; a research cue needs all of %(columns)s",
                               columns=", ".join(RESEARCH_COLUMNS)),
                _("fill in all four, or leave all four empty for an item without a cue"),
            ))
    if len(raw["research_sample"]) > SAMPLE_LENGTH:
        problems.append(problem(loc("research_sample"), _cell_longer(SAMPLE_LENGTH),
                                _("say only how big the pilot is, e.g. 15 of the 76 respondents")))
    item["research_sample"] = raw["research_sample"] or None
    values = {}
    for column in RESEARCH_COLUMNS[:3]:
        if raw[column]:
            item[column] = values[column] = _number(raw[column], loc(column), problems)
    lo, hi = item["min"], item["max"]
    for column, value in values.items():
        if value is not None and lo is not None and hi is not None and lo < hi and not lo <= value <= hi:
            problems.append(problem(loc(column), _("%(value)s is outside %(range)s", value=short_number(value),
                                                   range=_range(lo, hi)),
                                    _("give the pilot's estimate and interval on the item's scale")))
    estimate, low, high = (values.get(column) for column in RESEARCH_COLUMNS[:3])
    if low is not None and estimate is not None and low > estimate:
        problems.append(problem(loc("research_low"), _("%(low)s is above research_estimate %(estimate)s",
                                                       low=short_number(low), estimate=short_number(estimate)),
                                _("the interval must hold its estimate: research_low <= estimate <= research_high")))
    if high is not None and estimate is not None and high < estimate:
        problems.append(problem(loc("research_high"), _("%(high)s is below research_estimate %(estimate)s",
                                                        high=short_number(high), estimate=short_number(estimate)),
                                _("the interval must hold its estimate: research_low <= estimate <= research_high")))


def _rows_text(lines: list[int]) -> str:
    return ", ".join(str(line) for line in lines)


def _exercise_level(items: list[dict], lines: list[int], csv_path: Path) -> list[str]:
    """Problems of the items together: too few or too many, truths too close, cues on too few, mixed own scales."""
    problems = []
    where = str(csv_path)
    if 0 < len(items) < MIN_ITEMS:
        problems.append(problem(
            where, _("has %(count)s items; at least %(needed)s are needed, because a person's egocentric weight "
                     "needs %(per_round)s answered items per round and a round 2 splits the items in two",
                     count=len(items), needed=MIN_ITEMS, per_round=MIN_ITEMS_REGRESSION),
            _("add items (12-25 give a steadier weight; docs/methods.md, section 6)"),
        ))
    if len(items) > MAX_ITEMS:
        problems.append(problem(where, _("has %(count)s items, more than the limit of %(limit)s", count=len(items),
                                         limit=MAX_ITEMS),
                                _("split them into several exercises")))
    spread = [
        100.0 * (item["truth"] - item["min"]) / (item["max"] - item["min"])
        for item in items
        if None not in (item["truth"], item["min"], item["max"]) and item["min"] <= item["truth"] <= item["max"]
        and item["min"] < item["max"]
    ]
    if len(spread) >= 2 and statistics.stdev(spread) < MIN_TRUTH_SD:
        problems.append(problem(
            where, _("the recorded values barely differ: the SD of truth is %(sd)s%% of the items' range (from "
                     "%(low)s%% to %(high)s%%), below %(limit)s%%, so the per-person regression cannot tell "
                     "following the truth from following one's own taste", sd=number(statistics.stdev(spread), 1),
                     low=number(min(spread), 1), high=number(max(spread), 1), limit=short_number(MIN_TRUTH_SD)),
            _("choose items whose recorded values lie further apart (docs/exercises.md, 'Good items')"),
        ))
    with_cue = [line for line, item in zip(lines, items) if item["research_estimate"] is not None]
    if 0 < len(with_cue) < MIN_CUE_ITEMS:
        problems.append(problem(
            where, ngettext("only %(num)d item has a research cue (rows %(rows)s); the cue is shown on a random half "
                            "of them and the research model needs %(answered)s answered items with research, so at "
                            "least %(needed)s are needed",
                            "only %(num)d items have a research cue (rows %(rows)s); the cue is shown on a random "
                            "half of them and the research model needs %(answered)s answered items with research, "
                            "so at least %(needed)s are needed",
                            len(with_cue), rows=_rows_text(with_cue), answered=MIN_RESEARCH_ITEMS,
                            needed=MIN_CUE_ITEMS),
            _("give at least %(needed)s items a cue (best: every item), or remove the cues", needed=MIN_CUE_ITEMS),
        ))
    binary = [line for line, item in zip(lines, items) if _is_binary(item)]
    graded = [line for line, item in zip(lines, items) if not _is_binary(item)]
    if binary and graded:
        problems.append(problem(
            where, _("mixes binary own answers (two own_choices; rows %(binary)s) with graded ones (rows %(graded)s); "
                     "b_own from yes/no answers is much smaller than from graded ones",
                     binary=_rows_text(binary), graded=_rows_text(graded)),
            _("ask every own answer on a graded scale (e.g. 0-100) or every one as a yes/no choice"),
        ))
    return problems


def validate_items(csv_path: Path) -> tuple[list[dict], list[str]]:
    """Read items.csv and return (its items, every problem found)."""
    problems: list[str] = []
    text = _read_text(csv_path, problems, ITEMS_CONTENTS)
    if text is None:
        return [], problems
    return validate_items_text(str(csv_path), text, problems)


def validate_items_text(csv_path: str, text: str, problems: list[str] | None = None, *,
                        row_name: Callable[[int], str] | None = None) -> tuple[list[dict], list[str]]:
    """Parse and check the text of an items.csv; ``csv_path`` names it in the messages.

    ``row_name`` names a row in the messages (default: "items.csv row 2"); each problem of a row is a
    RowProblem that carries the row's number.
    """
    problems = [] if problems is None else problems
    row_name = row_name or (lambda line: at_row(csv_path, line))
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = list(reader.fieldnames or [])
        rows = list(reader)
    except csv.Error as exc:
        problems.append(problem(str(csv_path), _("cannot be read as CSV (%(error)s)", error=exc),
                                _("save it as comma-separated values with text in double quotes")))
        return [], problems
    if not header:
        problems.append(problem(str(csv_path), _("has no header row"),
                                _("start with: %(columns)s", columns=",".join(REQUIRED_ITEM_COLUMNS))))
        return [], problems
    missing = [column for column in REQUIRED_ITEM_COLUMNS if column not in header]
    if missing:
        problems.append(problem(
            str(csv_path), _("missing column(s) %(columns)s", columns=", ".join(missing)),
            _("add them to the header row (the first line); every items.csv needs %(columns)s",
              columns=", ".join(REQUIRED_ITEM_COLUMNS)),
        ))
    for column in dict.fromkeys(header):
        if header.count(column) > 1:
            problems.append(problem(at_column(csv_path, column),
                                    _("appears %(count)s times in the header", count=header.count(column)),
                                    _("keep one of them")))
        if column == "market_research":
            problems.append(problem(
                at_column(csv_path, "market_research"), _("is no longer read"),
                _("give the cue as numbers in %(columns)s", columns=", ".join(RESEARCH_COLUMNS)),
            ))
        elif column not in ITEM_COLUMNS:
            problems.append(problem(at_column(csv_path, column), _("is not a known column"),
                                    _rename(column, ITEM_COLUMNS, "columns")))
    present = set(header)
    languages = _languages(rows, present)
    problems.extend(_missing_language_columns(rows, present, languages, csv_path))

    # Rows are numbered as a spreadsheet shows them: the header is row 1, the first item row 2.
    items, lines, seen = [], [], {}
    for line, row in enumerate(rows, start=2):
        where = row_name(line)
        found: list[str] = []
        if None in row:
            found.append(problem(where, _("has %(values)s values but the header has %(columns)s columns",
                                          values=len(header) + len(row[None]), columns=len(header)),
                                 _("put text that contains commas in double quotes")))
        item = _validate_row(row, present, where, found, languages)
        if item["item_key"] and item["item_key"] in seen:
            found.append(problem(
                at_column(where, "item_id"), _("'%(id)s' repeats row %(row)s", id=item["item_key"],
                                               row=seen[item["item_key"]]),
                _("give every item its own id"),
            ))
        problems.extend(RowProblem.of(text, line) for text in found)
        seen.setdefault(item["item_key"], line)
        item["position"] = len(items)
        items.append(item)
        lines.append(line)
    if not items:
        problems.append(problem(str(csv_path), _("has no items"), _("add one row per item below the header")))
    problems.extend(_exercise_level(items, lines, csv_path))
    return items, problems


def _languages(rows: list[dict], header: set[str]) -> tuple[str, ...]:
    """The languages besides English that some cell of the file is written in."""
    return tuple(
        language for language in TRANSLATED_LANGUAGES
        if any((row.get(f"{column}_{language}") or "").strip()
               for row in rows for column in TRANSLATED_ITEM_COLUMNS if f"{column}_{language}" in header)
    )


def _missing_language_columns(rows: list[dict], header: set[str], languages: tuple[str, ...],
                              csv_path: str) -> list[str]:
    """Once per file: a language's column that is missing although some row has that text in English."""
    problems = []
    for language in languages:
        for column in TRANSLATED_ITEM_COLUMNS:
            name = f"{column}_{language}"
            if name not in header and column in header and any((row.get(column) or "").strip() for row in rows):
                problems.append(problem(
                    at_column(csv_path, name),
                    _("is missing, but the items have text in '%(language)s', which every row needs for every text "
                      "it has in English", language=language),
                    _("add the column '%(column)s' to the header", column=name),
                ))
    return problems


def _languages_agree(meta: dict, items: list[dict], toml_name: str, csv_name: str) -> list[str]:
    """An exercise is in a language with both files or with neither: half a translation would mix languages."""
    problems = []
    for language in TRANSLATED_LANGUAGES:
        in_meta = language in meta
        in_items = any(language in item.get("translations", {}) for item in items)
        if in_meta and not in_items:
            problems.append(problem(
                csv_name, _("has no text in '%(language)s', but %(file)s has a [%(language)s] table",
                            language=language, file=toml_name),
                _("add the columns %(columns)s (those whose English column is filled), or remove the table",
                  columns=", ".join(f"{c}_{language}" for c in TRANSLATED_ITEM_COLUMNS))))
        elif in_items and not in_meta:
            problems.append(problem(
                toml_name, _("has no [%(language)s] table, but %(file)s has text in '%(language)s'",
                             language=language, file=csv_name),
                _("add a [%(language)s] table with %(keys)s (those the exercise has in English), or empty the "
                  "*_%(language)s columns", language=language, keys=", ".join(TRANSLATED_EXERCISE_KEYS))))
    return problems


# --------------------------------------------------------------------------- whole exercises
def validate_exercise(folder: Path) -> tuple[ExerciseDefinition | None, list[str]]:
    """Validate one exercise folder: (the definition, or None when there are problems; every problem)."""
    toml_path, csv_path = folder / "exercise.toml", folder / "items.csv"
    meta, problems = validate_meta(toml_path)
    items, item_problems = validate_items(csv_path)
    problems = problems + item_problems
    if meta and items:
        problems.extend(_languages_agree(meta, items, str(toml_path), str(csv_path)))
    if len(folder.name) > 80:
        problems.append(problem(str(folder), _("the folder name (the exercise's slug) is longer than 80 characters"),
                                _("rename the folder")))
    if problems:
        return None, problems
    digest = hashlib.sha256(toml_path.read_bytes() + csv_path.read_bytes()).hexdigest()
    return ExerciseDefinition(slug=folder.name, meta=meta, items=items, content_hash=digest), []


def validate_upload(slug: str, toml_name: str, toml_raw: bytes | None, csv_name: str,
                    csv_raw: bytes | None) -> tuple[ExerciseDefinition | None, list[str]]:
    """Validate an uploaded exercise.toml and items.csv (bytes) exactly as the loader validates a folder."""
    problems: list[str] = []
    meta, items = {}, []
    for name, raw, contents in ((toml_name, toml_raw, META_CONTENTS), (csv_name, csv_raw, ITEMS_CONTENTS)):
        if raw is None:
            problems.append(problem(name, _("is missing"),
                                    _("upload it with %(contents)s (docs/exercises.md)", contents=contents)))
            continue
        text = decode_text(name, raw, problems, contents)
        if text is None:
            continue
        if name == toml_name:
            meta, _ignored = validate_meta_text(name, text, problems)
        else:
            items, _ignored = validate_items_text(name, text, problems)
    if meta and items:
        problems.extend(_languages_agree(meta, items, toml_name, csv_name))
    if problems:
        return None, problems
    digest = hashlib.sha256(toml_raw + csv_raw).hexdigest()
    return ExerciseDefinition(slug=slug, meta=meta, items=items, content_hash=digest), []


def _is_exercise_folder(path: Path) -> bool:
    return (path / "exercise.toml").is_file() or (path / "items.csv").is_file()


def validate_path(path: Path) -> tuple[list[str], list[str]]:
    """Validate what `calibrate validate-exercise` is given: an exercise folder, a folder of exercise
    folders, an exercise.toml or an items.csv. Returns (one line per checked exercise or file, every problem)."""
    if path.is_dir():
        folders = [path] if _is_exercise_folder(path) else sorted(
            child for child in path.iterdir() if child.is_dir() and _is_exercise_folder(child)
        )
        if not folders:
            return [], [problem(str(path), _("holds no exercise"),
                                _("give a folder with exercise.toml and items.csv, or a folder of such folders"))]
        checked, problems = [], []
        for folder in folders:
            definition, found = validate_exercise(folder)
            problems.extend(found)
            if definition is None:
                checked.append(f"{folder}: not valid, {len(found)} problem(s)")
            else:
                kind = definition.meta.get("decision_kind", "no decision kind")
                languages = "".join(f", also in [{language}]" for language in _meta_translations(definition.meta))
                checked.append(f"{folder}: valid, {len(definition.items)} items, {kind}, "
                               f"about {definition.meta.get('minutes', 10)} minutes{languages}")
        return checked, problems
    if path.suffix.lower() == ".toml":
        _meta, problems = validate_meta(path)
        return [f"{path}: {'valid' if not problems else f'not valid, {len(problems)} problem(s)'}"], problems
    items, problems = validate_items(path)
    state = f"valid, {len(items)} items" if not problems else f"not valid, {len(problems)} problem(s)"
    return [f"{path}: {state}"], problems


def read_exercise(folder: Path) -> ExerciseDefinition:
    """Read and validate one exercise folder; raise ExerciseLoadError listing every problem."""
    definition, problems = validate_exercise(folder)
    if problems:
        raise ExerciseLoadError(problems)
    return definition


def read_exercises(root: Path) -> list[ExerciseDefinition]:
    """Read every `<slug>/exercise.toml` under root, collecting all problems first."""
    folders = sorted(p for p in root.iterdir() if (p / "exercise.toml").is_file())
    if not folders:
        raise ExerciseLoadError([f"{root}: no exercise folders (each needs exercise.toml and items.csv)"])
    definitions, problems = [], []
    for folder in folders:
        try:
            definitions.append(read_exercise(folder))
        except ExerciseLoadError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ExerciseLoadError(problems)
    return definitions


def _has_answers(exercise: Exercise) -> bool:
    return db.session.scalar(
        select(Response.id).join(Item).where(Item.exercise_id == exercise.id).limit(1)
    ) is not None


def _exercise_values(definition: ExerciseDefinition) -> dict:
    """The Exercise columns the definition sets, translations apart."""
    meta = definition.meta
    values = {key: str(meta.get(key, "")).strip() for key in (
        "title", "description", "population", "source", "citation", "license", "prediction_prompt", "own_prompt",
        "decision_kind", "period", "sample_size",
    )}
    values["minutes"] = int(meta.get("minutes", 10))
    values["is_public"] = bool(meta.get("public", True))
    return values


def _fill(exercise: Exercise, definition: ExerciseDefinition) -> None:
    """Write the definition's description, provenance and items into this (unanswered) version."""
    for key, value in _exercise_values(definition).items():
        setattr(exercise, key, value)
    exercise.translations = _meta_translations(definition.meta)
    exercise.content_hash = definition.content_hash

    existing = {item.item_key: item for item in exercise.items}
    wanted = {item["item_key"] for item in definition.items}
    for key, item in existing.items():
        if key not in wanted:
            exercise.items.remove(item)
    for values in definition.items:
        item = existing.get(values["item_key"])
        if item is None:
            item = Item()
            exercise.items.append(item)
        for column, value in values.items():
            setattr(item, column, value)


def _only_translations_differ(exercise: Exercise, definition: ExerciseDefinition) -> bool:
    """True when the stored version has every value and item of the definition in English: at most the text in
    other languages changed."""
    if any(getattr(exercise, key) != value for key, value in _exercise_values(definition).items()):
        return False
    stored = {item.item_key: item for item in exercise.items}
    if set(stored) != {values["item_key"] for values in definition.items}:
        return False
    return all(
        getattr(stored[values["item_key"]], column) == value
        for values in definition.items for column, value in values.items() if column != "translations"
    )


def _translate(exercise: Exercise, definition: ExerciseDefinition) -> None:
    """Write only the definition's text in other languages (and its hash) into this version."""
    exercise.translations = _meta_translations(definition.meta)
    stored = {item.item_key: item for item in exercise.items}
    for values in definition.items:
        stored[values["item_key"]].translations = values.get("translations", {})
    exercise.content_hash = definition.content_hash


def _apply(definition: ExerciseDefinition) -> str:
    """Insert, update or version one exercise; returns 'added', 'updated', 'translations updated',
    'version N' or 'unchanged'.

    A version with answers is never rewritten: those answers were given on its items,
    scales and truths, so a changed definition becomes the next version (keeping the
    archived state) and the answered version stays as it was. Its text in other
    languages is no part of that: when nothing else changed, it is updated in place.
    """
    exercise = exercise_catalogue.current_version(definition.slug)
    if exercise is not None and exercise.content_hash == definition.content_hash:
        return "unchanged"
    if exercise is not None and _only_translations_differ(exercise, definition):
        _translate(exercise, definition)
        return "translations updated"
    if exercise is None:
        exercise, status = Exercise(slug=definition.slug, version=1), "added"
        db.session.add(exercise)
    elif _has_answers(exercise):
        exercise = Exercise(slug=definition.slug, version=exercise.version + 1, owner_id=exercise.owner_id,
                            archived_at=exercise.archived_at)
        status = f"version {exercise.version}"
        db.session.add(exercise)
    else:
        status = "updated"
    _fill(exercise, definition)
    return status


def save_new_exercise(definition: ExerciseDefinition, owner: User) -> Exercise:
    """Write a validated uploaded exercise as version 1, owned by the trainer who uploaded it."""
    exercise = Exercise(slug=definition.slug, version=1, owner_id=owner.id)
    db.session.add(exercise)
    _fill(exercise, definition)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return exercise


def load_exercises(root: Path) -> dict[str, str]:
    """Validate all exercises under root, then write them in one transaction (idempotent).

    Every written version has a new content hash, which retires the participant pages'
    cached items in every process; this process also drops its snapshots at once.
    """
    definitions = read_exercises(root)
    try:
        result = {d.slug: _apply(d) for d in definitions}
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        exercise_cache.clear()
    return result
