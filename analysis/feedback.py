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

from analysis.metrics import MIN_ITEMS_REGRESSION, reason_phrase
from analysis.values import plain_value
from analysis.wording import ENGLISH, N_, Wording

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


def feedback_text(row: Mapping, own_scale: str = "graded", wording: Wording = ENGLISH) -> dict[str, str]:
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
    wording : Wording
        The language of the sentences and how numbers are written; English
        by default (:mod:`analysis.wording`).

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
    reasons = {name: wording.phrase(reason_phrase(reason)) for name, reason in parse_note(row.get("note")).items()}
    return {
        "egocentric": _egocentric(row, reasons, own_scale, wording),
        "accuracy": _accuracy(row, reasons, wording),
        "without_pull": _without_pull(row, reasons, wording),
        "intervals": _intervals(row, reasons, wording),
        "advice": _advice(row, wording),
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


def _why(reasons: dict[str, str], key: str, wording: Wording) -> str:
    return reasons.get(key) or wording.gettext(N_("the value is missing"))


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


# How the weight opens the summary, by own-answer scale and whether the prediction moved with the own answer.
# Own answers are 0-100 after rescaling: yes/no ones are 0 or 100, so 100 b_own is yes minus no.
_OPENINGS = {
    ("binary", True): N_("Your predictions were %(points)s points higher for items you said yes to than for items "
                         "you said no to, at the same true value"),
    ("binary", False): N_("Your predictions were %(points)s points lower for items you said yes to than for items "
                          "you said no to, at the same true value"),
    ("graded", True): N_("For every 10 points more you liked something as a consumer (your own answers counted on a "
                         "0–100 scale), your prediction moved %(points)s points"),
    ("graded", False): N_("For every 10 points more you liked something as a consumer (your own answers counted on "
                          "a 0–100 scale), your prediction moved %(points)s points in the opposite direction"),
}
_CI_LABELS = {"binary": N_("95%% CI of yes minus no"), "graded": N_("95%% CI")}


def _egocentric(row: Mapping, reasons: dict[str, str], own_scale: str, wording: Wording) -> str:
    _, num = wording.gettext, wording.number
    b_own = _value(row, "b_own")
    if b_own is None:
        return _("Your egocentric weight could not be computed: %(reason)s.", reason=_why(reasons, "b_own", wording))
    factor = 100 if own_scale == "binary" else 10
    pull = factor * b_own
    opening = _(_OPENINGS[own_scale, pull >= 0], points=num(abs(pull), 1))
    ci_label = _(_CI_LABELS[own_scale])
    direction = _pull_direction(row)
    if direction is None:
        return _("%(opening)s; how certain that is could not be estimated: %(reason)s.", opening=opening,
                 reason=_why(reasons, "b_own_ci_low", wording))
    low, high = factor * _value(row, "b_own_ci_low"), factor * _value(row, "b_own_ci_high")
    verdict = {
        "positive": _("that pull is clearly different from zero."),
        "negative": _("you clearly pushed your predictions away from your own taste."),
        "unclear": _("with these items that pull cannot be distinguished from zero."),
    }[direction]
    return _("%(opening)s (%(ci_label)s %(low)s to %(high)s) — %(verdict)s", opening=opening, ci_label=ci_label,
             low=num(low, 1), high=num(high, 1), verdict=verdict)


def _accuracy(row: Mapping, reasons: dict[str, str], wording: Wording) -> str:
    _, num = wording.gettext, wording.number
    mae = _value(row, "mae")
    if mae is None:
        return _("Your accuracy could not be computed: %(reason)s.", reason=_why(reasons, "mae", wording))
    words = {"mae": num(mae, 1)}
    signed = _value(row, "mean_signed_error")
    if signed is not None and abs(signed) >= SAME_ERROR:
        words["signed"] = num(abs(signed), 1)
        if signed > 0:
            text = _("Your predictions were off by %(mae)s points of the answer range on average, and on average "
                     "%(signed)s points too high", **words)
        else:
            text = _("Your predictions were off by %(mae)s points of the answer range on average, and on average "
                     "%(signed)s points too low", **words)
    else:
        text = _("Your predictions were off by %(mae)s points of the answer range on average", **words)
    r = _value(row, "accuracy_r")
    if r is None:
        return _("%(text)s. Their correlation with the true values could not be computed: %(reason)s.", text=text,
                 reason=_why(reasons, "accuracy_r", wording))
    return _("%(text)s. They correlated r = %(r)s with the true values (%(strength)s).", text=text, r=num(r, 2),
             strength=_strength(r, wording))


def _strength(r: float, wording: Wording) -> str:
    """Verbal reading of a correlation with the truth."""
    _ = wording.gettext
    if r < 0:
        return _("you ranked the items mostly the wrong way round")
    if r >= 0.7:
        return _("you ranked the items well")
    if r >= 0.4:
        return _("you ranked the items moderately well")
    return _("you ranked the items only weakly")


def _without_pull(row: Mapping, reasons: dict[str, str], wording: Wording) -> str:
    """The counterfactual error, given only when the pull itself is clear (CI excludes zero)."""
    _, num = wording.gettext, wording.number
    mae, without = _value(row, "mae"), _value(row, "mae_without_own_pull")
    if mae is None or without is None:
        key = "mae" if mae is None else "mae_without_own_pull"
        return _("Your error without the pull of your own taste could not be computed: %(reason)s.",
                 reason=_why(reasons, key, wording))
    direction = _pull_direction(row)
    if direction == "unclear":
        return _(
            "The data cannot tell whether removing the pull of your own taste would have changed your average "
            "error, because with these items that pull cannot be distinguished from zero."
        )
    if direction is None:
        return _(
            "The data cannot tell whether removing the pull of your own taste would have changed your average "
            "error, because how certain that pull is could not be estimated."
        )
    words = {"without": num(without, 1), "mae": num(mae, 1)}
    effect = _pull_effect(row)
    gain = _printed_gain(mae, without)
    if effect == "same":
        if direction == "positive":
            return _("Without the pull of your own taste your average error would have been about the same "
                     "(%(without)s points).", **words)
        return _("Without your push away from your own taste your average error would have been about the same "
                 "(%(without)s points).", **words)
    if direction == "positive":
        counterfactual = _("Without the pull of your own taste your average error would have been %(without)s points "
                           "instead of %(mae)s", **words)
    else:
        counterfactual = _("Without your push away from your own taste your average error would have been "
                           "%(without)s points instead of %(mae)s", **words)
    if effect == "hurt":
        return _("%(counterfactual)s — %(gain)s points smaller.", counterfactual=counterfactual,
                 gain=num(gain, 1))
    why = (
        _("here your taste resembled the customers', so leaning on it helped (Hoch 1988)")
        if direction == "positive"
        else _("here your taste differed from the customers', so leaning away from it helped")
    )
    return _("%(counterfactual)s — %(gain)s points larger: %(why)s.", counterfactual=counterfactual,
             gain=num(-gain, 1), why=why)


def _intervals(row: Mapping, reasons: dict[str, str], wording: Wording) -> str:
    _, num = wording.gettext, wording.number
    hit = _value(row, "interval_hit_rate")
    if hit is None:
        if parse_note(row.get("note")).get("interval_hit_rate") == "no intervals given":
            return _("You gave no 80%% ranges, so how well you know what you don't know cannot be judged.")
        return _("Your 80%% ranges could not be scored: %(reason)s.",
                 reason=_why(reasons, "interval_hit_rate", wording))
    verdict, n, hits, p = _calibration(row)
    share = num(100 * hit, 0)
    if n is None:
        text = _("Your 80%% ranges contained the true value %(share)s%% of the time, against a target of 80%%.",
                 share=share)
    else:
        words = {"hits": hits, "n": n, "share": share, "p": _p_text(p, wording)}
        if verdict == "overconfident":
            text = _("Your 80%% ranges contained the true value in %(hits)s of %(n)s items (%(share)s%%), against a "
                     "target of 80%%: they were too narrow — you were overconfident (exact binomial test against "
                     "80%%, two-sided p %(p)s).", **words)
        elif verdict == "underconfident":
            text = _("Your 80%% ranges contained the true value in %(hits)s of %(n)s items (%(share)s%%), against a "
                     "target of 80%%: they were wider than needed — you were underconfident (exact binomial test "
                     "against 80%%, two-sided p %(p)s).", **words)
        else:
            text = _("Your 80%% ranges contained the true value in %(hits)s of %(n)s items (%(share)s%%), against a "
                     "target of 80%%: about right for %(n)s ranges (exact binomial test against 80%%, two-sided p "
                     "%(p)s).", **words)
            needed = _ranges_needed(hits, n)
            if needed is not None:
                text += " " + _("With %(n)s ranges a hit rate of %(share)s%% cannot be told apart from 80%%; that "
                                "would take about %(needed)s ranges.", **words, needed=needed)
    width, score = _value(row, "interval_mean_width"), _value(row, "interval_score")
    if width is not None and score is not None:
        text += " " + _("Average width %(width)s points; interval score %(score)s (width plus penalties for misses; "
                        "lower is better).", width=num(width, 1), score=num(score, 1))
    return text


def _p_text(p: float, wording: Wording) -> str:
    """Three significant digits, so that a p just under 0.01 never prints as 0.010 beside a call."""
    if p < 0.001:
        return "< " + wording.number(0.001, 3)
    text = f"{p:.3g}"
    return "= " + wording.number(float(text), len(text.partition(".")[2]))


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


def _advice(row: Mapping, wording: Wording) -> str:
    """One sentence on the egocentric pull, one on the ranges when a test calls them off."""
    _ = wording.gettext
    sentences = [_pull_advice(row, wording)]
    verdict = _calibration(row)[0]
    if verdict == "overconfident":
        sentences.append(_("Widen your ranges: only about one true value in five should fall outside them."))
    elif verdict == "underconfident":
        sentences.append(_("You can narrow your ranges: about one true value in five may fall outside them."))
    return " ".join(sentences)


def _pull_advice(row: Mapping, wording: Wording) -> str:
    _ = wording.gettext
    if _value(row, "b_own") is None:
        return _(
            "Answer at least %(minimum)s items, with own answers that vary, so that the pull of your own "
            "taste can be measured."
        , minimum=MIN_ITEMS_REGRESSION)
    direction = _pull_direction(row)
    if _pull_effect(row) == "helped":
        if direction == "positive":
            return _(
                "Your own taste pulled your predictions and here it happened to point the right way, because you "
                "resemble these customers (Hoch 1988); check that resemblance against market research before you "
                "rely on your taste for other customers."
            )
        return _(
            "Leaning away from your own taste happened to point the right way here, because these customers differ "
            "from you; check that difference against market research before you rely on it for other customers."
        )
    if direction == "positive":
        return _(
            "Before you predict, set aside your own consumer identity and anchor on market research about the "
            "actual customers — imagining the customer without setting yourself aside tends to increase the pull "
            "(Hattula et al. 2015)."
        )
    if direction == "negative":
        return _(
            "You lean away from your own taste, which is a bias too: anchor on market research about the customers "
            "rather than on the opposite of your own view."
        )
    if direction == "unclear":
        return _(
            "No clear pull of your own taste showed up here; keep anchoring on market research, and check again "
            "with more items to be sure."
        )
    return _(
        "Your own taste's pull has no uncertainty estimate here; anchor on market research about the customers "
        "rather than on your own preferences."
    )
