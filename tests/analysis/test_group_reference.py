"""analysis.group against frozen reference values (tests/analysis/results/group_reference.py).

The live comparisons with pingouin in test_group_tests.py follow whatever the
installed libraries compute; these compare with numbers written down once, from
implementations other than ours, so that a change in our code or in a library
shows up as a difference here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import condition_tests, egocentrism_test, empathy_test, round_test
from tests.analysis.results import group_reference as ref

RTOL = 1e-9


def same(actual, expected, what: str) -> None:
    np.testing.assert_allclose(float(actual), float(expected), rtol=RTOL, atol=0, err_msg=what)


@pytest.fixture(scope="module")
def round1() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant_id": [f"p{i + 1:02d}" for i in range(len(ref.B_OWN_ROUND1))],
            "condition": ref.CONDITION,
            "empathy": ref.EMPATHY,
            "b_own": ref.B_OWN_ROUND1,
        }
    )


def test_reference_data_is_what_the_comments_describe():
    assert len(ref.CONDITION) == len(ref.EMPATHY) == len(ref.B_OWN_ROUND1) == len(ref.B_OWN_ROUND2) == 18
    weights = np.abs(ref.B_OWN_ROUND1)
    assert np.all(weights > 0) and len(np.unique(weights)) == 18, "round 1 must have no zeros and no ties"
    tied = np.abs(ref.TIED)
    assert np.sum(tied == 0) == 1 and len(np.unique(tied[tied > 0])) < ref.WILCOXON_APPROX["n_nonzero"]


def test_one_sample_t_test(round1):
    row = egocentrism_test(round1).iloc[0]
    assert row["reason"] == ""
    for column, expected in ref.ONE_SAMPLE.items():
        same(row[column], expected, column)


def test_exact_wilcoxon(round1):
    row = egocentrism_test(round1).iloc[0]
    same(row["wilcoxon_w"], ref.WILCOXON_EXACT["w"], "wilcoxon_w")
    same(row["wilcoxon_p"], ref.WILCOXON_EXACT["p"], "wilcoxon_p")


def test_wilcoxon_with_ties_and_a_zero_uses_the_corrected_normal_approximation():
    row = egocentrism_test(pd.DataFrame({"b_own": ref.TIED})).iloc[0]
    same(row["wilcoxon_w"], ref.WILCOXON_APPROX["w"], "wilcoxon_w")
    same(row["wilcoxon_p"], ref.WILCOXON_APPROX["p"], "wilcoxon_p")


def test_welch_anova(round1):
    anova, _ = condition_tests(round1)
    row = anova.iloc[0]
    assert row["n_conditions"] == 3 and row["n"] == 18 and row["reason"] == ""
    for column, expected in ref.WELCH_ANOVA.items():
        same(row[column], expected, column)


def test_games_howell_pairs(round1):
    _, pairs = condition_tests(round1)
    assert len(pairs) == len(ref.GAMES_HOWELL) == 3
    for expected in ref.GAMES_HOWELL:
        match = pairs[(pairs["A"] == expected["A"]) & (pairs["B"] == expected["B"])]
        flipped = pairs[(pairs["A"] == expected["B"]) & (pairs["B"] == expected["A"])]
        assert len(match) + len(flipped) == 1, (expected["A"], expected["B"])
        row, sign = (match.iloc[0], 1.0) if len(match) else (flipped.iloc[0], -1.0)
        pair = f"{expected['A']} vs {expected['B']}"
        # Our orientation puts control second; swapping A and B flips diff and t only.
        assert (expected["A"] == "control") == (sign == -1.0), pair
        same(row["mean_A"], expected["mean_A"] if sign > 0 else expected["mean_B"], f"{pair}: mean_A")
        same(row["mean_B"], expected["mean_B"] if sign > 0 else expected["mean_A"], f"{pair}: mean_B")
        same(row["diff"], sign * expected["diff"], f"{pair}: diff")
        same(row["t"], sign * expected["t"], f"{pair}: t")
        for column in ("se", "df", "p"):
            same(row[column], expected[column], f"{pair}: {column}")


def test_paired_t_test_of_the_rounds():
    n = len(ref.B_OWN_ROUND1)
    metrics = pd.DataFrame(
        {
            "participant_id": [f"p{i + 1:02d}" for i in range(n)] * 2,
            "round": [1] * n + [2] * n,
            "b_own": ref.B_OWN_ROUND1 + ref.B_OWN_ROUND2,
        }
    )
    result = round_test(metrics)
    assert result["metric"].tolist() == ["b_own"]  # no mae column, so no mae test
    row = result.iloc[0]
    assert row["reason"] == ""
    for column, expected in ref.PAIRED.items():
        same(row[column], expected, column)


def test_empathy_correlation_and_regression(round1):
    result = empathy_test(round1).set_index("term")
    assert list(result.index) == list(ref.EMPATHY_OLS)
    assert (result["reason"] == "").all()
    for column, expected in ref.EMPATHY_R.items():
        for term in result.index:
            same(result.loc[term, column], expected, f"{term}: {column}")
    for term, values in ref.EMPATHY_OLS.items():
        for column, expected in values.items():
            same(result.loc[term, column], expected, f"{term}: {column}")
