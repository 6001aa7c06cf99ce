"""person_metrics against a per-person pingouin/NumPy loop, and its edge cases."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import METRIC_COLUMNS, ResponseDataError, person_metrics, rescale
from analysis.feedback import parse_note
from tests.analysis.conftest import compare_with_reference, random_responses


def test_matches_pingouin_on_random_data(random_data):
    compare_with_reference(random_data)


def test_matches_pingouin_on_realistic_data(realistic_data):
    compare_with_reference(realistic_data)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_pingouin_on_more_random_seeds(seed):
    compare_with_reference(random_responses(seed, n_persons=40))


def test_defined_wherever_the_reference_is_well_posed(realistic_data):
    """On realistic data with k >= 4 and varied answers nothing is withheld needlessly."""
    ours = person_metrics(realistic_data)
    assert ours["b_own"].notna().all()
    assert ours["partial_r_own"].notna().all()


def test_output_layout(realistic_data):
    out = person_metrics(realistic_data)
    expected = ["participant_id", "round", "condition", "workshop", "empathy", "n_items", "n_intervals", *METRIC_COLUMNS, "note"]
    assert list(out.columns) == expected
    # The original metrics keep their names and order; research metrics are appended.
    assert METRIC_COLUMNS[:19] == (
        "mae", "rmse", "mean_signed_error", "accuracy_r", "projection_r", "similarity_r", "tfce_r", "b_own",
        "b_truth", "intercept", "b_own_se", "b_own_ci_low", "b_own_ci_high", "b_own_p", "partial_r_own",
        "mae_without_own_pull", "interval_hit_rate", "interval_mean_width", "interval_score",
    )
    assert METRIC_COLUMNS[19:] == (
        "n_research", "b_research", "b_research_se", "b_research_ci_low", "b_research_ci_high", "b_research_p",
        "b_own_with_research", "b_own_without_research",
    )
    assert out["participant_id"].map(type).eq(str).all()
    assert out["round"].dtype.kind == "i"
    assert not out.duplicated(["participant_id", "round"]).any()


def test_carried_columns_are_first_non_null_per_person():
    df = pd.DataFrame(
        {
            "participant_id": ["a", "a", "a", "a", "b"],
            "round": [1, 1, 2, 2, 1],
            "item_id": ["x", "y", "x", "y", "x"],
            "own": [1, 2, 3, 4, 5],
            "prediction": [1, 2, 3, 4, 5],
            "truth": [2, 3, 4, 5, 6],
            "empathy": [np.nan, 4.5, np.nan, np.nan, 3.0],
            "condition": ["control", None, None, None, "perspective"],
        }
    )
    out = person_metrics(df).set_index(["participant_id", "round"])
    assert out.loc[("a", 2), "empathy"] == 4.5
    assert out.loc[("a", 2), "condition"] == "control"
    assert out.loc[("b", 1), "condition"] == "perspective"


def test_condition_only_when_in_input():
    df = pd.DataFrame({"participant_id": ["a"] * 4, "item_id": list("wxyz"), "own": [1, 5, 2, 8],
                       "prediction": [2, 6, 1, 9], "truth": [3, 4, 1, 7]})
    out = person_metrics(df)
    assert "condition" not in out and "workshop" not in out and "empathy" not in out
    assert out.loc[0, "round"] == 1


def test_rescaling_uses_own_range_and_falls_back_to_item_range():
    df = pd.DataFrame(
        {
            "participant_id": "a", "item_id": ["i1", "i2"], "own": [4.0, 50.0], "prediction": [30.0, 60.0],
            "truth": [20.0, 40.0], "item_min": [0.0, 0.0], "item_max": [200.0, 100.0],
            "own_min": [1.0, np.nan], "own_max": [7.0, np.nan],
        }
    )
    np.testing.assert_allclose(rescale(df["own"], [1, 0], [7, 100]), [50.0, 50.0])
    out = person_metrics(df)
    assert out.loc[0, "mae"] == pytest.approx((5 + 20) / 2)
    assert out.loc[0, "mean_signed_error"] == pytest.approx((5 + 20) / 2)


def test_rescale_without_range_keeps_raw_values_and_rejects_empty_range():
    np.testing.assert_array_equal(rescale([3.0, 4.0], [np.nan, 0.0], [np.nan, 0.0]), [3.0, np.nan])


def _person(own, prediction, truth, **extra) -> pd.DataFrame:
    k = len(own)
    return pd.DataFrame({"participant_id": "solo", "item_id": [f"i{j}" for j in range(k)], "own": own,
                         "prediction": prediction, "truth": truth, **extra})


def _only(df: pd.DataFrame) -> pd.Series:
    out = person_metrics(df)
    assert len(out) == 1
    return out.iloc[0]


def test_three_items_give_correlations_but_no_regression():
    row = _only(_person([10, 80, 30], [20, 70, 45], [30, 50, 40]))
    assert not np.isnan(row["accuracy_r"])
    for name in ("b_own", "b_truth", "intercept", "b_own_se", "b_own_p", "partial_r_own", "mae_without_own_pull"):
        assert np.isnan(row[name])
    reasons = parse_note(row["note"])
    assert reasons["b_own"] == "needs at least 4 answered items (has 3)"


def test_two_items_give_errors_only():
    row = _only(_person([10, 80], [20, 70], [30, 50]))
    assert row["mae"] == pytest.approx(15.0)
    assert np.isnan(row["accuracy_r"])
    assert parse_note(row["note"])["accuracy_r"] == "needs at least 3 answered items (has 2)"


def test_constant_own_answers():
    row = _only(_person([4, 4, 4, 4, 4], [20, 70, 45, 30, 50], [30, 50, 40, 20, 60]))
    reasons = parse_note(row["note"])
    for name in ("projection_r", "similarity_r", "tfce_r", "b_own", "b_own_p", "partial_r_own"):
        assert np.isnan(row[name])
        assert reasons[name] == "your own answers do not vary"
    assert row["accuracy_r"] == pytest.approx(np.corrcoef([20, 70, 45, 30, 50], [30, 50, 40, 20, 60])[0, 1])


def test_constant_after_rescaling_is_still_constant():
    """0.1 on a 0..0.3 scale rescales with rounding noise; it must not yield a correlation."""
    df = _person([0.1] * 5, [0.1, 0.2, 0.05, 0.25, 0.15], [0.05, 0.1, 0.2, 0.3, 0.0],
                 item_min=0.0, item_max=0.3)
    row = _only(df)
    assert np.isnan(row["projection_r"])
    assert parse_note(row["note"])["projection_r"] == "your own answers do not vary"


def test_constant_predictions_and_truth():
    row = _only(_person([1, 5, 2, 7], [50, 50, 50, 50], [30, 50, 40, 20]))
    reasons = parse_note(row["note"])
    assert reasons["accuracy_r"] == "your predictions do not vary"
    assert reasons["b_own"] == "your predictions do not vary"
    row = _only(_person([1, 5, 2, 7], [30, 50, 40, 20], [50, 50, 50, 50]))
    assert parse_note(row["note"])["b_own"] == "the true values of your items do not vary"


def test_constant_error_makes_tfce_undefined():
    truth = np.array([30.0, 50.0, 40.0, 20.0, 60.0])
    row = _only(_person([1, 5, 2, 7, 3], truth + 7.0, truth, item_min=0.0, item_max=100.0))
    assert np.isnan(row["tfce_r"])
    assert parse_note(row["note"])["tfce_r"].startswith("your errors do not vary")
    assert row["mean_signed_error"] == pytest.approx(7.0)


def test_collinear_own_and_truth():
    truth = np.array([10.0, 20.0, 35.0, 50.0, 80.0])
    row = _only(_person(2 * truth + 3, [15, 30, 30, 55, 70], truth))
    assert np.isnan(row["b_own"]) and np.isnan(row["b_truth"])
    assert "straight-line function of the true values" in parse_note(row["note"])["b_own"]
    assert row["similarity_r"] == pytest.approx(1.0)


def test_perfect_fit_keeps_coefficients_but_not_their_uncertainty():
    own, truth = np.array([1.0, 4, 2, 6, 3]), np.array([10.0, 30, 50, 20, 40])
    row = _only(_person(own, 5 + 0.5 * truth + 2 * own, truth))
    assert row["b_own"] == pytest.approx(2.0)
    assert row["b_truth"] == pytest.approx(0.5)
    assert row["intercept"] == pytest.approx(5.0)
    assert np.isnan(row["b_own_se"]) and np.isnan(row["b_own_p"])
    assert "no residual variation" in parse_note(row["note"])["b_own_se"]


def test_predictions_linear_in_truth_leave_partial_r_undefined():
    own, truth = np.array([1.0, 4, 2, 6, 3]), np.array([10.0, 30, 50, 20, 40])
    row = _only(_person(own, 5 + 0.5 * truth, truth))
    assert np.isnan(row["partial_r_own"])
    assert row["b_own"] == pytest.approx(0.0, abs=1e-12)


def test_no_intervals_and_partial_intervals():
    base = _person([1, 5, 2, 7], [30, 50, 40, 20], [35, 45, 40, 30])
    row = _only(base)
    assert parse_note(row["note"])["interval_score"] == "no intervals given"
    with_some = base.assign(lower=[20, np.nan, 42, 25], upper=[40, 60, 50, np.nan])
    row = _only(with_some)
    assert row["interval_hit_rate"] == pytest.approx(0.5)  # item 1: 35 in [20, 40]; item 3: 40 not in [42, 50]
    assert row["interval_mean_width"] == pytest.approx((20 + 8) / 2)


def test_interval_score_penalises_misses():
    df = _person([1, 2, 3, 4], [10, 10, 10, 10], [5, 50, 10, 10], lower=[8, 8, 8, 8], upper=[12, 12, 12, 12])
    row = _only(df)
    # widths 4; misses: 5 < 8 by 3 -> 10 * 3 = 30; 50 > 12 by 38 -> 380
    assert row["interval_score"] == pytest.approx((4 * 4 + 30 + 380) / 4)
    assert row["interval_hit_rate"] == pytest.approx(0.5)


def test_missing_answers_are_ignored_and_missing_round_means_one():
    df = _person([1, np.nan, 2, 7, 3], [30, 50, np.nan, 20, 25], [35, 45, 40, 30, 20])
    row = _only(df)
    assert row["n_items"] == 3
    assert row["round"] == 1
    df["round"] = [np.nan, 1, 1, 1, 1]
    assert _only(df)["round"] == 1


def test_person_with_no_answered_items_is_listed_with_reasons():
    df = pd.concat([_person([1, 2, 3, 4], [5, 6, 7, 9], [1, 3, 2, 4]),
                    _person([np.nan, np.nan], [5, 6], [1, 3]).assign(participant_id="ghost")])
    out = person_metrics(df).set_index("participant_id")
    assert out.loc["ghost", "n_items"] == 0
    assert out.loc["ghost", list(METRIC_COLUMNS)].isna().all()
    assert set(parse_note(out.loc["ghost", "note"])) == set(METRIC_COLUMNS)
    assert parse_note(out.loc["ghost", "note"])["mae"] == "no answered items"


def test_every_undefined_value_has_a_reason_and_defined_values_none(random_data):
    out = person_metrics(random_data)
    for _, row in out.iterrows():
        reasons = parse_note(row["note"])
        undefined = {name for name in METRIC_COLUMNS if pd.isna(row[name])}
        assert undefined == set(reasons)


def test_single_participant_and_unicode_ids():
    df = _person([1, 5, 2, 7, 3], [30, 52, 41, 20, 33], [35, 45, 40, 30, 20]).assign(participant_id="Zoë 🎯 管理者")
    out = person_metrics(df)
    assert out.loc[0, "participant_id"] == "Zoë 🎯 管理者"
    assert out.loc[0, "n_items"] == 5


def test_numeric_participant_ids_become_strings():
    df = _person([1, 5, 2, 7], [30, 52, 41, 20], [35, 45, 40, 30]).assign(participant_id=7)
    assert person_metrics(df).loc[0, "participant_id"] == "7"


def test_empty_input_gives_empty_table_with_columns():
    df = _person([], [], [])
    out = person_metrics(df)
    assert out.empty
    assert list(out.columns)[-1] == "note" and "b_own" in out


def test_missing_required_column_is_named():
    with pytest.raises(ResponseDataError, match="truth"):
        person_metrics(pd.DataFrame({"participant_id": ["a"], "item_id": ["x"], "own": [1], "prediction": [2]}))


def test_rows_are_independent_across_persons(random_data):
    """A person's metrics do not depend on who else is in the data or on row order."""
    everyone = person_metrics(random_data).set_index(["participant_id", "round"])
    one = random_data[random_data["participant_id"] == "p007"].sample(frac=1, random_state=1)
    alone = person_metrics(one).set_index(["participant_id", "round"])
    pd.testing.assert_frame_equal(alone, everyone.loc[alone.index], check_dtype=False, rtol=1e-12)


def test_many_persons_at_once():
    """5,000 persons x 30 items in one call: every person gets a row and their own regression.

    The speed of this is measured, not asserted, by benchmarks/bench_analysis.py.
    """
    rng = np.random.default_rng(0)
    n, k = 5000, 30
    t = rng.uniform(0, 100, n * k)
    o = rng.uniform(0, 100, n * k)
    df = pd.DataFrame({"participant_id": np.repeat(np.arange(n), k).astype(str), "item_id": np.tile(np.arange(k), n),
                       "own": o, "prediction": 0.5 * t + 0.3 * o + rng.normal(0, 5, n * k), "truth": t})
    out = person_metrics(df)
    assert len(out) == n and out["b_own"].notna().all()
    assert (out["n_items"] == k).all()
    # Everyone was simulated with the same weights: the estimates centre on them.
    assert out["b_own"].mean() == pytest.approx(0.3, abs=0.005)
    assert out["b_truth"].mean() == pytest.approx(0.5, abs=0.005)
    # The vectorised fit of a person equals that person's fit alone.
    alone = person_metrics(df[df["participant_id"] == "4321"]).iloc[0]
    row = out.set_index("participant_id").loc["4321"]
    assert row["b_own"] == pytest.approx(alone["b_own"], rel=1e-12)
    assert row["b_own_se"] == pytest.approx(alone["b_own_se"], rel=1e-12)


def test_analysis_never_imports_flask():
    code = "import sys, analysis, analysis.cli, analysis.pooled; assert 'flask' not in sys.modules, 'flask imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
