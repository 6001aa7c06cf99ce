"""Group statistics on per-person metrics (``docs/methods.md``, section 4).

Every test returns a tidy :class:`pandas.DataFrame`: the stratum columns
(the ``by`` columns that apply to the test), the statistics, and a
``reason`` column that is ``''`` when the test ran in full and otherwise says
why values are missing or what was left out.  When a test is impossible for
structural reasons (for example, no ``condition`` column) the frame is empty
but keeps its columns, and ``frame.attrs["reason"]`` says why.

A participant contributes one row per round.  Pooling rounds would count the
same person twice, so when the metrics hold more than one round, ``round`` is
added to the strata of every test except the round comparison itself.

One-sided tests (``b_own > 0``, ``b_research > 0``) report their one-sided
``p`` next to the matching 95% lower confidence bound ``ci_one_sided_low``
(``p < .05`` exactly when the bound is above 0), and the two-sided
``p_two_sided`` next to the two-sided 95% CI ``ci_low``..``ci_high``.  Every
other p in this module is two-sided and goes with a two-sided 95% CI where
one is given.

The statistics are computed with NumPy/SciPy and are checked against
pingouin (``ttest``, ``wilcoxon``, ``welch_anova``, ``pairwise_gameshowell``,
``compute_effsize``, ``corr``, ``linear_regression``) in the tests.

References
----------
Hattula, J. D., Herzog, W., Dahl, D. W., & Reinecke, S. (2015). Managerial
empathy facilitates egocentric predictions of consumer preferences. *Journal
of Marketing Research*, 52(2), 235-252.

Welch, B. L. (1951). On the comparison of several mean values: an
alternative approach. *Biometrika*, 38, 330-336.

Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison
procedures with unequal n's and/or variances. *Journal of Educational
Statistics*, 1(2), 113-125.

Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect
size and related estimators. *Journal of Educational Statistics*, 6(2),
107-128.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "CONTROL",
    "group_tests",
    "egocentrism_test",
    "condition_tests",
    "welch_anova",
    "empathy_test",
    "research_test",
    "round_test",
    "hedges_g",
]

CONTROL = "control"
"""Reference condition for pairwise effect sizes and condition dummies."""

CONFIDENCE = 0.95

MIN_PERSONS = 2
"""People with a defined metric that a group test needs: a mean's uncertainty needs a standard deviation."""

EGOCENTRISM_COLUMNS = (
    "n", "mean", "sd", "t", "df", "p", "ci_one_sided_low", "p_two_sided", "ci_low", "ci_high", "cohen_d",
    "wilcoxon_w", "wilcoxon_p", "reason",
)
"""Columns of the one-sided one-sample tests (:func:`egocentrism_test`, :func:`research_test`)."""
CONDITION_COLUMNS = ("n_conditions", "n", "F", "df1", "df2", "p", "np2", "reason")
PAIR_COLUMNS = ("A", "B", "n_A", "n_B", "mean_A", "mean_B", "diff", "se", "t", "df", "p", "hedges_g", "reason")
EMPATHY_COLUMNS = ("n", "r", "r_p", "term", "coef", "se", "t", "p", "ci_low", "ci_high", "reason")
ROUND_COLUMNS = (
    "metric", "n", "mean_round1", "mean_round2", "mean_diff", "t", "df", "p", "cohen_d", "reason",
)
ROUND_METRICS = ("b_own", "mae")
RESEARCH_PAIRED_COLUMNS = (
    "n", "mean_with", "mean_without", "mean_diff", "t", "df", "p", "cohen_d", "reason",
)
"""Columns of the paired comparison of b_own on items with and without research."""


def group_tests(metrics: pd.DataFrame, by: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Run every group test on the output of :func:`analysis.person_metrics`.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per participant and round with at least ``b_own``; the tests
        that need ``condition``, ``empathy``, ``round`` or ``mae`` use them
        when present.
    by : list of str, optional
        Columns to stratify by (for example ``["workshop"]`` or
        ``["condition"]``).  ``None`` analyses everybody together.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``egocentrism`` (:func:`egocentrism_test`), ``conditions`` and
        ``pairs`` (:func:`condition_tests`), ``empathy``
        (:func:`empathy_test`), ``rounds`` (:func:`round_test`), and the
        tests of research use on the persons who saw market research
        (``n_research > 0``): ``research`` and ``research_with_without``
        (:func:`research_test`), ``research_conditions`` and
        ``research_pairs`` (:func:`condition_tests` on ``b_research``) and
        ``research_empathy`` (:func:`empathy_test` on ``b_research``).  When
        nobody saw research the research frames are empty and their
        ``attrs["reason"]`` says why.  See ``docs/methods.md``, section 4.

    Examples
    --------
    On the bundled simulated workshop (:func:`analysis.example_responses`,
    8 persons in two conditions, one round):

    >>> from analysis import example_responses, person_metrics
    >>> tests = group_tests(person_metrics(example_responses()))
    >>> list(tests)  # doctest: +NORMALIZE_WHITESPACE
    ['egocentrism', 'conditions', 'pairs', 'empathy', 'rounds', 'research',
     'research_with_without', 'research_conditions', 'research_pairs', 'research_empathy']
    >>> tests["egocentrism"][["n", "mean", "t", "df", "p"]].round(4)
       n    mean       t  df       p
    0  8  0.2974  6.8864   7  0.0001

    A test that cannot run says why (here: one round only, and research
    was shown in one condition only):

    >>> tests["rounds"].attrs["reason"]
    'needs rounds 1 and 2'
    >>> tests["research_pairs"].attrs["reason"]
    'needs at least 2 conditions with at least 2 persons each and varying b_research'
    """
    by = list(by or [])
    conditions, pairs = condition_tests(metrics, by)
    tests = {
        "egocentrism": egocentrism_test(metrics, by),
        "conditions": conditions,
        "pairs": pairs,
        "empathy": empathy_test(metrics, by),
        "rounds": round_test(metrics, by),
    }
    seen, reason = _research_rows(metrics)
    if seen is None:
        tests["research"] = _empty(EGOCENTRISM_COLUMNS, reason)
        tests["research_with_without"] = _empty(RESEARCH_PAIRED_COLUMNS, reason)
        tests["research_conditions"] = _empty(CONDITION_COLUMNS, reason)
        tests["research_pairs"] = _empty(PAIR_COLUMNS, reason)
        tests["research_empathy"] = _empty(EMPATHY_COLUMNS, reason)
        return tests
    tests["research"], tests["research_with_without"] = research_test(seen, by)
    tests["research_conditions"], tests["research_pairs"] = condition_tests(seen, by, metric="b_research")
    tests["research_empathy"] = empathy_test(seen, by, metric="b_research")
    return tests


# --------------------------------------------------------------------------
# Stratification


def _strata(metrics: pd.DataFrame, by: Sequence[str], drop: Sequence[str] = ()) -> list[str]:
    """The ``by`` columns minus ``drop``, plus ``round`` when rounds must not be pooled."""
    strata = [c for c in by if c not in drop]
    missing = [c for c in strata if c not in metrics.columns]
    if missing:
        raise KeyError(f"cannot group by missing column(s): {', '.join(missing)}")
    several_rounds = "round" in metrics and metrics["round"].nunique() > 1
    if several_rounds and "round" not in strata and "round" not in drop:
        strata.append("round")
    return strata


def _per_stratum(
    metrics: pd.DataFrame,
    strata: list[str],
    test: Callable[[pd.DataFrame], list[dict]],
    columns: Sequence[str],
) -> pd.DataFrame:
    """Apply ``test`` to each stratum; prefix its result rows with the stratum values."""
    if strata:
        parts = metrics.groupby(strata, dropna=False, sort=True)
    else:
        parts = [((), metrics)]
    rows = []
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        for row in test(part):
            rows.append({**dict(zip(strata, key)), **row})
    return pd.DataFrame(rows, columns=[*strata, *columns])


def _empty(columns: Sequence[str], reason: str) -> pd.DataFrame:
    """Empty frame with its columns, carrying why the test could not run."""
    frame = pd.DataFrame(columns=list(columns))
    frame.attrs["reason"] = reason
    return frame


def _nan_row(columns: Sequence[str], reason: str, **known) -> dict:
    row = {c: np.nan for c in columns if c != "reason"}
    row.update(known)
    row["reason"] = reason
    return row


# --------------------------------------------------------------------------
# One-sample test of the egocentric weight


def egocentrism_test(metrics: pd.DataFrame, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Test whether the mean egocentric weight ``b_own`` exceeds zero.

    Hattula et al. (2015) predict a positive weight of managers' own
    preferences in their predictions; the test is therefore one-sided
    (``docs/methods.md``, section 4).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Per-person metrics with ``b_own``.
    by : list of str, optional
        Stratum columns.

    Returns
    -------
    pandas.DataFrame
        Per stratum: ``n`` (persons with a defined ``b_own``), ``mean``,
        ``sd``, one-sample ``t = mean / (sd / sqrt(n))`` with ``df = n - 1``
        and the **one-sided** ``p = P(T > t)``; ``ci_one_sided_low``, the
        95% lower confidence bound ``mean - t_{0.95, n-1} sd / sqrt(n)``
        that goes with this p (``p < .05`` exactly when the bound is above
        0); the **two-sided** ``p_two_sided = 2 P(T > |t|)`` and the
        two-sided 95% CI of the mean ``ci_low, ci_high =
        mean -/+ t_{0.975, n-1} sd / sqrt(n)`` that goes with it; Cohen's
        ``d = mean / sd``; and the one-sided Wilcoxon signed-rank test
        (``wilcoxon_w`` = sum of positive ranks, zeros dropped, continuity
        correction in the normal approximation, as in pingouin).

    Examples
    --------
    >>> import pandas as pd
    >>> row = egocentrism_test(pd.DataFrame({"b_own": [0.30, 0.10, 0.25, -0.05, 0.40]})).iloc[0]
    >>> round(float(row["p"]), 4), round(float(row["ci_one_sided_low"]), 4)
    (0.0323, 0.0315)

    The one-sided p is below .05 and its lower bound above 0, while the
    two-sided 95% CI still contains 0:

    >>> round(float(row["p_two_sided"]), 4), round(float(row["ci_low"]), 4)
    (0.0647, -0.0195)
    """
    return _one_sample_greater(metrics, by, "b_own")


def _one_sample_greater(metrics: pd.DataFrame, by: Sequence[str] | None, metric: str) -> pd.DataFrame:
    """One-sided one-sample t and Wilcoxon tests of ``metric > 0`` per stratum."""
    if metric not in metrics:
        return _empty(EGOCENTRISM_COLUMNS, f"no {metric} column")
    strata = _strata(metrics, by or [])
    return _per_stratum(metrics, strata, lambda part: _one_sample_rows(part, metric), EGOCENTRISM_COLUMNS)


def _one_sample_rows(part: pd.DataFrame, metric: str) -> list[dict]:
    x = part[metric].dropna().to_numpy(dtype=float)
    n = len(x)
    if n < MIN_PERSONS:
        reason = f"needs at least {MIN_PERSONS} persons with a defined {metric} (has {n})"
        return [_nan_row(EGOCENTRISM_COLUMNS, reason, n=n, mean=x.mean() if n else np.nan)]
    mean, sd = x.mean(), x.std(ddof=1)
    if np.ptp(x) == 0:  # exact test: the SD of equal floats can come out as 1e-17
        return [_nan_row(EGOCENTRISM_COLUMNS, f"all {metric} values are equal", n=n, mean=mean, sd=sd)]
    se = sd / np.sqrt(n)
    t_value = mean / se
    critical = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)
    one_sided_critical = stats.t.ppf(CONFIDENCE, n - 1)
    w, w_p, w_reason = _wilcoxon_greater(x, metric)
    return [
        {
            "n": n, "mean": mean, "sd": sd, "t": t_value, "df": n - 1,
            "p": stats.t.sf(t_value, n - 1), "ci_one_sided_low": mean - one_sided_critical * se,
            "p_two_sided": 2 * stats.t.sf(abs(t_value), n - 1),
            "ci_low": mean - critical * se, "ci_high": mean + critical * se, "cohen_d": mean / sd,
            "wilcoxon_w": w, "wilcoxon_p": w_p, "reason": w_reason,
        }
    ]


def _wilcoxon_greater(x: np.ndarray, metric: str = "b_own") -> tuple[float, float, str]:
    """One-sided signed-rank test of x > 0; NaN and a reason when all x are zero."""
    if not np.any(x != 0):
        return np.nan, np.nan, f"Wilcoxon test undefined: all {metric} values are zero"
    result = stats.wilcoxon(x, alternative="greater", correction=True)
    return float(result.statistic), float(result.pvalue), ""


# --------------------------------------------------------------------------
# Conditions: Welch ANOVA and Games-Howell pairs


def condition_tests(
    metrics: pd.DataFrame, by: Sequence[str] | None = None, metric: str = "b_own"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare a per-person metric (``b_own``) across conditions: Welch ANOVA and Games-Howell pairs.

    Conditions with fewer than two persons or no variance in the metric are
    left out (their Welch weights ``n / s^2`` are undefined) and named in
    ``reason``; persons whose metric is undefined are skipped.  The test
    needs two conditions that remain.  Formulas: ``docs/methods.md``,
    section 4.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Per-person metrics with ``condition`` and the metric.
    by : list of str, optional
        Stratum columns; ``condition`` itself is ignored here.
    metric : str, default ``"b_own"``
        The column compared, for example ``"b_research"``.

    Returns
    -------
    (anova, pairs) : tuple of pandas.DataFrame
        ``anova``: per stratum ``n_conditions`` and ``n``, the conditions and
        persons compared (after leaving out unusable conditions), Welch's
        ``F = [sum w_j (m_j - m_w)^2 / (r - 1)] / [1 + 2 lambda (r - 2) / 3]``
        with ``w_j = n_j / s_j^2``, ``m_w = sum w_j m_j / sum w_j``,
        ``lambda = 3 sum (1 - w_j / sum w)^2 / (n_j - 1) / (r^2 - 1)``,
        ``df1 = r - 1``, ``df2 = 1 / lambda``, ``p = P(F_{df1, df2} > F)``
        (any difference among the means, no direction) and partial eta
        squared ``np2 = SS_between / (SS_between + SS_within)``.
        ``pairs``: per pair ``diff = mean_A - mean_B``,
        ``se = sqrt(s_A^2/n_A + s_B^2/n_B)``, ``t = diff / se``,
        Welch-Satterthwaite ``df``, the two-sided Games-Howell ``p`` from the
        studentized range ``P(Q > sqrt(2) |t|)`` with r groups, and Hedges'
        ``g = d (1 - 3 / (4 (n_A + n_B) - 9))`` with the pooled-SD Cohen d.
        Labels are sorted, except that ``control`` is always ``B``, so that
        ``diff`` and ``hedges_g`` read "condition minus control".

    Examples
    --------
    The two conditions of the bundled simulated workshop
    (:func:`analysis.example_responses`) pull about equally:

    >>> from analysis import example_responses, person_metrics
    >>> anova, pairs = condition_tests(person_metrics(example_responses()))
    >>> anova[["n_conditions", "n", "F", "df1", "df2", "p"]].round(3)
       n_conditions  n      F  df1    df2      p
    0             2  8  0.019    1  5.999  0.894
    >>> pairs[["A", "B", "diff", "se", "t", "p"]].round(3)
                     A        B   diff     se      t      p
    0  market_research  control  0.013  0.093  0.139  0.894
    """
    anova = welch_anova(metrics, by, metric)
    if "reason" in anova.attrs:  # no condition or metric column
        return anova, _empty(PAIR_COLUMNS, anova.attrs["reason"])
    strata = _strata(metrics, by or [], drop=["condition"])
    pairs = _per_stratum(metrics, strata, lambda part: _games_howell_rows(part, metric), PAIR_COLUMNS)
    if pairs.empty:
        pairs.attrs["reason"] = "; ".join(sorted(set(anova["reason"]))) or "no pairs of conditions"
    return anova, pairs


def welch_anova(metrics: pd.DataFrame, by: Sequence[str] | None = None, metric: str = "b_own") -> pd.DataFrame:
    """The ``anova`` of :func:`condition_tests` alone, for pages that show no pairs.

    The Games-Howell p-values integrate the studentized range numerically, which
    costs far more than the rest of a live dashboard's statistics.

    Examples
    --------
    >>> from analysis import example_responses, person_metrics
    >>> welch_anova(person_metrics(example_responses()))[["n_conditions", "n", "F", "p"]].round(3)
       n_conditions  n      F      p
    0             2  8  0.019  0.894
    """
    if "condition" not in metrics:
        return _empty(CONDITION_COLUMNS, "no condition column")
    if metric not in metrics:
        return _empty(CONDITION_COLUMNS, f"no {metric} column")
    strata = _strata(metrics, by or [], drop=["condition"])
    return _per_stratum(metrics, strata, lambda part: _welch_row(part, metric), CONDITION_COLUMNS)


def _condition_groups(part: pd.DataFrame, metric: str) -> tuple[dict[str, np.ndarray], str]:
    """Usable condition groups (>= 2 persons, non-zero variance) and what was dropped."""
    data = part[["condition", metric]].dropna()
    groups, dropped = {}, []
    for label, values in data.groupby("condition", sort=True)[metric]:
        x = values.to_numpy(dtype=float)
        if len(x) >= MIN_PERSONS and np.ptp(x) > 0:
            groups[label] = x
        else:
            dropped.append(str(label))
    note = f"left out conditions with fewer than 2 persons or no variance: {', '.join(dropped)}" if dropped else ""
    return groups, note


def _welch_row(part: pd.DataFrame, metric: str) -> list[dict]:
    groups, note = _condition_groups(part, metric)
    r = len(groups)
    n = sum(len(x) for x in groups.values())
    if r < 2:
        reason = f"needs at least 2 conditions with at least {MIN_PERSONS} persons each and varying {metric}"
        return [_nan_row(CONDITION_COLUMNS, "; ".join(filter(None, [reason, note])), n_conditions=r, n=n)]
    sizes = np.array([len(x) for x in groups.values()], dtype=float)
    means = np.array([x.mean() for x in groups.values()])
    variances = np.array([x.var(ddof=1) for x in groups.values()])
    weights = sizes / variances
    weighted_mean = np.sum(weights * means) / weights.sum()
    lam = 3 * np.sum((1 - weights / weights.sum()) ** 2 / (sizes - 1)) / (r**2 - 1)
    f_value = (np.sum(weights * (means - weighted_mean) ** 2) / (r - 1)) / (1 + 2 * lam * (r - 2) / 3)
    grand_mean = np.concatenate(list(groups.values())).mean()
    ss_between = np.sum(sizes * (means - grand_mean) ** 2)
    ss_within = np.sum((sizes - 1) * variances)
    return [
        {
            "n_conditions": r, "n": n, "F": f_value, "df1": r - 1, "df2": 1 / lam,
            "p": stats.f.sf(f_value, r - 1, 1 / lam), "np2": ss_between / (ss_between + ss_within),
            "reason": note,
        }
    ]


def _games_howell_rows(part: pd.DataFrame, metric: str) -> list[dict]:
    groups, note = _condition_groups(part, metric)
    labels = list(groups)
    rows = []
    for i, first in enumerate(labels):
        for second in labels[i + 1:]:
            a, b = (second, first) if first == CONTROL else (first, second)
            rows.append(_pair_row(groups[a], groups[b], len(labels)) | {"A": a, "B": b, "reason": note})
    return rows


def _pair_row(x: np.ndarray, y: np.ndarray, n_groups: int) -> dict:
    nx, ny = len(x), len(y)
    vx, vy = x.var(ddof=1) / nx, y.var(ddof=1) / ny
    diff = x.mean() - y.mean()
    se = np.sqrt(vx + vy)
    t_value = diff / se
    df = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
    p = stats.studentized_range.sf(np.sqrt(2) * abs(t_value), n_groups, df)
    return {
        "n_A": nx, "n_B": ny, "mean_A": x.mean(), "mean_B": y.mean(), "diff": diff, "se": se,
        "t": t_value, "df": df, "p": float(np.clip(p, 0, 1)), "hedges_g": hedges_g(x, y),
    }


def hedges_g(x: np.ndarray, y: np.ndarray) -> float:
    """Hedges' g of two independent samples.

    ``g = J (mean_x - mean_y) / s_pooled`` with
    ``s_pooled^2 = ((n_x - 1) s_x^2 + (n_y - 1) s_y^2) / (n_x + n_y - 2)`` and
    the small-sample correction ``J = 1 - 3 / (4 (n_x + n_y) - 9)``
    (Hedges 1981).

    Examples
    --------
    Means 0.35 and 0.15, both samples with SD 0.129, so d = 1.549 and J = 1 - 3/23:

    >>> import numpy as np
    >>> round(hedges_g(np.array([0.4, 0.3, 0.5, 0.2]), np.array([0.1, 0.2, 0.0, 0.3])), 4)
    1.3471
    """
    nx, ny = len(x), len(y)
    pooled = np.sqrt(((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / (nx + ny - 2))
    return float((x.mean() - y.mean()) / pooled * (1 - 3 / (4 * (nx + ny) - 9)))


# --------------------------------------------------------------------------
# Moderation by empathy


def empathy_test(metrics: pd.DataFrame, by: Sequence[str] | None = None, metric: str = "b_own") -> pd.DataFrame:
    """Relate the egocentric weight (or another per-person metric) to self-reported empathy.

    Hattula et al. (2015) found that more empathic managers project more of
    their own preferences, and use market research less; this tests the same
    moderation in the data (``docs/methods.md``, section 4).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Per-person metrics with the metric and ``empathy`` (and optionally
        ``condition``).
    by : list of str, optional
        Stratum columns.
    metric : str, default ``"b_own"``
        The dependent variable, for example ``"b_research"``.

    Returns
    -------
    pandas.DataFrame
        One row per model term and stratum.  ``n``, Pearson ``r`` of the
        metric with ``empathy`` and its two-sided ``r_p`` (t test with
        n - 2 df) repeat on every row; ``term``, ``coef``, ``se``, ``t``,
        two-sided ``p`` and the two-sided 95% CI that goes with it come from
        the OLS ``metric ~ 1 + empathy (+ condition dummies)``, with classical
        standard errors ``sqrt(s^2 (X'X)^-1)``.  Dummies (reference
        ``control`` if present, else the first condition) are added when
        ``condition`` is present, not a stratum, and has two or more levels.
        Needs at least 3 persons with both values.

    Examples
    --------
    The bundled simulated workshop (:func:`analysis.example_responses`)
    drew empathy independently of the weights, so this negative relation
    among 8 persons is chance:

    >>> from analysis import example_responses, person_metrics
    >>> result = empathy_test(person_metrics(example_responses()))
    >>> result[["term", "coef", "se", "p"]].round(3)
                             term   coef     se      p
    0                   Intercept  1.143  0.294  0.012
    1                     empathy -0.172  0.059  0.033
    2  condition[market_research] -0.034  0.064  0.613
    >>> int(result.loc[0, "n"]), round(float(result.loc[0, "r"]), 3)
    (8, -0.782)
    """
    if "empathy" not in metrics:
        return _empty(EMPATHY_COLUMNS, "no empathy column")
    if metric not in metrics:
        return _empty(EMPATHY_COLUMNS, f"no {metric} column")
    if metrics["empathy"].notna().sum() < 3:
        return _empty(EMPATHY_COLUMNS, "needs at least 3 persons with an empathy score")
    strata = _strata(metrics, by or [])
    use_condition = "condition" in metrics and "condition" not in strata
    return _per_stratum(metrics, strata, lambda part: _empathy_rows(part, use_condition, metric), EMPATHY_COLUMNS)


def _empathy_rows(part: pd.DataFrame, use_condition: bool, metric: str) -> list[dict]:
    columns = [metric, "empathy", "condition"] if use_condition else [metric, "empathy"]
    data = part[columns].dropna()
    n = len(data)
    y = data[metric].to_numpy(dtype=float)
    empathy = pd.to_numeric(data["empathy"]).to_numpy(dtype=float)
    if n < 3:
        return [_nan_row(EMPATHY_COLUMNS, f"needs at least 3 persons with {metric} and empathy (has {n})", n=n)]
    if np.ptp(y) == 0 or np.ptp(empathy) == 0:
        which = metric if np.ptp(y) == 0 else "empathy"
        return [_nan_row(EMPATHY_COLUMNS, f"{which} does not vary", n=n)]
    r, r_p = stats.pearsonr(empathy, y)
    design, terms = _empathy_design(empathy, data["condition"] if use_condition else None)
    shared = {"n": n, "r": float(r), "r_p": float(r_p)}
    fit, reason = _ols(design, y)
    if fit is None:
        return [_nan_row(EMPATHY_COLUMNS, reason, term=term, **shared) for term in terms]
    return [{**shared, "term": term, **{k: v[i] for k, v in fit.items()}, "reason": ""} for i, term in enumerate(terms)]


def _empathy_design(empathy: np.ndarray, condition: pd.Series | None) -> tuple[np.ndarray, list[str]]:
    """Design matrix [1, empathy, condition dummies] and its term names."""
    columns, terms = [np.ones_like(empathy), empathy], ["Intercept", "empathy"]
    if condition is not None:
        levels = sorted(condition.astype(str).unique())
        reference = CONTROL if CONTROL in levels else levels[0]
        for level in levels:
            if level != reference:
                columns.append((condition.astype(str) == level).to_numpy(dtype=float))
                terms.append(f"condition[{level}]")
    return np.column_stack(columns), terms


def _ols(design: np.ndarray, y: np.ndarray) -> tuple[dict[str, np.ndarray] | None, str]:
    """OLS with classical SE, t, two-sided p and 95% CI; None and a reason if not estimable."""
    n, p = design.shape
    if n <= p:
        return None, f"model with {p} coefficients needs more than {p} persons (has {n})"
    if np.linalg.matrix_rank(design) < p:
        return None, "empathy and condition dummies are collinear in these data"
    xtx_inv = np.linalg.inv(design.T @ design)
    coef = xtx_inv @ design.T @ y
    residual = y - design @ coef
    df = n - p
    se = np.sqrt(residual @ residual / df * np.diag(xtx_inv))
    t_value = coef / se
    critical = stats.t.ppf(0.5 + CONFIDENCE / 2, df)
    fit = {
        "coef": coef, "se": se, "t": t_value, "p": 2 * stats.t.sf(np.abs(t_value), df),
        "ci_low": coef - critical * se, "ci_high": coef + critical * se,
    }
    return fit, ""


# --------------------------------------------------------------------------
# Round 1 versus round 2


def round_test(metrics: pd.DataFrame, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Paired t-tests of round 2 against round 1 on ``b_own`` and ``mae``.

    Round 2 follows personal bias feedback; a drop in ``b_own`` means the
    feedback reduced the egocentric pull (``docs/methods.md``, section 4).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Per-person metrics with ``participant_id``, ``round``, ``b_own`` and
        ``mae``.
    by : list of str, optional
        Stratum columns; ``round`` itself is ignored here.

    Returns
    -------
    pandas.DataFrame
        Per stratum and metric, over persons with the metric defined in both
        rounds: ``n``, the two means, ``mean_diff`` = mean of round 2 minus
        round 1, paired ``t = mean_diff / (sd_diff / sqrt(n))`` with
        ``df = n - 1``, two-sided ``p``, and Cohen's
        ``d = (mean_2 - mean_1) / sqrt((s_1^2 + s_2^2) / 2)`` (d_av, Cumming
        2012, as pingouin reports for paired samples).

    Examples
    --------
    Four persons whose weight dropped after the feedback:

    >>> import pandas as pd
    >>> metrics = pd.DataFrame({
    ...     "participant_id": ["a", "b", "c", "d"] * 2, "round": [1] * 4 + [2] * 4,
    ...     "b_own": [0.35, 0.20, 0.42, 0.28, 0.22, 0.15, 0.30, 0.25],
    ...     "mae": [12.0, 9.5, 15.0, 11.0, 10.5, 9.0, 12.5, 11.5]})
    >>> round_test(metrics)[["metric", "n", "mean_diff", "t", "df", "p", "cohen_d"]].round(3)
      metric  n  mean_diff      t  df      p  cohen_d
    0  b_own  4     -0.082 -3.306   3  0.046   -1.030
    1    mae  4     -1.000 -1.549   3  0.219   -0.512
    """
    if "round" not in metrics or "participant_id" not in metrics:
        return _empty(ROUND_COLUMNS, "no round column")
    if not {1, 2} <= set(metrics["round"].dropna().unique()):
        return _empty(ROUND_COLUMNS, "needs rounds 1 and 2")
    strata = _strata(metrics, by or [], drop=["round"])
    return _per_stratum(metrics, strata, _round_rows, ROUND_COLUMNS)


def _round_rows(part: pd.DataFrame) -> list[dict]:
    rows = []
    for metric in ROUND_METRICS:
        if metric not in part:
            continue
        wide = part.pivot_table(index="participant_id", columns="round", values=metric, aggfunc="first")
        pairs = wide.reindex(columns=[1, 2]).dropna()
        rows.append(_paired_row(metric, pairs[1].to_numpy(dtype=float), pairs[2].to_numpy(dtype=float)))
    return rows


def _paired_row(metric: str, first: np.ndarray, second: np.ndarray) -> dict:
    stats_, reason = _paired_t(
        first, second,
        too_few=f"needs at least {MIN_PERSONS} persons with {metric} in both rounds",
        no_variance=f"the change in {metric} is the same for everybody",
    )
    renamed = {"mean_first": "mean_round1", "mean_second": "mean_round2"}
    known = {renamed.get(key, key): value for key, value in stats_.items()}
    if reason:
        return _nan_row(ROUND_COLUMNS, reason, metric=metric, **known)
    return {"metric": metric, **known, "reason": ""}


def _paired_t(first: np.ndarray, second: np.ndarray, too_few: str, no_variance: str) -> tuple[dict, str]:
    """Paired t test of ``second - first`` (two-sided) with Cohen's d_av; a reason instead when undefined."""
    n = len(first)
    if n < MIN_PERSONS:
        return {"n": n}, f"{too_few} (has {n})"
    diff = second - first
    known = {"n": n, "mean_first": first.mean(), "mean_second": second.mean(), "mean_diff": diff.mean()}
    sd = diff.std(ddof=1)
    if np.ptp(diff) == 0:
        return known, no_variance
    t_value = diff.mean() / (sd / np.sqrt(n))
    d_av = diff.mean() / np.sqrt((first.var(ddof=1) + second.var(ddof=1)) / 2)
    return {**known, "t": t_value, "df": n - 1, "p": 2 * stats.t.sf(abs(t_value), n - 1), "cohen_d": d_av}, ""


# --------------------------------------------------------------------------
# Use of market research


def research_test(metrics: pd.DataFrame, by: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Test whether persons used the market research, and whether it changed their egocentric weight.

    Uses the persons who saw research (``n_research > 0``, or a defined
    ``b_research`` when there is no ``n_research`` column); formulas and
    reading rules in ``docs/methods.md``, sections 3 and 4.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Per-person metrics with ``b_research`` and, for the paired
        comparison, ``b_own_with_research`` and ``b_own_without_research``
        (as :func:`analysis.person_metrics` returns them).
    by : list of str, optional
        Stratum columns.

    Returns
    -------
    (research, with_without) : tuple of pandas.DataFrame
        ``research``: the one-sided one-sample test of ``b_research > 0``
        with the columns of :func:`egocentrism_test` (one-sided ``p`` with
        its 95% lower bound ``ci_one_sided_low``; ``p_two_sided`` with the
        two-sided 95% CI ``ci_low``..``ci_high``; one-sided Wilcoxon).
        ``with_without``: per stratum, over persons with both weights
        defined, ``n``, ``mean_with`` and ``mean_without`` (mean
        ``b_own_with_research`` and ``b_own_without_research``),
        ``mean_diff`` = mean of with minus without (negative: less
        egocentric on the items with research), the paired
        ``t = mean_diff / (sd_diff / sqrt(n))`` with ``df = n - 1``, its
        two-sided ``p``, and Cohen's ``d_av = mean_diff / sqrt((s_with^2 +
        s_without^2) / 2)``.  When nobody saw research both frames are empty
        and ``attrs["reason"]`` says why.

    Examples
    --------
    >>> import pandas as pd
    >>> metrics = pd.DataFrame({
    ...     "n_research": [15, 14, 15, 16, 0],
    ...     "b_research": [0.6, 0.2, 0.45, 0.1, None],
    ...     "b_own_with_research": [0.10, 0.30, 0.05, 0.20, None],
    ...     "b_own_without_research": [0.25, 0.35, 0.20, 0.30, 0.40]})
    >>> research, with_without = research_test(metrics)
    >>> int(research.loc[0, "n"]), round(float(research.loc[0, "p"]), 4)
    (4, 0.03)
    >>> int(with_without.loc[0, "n"]), round(float(with_without.loc[0, "mean_diff"]), 4)
    (4, -0.1125)
    """
    seen, reason = _research_rows(metrics)
    if seen is None:
        return _empty(EGOCENTRISM_COLUMNS, reason), _empty(RESEARCH_PAIRED_COLUMNS, reason)
    one_sample = _one_sample_greater(seen, by, "b_research")
    pair = ["b_own_with_research", "b_own_without_research"]
    missing = [c for c in pair if c not in seen]
    if missing:
        return one_sample, _empty(RESEARCH_PAIRED_COLUMNS, f"no {' or '.join(missing)} column")
    paired = _per_stratum(seen, _strata(seen, by or []), _research_paired_rows, RESEARCH_PAIRED_COLUMNS)
    return one_sample, paired


def _research_rows(metrics: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    """Rows of the persons who saw market research, or None and why there are none."""
    if "b_research" not in metrics:
        return None, "no b_research column"
    if "n_research" in metrics:
        counts = pd.to_numeric(metrics["n_research"])
        if counts.isna().all():
            return None, "no research shown: the responses have no research column"
        seen = counts.fillna(0).to_numpy() > 0
    else:
        seen = metrics["b_research"].notna().to_numpy()
    if not seen.any():
        return None, "no research shown: nobody saw market research"
    return metrics[seen], ""


def _research_paired_rows(part: pd.DataFrame) -> list[dict]:
    pairs = part[["b_own_with_research", "b_own_without_research"]].dropna()
    with_, without = (pairs[c].to_numpy(dtype=float) for c in pairs.columns)
    stats_, reason = _paired_t(
        without, with_,
        too_few=f"needs at least {MIN_PERSONS} persons with b_own_with_research and b_own_without_research",
        no_variance="the difference b_own_with_research - b_own_without_research is the same for everybody",
    )
    renamed = {"mean_first": "mean_without", "mean_second": "mean_with"}
    known = {renamed.get(key, key): value for key, value in stats_.items()}
    if reason:
        return [_nan_row(RESEARCH_PAIRED_COLUMNS, reason, **known)]
    return [{**known, "reason": ""}]
