"""Recorded values from respondent-level survey data: weighted shares, means and medians with their
standard errors, and a seeded pilot-sample research cue.

A trainer's own survey file (calibrate/authoring) becomes an exercise through these
functions. Each row is one respondent, or one choice of a respondent who made several;
optional weights make the sample represent its population, and optional clusters
(respondents, households, sampling units) say which rows are not independent.
Definitions and the reasons for them: docs/methods.md, section 8.

- :func:`weighted_mean` – the weighted mean with a cluster-robust (sandwich) standard
  error; a share is the mean of a 0/1 indicator (:func:`weighted_share`).
- :func:`weighted_median` – the weighted median with Woodruff's standard error.
- :func:`pilot_cue` – the same statistic on a seeded pilot of a fifth of the clusters
  (10 to 20), with its 95% interval: the market-research cue of the item page.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "Cue",
    "Estimate",
    "pilot_cue",
    "pilot_size",
    "weighted_mean",
    "weighted_median",
    "weighted_share",
]

Z95 = float(stats.norm.ppf(0.975))
PILOT_SHARE = 0.2
PILOT_MIN, PILOT_MAX = 10, 20
"""A pilot is a fifth of the clusters, at least 10 and at most 20, like the built-in cell pilots."""


@dataclass(frozen=True)
class Estimate:
    """A recorded value: the estimate, its standard error, the rows and the independent clusters behind it."""

    estimate: float
    se: float
    n: int
    clusters: int


@dataclass(frozen=True)
class Cue:
    """A pilot sample's estimate with its 95% interval, and how big the pilot was."""

    estimate: float
    low: float
    high: float
    pilot: int
    clusters: int


def _prepare(values, weights, clusters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(values, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    if clusters is None:
        groups = np.arange(len(y))
    else:
        groups = np.unique(np.asarray(clusters).astype(str), return_inverse=True)[1]
    if y.ndim != 1 or w.shape != y.shape or len(groups) != len(y):
        raise ValueError("values, weights and clusters must be one-dimensional and of equal length")
    if len(y) == 0:
        raise ValueError("no observations")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(w))):
        raise ValueError("values and weights must be finite numbers")
    if np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    return y, w, groups


def _sandwich_se(residual_scores: np.ndarray, groups: np.ndarray, total_weight: float) -> float:
    """sqrt(G/(G-1) * sum over clusters of (sum of w*e)^2) / sum(w): the CR1 sandwich of an intercept."""
    sums = np.bincount(groups, weights=residual_scores)
    g = len(sums)
    if g < 2:
        return math.nan
    return float(math.sqrt(g / (g - 1) * np.sum(sums**2)) / total_weight)


def weighted_mean(values, weights=None, clusters=None) -> Estimate:
    """Weighted mean with a cluster-robust standard error.

    Parameters
    ----------
    values : array_like
        One number per row (a rating, an amount, or 0/1 for "chose the option").
    weights : array_like, optional
        Survey weights, non-negative; equal weights when omitted.
    clusters : array_like, optional
        Cluster of each row (e.g. the respondent of a choice); every row is its own
        cluster when omitted.

    Returns
    -------
    Estimate
        ``estimate`` = sum(w y) / sum(w). ``se`` is the CR1 sandwich
        sqrt(G/(G-1) sum_g (sum_{i in g} w_i e_i)^2) / sum(w) with e = y - estimate,
        which equals statsmodels' WLS of y on a constant with ``cov_type="cluster"``
        (``"HC1"`` without clusters); for unweighted 0/1 data it is sqrt(p(1-p)/(n-1)).
        NaN when there are fewer than two clusters.

    Examples
    --------
    >>> from analysis.survey import weighted_mean
    >>> result = weighted_mean([1, 2, 3, 4])
    >>> round(result.estimate, 3), round(result.se, 4)
    (2.5, 0.6455)
    """
    y, w, groups = _prepare(values, weights, clusters)
    estimate = float(np.sum(w * y) / np.sum(w))
    se = _sandwich_se(w * (y - estimate), groups, float(np.sum(w)))
    return Estimate(estimate, se, len(y), int(groups.max()) + 1)


def weighted_share(chosen, weights=None, clusters=None) -> Estimate:
    """Weighted percentage of rows where ``chosen`` is true, with a cluster-robust standard error.

    The mean of a 0/1 indicator (:func:`weighted_mean`), times 100: estimate and
    standard error are in percent, the unit of a share item.

    Examples
    --------
    >>> from analysis.survey import weighted_share
    >>> result = weighted_share([True, False, True, True])
    >>> round(result.estimate, 1), round(result.se, 2)
    (75.0, 25.0)
    """
    result = weighted_mean(np.asarray(chosen, dtype=bool).astype(float), weights, clusters)
    return Estimate(100 * result.estimate, 100 * result.se, result.n, result.clusters)


def _quantile(y: np.ndarray, w: np.ndarray, q: float) -> float:
    """The weighted q-quantile: the smallest value whose weighted cumulative share reaches q."""
    order = np.argsort(y, kind="stable")
    cumulative = np.cumsum(w[order]) / np.sum(w)
    index = int(np.searchsorted(cumulative, min(max(q, 0.0), 1.0) - 1e-12, side="left"))
    return float(y[order][min(index, len(y) - 1)])


def _woodruff(y, w, groups, level_z: float) -> tuple[float, float, float, float]:
    """Median, its Woodruff interval and the SE derived from it."""
    median = _quantile(y, w, 0.5)
    below = (y <= median).astype(float)
    share_below = float(np.sum(w * below) / np.sum(w))
    se_share = _sandwich_se(w * (below - share_below), groups, float(np.sum(w)))
    if not math.isfinite(se_share):
        return median, math.nan, math.nan, math.nan
    low = _quantile(y, w, 0.5 - level_z * se_share)
    high = _quantile(y, w, 0.5 + level_z * se_share)
    return median, low, high, (high - low) / (2 * level_z)


def weighted_median(values, weights=None, clusters=None) -> Estimate:
    """Weighted median with Woodruff's standard error.

    The median is the smallest value whose weighted cumulative share reaches 50%
    (the lower median for an even number of equal weights). Its standard error
    comes from Woodruff's (1952) interval, the survey standard for quantiles: the
    cluster-robust SE of the share at or below the median (:func:`weighted_mean`
    of that indicator) is carried back to the value scale through the weighted
    quantiles at 50% +/- 1.96 of that SE; the SE is the interval's width / (2 x 1.96).

    Examples
    --------
    >>> from analysis.survey import weighted_median
    >>> weighted_median([5, 1, 3, 2, 4]).estimate
    3.0
    """
    y, w, groups = _prepare(values, weights, clusters)
    median, _, _, se = _woodruff(y, w, groups, Z95)
    return Estimate(median, se, len(y), int(groups.max()) + 1)


def pilot_size(clusters: int) -> int | None:
    """Clusters in a pilot: a fifth, at least 10 and at most 20; None when that would be half the sample or more.

    >>> pilot_size(76), pilot_size(300), pilot_size(30), pilot_size(15)
    (15, 20, 10, None)
    """
    size = max(PILOT_MIN, min(PILOT_MAX, int(clusters * PILOT_SHARE)))
    return size if 2 * size < clusters else None


def _pilot_rows(groups: np.ndarray, size: int, seed: str) -> np.ndarray:
    """The rows of ``size`` clusters drawn with random.Random(seed): stable across Python and NumPy versions."""
    rng = random.Random(seed)
    keys = [rng.random() for _ in range(int(groups.max()) + 1)]
    chosen = sorted(range(len(keys)), key=keys.__getitem__)[:size]
    return np.isin(groups, chosen)


def _wilson(share: float, n: float) -> tuple[float, float]:
    z2 = Z95 * Z95
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 / (1 + z2 / n) * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def pilot_cue(values, statistic: str, seed: str, weights=None, clusters=None) -> Cue | None:
    """The market-research cue: the statistic on a seeded pilot of the clusters, with its 95% interval.

    Parameters
    ----------
    values : array_like
        0/1 for ``statistic="share"``, numbers for ``"mean"`` and ``"median"``.
    statistic : {"share", "mean", "median"}
    seed : str
        Seeds the draw, so the same data and seed always give the same pilot.
    weights, clusters : array_like, optional
        As in :func:`weighted_mean`; the pilot draws whole clusters.

    Returns
    -------
    Cue or None
        None when the sample is too small for a pilot smaller than half of it
        (:func:`pilot_size`). Shares get a Wilson interval on the pilot's
        effective sample size p(1-p)/SE^2 (its number of clusters when the SE is 0),
        means estimate +/- t(G-1) SE, medians Woodruff's interval.

    Examples
    --------
    >>> from analysis.survey import pilot_cue
    >>> cue = pilot_cue([i % 3 == 0 for i in range(90)], "share", seed="demo")
    >>> cue.pilot, cue.clusters, cue.low <= cue.estimate <= cue.high
    (18, 90, True)
    """
    y, w, groups = _prepare(values, weights, clusters)
    total = int(groups.max()) + 1
    size = pilot_size(total)
    if size is None:
        return None
    rows = _pilot_rows(groups, size, seed)
    py, pw, pgroups = y[rows], w[rows], np.unique(groups[rows], return_inverse=True)[1]
    if pw.sum() <= 0:
        return None
    if statistic == "share":
        result = weighted_mean(py, pw, pgroups)
        p = result.estimate
        n_eff = p * (1 - p) / result.se**2 if result.se > 0 else float(size)
        low, high = _wilson(p, n_eff)
        return Cue(100 * p, 100 * low, 100 * high, size, total)
    if statistic == "mean":
        result = weighted_mean(py, pw, pgroups)
        half = float(stats.t.ppf(0.975, size - 1)) * result.se
        return Cue(result.estimate, result.estimate - half, result.estimate + half, size, total)
    if statistic == "median":
        median, low, high, _ = _woodruff(py, pw, pgroups, Z95)
        return Cue(median, low, high, size, total)
    raise ValueError(f"unknown statistic {statistic!r}")
