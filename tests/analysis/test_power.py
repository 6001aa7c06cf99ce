"""The power formula of analysis.power against simulated workshops run through the real engine.

Each simulated workshop draws people under exactly the module's assumptions
(true pull ~ N(mu_c, PULL_SD^2), own answers scattered with SD
OWN_SD_GIVEN_TRUTH around a line in the truth, prediction residual SD
RESIDUAL_SD, everything in points of 0-100), computes every person's b_own
with `analysis.person_metrics` and compares the two conditions with Welch's
t test.  The share of workshops with p < 0.05 must match the formula.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import person_metrics
from analysis.power import (
    DELTA,
    MIN_ITEMS,
    OWN_SD_GIVEN_TRUTH,
    PULL_SD,
    RESIDUAL_SD,
    about,
    comparison_power,
    critical_value,
    items_needed,
    people_needed,
    welch_power,
    recommend,
)

REPLICATES = 2000
"""Workshops per setting: the simulated rate has an SE of at most 0.011, so a
true agreement passes the +/-0.05 check with a margin of over four SEs."""
TOLERANCE = 0.05


def simulated_workshops(
    sizes: tuple[int, ...], items: int, replicates: int, seed: int, delta: float = DELTA
) -> pd.DataFrame:
    """Long-format answers of `replicates` workshops with conditions A, B, C... of these sizes.

    B's true pull is `delta` more than everyone else's.  Every workshop has its
    own recorded values (shared by its people); own answers follow the truth
    weakly (slope 0.3) and scatter around it with SD OWN_SD_GIVEN_TRUTH;
    predictions are a + 0.7 t + pull * o + noise with SD RESIDUAL_SD.
    """
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    shape = (replicates, n, items)
    truth = np.broadcast_to(rng.uniform(10, 90, (replicates, 1, items)), shape)
    own = 50 + 0.3 * (truth - 50) + rng.normal(0, OWN_SD_GIVEN_TRUTH, shape)
    condition = np.repeat(np.array(list("ABCDEF"[: len(sizes)])), sizes)
    in_b = condition == "B"
    pull = 0.3 + delta * in_b + rng.normal(0, PULL_SD, (replicates, n))
    intercept = rng.normal(10, 5, (replicates, n, 1))
    prediction = intercept + 0.7 * truth + pull[..., None] * own + rng.normal(0, RESIDUAL_SD, shape)
    person = np.broadcast_to(np.arange(replicates * n).reshape(replicates, n, 1), shape)
    return pd.DataFrame(
        {
            "participant_id": person.ravel(),
            "condition": np.broadcast_to(condition[None, :, None], shape).ravel(),
            "item_id": np.broadcast_to(np.arange(items), shape).ravel(),
            "own": own.ravel(),
            "prediction": prediction.ravel(),
            "truth": truth.ravel(),
            "item_min": 0.0,
            "item_max": 100.0,
        }
    )


def engine_weights(sizes: tuple[int, ...], items: int, replicates: int, seed: int, delta: float) -> np.ndarray:
    """Every simulated person's b_own from `analysis.person_metrics`, as replicates x people."""
    metrics = person_metrics(simulated_workshops(sizes, items, replicates, seed, delta))
    metrics = metrics.assign(person=metrics["participant_id"].astype(int)).sort_values("person")
    assert len(metrics) == replicates * sum(sizes) and metrics["b_own"].notna().all()
    conditions = metrics["condition"].to_numpy().reshape(replicates, -1)
    assert (conditions[:, : sizes[0]] == "A").all() and (conditions[:, sizes[0] : sum(sizes[:2])] == "B").all()
    return metrics["b_own"].to_numpy().reshape(replicates, sum(sizes))


def simulated_power(
    n_a: int, n_b: int, items: int, replicates: int = REPLICATES, seed: int = 1, delta: float = DELTA
) -> float:
    """Share of simulated workshops in which Welch's test on the engine's b_own gives p < 0.05."""
    weights = engine_weights((n_a, n_b), items, replicates, seed, delta)
    result = stats.ttest_ind(weights[:, :n_a], weights[:, n_a:], axis=1, equal_var=False)
    return float(np.mean(result.pvalue < 0.05))


def simulated_games_howell_power(sizes: tuple[int, ...], items: int, replicates: int, seed: int) -> float:
    """Share of workshops in which the Games-Howell pair B vs A (as in analysis.group) is significant.

    Games-Howell's p is P(Q > sqrt(2) |t|) for the studentized range Q with
    `len(sizes)` groups and Welch's df; SciPy's studentized range is too slow
    for thousands of p values, so each |t| is compared with the critical
    value instead, computed by SciPy at the smallest and largest df that
    occur and interpolated linearly in 1/df between them (the df vary little).
    """
    weights = engine_weights(sizes, items, replicates, seed, DELTA)
    a, b = weights[:, : sizes[0]], weights[:, sizes[0] : sizes[0] + sizes[1]]
    va, vb = a.var(axis=1, ddof=1) / sizes[0], b.var(axis=1, ddof=1) / sizes[1]
    t = (b.mean(axis=1) - a.mean(axis=1)) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (sizes[0] - 1) + vb**2 / (sizes[1] - 1))
    ends = np.array([df.min(), df.max()])
    q = stats.studentized_range.ppf(0.95, len(sizes), ends)
    critical = np.interp(1 / df, 1 / ends[::-1], q[::-1])
    return float(np.mean(np.sqrt(2) * np.abs(t) > critical))


@pytest.mark.parametrize(
    ("n_a", "n_b", "items", "seed"),
    [(30, 30, 12, 1), (15, 15, 20, 2), (60, 60, 6, 3), (40, 20, 8, 4)],
)
def test_formula_matches_simulated_workshops(n_a, n_b, items, seed):
    simulated = simulated_power(n_a, n_b, items, seed=seed)
    assert welch_power(n_a, n_b, items) == pytest.approx(simulated, abs=TOLERANCE)


def test_games_howell_power_with_more_conditions_matches_simulation():
    """Three conditions of 30 and 12 items: the report's adjusted pair has less power than a lone Welch test."""
    simulated = simulated_games_howell_power((30, 30, 30), 12, replicates=1500, seed=6)
    assert welch_power(30, 30, 12, groups=3) == pytest.approx(simulated, abs=TOLERANCE)
    assert welch_power(30, 30, 12, groups=4) < welch_power(30, 30, 12, groups=3) < welch_power(30, 30, 12)


@pytest.mark.parametrize(("groups", "df"), [(3, 7.0), (3, 57.3), (4, 25.0), (4, 140.0)])
def test_studentized_range_table_matches_scipy(groups, df):
    exact = stats.studentized_range.ppf(0.95, groups, df) / np.sqrt(2)
    assert critical_value(df, groups) == pytest.approx(exact, abs=0.005)


def test_without_a_difference_the_test_rejects_at_alpha():
    """Sanity check of the simulation itself: no difference, about 5% false alarms (and power = alpha)."""
    assert simulated_power(30, 30, 12, replicates=1000, seed=5, delta=0.0) == pytest.approx(0.05, abs=0.02)
    assert welch_power(30, 30, 12, delta=0.0) == pytest.approx(0.05, abs=1e-9)


def test_the_problem_that_motivated_it():
    """30 people per condition and 12 items detect a difference of 0.10 only about 30% of the time."""
    assert 0.25 < welch_power(30, 30, 12) < 0.35


def test_power_grows_with_people_items_and_difference_and_falls_with_noise():
    assert welch_power(20, 20, 12) < welch_power(40, 40, 12) < welch_power(80, 80, 12)
    assert welch_power(30, 30, 6) < welch_power(30, 30, 12) < welch_power(30, 30, 24)
    assert welch_power(30, 30, 12, 0.05) < welch_power(30, 30, 12, 0.10) < welch_power(30, 30, 12, 0.20)
    assert welch_power(30, 30, 12, tau=0.20) < welch_power(30, 30, 12) < welch_power(30, 30, 12, tau=0.05)
    assert welch_power(30, 30, 12, sigma=20) < welch_power(30, 30, 12) < welch_power(30, 30, 12, own_sd=35)
    assert welch_power(30, 30, 12, -0.1) == welch_power(30, 30, 12, 0.1)
    assert welch_power(20, 40, 12) == pytest.approx(welch_power(40, 20, 12))


def test_no_usable_comparison_has_no_power():
    assert welch_power(1, 30, 12) == 0.0
    assert welch_power(30, 30, MIN_ITEMS - 1) == 0.0
    assert people_needed(MIN_ITEMS - 1) is None
    assert items_needed(10, 10, max_items=MIN_ITEMS - 1) is None


@pytest.mark.parametrize("items", [5, 6, 12, 25])
def test_people_needed_is_the_smallest_that_is_enough(items):
    n = people_needed(items)
    assert welch_power(n, n, items) >= 0.8 > welch_power(n - 1, n - 1, items)


def test_people_needed_with_unequal_allocation():
    """With twice as many in B, A needs fewer than with equal groups, B more."""
    n = people_needed(12, ratio=2.0)
    assert welch_power(n, 2 * n, 12) >= 0.8 > welch_power(n - 1, 2 * (n - 1), 12)
    assert n < people_needed(12) < 2 * n


def test_items_needed_is_the_smallest_that_is_enough():
    k = items_needed(100, 100, max_items=30)
    assert welch_power(100, 100, k) >= 0.8 > welch_power(100, 100, k - 1)
    assert items_needed(100, 100, max_items=k - 1) is None


def test_recommend_prefers_what_the_exercise_allows():
    enough = recommend(120, 12)
    assert enough.enough and enough.text.endswith("enough.")
    split = recommend(120, 12, items=6)
    assert not split.enough and split.items_needed == 11 and split.people_needed == people_needed(6)
    assert "or use 11 items in one round" in split.text
    hopeless = recommend(15, 20, items=6)
    assert hopeless.items_needed is None and f"about {about(people_needed(6))} per condition" in hopeless.text
    assert "at least 5 items" in recommend(30, 4).text


def test_comparison_power_for_the_report():
    small = comparison_power(12, 14, 12)
    assert not small.adequate and small.power == welch_power(12, 14, 12) and small.people_needed == people_needed(12)
    assert comparison_power(150, 150, 12).adequate


def test_about_rounds_up():
    assert [about(n) for n in (3, 19, 20, 21, 99, 100, 101)] == [3, 19, 20, 25, 100, 100, 110]


def test_an_observed_spread_replaces_the_assumptions():
    """The report judges a finished comparison by its own spread: same formula, the SD given instead of modelled."""
    from analysis.power import b_own_sd, welch_power

    assumed = b_own_sd(12)
    assert welch_power(30, 30, 12, sd=assumed) == pytest.approx(welch_power(30, 30, 12), abs=1e-12)
    assert welch_power(30, 30, 12, sd=assumed / 2) > welch_power(30, 30, 12)


def test_power_is_a_number_even_when_the_spread_is_tiny():
    """A room whose weights barely differ gives a huge noncentrality, where SciPy's far tail can be NaN."""
    from analysis.power import welch_power

    assert welch_power(250, 250, 10, sd=0.01) == 1.0
    assert 0.0 <= welch_power(125, 125, 10, sd=0.05) <= 1.0
