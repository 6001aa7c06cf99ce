"""The long-format table every view computes from: its columns and types, whatever the rows."""

from __future__ import annotations

import math

import pandas as pd

from calibrate.domain.long_format import LONG_COLUMNS, long_frame
from tests.analyst_data import build_world


def test_columns_have_their_types_and_missing_values_are_nan(exercises):
    world = build_world()
    frame = long_frame(workshop_ids=[world.mine.id])
    assert list(frame.columns) == LONG_COLUMNS and len(frame) > 0
    assert frame["participant_id"].map(type).eq(str).all()
    for column in ("own", "prediction", "truth", "item_min", "item_max", "empathy"):
        assert frame[column].dtype == float, column
    assert frame["round"].dtype.kind == "i" and frame["exercise_version"].dtype.kind == "i"
    assert pd.api.types.is_datetime64_any_dtype(frame["answered_at"])
    assert frame["workshop"].eq(world.mine.code).all()
    solo = long_frame(participant_ids=[world.self_serve_id])
    assert solo["lower"].map(math.isnan).all(), "no range given: NaN, not None"
    assert solo["workshop"].isna().all() and solo["empathy"].isna().all()


def test_no_rows_still_give_every_column(exercises):
    frame = long_frame(participant_ids=[-1])
    assert list(frame.columns) == LONG_COLUMNS and frame.empty
    assert frame["own"].dtype == float and frame["round"].dtype.kind == "i"
