"""Plain-language reading of one participant's metrics for the feedback page.

All numbers are in points of the answer range, because the metrics are
computed on answers rescaled to 0-100 (see :func:`analysis.person_metrics`).
An undefined metric is explained with the reason recorded in ``note``,
never skipped silently.  Every sentence states only what the data support:
the reading rules, their thresholds and why they were chosen are in
``docs/methods.md``, section 7.

References
----------
Hattula, J. D., Herzog, W., Dahl, D. W., & Reinecke, S. (2015). Managerial
empathy facilitates egocentric predictions of consumer preferences. *Journal
of Marketing Research*, 52(2), 235-252.

Hoch, S. J. (1988). Who do we know: Predicting the interests and opinions of
the American consumer. *Journal of Consumer Research*, 15(3), 315-324.

Gneiting, T., & Raftery, A. E. (2007). Strictly proper scoring rules,
prediction, and estimation. *Journal of the American Statistical
Association*, 102(477), 359-378.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from scipy import stats

from analysis.metrics import MIN_ITEMS_REGRESSION
from analysis.values import plain_value

__all__ = ["FEEDBACK_KEYS", "OWN_SCALES", "feedback_text", "parse_note", "pull_is_clear"]

FEEDBACK_KEYS = ("egocentric", "accuracy", "without_pull", "intervals", "advice")

OWN_SCALES = ("graded", "binary")
"""Kinds of own-answer scale: graded (rated, e.g. 1-5) or binary (yes/no)."""

INTERVAL_TARGET = 0.80

CALIBRATION_LEVEL = 0.01
"""Two-sided exact binomial p below which ranges are called over- or underconfident.

The exact test never rejects a true hit probability of 80% more often than
its level, so a perfectly calibrated person is miscalled at most 1% of the
time whatever the number of ranges (a 10-point tolerance miscalled 16-48%).
A call at 1% also rejects at 5%.  See docs/methods.md, section 7."""

MAX_RANGES_NEEDED = 500
"""Above this many ranges, how many would be needed to tell a hit rate from 80% is not worth saying."""

SAME_ERROR = 0.05  # points of mean signed error below which no direction of the error is named

_TIE = 1 + 1e-7  # relative tolerance for equal probabilities, as in scipy.stats.binomtest


def parse_note(note: str | None) -> dict[str, str]:
    """Map each undefined metric to its reason.

    Parameters
    ----------
    note : str
        The ``note`` of :func:`analysis.person_metrics`: clauses
        ``"<metric>, <metric> undefined: <reason>"`` joined by ``"; "``.

    Returns
    -------
    dict of str to str
        ``{"b_own": "needs at least 4 answered items (has 3)", ...}``.

    Examples
    --------
    >>> parse_note("b_own, b_truth undefined: needs at least 4 answered items (has 3)")
    {'b_own': 'needs at least 4 answered items (has 3)', 'b_truth': 'needs at least 4 answered items (has 3)'}
    >>> parse_note("")
    {}
    """
    reasons = {}
    for clause in (note or "").split("; "):
        names, found, reason = clause.partition(" undefined: ")
        if found:
            for name in names.split(", "):
                reasons[name] = reason
    return reasons


def feedback_text(row: Mapping, own_scale: str = "graded") -> dict[str, str]:
    """Plain-language feedback for one participant and round.

    Parameters
    ----------
    row : Mapping
        One row of :func:`analysis.person_metrics` (a dict, a JSON object
        with ``null`` for undefined values, or a pandas Series), optionally
        with ``n_intervals``: the number of 80% ranges the hit rate is out
        of.  Without it the hit rate is reported but never called over- or
        underconfident.
    own_scale : {"graded", "binary"}
        Scale of the own answers.  On a graded scale the weight is read per
        10 points of liking; on a yes/no scale (own answers 0 and 100 after
        rescaling) 100 b_own is how many points higher the predictions were
        for items answered yes than no.

    Returns
    -------
    dict of str to str
        ``egocentric``: the egocentric weight on the scale of the own
        answers, its 95% CI and whether that CI excludes zero.
        ``accuracy``: MAE, direction of the average error, r with the truth.
        ``without_pull``: ``mae_without_own_pull`` against ``mae``, only
        when the CI excludes zero; otherwise that the data cannot tell.
        ``intervals``: hit rate of the 80% ranges, called over- or
        underconfident only when an exact binomial test rejects 80% at
        p < 0.01.
        ``advice``: one or two concrete sentences consistent with the above.
        The rules are in docs/methods.md, section 7.

    Examples
    --------
    A pull whose 95% CI includes zero gets no counterfactual number, and
    9 hits in 12 ranges are not called over- or underconfident:

    >>> row = {"b_own": 0.08, "b_own_ci_low": -0.05, "b_own_ci_high": 0.21, "mae": 7.9,
    ...        "mean_signed_error": 1.2, "accuracy_r": 0.81, "mae_without_own_pull": 7.5,
    ...        "interval_hit_rate": 0.75, "interval_mean_width": 22.0, "interval_score": 31.0,
    ...        "n_intervals": 12, "note": ""}
    >>> text = feedback_text(row)
    >>> any(ch.isdigit() for ch in text["without_pull"])
    False
    >>> "overconfident" in text["intervals"] or "underconfident" in text["intervals"]
    False
    """
    if own_scale not in OWN_SCALES:
        raise ValueError(f"own_scale must be one of {OWN_SCALES}, not {own_scale!r}")
    reasons = parse_note(row.get("note"))
    return {
        "egocentric": _egocentric(row, reasons, own_scale),
        "accuracy": _accuracy(row, reasons),
        "without_pull": _without_pull(row, reasons),
        "intervals": _intervals(row, reasons),
        "advice": _advice(row),
    }


def pull_is_clear(row: Mapping) -> bool:
    """True when the 95% CI of b_own excludes zero: only then may the error without the pull be shown.

    >>> clear = {"b_own": 0.21, "b_own_ci_low": 0.02, "b_own_ci_high": 0.40}
    >>> unclear = {"b_own": 0.10, "b_own_ci_low": -0.10, "b_own_ci_high": 0.30}
    >>> pull_is_clear(clear), pull_is_clear(unclear)
    (True, False)
    """
    return _pull_direction(row) in ("positive", "negative")


def _value(row: Mapping, key: str) -> float | None:
    """A metric as float, or None when missing, null or not finite."""
    try:
        value = float(row.get(key))
    except (TypeError, ValueError):
        return None
    return plain_value(value)


def _why(reasons: dict[str, str], key: str) -> str:
    return reasons.get(key, "the value is missing")


def _pull_direction(row: Mapping) -> str | None:
    """'positive' or 'negative' when the 95% CI of b_own excludes zero, 'unclear' if not, None if unknown."""
    low, high = _value(row, "b_own_ci_low"), _value(row, "b_own_ci_high")
    if _value(row, "b_own") is None or low is None or high is None:
        return None
    if low > 0:
        return "positive"
    if high < 0:
        return "negative"
    return "unclear"


def _pull_effect(row: Mapping) -> str | None:
    """'hurt', 'helped' or 'same' for a clear pull (CI excludes zero); None when the data cannot tell.

    Judged on the errors as printed (one decimal), so that a sentence never
    reads "12.2 instead of 12.2 — 0.1 points smaller".
    """
    mae, without = _value(row, "mae"), _value(row, "mae_without_own_pull")
    if not pull_is_clear(row) or mae is None or without is None:
        return None
    gain = _printed_gain(mae, without)
    if gain > 0:
        return "hurt"
    if gain < 0:
        return "helped"
    return "same"


def _printed_gain(mae: float, without: float) -> float:
    """How much smaller the error without the pull is, from the one-decimal numbers the reader sees."""
    return round(round(mae, 1) - round(without, 1), 1)


def _egocentric(row: Mapping, reasons: dict[str, str], own_scale: str) -> str:
    b_own = _value(row, "b_own")
    if b_own is None:
        return f"Your egocentric weight could not be computed: {_why(reasons, 'b_own')}."
    # Own answers are 0-100 after rescaling: yes/no ones are 0 or 100, so 100 b_own is yes minus no.
    factor = 100 if own_scale == "binary" else 10
    pull = factor * b_own
    if own_scale == "binary":
        opening = (
            f"Your predictions were {abs(pull):.1f} points {'higher' if pull >= 0 else 'lower'} for items you said "
            "yes to than for items you said no to, at the same true value"
        )
        ci_label = "95% CI of yes minus no"
    else:
        moved = f"{pull:.1f} points" if pull >= 0 else f"{-pull:.1f} points in the opposite direction"
        opening = (
            "For every 10 points more you liked something as a consumer (your own answers counted on a 0–100 scale), "
            f"your prediction moved {moved}"
        )
        ci_label = "95% CI"
    direction = _pull_direction(row)
    if direction is None:
        return f"{opening}; how certain that is could not be estimated: {_why(reasons, 'b_own_ci_low')}."
    low, high = factor * _value(row, "b_own_ci_low"), factor * _value(row, "b_own_ci_high")
    verdict = {
        "positive": "that pull is clearly different from zero.",
        "negative": "you clearly pushed your predictions away from your own taste.",
        "unclear": "with these items that pull cannot be distinguished from zero.",
    }[direction]
    return f"{opening} ({ci_label} {low:.1f} to {high:.1f}) — {verdict}"


def _accuracy(row: Mapping, reasons: dict[str, str]) -> str:
    mae = _value(row, "mae")
    if mae is None:
        return f"Your accuracy could not be computed: {_why(reasons, 'mae')}."
    text = f"Your predictions were off by {mae:.1f} points of the answer range on average"
    signed = _value(row, "mean_signed_error")
    if signed is not None and abs(signed) >= SAME_ERROR:
        text += f", and on average {abs(signed):.1f} points too {'high' if signed > 0 else 'low'}"
    r = _value(row, "accuracy_r")
    if r is None:
        return f"{text}. Their correlation with the true values could not be computed: {_why(reasons, 'accuracy_r')}."
    return f"{text}. They correlated r = {r:.2f} with the true values ({_strength(r)})."


def _strength(r: float) -> str:
    """Verbal reading of a correlation with the truth."""
    if r < 0:
        return "you ranked the items mostly the wrong way round"
    if r >= 0.7:
        return "you ranked the items well"
    if r >= 0.4:
        return "you ranked the items moderately well"
    return "you ranked the items only weakly"


def _without_pull(row: Mapping, reasons: dict[str, str]) -> str:
    """The counterfactual error, given only when the pull itself is clear (CI excludes zero)."""
    mae, without = _value(row, "mae"), _value(row, "mae_without_own_pull")
    if mae is None or without is None:
        key = "mae" if mae is None else "mae_without_own_pull"
        return f"Your error without the pull of your own taste could not be computed: {_why(reasons, key)}."
    direction = _pull_direction(row)
    if direction == "unclear":
        return (
            "The data cannot tell whether removing the pull of your own taste would have changed your average "
            "error, because with these items that pull cannot be distinguished from zero."
        )
    if direction is None:
        return (
            "The data cannot tell whether removing the pull of your own taste would have changed your average "
            "error, because how certain that pull is could not be estimated."
        )
    source = "the pull of your own taste" if direction == "positive" else "your push away from your own taste"
    counterfactual = f"Without {source} your average error would have been {without:.1f} points instead of {mae:.1f}"
    effect = _pull_effect(row)
    gain = _printed_gain(mae, without)
    if effect == "hurt":
        return f"{counterfactual} — {gain:.1f} points smaller."
    if effect == "helped":
        why = (
            "here your taste resembled the customers', so leaning on it helped (Hoch 1988)"
            if direction == "positive"
            else "here your taste differed from the customers', so leaning away from it helped"
        )
        return f"{counterfactual} — {-gain:.1f} points larger: {why}."
    return f"Without {source} your average error would have been about the same ({without:.1f} points)."


def _intervals(row: Mapping, reasons: dict[str, str]) -> str:
    hit = _value(row, "interval_hit_rate")
    if hit is None:
        reason = _why(reasons, "interval_hit_rate")
        if reason == "no intervals given":
            return "You gave no 80% ranges, so how well you know what you don't know cannot be judged."
        return f"Your 80% ranges could not be scored: {reason}."
    verdict, n, hits, p = _calibration(row)
    if n is None:
        text = f"Your 80% ranges contained the true value {100 * hit:.0f}% of the time, against a target of 80%."
    else:
        text = (
            f"Your 80% ranges contained the true value in {hits} of {n} items ({100 * hit:.0f}%), "
            f"against a target of 80%"
        )
        test = f"exact binomial test against 80%, two-sided p {_p_text(p)}"
        if verdict == "overconfident":
            text += f": they were too narrow — you were overconfident ({test})."
        elif verdict == "underconfident":
            text += f": they were wider than needed — you were underconfident ({test})."
        else:
            text += f": about right for {n} ranges ({test})."
            needed = _ranges_needed(hits, n)
            if needed is not None:
                text += (
                    f" With {n} ranges a hit rate of {100 * hit:.0f}% cannot be told apart from 80%; that would take "
                    f"about {needed} ranges."
                )
    width, score = _value(row, "interval_mean_width"), _value(row, "interval_score")
    if width is not None and score is not None:
        text += (
            f" Average width {width:.1f} points; "
            f"interval score {score:.1f} (width plus penalties for misses; lower is better)."
        )
    return text


def _p_text(p: float) -> str:
    """Three significant digits, so that a p just under 0.01 never prints as 0.010 beside a call."""
    return "< 0.001" if p < 0.001 else f"= {p:.3g}"


def _calibration(row: Mapping) -> tuple[str | None, int | None, int | None, float | None]:
    """(verdict, n, hits, p) for the 80% ranges.

    The verdict is 'overconfident' or 'underconfident' only when the exact
    two-sided binomial test of hits out of n against 0.80 gives
    p < CALIBRATION_LEVEL, 'about right' otherwise, and None when the hit
    rate or the number of ranges is unknown.
    """
    hit, n = _value(row, "interval_hit_rate"), _value(row, "n_intervals")
    if hit is None or n is None or n < 1:
        return None, None, None, None
    n = int(round(n))
    hits = int(round(hit * n))
    p = _binomial_p(hits, n)
    if p >= CALIBRATION_LEVEL:
        return "about right", n, hits, p
    return ("overconfident" if hits < INTERVAL_TARGET * n else "underconfident"), n, hits, p


@lru_cache(maxsize=4096)
def _binomial_p(hits: int, n: int) -> float:
    """Two-sided exact binomial p of hits out of n against 0.80 (cached: persons share few (hits, n) pairs)."""
    return float(stats.binomtest(hits, n, INTERVAL_TARGET).pvalue)


@lru_cache(maxsize=1)
def _pmf_table() -> np.ndarray:
    """Binomial(n, 0.80) probabilities of 0..MAX_RANGES_NEEDED hits, one row per n."""
    sizes = np.arange(MAX_RANGES_NEEDED + 1)[:, None]
    return stats.binom.pmf(np.arange(MAX_RANGES_NEEDED + 1)[None, :], sizes, INTERVAL_TARGET)


@lru_cache(maxsize=4096)
def _ranges_needed(hits: int, n: int) -> int | None:
    """Smallest number of ranges at which a hit rate like hits/n would be called, or None.

    At each larger n' the hits are hits/n * n' rounded towards 80%, so the
    rate tested is never further from the target than the person's own.  The
    p-values are those of :func:`scipy.stats.binomtest` (two-sided, "minimum
    likelihood"), computed for all n' at once: the probability of every count
    no more likely than the one observed.  None when hits/n is 80% or more
    than MAX_RANGES_NEEDED ranges would be needed.
    """
    rate = hits / n
    if math.isclose(rate, INTERVAL_TARGET):
        return None
    sizes = np.arange(n + 1, MAX_RANGES_NEEDED + 1)
    exact = rate * sizes
    counts = np.ceil(exact - 1e-9) if rate < INTERVAL_TARGET else np.floor(exact + 1e-9)
    pmf = _pmf_table()[sizes]
    observed = pmf[np.arange(len(sizes)), counts.astype(int)]
    p = np.where(pmf <= observed[:, None] * _TIE, pmf, 0.0).sum(axis=1)
    significant = np.flatnonzero(p < CALIBRATION_LEVEL)
    return int(sizes[significant[0]]) if len(significant) else None


def _advice(row: Mapping) -> str:
    """One sentence on the egocentric pull, one on the ranges when a test calls them off."""
    sentences = [_pull_advice(row)]
    verdict = _calibration(row)[0]
    if verdict == "overconfident":
        sentences.append("Widen your ranges: only about one true value in five should fall outside them.")
    elif verdict == "underconfident":
        sentences.append("You can narrow your ranges: about one true value in five may fall outside them.")
    return " ".join(sentences)


def _pull_advice(row: Mapping) -> str:
    if _value(row, "b_own") is None:
        return (
            f"Answer at least {MIN_ITEMS_REGRESSION} items, with own answers that vary, so that the pull of your own "
            "taste can be measured."
        )
    direction = _pull_direction(row)
    if _pull_effect(row) == "helped":
        if direction == "positive":
            return (
                "Your own taste pulled your predictions and here it happened to point the right way, because you "
                "resemble these customers (Hoch 1988); check that resemblance against market research before you "
                "rely on your taste for other customers."
            )
        return (
            "Leaning away from your own taste happened to point the right way here, because these customers differ "
            "from you; check that difference against market research before you rely on it for other customers."
        )
    return {
        "positive": (
            "Before you predict, set aside your own consumer identity and anchor on market research about the "
            "actual customers — imagining the customer without setting yourself aside tends to increase the pull "
            "(Hattula et al. 2015)."
        ),
        "negative": (
            "You lean away from your own taste, which is a bias too: anchor on market research about the customers "
            "rather than on the opposite of your own view."
        ),
        "unclear": (
            "No clear pull of your own taste showed up here; keep anchoring on market research, and check again "
            "with more items to be sure."
        ),
        None: (
            "Your own taste's pull has no uncertainty estimate here; anchor on market research about the customers "
            "rather than on your own preferences."
        ),
    }[direction]
