"""Plain-language reading of one participant's metrics for the feedback page.

All numbers are in points of the answer range, because the metrics are
computed on answers rescaled to 0-100 (see :func:`analysis.person_metrics`).
An undefined metric is explained with the reason recorded in ``note``,
never skipped silently.

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

__all__ = ["FEEDBACK_KEYS", "feedback_text", "parse_note"]

FEEDBACK_KEYS = ("egocentric", "accuracy", "without_pull", "intervals", "advice")

INTERVAL_TARGET = 0.80
CALIBRATION_TOLERANCE = 0.10
"""Hit rates within 10 points of the 80% target read as well calibrated.

A rule of thumb: with 10-30 intervals a hit rate a few points off target is
expected by chance alone, so only a larger miss is called over- or
underconfidence."""

SAME_ERROR = 0.05  # points of MAE below which "with" and "without pull" read as equal


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
    """
    reasons = {}
    for clause in (note or "").split("; "):
        names, found, reason = clause.partition(" undefined: ")
        if found:
            for name in names.split(", "):
                reasons[name] = reason
    return reasons


def feedback_text(row: Mapping) -> dict[str, str]:
    """Plain-language feedback for one participant and round.

    Parameters
    ----------
    row : Mapping
        One row of :func:`analysis.person_metrics` (a dict, a JSON object
        with ``null`` for undefined values, or a pandas Series).

    Returns
    -------
    dict of str to str
        ``egocentric``: the egocentric weight as "for every 10 points more
        you liked something, your prediction moved 10 b_own points", with its
        95% CI and whether it differs from zero (the CI excludes zero).
        ``accuracy``: MAE, direction of the average error, r with the truth.
        ``without_pull``: ``mae_without_own_pull`` against ``mae``.
        ``intervals``: hit rate of the 80% ranges against the target.
        ``advice``: one or two concrete sentences based on these numbers.
    """
    reasons = parse_note(row.get("note"))
    return {
        "egocentric": _egocentric(row, reasons),
        "accuracy": _accuracy(row, reasons),
        "without_pull": _without_pull(row, reasons),
        "intervals": _intervals(row, reasons),
        "advice": _advice(row),
    }


def _value(row: Mapping, key: str) -> float | None:
    """A metric as float, or None when missing, null or NaN."""
    value = row.get(key)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _why(reasons: dict[str, str], key: str) -> str:
    return reasons.get(key, "the value is missing")


def _pull_direction(row: Mapping) -> str | None:
    """'positive' or 'negative' when the 95% CI of b_own excludes zero, 'unclear' if not, None if unknown."""
    low, high = _value(row, "b_own_ci_low"), _value(row, "b_own_ci_high")
    if low is None or high is None:
        return None
    if low > 0:
        return "positive"
    if high < 0:
        return "negative"
    return "unclear"


def _egocentric(row: Mapping, reasons: dict[str, str]) -> str:
    b_own = _value(row, "b_own")
    if b_own is None:
        return f"Your egocentric weight could not be computed: {_why(reasons, 'b_own')}."
    pull = 10 * b_own
    moved = f"{pull:.1f} points" if pull >= 0 else f"{-pull:.1f} points in the opposite direction"
    opening = f"For every 10 points more you liked something as a consumer, your prediction moved {moved}"
    direction = _pull_direction(row)
    if direction is None:
        return f"{opening}; how certain that is could not be estimated: {_why(reasons, 'b_own_ci_low')}."
    ci = f"(95% CI {10 * _value(row, 'b_own_ci_low'):.1f} to {10 * _value(row, 'b_own_ci_high'):.1f})"
    verdict = {
        "positive": "that pull is clearly different from zero.",
        "negative": "you clearly pushed your predictions away from your own taste.",
        "unclear": "with these items that pull cannot be distinguished from zero.",
    }[direction]
    return f"{opening} {ci} — {verdict}"


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
    mae, without = _value(row, "mae"), _value(row, "mae_without_own_pull")
    if mae is None or without is None:
        key = "mae" if mae is None else "mae_without_own_pull"
        return f"Your error without the pull of your own taste could not be computed: {_why(reasons, key)}."
    gain = mae - without
    if gain >= SAME_ERROR:
        return (
            f"Without the pull of your own taste your average error would have been {without:.1f} points "
            f"instead of {mae:.1f} — {gain:.1f} points smaller."
        )
    if gain <= -SAME_ERROR:
        return (
            f"Without the pull of your own taste your average error would have been {without:.1f} points "
            f"instead of {mae:.1f} — {-gain:.1f} points larger: here your taste resembled the customers', "
            "so leaning on it helped (Hoch 1988)."
        )
    return (
        "Without the pull of your own taste your average error would have been about the same "
        f"({without:.1f} points)."
    )


def _intervals(row: Mapping, reasons: dict[str, str]) -> str:
    hit = _value(row, "interval_hit_rate")
    if hit is None:
        reason = _why(reasons, "interval_hit_rate")
        if reason == "no intervals given":
            return "You gave no 80% ranges, so how well you know what you don't know cannot be judged."
        return f"Your 80% ranges could not be scored: {reason}."
    text = f"Your 80% ranges contained the true value {100 * hit:.0f}% of the time, against a target of 80%"
    verdict = {
        "overconfident": "they were too narrow — you were overconfident.",
        "underconfident": "they were wider than needed — you were underconfident.",
        "calibrated": "close to the target — well calibrated.",
    }[_calibration(hit)]
    width, score = _value(row, "interval_mean_width"), _value(row, "interval_score")
    return (
        f"{text}: {verdict} Average width {width:.1f} points; "
        f"interval score {score:.1f} (width plus penalties for misses; lower is better)."
    )


def _calibration(hit: float) -> str:
    if hit < INTERVAL_TARGET - CALIBRATION_TOLERANCE:
        return "overconfident"
    if hit > INTERVAL_TARGET + CALIBRATION_TOLERANCE:
        return "underconfident"
    return "calibrated"


def _advice(row: Mapping) -> str:
    """One sentence on the egocentric pull, one on the ranges when they are off."""
    sentences = [_pull_advice(row)]
    hit = _value(row, "interval_hit_rate")
    if hit is not None and _calibration(hit) == "overconfident":
        sentences.append("Widen your ranges: only about one true value in five should fall outside them.")
    elif hit is not None and _calibration(hit) == "underconfident":
        sentences.append("You can narrow your ranges: about one true value in five may fall outside them.")
    return " ".join(sentences)


def _pull_advice(row: Mapping) -> str:
    if _value(row, "b_own") is None:
        return (
            "Answer at least 4 items, with own answers that vary, so that the pull of your own taste can be measured."
        )
    direction = _pull_direction(row)
    mae, without = _value(row, "mae"), _value(row, "mae_without_own_pull")
    if direction == "positive" and mae is not None and without is not None and without > mae + SAME_ERROR:
        return (
            "Your own taste pulled your predictions and here it happened to point the right way, because you "
            "resemble these customers (Hoch 1988); check that resemblance against market research before you rely "
            "on your taste for other customers."
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
