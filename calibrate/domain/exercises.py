"""Load exercise definitions (exercise.toml + items.csv) into the database.

Every file is validated before anything is written: one bad field in one file
aborts the whole load with a message naming the file, row and field. Answers
already stored are protected: an answered item may not change its scales or
truth, because those answers were given on the old ones.

items.csv columns: see REQUIRED_ITEM_COLUMNS, plus the optional own_step,
own_choices ('0=No|1=Yes'), own_optional, label, segment and the market-research
cue RESEARCH_COLUMNS (all four or none per row). The built-in files are written
by experiments/build/build_exercises.py.
"""

from __future__ import annotations

import csv
import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item, Response

REQUIRED_ITEM_COLUMNS = (
    "item_id", "prompt", "own_prompt", "own_min", "own_max", "unit", "min", "max", "truth", "n", "se",
)
RESEARCH_COLUMNS = ("research_estimate", "research_low", "research_high", "research_sample")
SCALE_FIELDS = ("min", "max", "truth", "own_min", "own_max", "own_choices")
"""Item fields that stored answers depend on: they may not change once an item has answers."""
LABEL_LENGTH = 200
SAMPLE_LENGTH = 120
REQUIRED_EXERCISE_KEYS = ("title", "description", "population", "source", "citation", "license")
MAX_TEXT = 2000


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


def _number(raw: str, where: str, problems: list[str], *, integer: bool = False) -> float | None:
    text = (raw or "").strip()
    if text == "":
        problems.append(f"{where}: is empty")
        return None
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        problems.append(f"{where}: '{text}' is not a{'n integer' if integer else ' number'}")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(f"{where}: '{text}' is not a finite number")
        return None
    return value


def _parse_choices(raw: str, where: str, problems: list[str]) -> list[dict] | None:
    """Parse '0=No|1=Yes' into [{'value': 0.0, 'label': 'No'}, ...]."""
    text = (raw or "").strip()
    if not text:
        return None
    choices = []
    for part in text.split("|"):
        value, sep, label = part.partition("=")
        number = _number(value, f"{where}, choice '{part}'", problems)
        if not sep or not label.strip():
            problems.append(f"{where}: choice '{part}' must look like value=label")
        if number is not None:
            choices.append({"value": number, "label": label.strip()})
    return choices


def _validate_row(row: dict, where: str, problems: list[str]) -> dict:
    """Check one items.csv row and return it with numbers converted."""
    def loc(column: str) -> str:
        return f"{where}, field '{column}'"

    item = {"item_key": (row.get("item_id") or "").strip()}
    if not item["item_key"]:
        problems.append(f"{loc('item_id')}: is empty")
    for column in ("prompt", "own_prompt", "unit"):
        text = (row.get(column) or "").strip()
        if not text:
            problems.append(f"{loc(column)}: is empty")
        elif len(text) > MAX_TEXT:
            problems.append(f"{loc(column)}: longer than {MAX_TEXT} characters")
        item[column] = text
    for column in ("min", "max", "truth", "se", "own_min", "own_max"):
        item[column] = _number(row.get(column, ""), loc(column), problems)
    item["n"] = _number(row.get("n", ""), loc("n"), problems, integer=True)
    step = (row.get("own_step") or "").strip()
    item["own_step"] = _number(step, loc("own_step"), problems) if step else None
    item["own_choices"] = _parse_choices(row.get("own_choices", ""), loc("own_choices"), problems)
    item["own_optional"] = (row.get("own_optional") or "").strip().lower() in {"1", "true", "yes"}
    item["segment"] = (row.get("segment") or "").strip()
    label = (row.get("label") or "").strip() or item["prompt"]
    item["label"] = label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1] + "…"

    lo, hi, truth = item["min"], item["max"], item["truth"]
    if lo is not None and hi is not None:
        if lo >= hi:
            problems.append(f"{loc('max')}: {hi:g} must be greater than min {lo:g}")
        elif truth is not None and not lo <= truth <= hi:
            problems.append(f"{loc('truth')}: {truth:g} is outside [{lo:g}, {hi:g}]")
    own_lo, own_hi = item["own_min"], item["own_max"]
    if own_lo is not None and own_hi is not None and own_lo >= own_hi:
        problems.append(f"{loc('own_max')}: {own_hi:g} must be greater than own_min {own_lo:g}")
    if item["n"] is not None and item["n"] < 1:
        problems.append(f"{loc('n')}: must be at least 1")
    if item["se"] is not None and item["se"] < 0:
        problems.append(f"{loc('se')}: must not be negative")
    for choice in item["own_choices"] or []:
        if own_lo is not None and own_hi is not None and not own_lo <= choice["value"] <= own_hi:
            problems.append(f"{loc('own_choices')}: value {choice['value']:g} is outside [{own_lo:g}, {own_hi:g}]")
    _validate_research(row, item, loc, problems)
    return item


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
            problems.append(f"{loc(column)}: is empty; a research cue needs all of {', '.join(RESEARCH_COLUMNS)}")
    if len(raw["research_sample"]) > SAMPLE_LENGTH:
        problems.append(f"{loc('research_sample')}: longer than {SAMPLE_LENGTH} characters")
    item["research_sample"] = raw["research_sample"] or None
    values = {}
    for column in RESEARCH_COLUMNS[:3]:
        if raw[column]:
            item[column] = values[column] = _number(raw[column], loc(column), problems)
    lo, hi = item["min"], item["max"]
    for column, value in values.items():
        if value is not None and lo is not None and hi is not None and not lo <= value <= hi:
            problems.append(f"{loc(column)}: {value:g} is outside [{lo:g}, {hi:g}]")
    estimate, low, high = (values.get(column) for column in RESEARCH_COLUMNS[:3])
    if low is not None and estimate is not None and low > estimate:
        problems.append(f"{loc('research_low')}: {low:g} is above research_estimate {estimate:g}")
    if high is not None and estimate is not None and high < estimate:
        problems.append(f"{loc('research_high')}: {high:g} is below research_estimate {estimate:g}")


def _mixed_own_scales(items: list[dict], csv_path: Path) -> list[str]:
    """One problem when some own answers are binary and others graded (their b_own differ in size)."""
    binary = [str(line) for line, item in enumerate(items, start=2) if _is_binary(item)]
    graded = [str(line) for line, item in enumerate(items, start=2) if not _is_binary(item)]
    if not binary or not graded:
        return []
    return [
        f"{csv_path}: mixes binary own answers (two own_choices; rows {', '.join(binary)}) with graded ones "
        f"(rows {', '.join(graded)}); b_own from yes/no answers is much smaller than from graded ones, so "
        "ask every own answer on a graded scale (e.g. 0-100) or every one as a yes/no choice"
    ]


def read_exercise(folder: Path) -> ExerciseDefinition:
    """Read and validate one exercise folder; raise ExerciseLoadError listing every problem."""
    problems: list[str] = []
    toml_path, csv_path = folder / "exercise.toml", folder / "items.csv"
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExerciseLoadError([f"{toml_path}: {exc}"]) from exc
    for key in REQUIRED_EXERCISE_KEYS:
        if not str(meta.get(key, "")).strip():
            problems.append(f"{toml_path}, field '{key}': is missing or empty")

    try:
        raw = csv_path.read_bytes()
        rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        raise ExerciseLoadError(problems + [f"{csv_path}: {exc}"]) from exc
    header = rows[0].keys() if rows else []
    missing = [c for c in REQUIRED_ITEM_COLUMNS if c not in header]
    if missing:
        raise ExerciseLoadError(problems + [f"{csv_path}: missing column(s) {', '.join(missing)}"])
    if "market_research" in header:
        problems.append(
            f"{csv_path}: column 'market_research' is no longer read; give the cue as numbers in "
            f"{', '.join(RESEARCH_COLUMNS)}"
        )

    items, seen = [], {}
    for line, row in enumerate(rows, start=2):
        item = _validate_row(row, f"{csv_path} row {line}", problems)
        if item["item_key"] in seen:
            problems.append(
                f"{csv_path} row {line}, field 'item_id': '{item['item_key']}' repeats row {seen[item['item_key']]}"
            )
        seen[item["item_key"]] = line
        item["position"] = len(items)
        items.append(item)
    if not items:
        problems.append(f"{csv_path}: has no items")
    problems.extend(_mixed_own_scales(items, csv_path))
    if problems:
        raise ExerciseLoadError(problems)
    digest = hashlib.sha256(toml_path.read_bytes() + raw).hexdigest()
    return ExerciseDefinition(slug=folder.name, meta=meta, items=items, content_hash=digest)


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


def _apply(definition: ExerciseDefinition) -> str:
    """Insert or update one exercise; returns 'added', 'updated' or 'unchanged'."""
    exercise = db.session.scalar(select(Exercise).where(Exercise.slug == definition.slug))
    if exercise is not None and exercise.content_hash == definition.content_hash:
        return "unchanged"
    status = "updated" if exercise else "added"
    if exercise is None:
        exercise = Exercise(slug=definition.slug)
        db.session.add(exercise)
    meta = definition.meta
    exercise.title = meta["title"].strip()
    for key in ("description", "population", "source", "citation", "license", "prediction_prompt", "own_prompt"):
        setattr(exercise, key, str(meta.get(key, "")).strip())
    exercise.minutes = int(meta.get("minutes", 10))
    exercise.is_public = bool(meta.get("public", True))
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
    return status


def _answer_conflicts(definitions: list[ExerciseDefinition]) -> list[str]:
    """Every answered item that the new definitions would remove or put on another scale.

    A stored answer was given on the item's range, own-answer scale and truth at
    the time; changing them afterwards would silently reinterpret it.
    """
    problems = []
    for definition in definitions:
        exercise = db.session.scalar(select(Exercise).where(Exercise.slug == definition.slug))
        if exercise is None or exercise.content_hash == definition.content_hash:
            continue
        answered = set(
            db.session.scalars(
                select(Response.item_id).join(Item).where(Item.exercise_id == exercise.id).distinct()
            )
        )
        wanted = {values["item_key"]: values for values in definition.items}
        for item in exercise.items:
            if item.id not in answered:
                continue
            values = wanted.get(item.item_key)
            if values is None:
                problems.append(f"{definition.slug}: item '{item.item_key}' has answers and cannot be removed")
                continue
            changed = [name for name in SCALE_FIELDS if getattr(item, name) != values[name]]
            if changed:
                problems.append(
                    f"{definition.slug}: item '{item.item_key}' has answers, which were given on its current "
                    f"scale, so it cannot change {', '.join(changed)}; add a new item or exercise instead"
                )
    return problems


def load_exercises(root: Path) -> dict[str, str]:
    """Validate all exercises under root, then write them in one transaction (idempotent)."""
    definitions = read_exercises(root)
    problems = _answer_conflicts(definitions)
    if problems:
        raise ExerciseLoadError(problems)
    try:
        result = {d.slug: _apply(d) for d in definitions}
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
