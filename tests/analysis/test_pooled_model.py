"""pooled_model: mixed model per round with condition and empathy terms, shrunk weights, diagnostics."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import analysis.pooled
from analysis import ResponseDataError, person_metrics, pooled_model
from analysis.pooled import WARNING_SLOPE_ZERO

B_TRUTH, SD_B_OWN = 0.6, 0.1
MEANS = {"control": 0.20, "perspective": 0.35}


def workshop(
    seed: int,
    n_per_condition: int = 15,
    n_items: int = 12,
    means: dict | None = None,
    sd_b_own: float = SD_B_OWN,
    sd_intercept: float = 5.0,
    empathy_pull: float = 0.0,
    noise: float = 12.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses of one simulated workshop (shared items, own answers 0-100) and the true weights.

    ``empathy_pull`` adds that much egocentric weight per point of (centred) empathy.
    """
    means = MEANS if means is None else means
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0, 100, n_items)
    rows, persons = [], []
    for c, (condition, mean) in enumerate(means.items()):
        for i in range(n_per_condition):
            pid = f"{condition[:4]}{i:02d}"
            empathy = rng.uniform(1, 7)
            b_own = mean + empathy_pull * (empathy - 4) + rng.normal(0, sd_b_own)
            own = rng.uniform(0, 100, n_items)
            level = 10 + rng.normal(0, sd_intercept)
            prediction = level + B_TRUTH * truth + b_own * own + rng.normal(0, noise, n_items)
            persons.append({"participant_id": pid, "condition": condition, "b_true": b_own})
            rows += [
                {"participant_id": pid, "item_id": f"i{j}", "own": own[j], "prediction": prediction[j],
                 "truth": truth[j], "condition": condition, "empathy": empathy}
                for j in range(n_items)
            ]
    return pd.DataFrame(rows), pd.DataFrame(persons)


# --------------------------------------------------------------------------
# Recovery of the condition difference


@pytest.fixture(scope="module")
def twenty_workshops():
    fits = []
    for seed in range(20):
        responses, _ = workshop(seed, n_items=10)
        fits.append(pooled_model(responses.drop(columns="empathy")))
    return fits


def test_condition_difference_has_the_right_sign_and_covering_intervals(twenty_workshops):
    true_diff = MEANS["perspective"] - MEANS["control"]
    rows = pd.concat([f["conditions"].set_index("condition").loc[["perspective"]] for f in twenty_workshops])
    assert (rows["reference"] == "control").all()
    assert (rows["diff"] > 0).sum() >= 19
    covered = (rows["diff_ci_low"] <= true_diff) & (true_diff <= rows["diff_ci_high"])
    assert covered.mean() >= 0.8
    assert rows["diff"].mean() == pytest.approx(true_diff, abs=0.03)


def test_per_person_weights_are_shrunk_toward_their_condition_mean(twenty_workshops):
    """The methods review: shrinking toward the grand mean cut a 0.15 difference to 0.02-0.05."""
    gaps = []
    for fit in twenty_workshops:
        means = fit["persons"].groupby("condition")["b_own_pooled"].mean()
        model = fit["conditions"].set_index("condition")
        gaps.append(means["perspective"] - means["control"] - model.loc["perspective", "diff"])
        assert means["control"] == pytest.approx(model.loc["control", "b_own"], abs=0.02)
    assert np.mean(gaps) == pytest.approx(0, abs=0.01)


def test_condition_means_are_consistent_with_the_fixed_effects(twenty_workshops):
    fit = twenty_workshops[0]
    fixed = fit["fixed"].set_index("term")["coef"]
    conditions = fit["conditions"].set_index("condition")
    assert conditions.loc["control", "b_own"] == pytest.approx(fixed["b_own"])
    assert conditions.loc["perspective", "b_own"] == pytest.approx(
        fixed["b_own"] + fixed["b_own:condition[perspective]"]
    )
    assert np.isnan(conditions.loc["control", "diff"])
    assert conditions.loc["perspective", "diff_z"] == pytest.approx(
        conditions.loc["perspective", "diff"] / conditions.loc["perspective", "diff_se"]
    )
    assert list(conditions["n_persons"]) == [15, 15]
    assert list(conditions["n_answers"]) == [150, 150]


# --------------------------------------------------------------------------
# Agreement with a direct statsmodels call


@pytest.fixture(scope="module")
def empathy_workshop():
    responses, truth = workshop(101, n_per_condition=20, n_items=15, empathy_pull=0.05,
                                means={"control": 0.2, "perspective": 0.3, "story": 0.35})
    return responses, truth, pooled_model(responses)


def test_fixed_effects_equal_a_direct_statsmodels_fit(empathy_workshop):
    """The documented formula through patsy, uncentred, on answers in proportions of the range.

    On the 0-100 scale statsmodels' optimizers stop short of the REML optimum
    (the slope variance is 1e4 times smaller than the intercept variance), so
    the direct fit uses proportions and its slopes are divided by 100 here.
    L-BFGS reaches the optimum on these data; Powell stops a little short.
    """
    responses, _, fit = empathy_workshop
    persons = responses.groupby("participant_id")["empathy"].first()
    data = pd.DataFrame(
        {
            "y": responses["prediction"],
            "t": responses["truth"] / 100,
            "o": responses["own"] / 100,
            "condition": responses["condition"],
            "empathy_c": responses["empathy"] - persons.mean(),
            "person": responses["participant_id"],
        }
    )
    model = smf.mixedlm(
        "y ~ t + o + C(condition, Treatment('control')) * o + empathy_c * o",
        data, groups=data["person"], re_formula="~o",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = model.fit(reml=True, method="lbfgs")
    assert direct.converged
    cond = "C(condition, Treatment('control'))"
    names = {
        "intercept": ("Intercept", 1), "b_truth": ("t", 100), "b_own": ("o", 100),
        "condition[perspective]": (f"{cond}[T.perspective]", 1), "condition[story]": (f"{cond}[T.story]", 1),
        "empathy": ("empathy_c", 1),
        "b_own:condition[perspective]": (f"{cond}[T.perspective]:o", 100),
        "b_own:condition[story]": (f"{cond}[T.story]:o", 100),
        "b_own:empathy": ("empathy_c:o", 100),
    }
    ours = fit["fixed"].set_index("term")
    assert sorted(ours.index) == sorted(names)
    for term, (theirs, unit) in names.items():
        assert ours.loc[term, "coef"] == pytest.approx(direct.fe_params[theirs] / unit, abs=0.01 * ours.loc[term, "se"])
        assert ours.loc[term, "se"] == pytest.approx(direct.bse_fe[theirs] / unit, rel=0.01)
    ci = direct.conf_int().loc[names["b_own:empathy"][0]] / 100
    assert ours.loc["b_own:empathy", "ci_low"] == pytest.approx(ci[0], abs=0.01 * ours.loc["b_own:empathy", "se"])
    assert np.sqrt(direct.cov_re.loc["o", "o"]) / 100 == pytest.approx(fit["diagnostics"].loc[0, "sd_b_own"], rel=0.01)


def test_empathy_term_recovers_the_simulated_pull_and_enters_the_person_weights(empathy_workshop):
    responses, truth, fit = empathy_workshop
    fixed = fit["fixed"].set_index("term")
    assert fixed.loc["b_own:empathy", "ci_low"] < 0.05 < fixed.loc["b_own:empathy", "ci_high"]
    assert fixed.loc["b_own:empathy", "coef"] > 0
    diagnostics = fit["diagnostics"].iloc[0]
    assert diagnostics["empathy_centre"] == pytest.approx(responses.groupby("participant_id")["empathy"].first().mean())
    persons = fit["persons"].merge(truth, on=["participant_id", "condition"])
    empathy = responses.groupby("participant_id")["empathy"].first().reindex(persons["participant_id"]).to_numpy()
    # Within a condition the pooled weights follow empathy, as the simulated ones do.
    control = persons["condition"].to_numpy() == "control"
    assert np.corrcoef(empathy[control], persons.loc[control, "b_own_pooled"])[0, 1] > 0.5


def test_pooled_weights_are_closer_to_the_truth_than_per_person_ols(empathy_workshop):
    responses, truth, fit = empathy_workshop
    ols = person_metrics(responses)[["participant_id", "b_own"]]
    both = truth.merge(ols, on="participant_id").merge(fit["persons"], on=["participant_id", "condition"])
    mse_ols = ((both["b_own"] - both["b_true"]) ** 2).mean()
    mse_pooled = ((both["b_own_pooled"] - both["b_true"]) ** 2).mean()
    assert mse_pooled < mse_ols
    assert both["b_own_pooled"].std() < both["b_own"].std()


def test_pooled_person_lines_fit_the_persons_answers(empathy_workshop):
    """intercept_pooled + b_truth t + b_own_pooled o are the model's fitted values (fixed part + BLUPs)."""
    responses, _, fit = empathy_workshop
    b_truth = fit["fixed"].set_index("term").loc["b_truth", "coef"]
    merged = responses.merge(fit["persons"], on=["participant_id", "condition"])
    residual = merged["prediction"] - (
        merged["intercept_pooled"] + b_truth * merged["truth"] + merged["b_own_pooled"] * merged["own"]
    )
    per_person = residual.groupby(merged["participant_id"]).mean()
    assert abs(residual.mean()) < 0.5
    assert per_person.abs().max() < 5  # BLUP intercepts absorb each person's level
    assert residual.std() == pytest.approx(fit["diagnostics"].loc[0, "sd_residual"], rel=0.1)


# --------------------------------------------------------------------------
# Diagnostics


def test_identical_persons_are_flagged_as_a_boundary_fit():
    """Everyone in a condition has the same pull, and the noise carries no pull of its own.

    The noise is made orthogonal to (1, t, o) within each person, so every
    per-person OLS weight equals its condition mean exactly: the REML spread
    of the weights is zero, on the boundary of the parameter space.
    """
    responses, _ = workshop(7, n_per_condition=15, n_items=8, sd_b_own=0.0, sd_intercept=0.0)
    rng = np.random.default_rng(7)
    parts = []
    for _, person in responses.groupby("participant_id", sort=False):
        design = np.column_stack([np.ones(len(person)), person["truth"], person["own"]])
        noise = rng.normal(0, 12, len(person))
        noise -= design @ np.linalg.lstsq(design, noise, rcond=None)[0]
        pull = MEANS[person["condition"].iloc[0]]
        parts.append(person.assign(prediction=10 + B_TRUTH * person["truth"] + pull * person["own"] + noise))
    fit = pooled_model(pd.concat(parts).drop(columns="empathy"))
    diagnostics = fit["diagnostics"].iloc[0]
    assert diagnostics["converged"]
    assert diagnostics["boundary"]
    assert diagnostics["reliability_b_own"] < 0.01
    assert diagnostics["sd_b_own"] < 1e-3
    assert diagnostics["warning"] == WARNING_SLOPE_ZERO
    assert "boundary fit" in diagnostics["warning"] and "condition means" in diagnostics["warning"]
    weights = fit["persons"].groupby("condition")["b_own_pooled"]
    assert (weights.max() - weights.min()).max() < 1e-3


def test_an_ordinary_fit_has_no_warning(twenty_workshops):
    clean = [f["diagnostics"].iloc[0] for f in twenty_workshops if not f["diagnostics"].loc[0, "boundary"]]
    assert clean, "every simulated workshop ended on the boundary"
    for diagnostics in clean:
        assert diagnostics["converged"] and diagnostics["warning"] == ""
        assert diagnostics["optimizer"] in analysis.pooled.OPTIMIZERS
        assert diagnostics["sd_b_own"] > 0.02
    for fit in twenty_workshops:
        diagnostics = fit["diagnostics"].iloc[0]
        assert diagnostics["boundary"] == (diagnostics["warning"] != "")  # converged, so a warning means boundary
        assert diagnostics["n_persons"] == 30 and diagnostics["n_items"] == 10 and diagnostics["n_answers"] == 300


# --------------------------------------------------------------------------
# Optional columns, rounds and errors


def test_without_condition_or_empathy_columns():
    responses, _ = workshop(3, n_per_condition=10, n_items=10)
    fit = pooled_model(responses.drop(columns=["condition", "empathy"]))
    assert list(fit["fixed"]["term"]) == ["intercept", "b_truth", "b_own"]
    conditions = fit["conditions"]
    assert len(conditions) == 1 and conditions.loc[0, "condition"] is None
    assert conditions.loc[0, "b_own"] == pytest.approx(fit["fixed"].set_index("term").loc["b_own", "coef"])
    assert np.isnan(conditions.loc[0, "diff"]) and conditions.loc[0, "n_persons"] == 20
    assert len(fit["persons"]) == 20 and fit["persons"]["condition"].isna().all()
    assert np.isnan(fit["diagnostics"].loc[0, "empathy_centre"])


def test_constant_condition_and_empathy_add_no_terms_and_reference_is_first_without_control():
    responses, _ = workshop(4, n_per_condition=10, n_items=10, means={"a": 0.2, "b": 0.3})
    one = responses.assign(condition="perspective", empathy=5.0)
    fit = pooled_model(one)
    assert list(fit["fixed"]["term"]) == ["intercept", "b_truth", "b_own"]
    assert fit["conditions"].loc[0, "condition"] == "perspective"
    two = pooled_model(responses.drop(columns="empathy"))["conditions"]
    assert list(two["condition"]) == ["a", "b"] and (two["reference"] == "a").all()


def test_persons_without_condition_are_left_out_and_counted():
    responses, _ = workshop(5, n_per_condition=10, n_items=10)
    responses.loc[responses["participant_id"].isin(["cont00", "pers03"]), "condition"] = None
    fit = pooled_model(responses)
    assert fit["diagnostics"].loc[0, "n_excluded"] == 2
    assert fit["diagnostics"].loc[0, "n_persons"] == 18
    assert not fit["persons"]["participant_id"].isin(["cont00", "pers03"]).any()


def test_rounds_are_fitted_separately_and_short_persons_get_a_weight():
    first, _ = workshop(8, n_per_condition=10, n_items=10)
    second, _ = workshop(9, n_per_condition=10, n_items=6)
    second = second.assign(round=2, item_id="r2-" + second["item_id"])
    short = first["participant_id"] == "cont01"
    responses = pd.concat([first[~short | first["item_id"].isin(["i0", "i1"])], second], ignore_index=True)
    fit = pooled_model(responses)
    for name in ("fixed", "conditions", "persons", "diagnostics"):
        assert sorted(fit[name]["round"].unique()) == [1, 2], name
    assert list(fit["diagnostics"]["n_items"]) == [10, 6]
    persons = fit["persons"].set_index(["participant_id", "round"])
    assert persons.loc[("cont01", 1), "n_items"] == 2
    assert np.isfinite(persons.loc[("cont01", 1), "b_own_pooled"])
    assert np.isnan(person_metrics(responses).set_index(["participant_id", "round"]).loc[("cont01", 1), "b_own"])


def test_a_round_with_too_few_persons_is_reported_not_fitted():
    first, _ = workshop(10, n_per_condition=10, n_items=8)
    late = first[first["participant_id"].isin(["cont00", "pers00"])].assign(round=2)
    fit = pooled_model(pd.concat([first, late], ignore_index=True))
    diagnostics = fit["diagnostics"].set_index("round")
    assert not diagnostics.loc[2, "converged"]
    assert "at least 3 participants" in diagnostics.loc[2, "warning"]
    assert set(fit["persons"]["round"]) == {1}


def test_answers_that_cannot_separate_the_terms_are_reported_not_fitted():
    responses, _ = workshop(12, n_per_condition=5, n_items=4)
    fit = pooled_model(responses[responses["item_id"] == "i0"])  # one shared item: truth is constant
    diagnostics = fit["diagnostics"].iloc[0]
    assert not diagnostics["converged"] and "cannot be told apart" in diagnostics["warning"]
    assert fit["fixed"].empty and fit["persons"].empty
    assert list(fit["persons"].columns)[:2] == ["participant_id", "round"]


def test_needs_several_participants():
    responses, _ = workshop(11, n_per_condition=2, n_items=6)
    few = responses[responses["participant_id"].isin(["cont00", "pers01"])]
    with pytest.raises(ResponseDataError, match="at least 3 participants"):
        pooled_model(few)
    with pytest.raises(ResponseDataError, match="at least 3 participants"):
        pooled_model(responses.assign(own=np.nan))


def test_docstring_examples():
    assert doctest.testmod(analysis.pooled).failed == 0
