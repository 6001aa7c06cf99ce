"""group_tests against pingouin's tests (frozen reference values: test_group_reference.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis import condition_tests, egocentrism_test, empathy_test, group_tests, hedges_g, person_metrics
from tests.analysis.conftest import TOL

CONDITIONS = ["control", "market_research", "perspective", "perspective_suppress"]


def close(actual, expected):
    np.testing.assert_allclose(float(actual), float(expected), rtol=TOL, atol=TOL)


@pytest.fixture(scope="module")
def metrics() -> pd.DataFrame:
    """Per-person metrics of two rounds, unequal condition sizes, empathy scores."""
    rng = np.random.default_rng(11)
    n = 90
    condition = rng.choice(CONDITIONS, n, p=[0.3, 0.2, 0.3, 0.2])
    shift = pd.Series(condition).map({"control": 0.1, "market_research": 0.0, "perspective": 0.3,
                                      "perspective_suppress": 0.05}).to_numpy()
    empathy = rng.normal(4, 1, n)
    frames = []
    for round_ in (1, 2):
        frames.append(
            pd.DataFrame(
                {
                    "participant_id": [f"p{i}" for i in range(n)],
                    "round": round_,
                    "condition": condition,
                    "empathy": empathy,
                    "b_own": shift + 0.05 * empathy + rng.normal(0, 0.2, n) - 0.05 * (round_ - 1),
                    "mae": rng.uniform(5, 25, n),
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    data.loc[[3, 50, 95], "b_own"] = np.nan  # undefined weights are skipped
    return data


def _round(metrics, number):
    return metrics[metrics["round"] == number]


def test_egocentrism_matches_pingouin_ttest_and_wilcoxon(metrics):
    result = group_tests(metrics)["egocentrism"].set_index("round")
    for number in (1, 2):
        x = _round(metrics, number)["b_own"].dropna()
        row = result.loc[number]
        one_sided = pg.ttest(x, 0, alternative="greater").iloc[0]
        ci = stats.ttest_1samp(x, 0).confidence_interval()  # pingouin rounds its CI95 to 2 decimals
        wilcoxon = pg.wilcoxon(x, alternative="greater").iloc[0]
        assert row["n"] == len(x)
        close(row["mean"], x.mean())
        close(row["sd"], x.std())
        close(row["t"], one_sided["T"])
        close(row["df"], one_sided["dof"])
        close(row["p"], one_sided["p_val"])
        close(row["cohen_d"], one_sided["cohen_d"])
        close(row["ci_low"], ci.low)
        close(row["ci_high"], ci.high)
        assert np.round([row["ci_low"], row["ci_high"]], 2).tolist() == pg.ttest(x, 0)["CI95"].iloc[0].tolist()
        # The bound that goes with the one-sided p, and the p that goes with the two-sided CI.
        close(row["ci_one_sided_low"], stats.ttest_1samp(x, 0, alternative="greater").confidence_interval().low)
        assert np.round(row["ci_one_sided_low"], 2) == pg.ttest(x, 0, alternative="greater")["CI95"].iloc[0][0]
        close(row["p_two_sided"], pg.ttest(x, 0)["p_val"].iloc[0])
        # pingouin.wilcoxon makes the same scipy.stats.wilcoxon call as analysis.group, so this checks only the
        # call's arguments; the independent check (exact count, normal approximation) is test_group_reference.py.
        close(row["wilcoxon_w"], wilcoxon["W_val"])
        close(row["wilcoxon_p"], wilcoxon["p_val"])
        assert row["reason"] == ""


def test_egocentrism_by_condition(metrics):
    result = group_tests(metrics, by=["condition"])["egocentrism"]
    assert list(result.columns[:2]) == ["condition", "round"]
    assert len(result) == 8
    row = result[(result["condition"] == "perspective") & (result["round"] == 1)].iloc[0]
    x = _round(metrics, 1).query("condition == 'perspective'")["b_own"].dropna()
    close(row["t"], pg.ttest(x, 0, alternative="greater")["T"].iloc[0])


def test_egocentrism_small_wilcoxon_uses_exact_distribution():
    """pingouin.wilcoxon makes the same scipy call as we do, so only an exact count can tell exact from normal.

    Ranks of |b_own|: 0.05 -> 1, 0.1 -> 2, 0.12 -> 3, 0.25 -> 4, 0.3 -> 5, 0.4 -> 6; only rank 2
    is negative, so W+ = 19.  Of the 2^6 equally likely sign patterns, W+ >= 19 for three (all
    positive, all but rank 1, all but rank 2): p = 3/64.  The corrected normal approximation
    would give 0.04675.
    """
    metrics = pd.DataFrame({"b_own": [0.3, -0.1, 0.25, 0.4, 0.05, 0.12]})
    row = group_tests(metrics)["egocentrism"].iloc[0]
    assert row["wilcoxon_w"] == 19
    close(row["wilcoxon_p"], 3 / 64)
    close(row["wilcoxon_p"], pg.wilcoxon(metrics["b_own"], alternative="greater")["p_val"].iloc[0])


def test_welch_anova_matches_pingouin(metrics):
    result = group_tests(metrics)["conditions"].set_index("round")
    for number in (1, 2):
        ref = pg.welch_anova(_round(metrics, number), dv="b_own", between="condition").iloc[0]
        row = result.loc[number]
        close(row["F"], ref["F"])
        close(row["df1"], ref["ddof1"])
        close(row["df2"], ref["ddof2"])
        close(row["p"], ref["p_unc"])
        close(row["np2"], ref["np2"])
        assert row["n_conditions"] == 4


def test_games_howell_and_hedges_match_pingouin(metrics):
    pairs = group_tests(metrics)["pairs"]
    for number in (1, 2):
        data = _round(metrics, number)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = pg.pairwise_gameshowell(data, dv="b_own", between="condition")
        ours = pairs[pairs["round"] == number]
        assert len(ours) == len(ref) == 6
        for _, expected in ref.iterrows():
            same = ours[(ours["A"] == expected["A"]) & (ours["B"] == expected["B"])]
            flipped = ours[(ours["A"] == expected["B"]) & (ours["B"] == expected["A"])]
            row, sign = (same.iloc[0], 1) if len(same) else (flipped.iloc[0], -1)
            close(row["diff"], sign * expected["diff"])
            close(row["t"], sign * expected["T"])
            close(row["se"], expected["se"])
            close(row["df"], expected["df"])
            close(row["p"], expected["pval"])
            close(row["hedges_g"], sign * expected["hedges"])
            x = data.loc[data["condition"] == row["A"], "b_own"].dropna()
            y = data.loc[data["condition"] == row["B"], "b_own"].dropna()
            close(row["hedges_g"], pg.compute_effsize(x, y, eftype="hedges"))


def test_control_is_always_the_reference(metrics):
    pairs = group_tests(metrics)["pairs"]
    with_control = pairs[(pairs["A"] == "control") | (pairs["B"] == "control")]
    assert len(with_control) == 6 and (with_control["B"] == "control").all()


def test_hedges_g_function_matches_pingouin():
    rng = np.random.default_rng(2)
    x, y = rng.normal(0.3, 1, 12), rng.normal(0, 1.5, 19)
    close(hedges_g(x, y), pg.compute_effsize(x, y, eftype="hedges"))


def test_empathy_matches_pingouin_corr_and_regression(metrics):
    result = group_tests(metrics)["empathy"]
    data = _round(metrics, 1).dropna(subset=["b_own", "empathy"])
    ours = result[result["round"] == 1].set_index("term")
    corr = pg.corr(data["empathy"], data["b_own"]).iloc[0]
    close(ours["r"].iloc[0], corr["r"])
    close(ours["r_p"].iloc[0], corr["p_val"])
    design = pd.get_dummies(data["condition"], dtype=float).drop(columns="control")
    design.insert(0, "empathy", data["empathy"])
    ref = pg.linear_regression(design, data["b_own"]).set_index("names")
    assert list(ours.index) == ["Intercept", "empathy", *(f"condition[{c}]" for c in CONDITIONS[1:])]
    for term, name in zip(ours.index, ref.index):
        close(ours.loc[term, "coef"], ref.loc[name, "coef"])
        close(ours.loc[term, "se"], ref.loc[name, "se"])
        close(ours.loc[term, "p"], ref.loc[name, "pval"])
        close(ours.loc[term, "ci_low"], ref.loc[name, "CI2.5"])
        close(ours.loc[term, "ci_high"], ref.loc[name, "CI97.5"])


def test_empathy_without_condition_is_simple_regression(metrics):
    data = _round(metrics, 1).drop(columns="condition")
    result = group_tests(data)["empathy"].set_index("term")
    assert list(result.index) == ["Intercept", "empathy"]
    clean = data.dropna(subset=["b_own"])
    ref = pg.linear_regression(clean[["empathy"]], clean["b_own"]).set_index("names")
    close(result.loc["empathy", "coef"], ref.loc["empathy", "coef"])
    close(result.loc["empathy", "p"], result.loc["empathy", "r_p"])  # same test with one predictor


def test_rounds_match_pingouin_paired_ttest(metrics):
    result = group_tests(metrics)["rounds"].set_index("metric")
    for metric in ("b_own", "mae"):
        wide = metrics.pivot(index="participant_id", columns="round", values=metric).dropna()
        ref = pg.ttest(wide[2], wide[1], paired=True).iloc[0]
        row = result.loc[metric]
        assert row["n"] == len(wide)
        close(row["mean_diff"], (wide[2] - wide[1]).mean())
        close(row["t"], ref["T"])
        close(row["df"], ref["dof"])
        close(row["p"], ref["p_val"])
        # pingouin reports |d|; ours keeps the direction of the change.
        close(abs(row["cohen_d"]), ref["cohen_d"])
        assert np.sign(row["cohen_d"]) == np.sign(row["mean_diff"])


def test_rounds_by_condition_drop_round_from_strata(metrics):
    result = group_tests(metrics, by=["condition", "round"])["rounds"]
    assert list(result.columns[:2]) == ["condition", "metric"]
    assert len(result) == 8


def test_single_participant_and_one_condition():
    metrics = pd.DataFrame({"participant_id": ["a"], "round": [1], "condition": ["control"], "b_own": [0.3]})
    result = group_tests(metrics)
    ego = result["egocentrism"].iloc[0]
    assert ego["n"] == 1 and np.isnan(ego["t"])
    assert ego["reason"] == "needs at least 2 persons with a defined b_own (has 1)"
    anova = result["conditions"].iloc[0]
    assert np.isnan(anova["F"]) and "needs at least 2 conditions" in anova["reason"]
    assert result["pairs"].empty and "needs at least 2 conditions" in result["pairs"].attrs["reason"]
    assert result["empathy"].empty and result["empathy"].attrs["reason"] == "no empathy column"
    assert result["rounds"].empty and result["rounds"].attrs["reason"] == "needs rounds 1 and 2"


def test_one_condition_only(metrics):
    result = group_tests(metrics[metrics["condition"] == "perspective"])
    assert result["conditions"]["F"].isna().all()
    assert (result["conditions"]["n_conditions"] == 1).all()
    assert result["pairs"].empty
    assert result["egocentrism"]["p"].notna().all()
    assert len(result["empathy"]) == 4  # per round: Intercept and empathy, no condition dummies


def test_small_conditions_are_left_out_and_named():
    metrics = pd.DataFrame(
        {"condition": ["control"] * 4 + ["perspective"] * 4 + ["market_research"],
         "b_own": [0.1, 0.3, 0.2, 0.25, 0.4, 0.5, 0.35, 0.6, 0.2]}
    )
    result = group_tests(metrics)
    anova = result["conditions"].iloc[0]
    assert anova["n_conditions"] == 2 and not np.isnan(anova["F"])
    assert "market_research" in anova["reason"]
    ref = pg.welch_anova(metrics[metrics["condition"] != "market_research"], dv="b_own", between="condition")
    close(anova["F"], ref["F"].iloc[0])
    assert len(result["pairs"]) == 1


def test_missing_columns_give_empty_frames_with_columns():
    result = group_tests(pd.DataFrame({"b_own": [0.1, 0.2, 0.4]}))
    for name in ("conditions", "pairs", "empathy", "rounds"):
        assert result[name].empty
        assert "reason" in result[name].columns
        assert result[name].attrs["reason"]
    assert result["egocentrism"]["reason"].iloc[0] == ""


def test_constant_values_are_explained():
    result = group_tests(pd.DataFrame({"b_own": [0.2, 0.2, 0.2], "empathy": [1.0, 2.0, 3.0]}))
    assert result["egocentrism"]["reason"].iloc[0] == "all b_own values are equal"
    assert result["empathy"]["reason"].iloc[0] == "b_own does not vary"


def test_unknown_by_column_is_named():
    with pytest.raises(KeyError, match="workshop"):
        group_tests(pd.DataFrame({"b_own": [0.1, 0.2]}), by=["workshop"])


def test_runs_on_person_metrics_output(realistic_data):
    result = group_tests(person_metrics(realistic_data), by=["workshop"])
    ego = result["egocentrism"].iloc[0]
    assert ego["workshop"] == "ws-2024" and ego["n"] == 80 and ego["p"] < 0.05


def test_one_sided_p_goes_with_the_lower_bound_and_two_sided_p_with_the_ci():
    """Where the two readings disagree: one-sided p < .05 and bound > 0, but the two-sided CI contains 0."""
    row = egocentrism_test(pd.DataFrame({"b_own": [0.30, 0.10, 0.25, -0.05, 0.40]})).iloc[0]
    assert row["p"] < 0.05 < row["p_two_sided"]
    assert row["ci_one_sided_low"] > 0 > row["ci_low"]
    close(row["p_two_sided"], 2 * row["p"])


samples = st.lists(st.floats(-1, 1, allow_nan=False, allow_infinity=False), min_size=2, max_size=40)


@settings(max_examples=50, deadline=None)
@given(samples, st.floats(-0.5, 0.8))
def test_lower_bound_is_above_zero_exactly_when_the_one_sided_p_is_below_05(values, shift):
    x = np.asarray(values) + shift
    assume(np.ptp(x) > 1e-6)
    row = egocentrism_test(pd.DataFrame({"b_own": x})).iloc[0]
    critical = stats.t.ppf(0.95, row["df"])
    assume(abs(row["t"] - critical) > 1e-9)  # exactly on the boundary rounding decides
    assert (row["ci_one_sided_low"] > 0) == (row["p"] < 0.05)
    assert (row["ci_low"] > 0 or row["ci_high"] < 0) == (row["p_two_sided"] < 0.05)


def test_condition_and_empathy_tests_default_to_b_own(metrics):
    anova, pairs = condition_tests(metrics)
    explicit_anova, explicit_pairs = condition_tests(metrics, metric="b_own")
    pd.testing.assert_frame_equal(anova, explicit_anova)
    pd.testing.assert_frame_equal(pairs, explicit_pairs)
    pd.testing.assert_frame_equal(empathy_test(metrics), empathy_test(metrics, metric="b_own"))
    assert list(anova.columns) == ["round", "n_conditions", "n", "F", "df1", "df2", "p", "np2", "reason"]


def test_condition_tests_on_another_metric_match_pingouin(metrics):
    anova, pairs = condition_tests(metrics, metric="mae")
    data = _round(metrics, 1)
    ref = pg.welch_anova(data, dv="mae", between="condition").iloc[0]
    row = anova.set_index("round").loc[1]
    close(row["F"], ref["F"])
    close(row["p"], ref["p_unc"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gh = pg.pairwise_gameshowell(data, dv="mae", between="condition")
    ours = pairs[pairs["round"] == 1]
    expected = gh[(gh["A"] == "market_research") & (gh["B"] == "perspective")].iloc[0]
    row = ours[(ours["A"] == "market_research") & (ours["B"] == "perspective")].iloc[0]
    close(row["p"], expected["pval"])
    close(row["hedges_g"], expected["hedges"])


def test_empathy_test_on_another_metric_matches_pingouin(metrics):
    result = empathy_test(metrics[metrics["round"] == 1].drop(columns="condition"), metric="mae").set_index("term")
    data = _round(metrics, 1)
    close(result["r"].iloc[0], pg.corr(data["empathy"], data["mae"])["r"].iloc[0])
    ref = pg.linear_regression(data[["empathy"]], data["mae"]).set_index("names")
    close(result.loc["empathy", "coef"], ref.loc["empathy", "coef"])
    close(result.loc["empathy", "ci_low"], ref.loc["empathy", "CI2.5"])


def test_missing_metric_column_is_named():
    frame = pd.DataFrame({"condition": ["a", "b"], "empathy": [1.0, 2.0], "b_own": [0.1, 0.2]})
    anova, pairs = condition_tests(frame, metric="b_research")
    assert anova.empty and anova.attrs["reason"] == "no b_research column"
    assert pairs.attrs["reason"] == "no b_research column"
    assert empathy_test(frame, metric="b_research").attrs["reason"] == "no b_research column"
    assert condition_tests(frame.drop(columns="condition"), metric="b_research")[0].attrs["reason"] == (
        "no condition column"
    )


def test_group_tests_lists_the_research_tests(metrics):
    result = group_tests(metrics)
    assert list(result) == ["egocentrism", "conditions", "pairs", "empathy", "rounds", "research",
                            "research_with_without", "research_conditions", "research_pairs", "research_empathy"]
    assert result["research"].attrs["reason"] == "no b_research column"
    from_engine = group_tests(person_metrics(pd.DataFrame(
        {"participant_id": "a", "item_id": list("abcde"), "own": [1, 5, 2, 7, 3], "prediction": [30, 52, 41, 20, 33],
         "truth": [35, 45, 40, 30, 20]})))
    assert from_engine["research_empathy"].attrs["reason"] == "no research shown: the responses have no research column"
