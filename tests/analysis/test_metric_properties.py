"""Hypothesis properties of person_metrics that follow from the definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis import METRIC_COLUMNS, person_metrics

RTOL = 1e-7

answers = st.integers(min_value=4, max_value=25).flatmap(
    lambda k: st.tuples(
        *(st.lists(st.integers(0, 100), min_size=k, max_size=k) for _ in range(3)),
        st.lists(st.integers(0, 30), min_size=k, max_size=k),
    )
)


def _frame(own, prediction, truth, half_width=None, **extra) -> pd.DataFrame:
    own, prediction, truth = (np.asarray(v, dtype=float) for v in (own, prediction, truth))
    frame = pd.DataFrame({"participant_id": "p", "item_id": np.arange(len(own)).astype(str), "own": own,
                          "prediction": prediction, "truth": truth, **extra})
    if half_width is not None:
        frame["lower"] = prediction - np.asarray(half_width, dtype=float)
        frame["upper"] = prediction + np.asarray(half_width, dtype=float)
    return frame


def _metrics(frame) -> pd.Series:
    return person_metrics(frame).iloc[0]


def _well_posed(own, prediction, truth) -> None:
    """Skip draws where the regression is (nearly) degenerate, as rounding would dominate there."""
    o, y, t = (np.asarray(v, dtype=float) for v in (own, prediction, truth))
    assume(o.std() > 1 and y.std() > 1 and t.std() > 1)
    assume(abs(np.corrcoef(o, t)[0, 1]) < 0.95)
    assume(abs(np.corrcoef(y - y.mean(), t)[0, 1]) < 0.999)


def _assert_close(a, b, names) -> None:
    for name in names:
        if np.isnan(a[name]) or np.isnan(b[name]):
            assert np.isnan(a[name]) and np.isnan(b[name]), name
        else:
            assert a[name] == pytest.approx(b[name], rel=RTOL, abs=1e-9), name


RESEARCH_METRICS = METRIC_COLUMNS[METRIC_COLUMNS.index("n_research"):]

research_answers = st.integers(min_value=6, max_value=25).flatmap(
    lambda k: st.tuples(
        *(st.lists(st.integers(0, 100), min_size=k, max_size=k) for _ in range(4)),
        st.lists(st.booleans(), min_size=k, max_size=k),
    )
)


def _well_conditioned(*columns) -> bool:
    """Regressors far from collinear (determinant of their correlation matrix above 0.01)."""
    x = np.column_stack(columns).astype(float)
    if len(x) <= x.shape[1] + 1 or np.any(x.std(axis=0) < 1):
        return False
    return np.linalg.det(np.corrcoef(x, rowvar=False)) > 0.01


@settings(max_examples=60, deadline=None)
@given(research_answers, st.floats(-500, 500), st.floats(0.05, 50), st.randoms(use_true_random=False))
def test_research_metrics_ignore_units_and_row_order(data, shift, factor, random):
    """Research recorded in other units (with matching min/max), rows shuffled: the same research metrics."""
    own, prediction, truth, research, shown = (np.asarray(v) for v in data)
    assume(shown.sum() >= 2 and _well_conditioned(truth, own, np.where(shown, research - truth, 0)))
    assume(np.std(prediction) > 1)
    research = np.where(shown, research, np.nan)
    ranges = {"own_min": 0.0, "own_max": 100.0}
    before = _metrics(_frame(own, prediction, truth, research=research, item_min=0.0, item_max=100.0, **ranges))

    def unit(values):
        return shift + factor * np.asarray(values, dtype=float)

    converted = _frame(own, unit(prediction), unit(truth), research=unit(research), item_min=unit(0.0),
                       item_max=unit(100.0), **ranges)
    order = list(range(len(converted)))
    random.shuffle(order)
    after = _metrics(converted.iloc[order])
    assert before["n_research"] == after["n_research"] == shown.sum()
    assert not np.isnan(before["b_research"])
    names = ["b_research", "b_research_se", "b_research_ci_low", "b_research_ci_high", "b_research_p"]
    for name, rows in (("b_own_with_research", shown), ("b_own_without_research", ~shown)):
        if _well_conditioned(truth[rows], own[rows]):
            names.append(name)
    _assert_close(before, after, names)


@settings(max_examples=60, deadline=None)
@given(answers, st.integers(-1000, 1000))
def test_shifting_own_answers_changes_only_the_intercept(data, shift):
    own, prediction, truth, _ = data
    _well_posed(own, prediction, truth)
    before = _metrics(_frame(own, prediction, truth))
    after = _metrics(_frame(np.add(own, shift), prediction, truth))
    _assert_close(before, after, [m for m in METRIC_COLUMNS if m != "intercept"])
    assert after["intercept"] == pytest.approx(before["intercept"] - before["b_own"] * shift, rel=RTOL, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(answers, st.floats(0.01, 100))
def test_scaling_own_answers_divides_b_own(data, factor):
    own, prediction, truth, _ = data
    _well_posed(own, prediction, truth)
    before = _metrics(_frame(own, prediction, truth))
    after = _metrics(_frame(np.multiply(own, factor), prediction, truth))
    assert after["b_own"] == pytest.approx(before["b_own"] / factor, rel=RTOL)
    assert after["b_own_se"] == pytest.approx(before["b_own_se"] / factor, rel=RTOL, nan_ok=True)
    unchanged = ["b_truth", "intercept", "b_own_p", "partial_r_own", "projection_r", "similarity_r", "tfce_r",
                 "mae_without_own_pull", "mae", "accuracy_r"]
    _assert_close(before, after, unchanged)


@settings(max_examples=60, deadline=None)
@given(answers, st.floats(-500, 500), st.floats(0.05, 50), st.floats(-10, 10), st.floats(0.1, 10))
def test_consistent_change_of_units_leaves_rescaled_metrics_unchanged(data, shift, factor, own_shift, own_factor):
    """Recording the same answers in other units (with matching min/max) changes no metric."""
    own, prediction, truth, half = data
    _well_posed(own, prediction, truth)
    ranges = {"item_min": 0.0, "item_max": 100.0, "own_min": 0.0, "own_max": 100.0}
    before = _metrics(_frame(own, prediction, truth, half, **ranges))

    def unit(values):
        return shift + factor * np.asarray(values, dtype=float)

    def own_unit(values):
        return own_shift + own_factor * np.asarray(values, dtype=float)

    converted = _frame(own_unit(own), unit(prediction), unit(truth), None,
                       item_min=unit(0.0), item_max=unit(100.0), own_min=own_unit(0.0), own_max=own_unit(100.0))
    converted["lower"] = unit(np.subtract(prediction, half))
    converted["upper"] = unit(np.add(prediction, half))
    after = _metrics(converted)
    _assert_close(before, after, METRIC_COLUMNS)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_swapping_own_and_truth_swaps_their_weights(data):
    own, prediction, truth, _ = data
    _well_posed(own, prediction, truth)
    _well_posed(truth, prediction, own)
    before = _metrics(_frame(own, prediction, truth))
    after = _metrics(_frame(truth, prediction, own))
    assert after["b_own"] == pytest.approx(before["b_truth"], rel=RTOL, abs=1e-9)
    assert after["b_truth"] == pytest.approx(before["b_own"], rel=RTOL, abs=1e-9)
    assert after["intercept"] == pytest.approx(before["intercept"], rel=RTOL, abs=1e-7)
    assert after["projection_r"] == pytest.approx(before["accuracy_r"], rel=RTOL, abs=1e-9)
    assert after["similarity_r"] == pytest.approx(before["similarity_r"], rel=RTOL, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(answers, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(data, random):
    own, prediction, truth, half = data
    frame = _frame(own, prediction, truth, half)
    order = list(range(len(frame)))
    random.shuffle(order)
    _assert_close(_metrics(frame), _metrics(frame.iloc[order]), METRIC_COLUMNS)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_b_own_test_and_partial_correlation_agree(data):
    """t of b_own equals partial r * sqrt(df / (1 - r^2)): both measure the same own-answer effect."""
    own, prediction, truth, _ = data
    _well_posed(own, prediction, truth)
    m = _metrics(_frame(own, prediction, truth))
    assume(not np.isnan(m["b_own_se"]))
    df = m["n_items"] - 3
    r = m["partial_r_own"]
    assume(abs(r) < 0.999)
    assert m["b_own"] / m["b_own_se"] == pytest.approx(r * np.sqrt(df / (1 - r**2)), rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_interval_metrics_are_bounded(data):
    own, prediction, truth, half = data
    m = _metrics(_frame(own, prediction, truth, half))
    assert 0 <= m["interval_hit_rate"] <= 1
    assert m["interval_mean_width"] == pytest.approx(2 * np.mean(half))
    assert m["interval_score"] >= m["interval_mean_width"] - 1e-9
    assert m["rmse"] >= m["mae"] - 1e-9 >= abs(m["mean_signed_error"]) - 2e-9
