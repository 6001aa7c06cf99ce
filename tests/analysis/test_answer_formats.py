"""b_own means the same on every built-in exercise: a simulation through the items' real answer formats.

Simulated persons have a known pull BETA of their latent own preference L (0-100)
on their prediction: y = a + b t + BETA L + noise, on the 0-100 scale. Their own
answer goes through the item's actual input (own_min, own_max, own_step,
own_choices, as read by the exercise loader), their prediction is clipped to the
item's range as the input would do, and t is the item's recorded truth. When the
formats are comparable the engine recovers the same b_own on every exercise, and
each person's 95% interval covers BETA 95% of the time. The same persons
answering through the old formats (yes/no, 1-3, 1-5, 1-6) show why those were
replaced. docs/methods.md, section 1, quotes these numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import person_metrics
from calibrate.domain.exercises import read_exercise
from calibrate.infra.resources import resource_dir

ORIGINAL = ("supermarket-brands", "public-spending", "nature-attitudes", "self-descriptions")
"""The exercises that were asked on coarse own-answer scales before 0-100 (old_format)."""
BUILT_IN = ORIGINAL + tuple(sorted(
    path.parent.name for path in resource_dir("experiments").glob("*/exercise.toml")
    if path.parent.name not in ORIGINAL
))
"""Every built-in exercise folder, the original four first (their seeds stay as they were)."""
BETA = 0.3
PERSONS = 2000


def _items(slug: str) -> list[dict]:
    return read_exercise(resource_dir("experiments") / slug).items


def own_through_format(latent: np.ndarray, item: dict) -> np.ndarray:
    """The own answers that latent preferences (0-100) give on the item's input.

    The latent value is placed on the item's own range and snapped to the nearest
    choice, or to the step grid, as a person picking the closest option would.
    """
    low, high = item["own_min"], item["own_max"]
    raw = low + latent / 100.0 * (high - low)
    if item["own_choices"]:
        values = np.array(sorted(choice["value"] for choice in item["own_choices"]))
        return values[np.abs(raw[:, None] - values).argmin(axis=1)]
    if item["own_step"]:
        raw = low + np.round((raw - low) / item["own_step"]) * item["own_step"]
    return np.clip(raw, low, high)


def simulate(items: list[dict], seed: int, persons: int = PERSONS) -> pd.DataFrame:
    """Long-format answers of `persons` people with pull BETA to `items`."""
    rng = np.random.default_rng(seed)
    lows = np.array([item["min"] for item in items])
    highs = np.array([item["max"] for item in items])
    truth = 100.0 * (np.array([item["truth"] for item in items]) - lows) / (highs - lows)
    # Own preferences resemble the population's, loosely, as a marketer's do.
    latent = np.clip(truth + rng.normal(0.0, 25.0, (persons, len(items))), 0.0, 100.0)
    intercept = rng.uniform(7.0, 13.0, (persons, 1))
    slope = rng.uniform(0.45, 0.55, (persons, 1))
    predicted = intercept + slope * truth + BETA * latent + rng.normal(0.0, 6.0, latent.shape)
    prediction = np.clip(lows + predicted / 100.0 * (highs - lows), lows, highs)
    columns = {
        "participant_id": np.repeat(np.arange(persons), len(items)),
        "item_id": np.tile([item["item_key"] for item in items], persons),
        "own": np.column_stack([own_through_format(latent[:, j], item) for j, item in enumerate(items)]).ravel(),
        "prediction": prediction.ravel(),
        "truth": np.tile([item["truth"] for item in items], persons),
    }
    for column, key in (("item_min", "min"), ("item_max", "max"), ("own_min", "own_min"), ("own_max", "own_max")):
        columns[column] = np.tile([item[key] for item in items], persons)
    return pd.DataFrame(columns)


def b_own_summary(items: list[dict], seed: int) -> tuple[float, float]:
    """Mean b_own over persons and the share of persons whose 95% interval covers BETA."""
    metrics = person_metrics(simulate(items, seed))
    defined = metrics.dropna(subset=["b_own", "b_own_ci_low", "b_own_ci_high"])
    assert len(defined) >= 0.99 * PERSONS
    covered = (defined["b_own_ci_low"] <= BETA) & (BETA <= defined["b_own_ci_high"])
    return float(defined["b_own"].mean()), float(covered.mean())


def old_format(item: dict, slug: str) -> dict:
    """The item as it was asked before own answers moved to 0-100 (yes/no, 1-3, 1-5 or 1-6)."""
    def choices(values):
        return {"own_min": values[0], "own_max": values[-1], "own_step": 1.0,
                "own_choices": [{"value": float(v), "label": str(v)} for v in values]}

    if slug == "public-spending":
        return item | choices([1, 2, 3])
    if slug == "self-descriptions":
        return item | choices([1, 2, 3, 4, 5, 6])
    if slug == "nature-attitudes" and item["segment"] == "attitude statement":
        return item | choices([1, 2, 3, 4, 5])
    return item | choices([0, 1])


@pytest.fixture(scope="module")
def built_in_summaries() -> dict[str, tuple[float, float]]:
    return {slug: b_own_summary(_items(slug), seed) for seed, slug in enumerate(BUILT_IN)}


def test_expected_b_own_is_the_same_on_every_built_in_exercise(built_in_summaries):
    means = {slug: mean for slug, (mean, _) in built_in_summaries.items()}
    assert max(means.values()) - min(means.values()) <= 0.03, means
    for slug, mean in means.items():
        assert mean == pytest.approx(BETA, abs=0.03), slug


@pytest.mark.parametrize("slug", BUILT_IN)
def test_per_person_interval_covers_the_true_pull_95_percent(built_in_summaries, slug):
    _, coverage = built_in_summaries[slug]
    assert coverage == pytest.approx(0.95, abs=0.02)


def test_yes_no_own_answers_would_shrink_b_own_and_are_not_comparable():
    """Why the loader refuses to mix yes/no with graded own answers, and why 0-100 replaced them."""
    items = _items("supermarket-brands")
    graded, _ = b_own_summary(items, seed=11)
    yes_no, yes_no_coverage = b_own_summary([old_format(item, "supermarket-brands") for item in items], seed=11)
    assert graded == pytest.approx(BETA, abs=0.03)
    assert yes_no < 0.5 * BETA
    assert yes_no_coverage < 0.5  # each person's interval misses the true pull


def test_every_built_in_exercise_is_covered():
    assert len(BUILT_IN) >= 9 and set(ORIGINAL) <= set(BUILT_IN)


def test_the_old_coarse_scales_gave_different_b_own_per_exercise():
    means = {}
    for seed, slug in enumerate(ORIGINAL, start=20):
        old = [old_format(item, slug) for item in _items(slug)]
        means[slug], _ = b_own_summary(old, seed)
    assert max(means.values()) - min(means.values()) > 0.1, means
