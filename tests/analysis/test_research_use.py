"""Use of market research: per-person b_research and b_own with/without research, and their group tests.

Per-person values are checked against statsmodels OLS person by person (via
``compare_with_reference``), against a simulation with a known research
weight, and for every reason a value can be undefined.  Group tests are
checked against pingouin, as in ``test_group_tests.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from tests.analysis.conftest import TOL, compare_with_reference, random_responses, realistic_responses, research_responses
from scipy import stats

from analysis import METRIC_COLUMNS, group_tests, person_metrics, prepare_responses, research_test
from analysis.feedback import parse_note
from analysis.group import EGOCENTRISM_COLUMNS, RESEARCH_PAIRED_COLUMNS

RESEARCH_METRICS = METRIC_COLUMNS[METRIC_COLUMNS.index("n_research"):]
ORIGINAL_METRICS = METRIC_COLUMNS[: METRIC_COLUMNS.index("n_research")]


def close(actual, expected):
    np.testing.assert_allclose(float(actual), float(expected), rtol=TOL, atol=TOL)


# --------------------------------------------------------------------------
# Per person, against statsmodels


def test_matches_statsmodels_on_simulated_persons():
    data = research_responses(seed=5, n_persons=120, n_items=14)
    compare_with_reference(data)
    out = person_metrics(data)
    assert out["b_research"].notna().all() and out["b_own_with_research"].notna().all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_statsmodels_on_ragged_random_data(seed):
    """1-30 items, skipped answers, research on none, half or all items of a person, mixed scales."""
    data = random_responses(seed, n_persons=80, research=True)
    compare_with_reference(data)
    out = person_metrics(data)
    assert out["b_research"].notna().sum() > 20  # the comparison is not vacuous
    assert out["b_own_without_research"].notna().sum() > 10


def test_each_value_against_statsmodels_for_one_person():
    """Spelled out for one person: the four-coefficient OLS and the two subset fits."""
    data = research_responses(seed=9, n_persons=1, n_items=12)
    row = person_metrics(data).iloc[0]
    frame = prepare_responses(data)
    o, y, t, r = (frame[c].to_numpy() for c in ("own", "prediction", "truth", "research"))
    shown = ~np.isnan(r)
    fit = sm.OLS(y, sm.add_constant(np.column_stack([t, o, np.where(shown, r - t, 0.0)]))).fit()
    assert row["n_research"] == 6
    close(row["b_research"], fit.params[3])
    close(row["b_research_se"], fit.bse[3])
    close(row["b_research_ci_low"], fit.conf_int()[3, 0])
    close(row["b_research_ci_high"], fit.conf_int()[3, 1])
    close(row["b_research_p"], fit.pvalues[3])
    for name, rows in (("b_own_with_research", shown), ("b_own_without_research", ~shown)):
        subset = sm.OLS(y[rows], sm.add_constant(np.column_stack([t[rows], o[rows]]))).fit()
        close(row[name], subset.params[2])


def test_research_is_rescaled_like_the_truth():
    data = pd.DataFrame({"participant_id": "a", "item_id": ["x", "y"], "own": [1.0, 7.0], "prediction": [500.0, 20.0],
                         "truth": [400.0, 10.0], "research": [450.0, np.nan], "item_min": [0.0, 0.0],
                         "item_max": [1000.0, 100.0]})
    prepared = prepare_responses(data)
    np.testing.assert_allclose(prepared["research"], [45.0, np.nan])
    assert "research" not in prepare_responses(data.drop(columns="research"))


# --------------------------------------------------------------------------
# Simulation with a known research weight


@pytest.fixture(scope="module")
def simulated():
    data = research_responses(seed=2015, n_persons=2500, n_items=30, b_research=0.5, b_own=0.3)
    return person_metrics(data)


def test_recovers_the_simulated_research_weight(simulated):
    assert simulated["b_research"].notna().all()
    assert simulated["b_research"].mean() == pytest.approx(0.5, abs=0.03)
    assert (simulated["n_research"] == 15).all()


def test_research_weight_intervals_cover_at_their_level(simulated):
    covered = (simulated["b_research_ci_low"] <= 0.5) & (0.5 <= simulated["b_research_ci_high"])
    assert covered.mean() == pytest.approx(0.95, abs=0.02)
    # The two-sided p goes with this interval: p < .05 exactly when 0 lies outside.
    outside = (simulated["b_research_ci_low"] > 0) | (simulated["b_research_ci_high"] < 0)
    assert ((simulated["b_research_p"] < 0.05) == outside).all()


def test_b_own_with_and_without_research_recover_the_egocentric_weight(simulated):
    """Research deviations are independent of own answers here, so both subsets estimate the same b_own."""
    assert simulated["b_own_with_research"].mean() == pytest.approx(0.3, abs=0.03)
    assert simulated["b_own_without_research"].mean() == pytest.approx(0.3, abs=0.03)


def test_ignored_research_gives_a_weight_near_zero():
    out = person_metrics(research_responses(seed=3, n_persons=2000, n_items=30, b_research=0.0))
    assert out["b_research"].mean() == pytest.approx(0.0, abs=0.03)
    assert (out["b_research_p"] < 0.05).mean() == pytest.approx(0.05, abs=0.02)


# --------------------------------------------------------------------------
# What the research column may not change, and the count


def test_existing_metrics_are_bit_for_bit_unchanged_by_a_research_column():
    data = random_responses(seed=4, n_persons=60, research=True)
    with_research = person_metrics(data)
    without = person_metrics(data.drop(columns="research"))
    for name in ("participant_id", "round", "n_items", *ORIGINAL_METRICS):
        np.testing.assert_array_equal(with_research[name].to_numpy(), without[name].to_numpy(), err_msg=name)
    for a, b in zip(with_research["note"], without["note"]):
        original = set(ORIGINAL_METRICS)
        assert {k: v for k, v in parse_note(a).items() if k in original} == {
            k: v for k, v in parse_note(b).items() if k in original
        }


def test_n_research_counts_answered_items_with_research_as_integers():
    data = research_responses(seed=1, n_persons=2, n_items=10)
    data.loc[data.index[0], "own"] = np.nan  # a skipped answer does not count, research or not
    shown_first = data["research"].notna().iloc[0]
    out = person_metrics(data)
    assert out["n_research"].dtype.kind == "i"
    assert out["n_research"].tolist() == [5 - int(shown_first), 5]


def test_every_undefined_research_value_has_a_reason():
    out = person_metrics(random_responses(seed=8, n_persons=80, research=True))
    for _, row in out.iterrows():
        reasons = parse_note(row["note"])
        assert {name for name in METRIC_COLUMNS if pd.isna(row[name])} == set(reasons)


def test_independent_of_row_order_and_of_other_persons():
    data = random_responses(seed=6, n_persons=40, research=True)
    everyone = person_metrics(data).set_index(["participant_id", "round"])
    one = data[data["participant_id"] == "p004"].sample(frac=1, random_state=3)
    alone = person_metrics(one).set_index(["participant_id", "round"])
    pd.testing.assert_frame_equal(alone, everyone.loc[alone.index], check_dtype=False, rtol=1e-12)


def test_research_metrics_are_defined_for_every_person_of_a_large_sample():
    """Speed is measured by benchmarks/bench_analysis.py; here only that the vectorised path covers everyone."""
    out = person_metrics(research_responses(seed=0, n_persons=5000, n_items=30))
    assert len(out) == 5000 and out["b_research"].notna().all()


# --------------------------------------------------------------------------
# Reasons for undefined values


def _person(**columns) -> pd.DataFrame:
    k = len(columns["own"])
    return pd.DataFrame({"participant_id": "solo", "item_id": [f"i{j}" for j in range(k)], **columns})


def _only(frame: pd.DataFrame) -> pd.Series:
    out = person_metrics(frame)
    assert len(out) == 1
    return out.iloc[0]


OWN = [10.0, 80, 30, 60, 50, 20, 70, 40]
TRUTH = [30.0, 50, 40, 40, 20, 30, 60, 50]
PREDICTION = [28.0, 66, 52, 44, 33, 35, 62, 45]
RESEARCH = [40.0, np.nan, 55, np.nan, 30, np.nan, 50, np.nan]


def test_no_research_column_leaves_every_research_metric_undefined():
    row = _only(_person(own=OWN, prediction=PREDICTION, truth=TRUTH))
    reasons = parse_note(row["note"])
    for name in RESEARCH_METRICS:
        assert np.isnan(row[name])
        assert reasons[name] == "no research shown"
    assert not np.isnan(row["b_own"])


def test_empty_research_column_means_none_shown():
    row = _only(_person(own=OWN, prediction=PREDICTION, truth=TRUTH, research=[np.nan] * 8))
    reasons = parse_note(row["note"])
    assert row["n_research"] == 0
    for name in ("b_research", "b_research_p", "b_own_with_research"):
        assert reasons[name] == "no research shown"
    # Every item is without research, so that fit is the full one.
    assert row["b_own_without_research"] == pytest.approx(row["b_own"], rel=1e-12)


def test_research_model_needs_five_items_and_two_with_research():
    row = _only(_person(own=OWN[:4], prediction=PREDICTION[:4], truth=TRUTH[:4], research=RESEARCH[:4]))
    assert parse_note(row["note"])["b_research"] == "needs at least 5 answered items (has 4)"
    assert row["n_research"] == 2
    one = [40.0] + [np.nan] * 7
    row = _only(_person(own=OWN, prediction=PREDICTION, truth=TRUTH, research=one))
    reasons = parse_note(row["note"])
    assert reasons["b_research"] == "needs at least 2 answered items with research (has 1)"
    assert reasons["b_research_se"] == "needs at least 2 answered items with research (has 1)"
    assert reasons["b_own_with_research"] == "needs at least 4 answered items with research (has 1)"
    assert not np.isnan(row["b_own_without_research"])  # seven items without research


def test_subset_fits_need_four_items_each():
    row = _only(_person(own=OWN, prediction=PREDICTION, truth=TRUTH, research=[40.0, 50, 55, 30, 30, 35, np.nan, 45]))
    reasons = parse_note(row["note"])
    assert reasons["b_own_without_research"] == "needs at least 4 answered items without research (has 1)"
    assert not np.isnan(row["b_research"]) and not np.isnan(row["b_own_with_research"])


def test_research_equal_to_the_truth_cannot_be_separated():
    exact = [t if not np.isnan(r) else np.nan for t, r in zip(TRUTH, RESEARCH)]
    row = _only(_person(own=OWN, prediction=PREDICTION, truth=TRUTH, research=exact))
    reason = parse_note(row["note"])["b_research"]
    assert reason.startswith("the research's deviations from the true values are constant")
    assert np.isnan(row["b_research_p"])
    assert not np.isnan(row["b_own_with_research"])  # the subset fits do not involve the deviations


def test_constant_deviation_on_every_item_cannot_be_separated_from_the_intercept():
    row = _only(_person(own=OWN, prediction=PREDICTION, truth=TRUTH, research=np.add(TRUTH, 5.0)))
    assert "cannot be separated" in parse_note(row["note"])["b_research"]


def test_perfect_fit_keeps_b_research_but_not_its_uncertainty():
    o, t = np.array(OWN), np.array(TRUTH)
    r = np.array(RESEARCH)
    y = 5 + 0.5 * t + 0.2 * o + 0.8 * np.where(np.isnan(r), 0.0, r - t)
    row = _only(_person(own=o, prediction=y, truth=t, research=r))
    assert row["b_research"] == pytest.approx(0.8)
    assert np.isnan(row["b_research_se"]) and np.isnan(row["b_research_ci_low"])
    assert "no residual variation" in parse_note(row["note"])["b_research_p"]


def test_degenerate_subsets_name_the_subset():
    own = [4.0, 10, 4, 60, 4, 20, 4, 40]  # constant on the items with research
    row = _only(_person(own=own, prediction=PREDICTION, truth=TRUTH, research=RESEARCH))
    reasons = parse_note(row["note"])
    assert reasons["b_own_with_research"] == "on the items with research, your own answers do not vary"
    assert "b_own_without_research" not in reasons
    truth = [30.0, 50, 30, 40, 30, 30, 30, 50]  # constant on the items with research
    row = _only(_person(own=OWN, prediction=PREDICTION, truth=truth, research=RESEARCH))
    reasons = parse_note(row["note"])
    assert reasons["b_own_with_research"] == "on the items with research, the true values of your items do not vary"


def test_person_without_answers_and_with_research_column():
    frame = pd.concat([_person(own=OWN, prediction=PREDICTION, truth=TRUTH, research=RESEARCH),
                       _person(own=[np.nan, np.nan], prediction=[1.0, 2], truth=[1.0, 3],
                               research=[2.0, 2]).assign(participant_id="ghost")])
    ghost = person_metrics(frame).set_index("participant_id").loc["ghost"]
    assert ghost["n_research"] == 0
    assert parse_note(ghost["note"])["b_research"] == "no answered items"


# --------------------------------------------------------------------------
# Group tests of research use, against pingouin


@pytest.fixture(scope="module")
def research_metrics() -> pd.DataFrame:
    """Per-person research metrics in two research conditions, with empathy lowering research use."""
    rng = np.random.default_rng(21)
    n = 70
    condition = rng.choice(["market_research", "research_perspective", "control"], n, p=[0.45, 0.35, 0.2])
    empathy = rng.normal(4.5, 1.0, n)
    saw = condition != "control"
    b_research = 0.5 + 0.1 * (condition == "research_perspective") - 0.08 * (empathy - 4.5) + rng.normal(0, 0.2, n)
    without = rng.normal(0.3, 0.15, n)
    frame = pd.DataFrame(
        {
            "participant_id": [f"p{i}" for i in range(n)],
            "round": 1,
            "condition": condition,
            "empathy": empathy,
            "b_own": rng.normal(0.3, 0.2, n),
            "n_research": np.where(saw, 15, 0),
            "b_research": np.where(saw, b_research, np.nan),
            "b_own_with_research": np.where(saw, without - 0.05 + rng.normal(0, 0.1, n), np.nan),
            "b_own_without_research": without,
        }
    )
    frame.loc[[1, 2], "b_research"] = np.nan  # saw research but b_research undefined
    return frame


def _seen(metrics):
    return metrics[metrics["n_research"] > 0]


def test_research_test_matches_pingouin_one_sided_ttest_and_wilcoxon(research_metrics):
    research, _ = research_test(research_metrics)
    row = research.iloc[0]
    x = _seen(research_metrics)["b_research"].dropna()
    one_sided = pg.ttest(x, 0, alternative="greater").iloc[0]
    two_sided = pg.ttest(x, 0).iloc[0]
    assert list(research.columns) == list(EGOCENTRISM_COLUMNS)
    assert row["n"] == len(x)
    close(row["t"], one_sided["T"])
    close(row["p"], one_sided["p_val"])
    close(row["p_two_sided"], two_sided["p_val"])
    close(row["cohen_d"], one_sided["cohen_d"])
    close(row["ci_one_sided_low"], stats.ttest_1samp(x, 0, alternative="greater").confidence_interval().low)
    ci = stats.ttest_1samp(x, 0).confidence_interval()
    close(row["ci_low"], ci.low)
    close(row["ci_high"], ci.high)
    wilcoxon = pg.wilcoxon(x, alternative="greater").iloc[0]
    close(row["wilcoxon_w"], wilcoxon["W_val"])
    close(row["wilcoxon_p"], wilcoxon["p_val"])


def test_research_test_paired_with_versus_without_matches_pingouin(research_metrics):
    _, paired = research_test(research_metrics)
    row = paired.iloc[0]
    pairs = _seen(research_metrics)[["b_own_with_research", "b_own_without_research"]].dropna()
    ref = pg.ttest(pairs["b_own_with_research"], pairs["b_own_without_research"], paired=True).iloc[0]
    assert list(paired.columns) == list(RESEARCH_PAIRED_COLUMNS)
    assert row["n"] == len(pairs)
    close(row["mean_with"], pairs["b_own_with_research"].mean())
    close(row["mean_without"], pairs["b_own_without_research"].mean())
    close(row["mean_diff"], (pairs["b_own_with_research"] - pairs["b_own_without_research"]).mean())
    close(row["t"], ref["T"])
    close(row["df"], ref["dof"])
    close(row["p"], ref["p_val"])
    close(abs(row["cohen_d"]), ref["cohen_d"])
    assert row["mean_diff"] < 0 and np.sign(row["cohen_d"]) == np.sign(row["mean_diff"])


def test_research_test_by_condition_skips_persons_without_research(research_metrics):
    research, paired = research_test(research_metrics, by=["condition"])
    assert research["condition"].tolist() == ["market_research", "research_perspective"]
    assert paired["condition"].tolist() == ["market_research", "research_perspective"]


def test_research_conditions_match_pingouin_welch_and_games_howell(research_metrics):
    result = group_tests(research_metrics)
    data = _seen(research_metrics)
    ref = pg.welch_anova(data.dropna(subset=["b_research"]), dv="b_research", between="condition").iloc[0]
    anova = result["research_conditions"].iloc[0]
    assert anova["n_conditions"] == 2 and anova["reason"] == ""
    close(anova["F"], ref["F"])
    close(anova["df2"], ref["ddof2"])
    close(anova["p"], ref["p_unc"])
    close(anova["np2"], ref["np2"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gh = pg.pairwise_gameshowell(data.dropna(subset=["b_research"]), dv="b_research", between="condition").iloc[0]
    pair = result["research_pairs"].iloc[0]
    assert (pair["A"], pair["B"]) == (gh["A"], gh["B"])
    close(pair["diff"], gh["diff"])
    close(pair["t"], gh["T"])
    close(pair["df"], gh["df"])
    close(pair["p"], gh["pval"])
    close(pair["hedges_g"], gh["hedges"])


def test_research_empathy_matches_pingouin_corr_and_regression(research_metrics):
    result = group_tests(research_metrics)["research_empathy"].set_index("term")
    data = _seen(research_metrics).dropna(subset=["b_research"])
    corr = pg.corr(data["empathy"], data["b_research"]).iloc[0]
    close(result["r"].iloc[0], corr["r"])
    close(result["r_p"].iloc[0], corr["p_val"])
    design = pd.get_dummies(data["condition"], dtype=float).drop(columns="market_research")
    design.insert(0, "empathy", data["empathy"])
    ref = pg.linear_regression(design, data["b_research"]).set_index("names")
    assert list(result.index) == ["Intercept", "empathy", "condition[research_perspective]"]
    for term, name in zip(result.index, ref.index):
        close(result.loc[term, "coef"], ref.loc[name, "coef"])
        close(result.loc[term, "se"], ref.loc[name, "se"])
        close(result.loc[term, "p"], ref.loc[name, "pval"])
        close(result.loc[term, "ci_low"], ref.loc[name, "CI2.5"])
        close(result.loc[term, "ci_high"], ref.loc[name, "CI97.5"])
    # As simulated (and as Hattula et al. 2015 found): more empathy, less use of research.
    assert result.loc["empathy", "coef"] < 0


def test_group_tests_on_engine_output_with_research():
    metrics = person_metrics(realistic_responses(seed=7, research=True))
    result = group_tests(metrics, by=["condition"])
    assert result["research"]["condition"].tolist() == ["market_research"]
    assert result["research"]["n"].iloc[0] == metrics["b_research"].notna().sum()
    assert result["research_with_without"]["condition"].tolist() == ["market_research"]
    # Only one condition saw research, so there is nothing to compare across conditions.
    anova = result["research_conditions"].iloc[0]
    assert anova["n_conditions"] == 1 and anova["reason"].startswith("needs at least 2 conditions")
    assert result["research_pairs"].empty and result["research_pairs"].attrs["reason"]


def test_research_tests_without_research_are_empty_with_reasons():
    no_column = group_tests(pd.DataFrame({"b_own": [0.1, 0.3, 0.2]}))
    none_seen = group_tests(pd.DataFrame({"b_own": [0.1, 0.3, 0.2], "n_research": [0, 0, 0],
                                          "b_research": [np.nan] * 3}))
    for name in ("research", "research_with_without", "research_conditions", "research_pairs", "research_empathy"):
        assert no_column[name].empty and "no b_research column" in no_column[name].attrs["reason"]
        assert none_seen[name].empty and "nobody saw market research" in none_seen[name].attrs["reason"]
        assert "reason" in no_column[name].columns


def test_research_test_with_too_few_persons_explains_itself():
    research, paired = research_test(pd.DataFrame({"n_research": [15], "b_research": [0.4],
                                                   "b_own_with_research": [0.2], "b_own_without_research": [0.3]}))
    assert research["reason"].iloc[0] == "needs at least 2 persons with a defined b_research (has 1)"
    assert paired["reason"].iloc[0].startswith("needs at least 2 persons with b_own_with_research")
    research, paired = research_test(pd.DataFrame({"b_research": [0.4, 0.5, 0.1]}))
    assert research["reason"].iloc[0] == "" and paired.attrs["reason"].startswith("no b_own_with_research")


def test_research_test_docstring_example_holds():
    import doctest

    import analysis.group

    assert doctest.testmod(analysis.group).failed == 0
