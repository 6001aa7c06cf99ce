"""Turn stored answers into the long-format table that `analysis/` expects (docs/methods.md, section 0).

One query serves the participant feedback, the trainer dashboard and the exports,
so every view computes its statistics from exactly the same rows.
"""

from __future__ import annotations

import numpy as np
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

_NUMBER_COLUMNS = frozenset(
    ("own", "prediction", "lower", "upper", "research", "truth", "item_min", "item_max", "own_min", "own_max", "empathy")
)


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
    rows = db.session.connection().execute(query).all()
    # Built column by column from plain values: far faster than from Row objects or pandas conversions.
    values = dict(zip(LONG_COLUMNS, zip(*rows))) if rows else {column: () for column in LONG_COLUMNS}
    columns = {}
    for column in LONG_COLUMNS:
        if column in _NUMBER_COLUMNS:
            columns[column] = np.array(values[column], dtype=float)  # NULL becomes NaN
        elif column in ("round", "exercise_version"):
            columns[column] = np.array(values[column], dtype=int)
        elif column == "participant_id":
            columns[column] = pd.array([str(value) for value in values[column]], dtype="str")
        else:
            columns[column] = np.array(values[column], dtype=object)  # strings, dates or None; empty stays object
    return pd.DataFrame(columns)
