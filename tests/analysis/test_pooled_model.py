"""pooled_model: mixed model with empirical-Bayes egocentric weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import ResponseDataError, person_metrics, pooled_model

TRUE_B_OWN, TRUE_B_TRUTH, SD_B_OWN = 0.25, 0.6, 0.1


@pytest.fixture(scope="module")
def short_exercise() -> pd.DataFrame:
    """60 persons with 6 items each (and 5 with only 2), person-specific weights."""
    rng = np.random.default_rng(42)
    rows = []
    for person in range(65):
        k = 2 if person >= 60 else 6
        b_own = rng.normal(TRUE_B_OWN, SD_B_OWN)
        truth = rng.uniform(0, 100, k)
        own = rng.uniform(0, 100, k)
        prediction = 10 + TRUE_B_TRUTH * truth + b_own * own + rng.normal(0, 6, k)
        rows += [
            {"participant_id": f"p{person}", "item_id": f"i{j}", "own": own[j], "prediction": prediction[j],
             "truth": truth[j]}
            for j in range(k)
        ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def fitted(short_exercise):
    return pooled_model(short_exercise)


def test_fixed_effects_recover_the_simulated_weights(fitted):
    fixed = fitted["fixed"].set_index("term")
    assert list(fixed.index) == ["intercept", "b_truth", "b_own"]
    assert fixed.loc["b_own", "ci_low"] < TRUE_B_OWN < fixed.loc["b_own", "ci_high"]
    assert fixed.loc["b_truth", "coef"] == pytest.approx(TRUE_B_TRUTH, abs=0.05)
    assert fixed.loc["b_own", "p"] < 1e-6
    assert fitted["fixed"].attrs["converged"]
    assert fitted["fixed"].attrs["sd_b_own"] == pytest.approx(SD_B_OWN, abs=0.07)


def test_shrunk_weights_are_less_spread_than_per_person_ols(fitted, short_exercise):
    ols = person_metrics(short_exercise).merge(fitted["persons"], on=["participant_id", "round"])
    assert ols["b_own_pooled"].std() < ols["b_own"].std()


def test_short_persons_get_a_pooled_weight(fitted, short_exercise):
    persons = fitted["persons"].set_index("participant_id")
    ols = person_metrics(short_exercise).set_index("participant_id")
    assert np.isnan(ols.loc["p61", "b_own"])
    assert persons.loc["p61", "n_items"] == 2
    assert np.isfinite(persons.loc["p61", "b_own_pooled"])
    assert len(persons) == 65


def test_needs_several_participants(short_exercise):
    with pytest.raises(ResponseDataError, match="at least 3 participants"):
        pooled_model(short_exercise[short_exercise["participant_id"].isin(["p0", "p1"])])
