"""Authoring logic: drafts from survey files, saving exercises, the preview item. No requests here."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
from sqlalchemy import select

from calibrate.authoring.survey_file import frame_from_text, read_survey
from calibrate.authoring.survey_items import DraftResult, compute_draft
from calibrate.domain.exercise_cache import CachedItem
from calibrate.domain.exercises import ExerciseDefinition, save_new_exercise
from calibrate.infra.extensions import db
from calibrate.models import AuthoringDraft, Exercise, User

NEW_DRAFT_ITEMS = 8
"""Empty item rows of a new draft: the fewest an exercise may have (calibrate.domain.exercises.MIN_ITEMS)."""
EXAMPLE_VALUES = 6


@dataclass(frozen=True)
class ColumnSummary:
    """A column of the uploaded file as the draft page lists it, to help pick questions and options."""

    name: str
    answered: int
    examples: list[str]
    distinct: int


def start_draft(owner: User, filename: str, raw: bytes) -> AuthoringDraft:
    """Read the survey file (raises SurveyFileError with every problem) and keep it as a new draft."""
    frame = read_survey(filename, raw)
    draft = AuthoringDraft(
        owner_id=owner.id, filename=filename[:200], data_csv=frame.to_csv(index=False),
        settings={"design": {}, "meta": {"public": False}, "items": [{} for _ in range(NEW_DRAFT_ITEMS)]},
    )
    db.session.add(draft)
    db.session.commit()
    return draft


def drafts(owner: User) -> list[AuthoringDraft]:
    """The trainer's unfinished drafts, newest first."""
    return list(db.session.scalars(
        select(AuthoringDraft).where(AuthoringDraft.owner_id == owner.id).order_by(AuthoringDraft.id.desc())
    ))


def draft_frame(draft: AuthoringDraft) -> pd.DataFrame:
    return frame_from_text(draft.data_csv)


def columns(frame: pd.DataFrame) -> list[ColumnSummary]:
    summaries = []
    for name in frame.columns:
        answered = frame[name][frame[name] != ""]
        counts = answered.value_counts()
        summaries.append(ColumnSummary(name, int(len(answered)), [str(v) for v in counts.index[:EXAMPLE_VALUES]],
                                       int(len(counts))))
    return summaries


def compute(draft: AuthoringDraft, frame: pd.DataFrame, settings: dict | None = None) -> DraftResult:
    """The draft's items and problems (for its stored settings unless others are given).

    The pilot draws are seeded by the draft, so recomputing repeats them.
    """
    return compute_draft(frame, draft.settings if settings is None else settings, draft.filename,
                         seed=f"draft-{draft.id}")


def store_settings(draft: AuthoringDraft, settings: dict) -> None:
    draft.settings = settings
    db.session.commit()


def save_draft(draft: AuthoringDraft, definition: ExerciseDefinition, owner: User) -> Exercise:
    """Write the exercise and drop the draft in one transaction: both or neither."""
    db.session.delete(draft)
    return save_new_exercise(definition, owner)


def save_files(definition: ExerciseDefinition, owner: User, public: bool) -> Exercise:
    definition.meta["public"] = public
    return save_new_exercise(definition, owner)


PREVIEW_NEEDS = ("own_min", "own_max", "min", "max", "truth", "n", "se")


def preview_item(result: DraftResult, number: int) -> CachedItem | None:
    """Item `number` (1-based) as the participant page reads it; None until it is computed with a valid scale."""
    if not 1 <= number <= len(result.items) or not result.items[number - 1].computed:
        return None
    values = result.parsed[number - 1]
    if any(values[name] is None for name in PREVIEW_NEEDS) or values["min"] >= values["max"] \
            or values["own_min"] >= values["own_max"]:
        return None
    choices = values["own_choices"]
    return CachedItem(
        id=0, exercise_id=0, item_key=values["item_key"], position=number - 1, label=values["label"],
        prompt=values["prompt"], own_prompt=values["own_prompt"], own_min=values["own_min"], own_max=values["own_max"],
        own_step=values["own_step"], own_optional=values["own_optional"], unit=values["unit"],
        own_choices=None if choices is None else tuple(MappingProxyType(dict(c)) for c in choices),
        value_type=values["value_type"], currency=values["currency"], min=values["min"], max=values["max"],
        truth=values["truth"], n=values["n"], se=values["se"], segment=values["segment"],
        research_estimate=values["research_estimate"], research_low=values["research_low"],
        research_high=values["research_high"], research_sample=values["research_sample"],
    )


def delete_draft(draft: AuthoringDraft) -> None:
    db.session.delete(draft)
    db.session.commit()
