"""Turn stored answers into the long-format table that `analysis/` expects (docs/methods.md, section 0).

One query serves the participant feedback, the trainer dashboard and the exports,
so every view computes its statistics from exactly the same rows.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, select

from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item, Participant, Response, Workshop

LONG_COLUMNS = [
    "participant_id", "workshop", "condition", "round", "item_id", "own", "prediction", "lower", "upper", "research",
    "truth", "item_min", "item_max", "own_min", "own_max", "empathy", "answered_at",
    "exercise", "exercise_version", "value_type", "unit", "currency",
]
"""``exercise`` and ``exercise_version`` name the version answered (its items and truths never change);
``value_type``, ``unit`` and ``currency`` say what the numbers are (analysis.units)."""


def _long_query() -> Select:
    return (
        select(
            Participant.id.label("participant_id"),
            Workshop.code.label("workshop"),
            Participant.condition,
            Response.round,
            Item.item_key.label("item_id"),
            Response.own,
            Response.prediction,
            Response.lower,
            Response.upper,
            Response.research,
            Item.truth,
            Item.min.label("item_min"),
            Item.max.label("item_max"),
            Item.own_min,
            Item.own_max,
            Participant.empathy_score.label("empathy"),
            Response.answered_at,
            Exercise.slug.label("exercise"),
            Exercise.version.label("exercise_version"),
            Item.value_type,
            Item.unit,
            Item.currency,
        )
        .join(Response.participant)
        .join(Response.item)
        .join(Item.exercise)
        .outerjoin(Participant.workshop)
        .order_by(Participant.id, Response.round, Item.position)
    )


def long_frame(*, participant_ids: list[int] | None = None, workshop_ids: list[int] | None = None) -> pd.DataFrame:
    """Long-format responses for the given participants and/or workshops."""
    query = _long_query()
    if participant_ids is not None:
        query = query.where(Participant.id.in_(participant_ids))
    if workshop_ids is not None:
        query = query.where(Participant.workshop_id.in_(workshop_ids))
    # Plain tuples from the Core result build a DataFrame far faster than ORM Row objects.
    rows = db.session.connection().execute(query).fetchall()
    frame = pd.DataFrame.from_records([tuple(row) for row in rows], columns=LONG_COLUMNS)
    frame["participant_id"] = frame["participant_id"].astype(str)
    for column in ("own", "prediction", "lower", "upper", "research", "truth", "item_min", "item_max", "own_min", "own_max", "empathy"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["round"] = frame["round"].astype(int)
    frame["exercise_version"] = frame["exercise_version"].astype(int)
    return frame

