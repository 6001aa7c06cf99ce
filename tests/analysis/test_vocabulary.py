"""The metric registry and the one NaN-to-None helper: complete, consistent, and true to the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import (
    GROUP_TESTS,
    METRIC_COLUMNS,
    METRICS,
    RESEARCH_METRIC_COLUMNS,
    example_responses,
    group_tests,
    metric,
    person_metrics,
    plain_records,
    plain_value,
)
from analysis.vocabulary import (
    CORRELATION,
    COUNT,
    P_VALUE,
    POINTS,
    SHARE,
    TWO_SIDED,
    WEIGHT,
    in_words,
)


def test_every_metric_has_its_words():
    """A metric added to the engine without a label, unit and help text fails here."""
    assert set(METRIC_COLUMNS) | {"n_items", "n_intervals"} == set(METRICS)
    for name, entry in METRICS.items():
        assert entry.name == name
        assert entry.label and entry.help.endswith((".", "?"))
        assert entry.unit in (POINTS, CORRELATION, SHARE, COUNT, WEIGHT, P_VALUE)
    labels = [entry.label for entry in METRICS.values()]
    assert len(set(labels)) == len(labels), "two metrics must not read the same"


def test_p_values_and_confidence_bounds_say_which_side():
    for name, entry in METRICS.items():
        is_inference = name.endswith(("_p", "_ci_low", "_ci_high"))
        assert (entry.sided == TWO_SIDED) == is_inference, name
        if is_inference:
            assert TWO_SIDED in entry.label


def _one_person(k: int, seed: int = 0) -> pd.DataFrame:
    """k answered items with varied answers, 80% ranges, and research shown on every other item."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(10, 90, k)
    prediction = truth + rng.normal(0, 8, k)
    return pd.DataFrame({
        "participant_id": "p", "item_id": range(k), "own": rng.uniform(0, 100, k), "prediction": prediction,
        "truth": truth, "lower": prediction - 10, "upper": prediction + 10,
        "research": np.where(np.arange(k) % 2 == 0, truth + rng.normal(0, 10, k), np.nan),
    })


@pytest.mark.parametrize("name", [name for name in METRIC_COLUMNS if METRICS[name].min_items > 1])
def test_minimum_items_are_the_engines(name):
    """One item fewer than the registry says leaves the metric undefined; exactly that many defines it."""
    needed = METRICS[name].min_items
    assert np.isnan(person_metrics(_one_person(needed - 1)).iloc[0][name])
    if name not in RESEARCH_METRIC_COLUMNS:  # research weights count items with or without research
        assert np.isfinite(person_metrics(_one_person(needed)).iloc[0][name])


def test_every_group_test_has_a_title():
    assert list(GROUP_TESTS) == list(group_tests(person_metrics(example_responses())))
    for name, test in GROUP_TESTS.items():
        assert test.name == name and test.title and test.method
        assert test.heading.startswith(test.title)


def test_an_unknown_metric_names_the_known_ones():
    with pytest.raises(KeyError, match="'b_self' is not a metric; metrics: n_items, mae"):
        metric("b_self")


def test_small_counts_are_spelled_out():
    assert [in_words(n) for n in (0, 2, 4, 10, 11)] == ["zero", "two", "four", "ten", "11"]


def test_plain_value_turns_every_undefined_into_none():
    for undefined in (None, float("nan"), np.float64("nan"), float("inf"), -np.inf, pd.NA, pd.NaT,
                      np.datetime64("NaT")):
        assert plain_value(undefined) is None
    for value, expected in ((np.float32(0.5), 0.5), (np.int64(7), 7), (np.bool_(True), True), ("control", "control")):
        plain = plain_value(value)
        assert plain == expected and type(plain) is type(expected)


def test_plain_records_are_ready_for_json():
    frame = pd.DataFrame({
        "participant_id": ["a", "b"], "n": pd.array([3, None], dtype="Int64"), "b_own": [0.5, np.nan],
        "answered_at": pd.to_datetime(["2024-05-01", None]),
    })
    records = plain_records(frame)
    assert records[1] == {"participant_id": "b", "n": None, "b_own": None, "answered_at": None}
    assert type(records[0]["n"]) is int and records[0]["answered_at"] == pd.Timestamp("2024-05-01")
