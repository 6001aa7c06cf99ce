"""The survey estimators against statsmodels and pandas, computed independently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

from analysis.survey import pilot_cue, pilot_size, weighted_mean, weighted_median, weighted_share


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    """300 respondents with 1-4 choices each, unequal weights and a rating and an amount per row."""
    rng = np.random.default_rng(11)
    respondents = np.repeat(np.arange(300), rng.integers(1, 5, 300))
    person_effect = rng.normal(0, 1, 300)[respondents]
    return pd.DataFrame({
        "respondent": respondents,
        "weight": rng.uniform(0.3, 3.0, 300)[respondents],
        "chose": (person_effect + rng.normal(0, 1, len(respondents))) > 0.4,
        "rating": np.clip(np.round(3 + person_effect + rng.normal(0, 1, len(respondents))), 1, 5),
        "amount": np.round(np.exp(3 + 0.5 * person_effect + rng.normal(0, 0.3, len(respondents))), 2),
    })


def _wls(y, weights, clusters=None):
    model = sm.WLS(np.asarray(y, dtype=float), np.ones(len(y)), weights=np.asarray(weights, dtype=float))
    if clusters is None:
        return model.fit(cov_type="HC1")
    return model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(clusters)[0]})


@pytest.mark.parametrize("with_weights", [False, True])
@pytest.mark.parametrize("with_clusters", [False, True])
def test_weighted_mean_equals_wls_with_robust_covariance(survey, with_weights, with_clusters):
    weights = survey["weight"] if with_weights else np.ones(len(survey))
    clusters = survey["respondent"] if with_clusters else None
    fit = _wls(survey["rating"], weights, clusters)
    result = weighted_mean(survey["rating"], weights if with_weights else None, clusters)
    assert result.estimate == pytest.approx(fit.params[0], rel=1e-12)
    assert result.se == pytest.approx(fit.bse[0], rel=1e-10)
    assert result.clusters == (survey["respondent"].nunique() if with_clusters else len(survey))


def test_weighted_share_is_the_wls_mean_of_the_indicator_in_percent(survey):
    fit = _wls(survey["chose"].astype(float), survey["weight"], survey["respondent"])
    result = weighted_share(survey["chose"], survey["weight"], survey["respondent"])
    assert result.estimate == pytest.approx(100 * fit.params[0], rel=1e-12)
    assert result.se == pytest.approx(100 * fit.bse[0], rel=1e-10)


def test_unweighted_share_has_the_binomial_standard_error():
    chosen = np.r_[np.ones(37), np.zeros(63)]
    p = chosen.mean()
    assert weighted_share(chosen).se == pytest.approx(100 * np.sqrt(p * (1 - p) / (len(chosen) - 1)), rel=1e-12)


def _pandas_quantile(values: pd.Series, weights: pd.Series, q: float) -> float:
    frame = pd.DataFrame({"y": values, "w": weights}).sort_values("y", kind="stable")
    share = frame["w"].cumsum() / frame["w"].sum()
    return float(frame["y"][share >= q - 1e-12].iloc[0])


def test_weighted_median_and_woodruff_se(survey):
    y, w, groups = survey["amount"], survey["weight"], survey["respondent"]
    median = _pandas_quantile(y, w, 0.5)
    share_se = _wls((y <= median).astype(float), w, groups).bse[0]
    low, high = (_pandas_quantile(y, w, 0.5 + sign * 1.959963984540054 * share_se) for sign in (-1, 1))
    result = weighted_median(y, w, groups)
    assert result.estimate == median
    assert result.se == pytest.approx((high - low) / (2 * 1.959963984540054), rel=1e-9)
    assert 0 < result.se < y.std()


def test_unweighted_median_of_an_odd_sample_is_the_quantile_regression_median(survey):
    y = survey["amount"].iloc[:201]
    fit = sm.QuantReg(y.to_numpy(), np.ones(len(y))).fit(q=0.5)
    assert weighted_median(y).estimate == pytest.approx(fit.params[0], abs=1e-9) == np.median(y)


@pytest.mark.parametrize(("clusters", "size"), [(9, None), (20, None), (30, 10), (76, 15), (100, 20), (5000, 20)])
def test_pilot_is_a_fifth_between_ten_and_twenty_and_less_than_half(clusters, size):
    assert pilot_size(clusters) == size


def test_pilot_cue_is_seeded_and_recomputable(survey):
    cue = pilot_cue(survey["chose"], "share", "seed-a", survey["weight"], survey["respondent"])
    assert cue == pilot_cue(survey["chose"], "share", "seed-a", survey["weight"], survey["respondent"])
    assert cue != pilot_cue(survey["chose"], "share", "seed-b", survey["weight"], survey["respondent"])
    assert (cue.pilot, cue.clusters) == (20, survey["respondent"].nunique())


def test_unweighted_share_cue_is_the_wilson_interval_of_its_pilot():
    chosen = np.arange(100) % 4 == 0
    cue = pilot_cue(chosen, "share", "wilson")
    # Unweighted, one row per respondent: SE^2 = p(1-p)/(n-1), so the effective size is n - 1.
    share = cue.estimate / 100
    low, high = proportion_confint(share * (cue.pilot - 1), cue.pilot - 1, alpha=0.05, method="wilson")
    assert (cue.low, cue.high) == pytest.approx((100 * low, 100 * high), rel=1e-9)


def test_mean_cue_is_a_t_interval_around_the_pilot_mean(survey):
    cue = pilot_cue(survey["rating"], "mean", "t", None, survey["respondent"])
    assert cue.low < cue.estimate < cue.high
    assert cue.estimate - cue.low == pytest.approx(cue.high - cue.estimate, rel=1e-12)


def test_too_small_a_sample_gets_no_cue():
    assert pilot_cue(np.ones(15), "mean", "small") is None


@pytest.mark.parametrize(
    ("values", "weights", "message"),
    [([], None, "no observations"), ([1.0, np.nan], None, "finite"), ([1.0, 2.0], [1.0, -1.0], "non-negative")],
)
def test_bad_input_is_refused_with_a_reason(values, weights, message):
    with pytest.raises(ValueError, match=message):
        weighted_mean(values, weights)
