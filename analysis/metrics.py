"""Per-person calibration metrics, computed for every participant at once.

The engine turns long-format responses (one row per participant x item x
round, DESIGN section 4) into one row of metrics per participant and round
(DESIGN section 5).  Everything is vectorised: rows are grouped with an
integer index, per-person sums come from :func:`numpy.bincount`, and the
three-regressor OLS is solved in closed form for all persons at once.  There
is no Python loop over persons, so 10,000 participants x 30 items take a
fraction of a second (see ``benchmarks/bench_analysis.py``).

References
----------
Hattula, J. D., Herzog, W., Dahl, D. W., & Reinecke, S. (2015). Managerial
empathy facilitates egocentric predictions of consumer preferences. *Journal
of Marketing Research*, 52(2), 235-252.

Hoch, S. J. (1987). Perceived consensus and predictive accuracy: The pros and
cons of projection. *Journal of Personality and Social Psychology*, 53(2),
221-234.  Hoch, S. J. (1988). Who do we know: Predicting the interests and
opinions of the American consumer. *Journal of Consumer Research*, 15(3),
315-324.

Krueger, J., & Clement, R. W. (1994). The truly false consensus effect: An
ineradicable and egocentric bias in social perception. *Journal of
Personality and Social Psychology*, 67(4), 596-610.

Gneiting, T., & Raftery, A. E. (2007). Strictly proper scoring rules,
prediction, and estimation. *Journal of the American Statistical
Association*, 102(477), 359-378.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import ResponseDataError

__all__ = [
    "METRIC_COLUMNS",
    "REQUIRED_COLUMNS",
    "CARRY_COLUMNS",
    "INTERVAL_ALPHA",
    "person_metrics",
    "prepare_responses",
    "rescale",
]

REQUIRED_COLUMNS = ("participant_id", "item_id", "own", "prediction", "truth")
"""Columns without which no metric can be computed (DESIGN section 4)."""

METRIC_COLUMNS = (
    "mae",
    "rmse",
    "mean_signed_error",
    "accuracy_r",
    "projection_r",
    "similarity_r",
    "tfce_r",
    "b_own",
    "b_truth",
    "intercept",
    "b_own_se",
    "b_own_ci_low",
    "b_own_ci_high",
    "b_own_p",
    "partial_r_own",
    "mae_without_own_pull",
    "interval_hit_rate",
    "interval_mean_width",
    "interval_score",
)
"""Names of the per-person metrics, in output order (DESIGN section 5)."""

CARRY_COLUMNS = ("condition", "workshop", "empathy")
"""Person-level columns copied to the output when present in the input."""

INTERVAL_ALPHA = 0.2
"""Miscoverage of the asked interval: participants give 80% intervals."""

MIN_ITEMS_CORRELATION = 3
MIN_ITEMS_REGRESSION = 4
CONFIDENCE = 0.95

REL_TOL = 1e-10
"""Relative tolerance below which a spread, a determinant or a residual sum
counts as zero.  Rescaling adds rounding noise of about 1e-16 relative, so a
participant who gives the same answer everywhere must not get a correlation
computed from that noise; real answers never vary by less than 1e-10 of
their magnitude."""

# Reasons a metric is undefined.  The codes are internal; the messages are
# what a participant or analyst reads in the ``note`` column.
_OK = 0
_NO_ITEMS = 1
_FEW_FOR_CORRELATION = 2
_FEW_FOR_REGRESSION = 3
_OWN_CONSTANT = 4
_PREDICTION_CONSTANT = 5
_TRUTH_CONSTANT = 6
_ERROR_CONSTANT = 7
_COLLINEAR = 8
_PERFECT_FIT = 9
_PREDICTION_LINEAR_IN_TRUTH = 10
_NO_INTERVALS = 11

_REASON_TEXT = {
    _NO_ITEMS: "no answered items",
    _FEW_FOR_CORRELATION: f"needs at least {MIN_ITEMS_CORRELATION} answered items (has {{k}})",
    _FEW_FOR_REGRESSION: f"needs at least {MIN_ITEMS_REGRESSION} answered items (has {{k}})",
    _OWN_CONSTANT: "your own answers do not vary",
    _PREDICTION_CONSTANT: "your predictions do not vary",
    _TRUTH_CONSTANT: "the true values of your items do not vary",
    _ERROR_CONSTANT: "your errors do not vary (every prediction is off by the same amount)",
    _COLLINEAR: (
        "your own answers are a straight-line function of the true values, "
        "so their influences cannot be separated"
    ),
    _PERFECT_FIT: (
        "truth and own answers reproduce your predictions exactly, "
        "so there is no residual variation to estimate uncertainty from"
    ),
    _PREDICTION_LINEAR_IN_TRUTH: "your predictions are an exact straight-line function of the true values",
    _NO_INTERVALS: "no intervals given",
}


def rescale(values, low, high):
    """Rescale raw answers to percent of the answer range.

    ``x' = 100 * (x - low) / (high - low)``, so that items on different
    scales (a 1-6 rating, a 0-100 percentage, a price) become comparable
    before they are pooled within a person (DESIGN section 5).

    Parameters
    ----------
    values, low, high : array_like of float
        Raw values and the bounds of their scale, broadcast together.

    Returns
    -------
    numpy.ndarray
        Rescaled values.  Where ``low`` or ``high`` is missing the raw value
        is kept (no rescaling, DESIGN section 4); where the range is not
        positive the result is NaN, because no percentage exists.
    """
    values = np.asarray(values, dtype=float)
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    width = high - low
    has_range = ~(np.isnan(low) | np.isnan(high))
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(width > 0, 100.0 * (values - low) / width, np.nan)
    return np.where(has_range, scaled, values)


def person_metrics(responses: pd.DataFrame) -> pd.DataFrame:
    """Compute every per-person metric for all participants and rounds.

    Parameters
    ----------
    responses : pandas.DataFrame
        Long format, one row per participant x item x round, with columns
        ``participant_id, item_id, own, prediction, truth`` (required) and
        optionally ``workshop, condition, round, lower, upper, item_min,
        item_max, own_min, own_max, empathy, answered_at``.  A missing
        ``round`` means round 1.  Rows whose ``own``, ``prediction`` or
        ``truth`` is missing (a skipped answer) or whose ``participant_id``
        is missing are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per ``(participant_id, round)``, sorted by both, with
        ``participant_id`` (str), ``round``, the carried-through columns
        ``condition, workshop, empathy`` that exist in the input (first
        non-null value of the person), ``n_items`` (answered items, k), the
        metrics named in :data:`METRIC_COLUMNS`, and ``note``: one clause per
        reason, ``"<metrics> undefined: <reason>"``, joined by ``"; "``, or
        ``''`` when every metric is defined.  An undefined metric is NaN and
        always has a reason in ``note``.

    Notes
    -----
    Values are first rescaled per item to percent of the answer range,
    ``x' = 100 (x - min) / (max - min)``: prediction, truth, lower and upper
    with ``item_min/item_max``; own with ``own_min/own_max``, falling back to
    ``item_min/item_max`` (see :func:`rescale`).  With ``o`` = own,
    ``y`` = prediction, ``t`` = truth, ``e = y - t`` and k answered items:

    * ``mae = mean|e|``, ``rmse = sqrt(mean e^2)``,
      ``mean_signed_error = mean e`` (defined for k >= 1).
    * ``accuracy_r = r(y, t)``, ``projection_r = r(o, y)``,
      ``similarity_r = r(o, t)`` (Hoch 1987) and ``tfce_r = r(o, e)``, the
      truly false consensus effect (Krueger & Clement 1994); Pearson r, needs
      k >= 3 and non-zero variance in both variables.
    * OLS ``y = intercept + b_truth t + b_own o + u`` (Hattula et al. 2015);
      ``b_own`` is the egocentric weight.  By Frisch-Waugh the slopes solve
      the centred 2x2 normal equations
      ``[[Stt, Sto], [Sto, Soo]] [b_truth, b_own]' = [Sty, Soy]'``, which is
      done with explicit cofactors for all persons at once.  With
      ``s^2 = RSS / (k - 3)``, ``b_own_se = sqrt(s^2 Stt / (Stt Soo - Sto^2))``,
      the 95% interval is ``b_own +/- t_{0.975, k-3} b_own_se`` and
      ``b_own_p`` is two-sided.  Needs k >= 4 and non-zero variance in o,
      y and t, and o not a linear function of t.
    * ``partial_r_own``: partial correlation of o and y controlling for t,
      ``(Soy - Sto Sty / Stt) / sqrt((Soo - Sto^2 / Stt)(Syy - Sty^2 / Stt))``.
    * ``mae_without_own_pull = mean|y - b_own (o - mean o) - t|``: the error
      had the own-taste pull been removed while keeping its average.
    * Interval metrics use items with both ``lower`` and ``upper``:
      hit rate ``mean 1[l <= t <= u]``, mean width ``mean(u - l)`` and the
      interval score of Gneiting & Raftery (2007, eq. 43) at alpha = 0.2,
      ``(u - l) + (2/alpha)(l - t) 1[t < l] + (2/alpha)(t - u) 1[t > u]``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "participant_id": ["a"] * 5, "item_id": [1, 2, 3, 4, 5],
    ...     "own": [10, 80, 30, 60, 50], "prediction": [20, 70, 45, 50, 30],
    ...     "truth": [30, 50, 40, 40, 20]})
    >>> row = person_metrics(df).iloc[0]
    >>> int(row["n_items"]), float(row["mae"]), round(float(row["b_own"]), 3)
    (5, 11.0, 0.392)
    >>> row["note"]
    'interval_hit_rate, interval_mean_width, interval_score undefined: no intervals given'
    """
    data = prepare_responses(responses)
    groups = _group_rows(data)
    arrays = _sorted_valid_arrays(data, groups.codes)
    # Undefined cases (0/0, sqrt of a rounding-negative) are masked by their
    # reason codes below, so floating-point warnings about them are noise.
    with np.errstate(divide="ignore", invalid="ignore"):
        values, reasons = _compute(arrays)
    for name, reason in reasons.items():
        values[name] = np.where(reason == _OK, values[name], np.nan)
    out = groups.keys.copy()
    for column in CARRY_COLUMNS:
        if column in data:
            out[column] = _first_per_person(data[column], groups)
    out["n_items"] = arrays.k
    for name in METRIC_COLUMNS:
        out[name] = values[name]
    out["note"] = _notes(reasons, arrays.k)
    return out


def prepare_responses(responses: pd.DataFrame) -> pd.DataFrame:
    """Typed, rescaled responses: the engine's view of the input.

    Checks the required columns, drops rows without a participant, makes
    ``participant_id`` a string and ``round`` a number (missing means 1),
    and rescales own, prediction, truth, lower and upper to percent of the
    answer range (:func:`rescale`).  Rows with missing answers are kept;
    callers decide which answers they need.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in responses.columns]
    if missing:
        raise ResponseDataError(f"missing required column(s): {', '.join(missing)}")
    has_id = responses["participant_id"].notna()
    data = responses if has_id.all() else responses[has_id]
    numeric = {
        column: _numeric(data, column)
        for column in ("own", "prediction", "truth", "lower", "upper", "item_min", "item_max", "own_min", "own_max")
    }
    item_min, item_max = numeric["item_min"], numeric["item_max"]
    has_own_range = ~(np.isnan(numeric["own_min"]) | np.isnan(numeric["own_max"]))
    columns = {
        # Series, not arrays: converting string columns to NumPy objects and back costs more than the maths.
        "participant_id": data["participant_id"].astype(str).reset_index(drop=True),
        "round": round_numbers(data),
        "own": rescale(
            numeric["own"],
            np.where(has_own_range, numeric["own_min"], item_min),
            np.where(has_own_range, numeric["own_max"], item_max),
        ),
    }
    for column in ("prediction", "truth", "lower", "upper"):
        columns[column] = rescale(numeric[column], item_min, item_max)
    for column in CARRY_COLUMNS:
        if column in data:
            columns[column] = _numeric(data, column) if column == "empathy" else data[column].reset_index(drop=True)
    return pd.DataFrame(columns)


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    """Column as float array (all-NaN when absent); name the column if not numeric."""
    if column not in data:
        return np.full(len(data), np.nan)
    try:
        return pd.to_numeric(data[column]).to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as error:
        raise ResponseDataError(f"column {column!r} is not numeric: {error}") from error


def round_numbers(data: pd.DataFrame) -> np.ndarray:
    """Round per row; a missing column or value means round 1."""
    if "round" not in data:
        return np.ones(len(data), dtype=np.int64)
    rounds = np.nan_to_num(_numeric(data, "round"), nan=1.0)
    return rounds.astype(np.int64) if np.all(rounds == np.round(rounds)) else rounds


@dataclass(frozen=True)
class _Groups:
    """Integer group index of every row and the key of every group."""

    codes: np.ndarray  # group (participant x round) of each row
    person_of_group: np.ndarray  # participant index of each group
    person_codes: np.ndarray  # participant index of each row
    keys: pd.DataFrame  # participant_id, round per group, sorted


def _group_rows(data: pd.DataFrame) -> _Groups:
    """Index (participant, round) groups with sorted codes 0..G-1."""
    person_codes, persons = pd.factorize(data["participant_id"], sort=True)
    round_codes, rounds = pd.factorize(data["round"], sort=True)
    combined = person_codes.astype(np.int64) * max(len(rounds), 1) + round_codes
    unique, codes = np.unique(combined, return_inverse=True)
    person_of_group = unique // max(len(rounds), 1)
    keys = pd.DataFrame(
        {
            "participant_id": pd.Index(persons, dtype=str)[person_of_group],
            "round": np.asarray(rounds)[unique % max(len(rounds), 1)],
        }
    )
    return _Groups(codes.reshape(-1), person_of_group, person_codes, keys)


def _first_per_person(values: pd.Series, groups: _Groups) -> np.ndarray:
    """First non-null value per (participant, round), else per participant."""
    per_group = values.groupby(groups.codes).first()
    per_person = values.groupby(groups.person_codes).first()
    n_groups = len(groups.keys)
    first = per_group.reindex(range(n_groups)).to_numpy(dtype=object)
    fallback = per_person.reindex(groups.person_of_group).to_numpy(dtype=object)
    chosen = np.where(pd.isna(first), fallback, first)
    return chosen.astype(float) if values.dtype.kind == "f" else chosen


@dataclass(frozen=True)
class _Arrays:
    """Answered rows sorted by group, and the count k of answered items per group."""

    g: np.ndarray
    own: np.ndarray
    prediction: np.ndarray
    truth: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    k: np.ndarray


def _sorted_valid_arrays(data: pd.DataFrame, codes: np.ndarray) -> _Arrays:
    """Keep rows with own, prediction and truth; sort them by group."""
    own, prediction, truth = (data[c].to_numpy() for c in ("own", "prediction", "truth"))
    valid = np.isfinite(own) & np.isfinite(prediction) & np.isfinite(truth)
    g = codes[valid]
    order = np.argsort(g, kind="stable")
    n_groups = int(codes.max()) + 1 if len(codes) else 0

    def pick(column):
        return data[column].to_numpy()[valid][order]

    g = g[order]
    return _Arrays(
        g=g,
        own=pick("own"),
        prediction=pick("prediction"),
        truth=pick("truth"),
        lower=pick("lower"),
        upper=pick("upper"),
        k=np.bincount(g, minlength=n_groups),
    )


class _Sums:
    """Per-group reductions of rows sorted by group.

    Sums use ``np.bincount``; minima and maxima use ``reduceat`` at the
    group starts, which needs the rows sorted and skips empty groups.
    """

    def __init__(self, g: np.ndarray, k: np.ndarray):
        self.g = g
        self.k = k
        self.nonempty = k > 0
        self.starts = (np.cumsum(k) - k)[self.nonempty]

    def __call__(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.g, weights=weights, minlength=len(self.k))

    def mean(self, values: np.ndarray) -> np.ndarray:
        return _divide(self(values), self.k)

    def _reduce(self, ufunc: np.ufunc, values: np.ndarray, empty: float) -> np.ndarray:
        out = np.full(len(self.k), empty)
        if len(self.starts):
            out[self.nonempty] = ufunc.reduceat(values, self.starts)
        return out

    def is_constant(self, values: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
        """True where the group's spread is at most REL_TOL of its magnitude (and for empty groups).

        ``scale`` overrides the magnitude: errors y - t are judged against
        the size of y and t, since their own size can be near zero.
        """
        low = self._reduce(np.minimum, values, 0.0)
        high = self._reduce(np.maximum, values, 0.0)
        magnitude = np.maximum(np.abs(low), np.abs(high)) if scale is None else scale
        return (high - low) <= REL_TOL * np.maximum(magnitude, np.finfo(float).tiny)

    def max_abs(self, values: np.ndarray) -> np.ndarray:
        return self._reduce(np.maximum, np.abs(values), 0.0)


def _divide(numerator, denominator):
    """Elementwise division that yields NaN instead of warnings where undefined."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _compute(a: _Arrays) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """All metric values and their undefined-reason codes, per group."""
    sums = _Sums(a.g, a.k)
    k = a.k
    g = a.g
    o, y, t = a.own, a.prediction, a.truth
    e = y - t
    means = {"o": sums.mean(o), "y": sums.mean(y), "t": sums.mean(t)}
    oc = o - means["o"][g]
    yc = y - means["y"][g]
    tc = t - means["t"][g]
    ec = yc - tc
    s = {
        "oo": sums(oc * oc), "yy": sums(yc * yc), "tt": sums(tc * tc), "ee": sums(ec * ec),
        "ot": sums(oc * tc), "oy": sums(oc * yc), "ty": sums(tc * yc), "oe": sums(oc * ec),
    }
    constant = {
        "o": sums.is_constant(o),
        "y": sums.is_constant(y),
        "t": sums.is_constant(t),
        "e": sums.is_constant(e, scale=np.maximum(sums.max_abs(y), sums.max_abs(t))),
    }
    values: dict[str, np.ndarray] = {}
    reasons: dict[str, np.ndarray] = {}
    _error_metrics(sums, e, k, values, reasons)
    _correlations(s, constant, k, values, reasons)
    _regression(sums, s, means, constant, {"o": oc, "y": yc, "t": tc, "error": e}, k, values, reasons)
    _interval_metrics(sums, a, k, values, reasons)
    return values, reasons


def _error_metrics(sums, e, k, values, reasons):
    """MAE, RMSE and mean signed error of e = y - t."""
    values["mae"] = sums.mean(np.abs(e))
    values["rmse"] = np.sqrt(sums.mean(e * e))
    values["mean_signed_error"] = sums.mean(e)
    no_items = np.where(k == 0, _NO_ITEMS, _OK)
    for name in ("mae", "rmse", "mean_signed_error"):
        reasons[name] = no_items


_CORRELATIONS = {
    # metric: the two variables correlated
    "accuracy_r": ("y", "t"),
    "projection_r": ("o", "y"),
    "similarity_r": ("o", "t"),
    "tfce_r": ("o", "e"),
}
_CONSTANT_REASON = {
    "o": _OWN_CONSTANT,
    "y": _PREDICTION_CONSTANT,
    "t": _TRUTH_CONSTANT,
    "e": _ERROR_CONSTANT,
}


def _correlations(s, constant, k, values, reasons):
    """Pearson r = Sab / sqrt(Saa Sbb) for the four Hoch / Krueger pairs."""
    for name, (a, b) in _CORRELATIONS.items():
        key = a + b if a + b in s else b + a
        r = _divide(s[key], np.sqrt(s[a + a] * s[b + b]))
        values[name] = np.clip(r, -1.0, 1.0)
        reasons[name] = np.select(
            [k == 0, k < MIN_ITEMS_CORRELATION, constant[a], constant[b]],
            [_NO_ITEMS, _FEW_FOR_CORRELATION, _CONSTANT_REASON[a], _CONSTANT_REASON[b]],
            _OK,
        )


def _regression(sums, s, means, constant, rows, k, values, reasons):
    """Closed-form OLS of y on [1, t, o] with classical inference, per group.

    ``rows`` holds the centred o, y, t and the raw error y - t of every row.
    """
    oc, yc, tc, error = rows["o"], rows["y"], rows["t"], rows["error"]
    g = sums.g
    det = s["tt"] * s["oo"] - s["ot"] ** 2
    b_truth = _divide(s["oo"] * s["ty"] - s["ot"] * s["oy"], det)
    b_own = _divide(s["tt"] * s["oy"] - s["ot"] * s["ty"], det)
    residual = yc - b_truth[g] * tc - b_own[g] * oc
    rss = sums(residual * residual)
    df = np.where(k > 3, k - 3, 0).astype(float)
    se = np.sqrt(_divide(rss, df) * _divide(s["tt"], det))
    t_stat = _divide(b_own, se)
    df_safe = np.where(df > 0, df, 1.0)
    critical = stats.t.ppf(0.5 + CONFIDENCE / 2, df_safe)
    values["b_own"] = b_own
    values["b_truth"] = b_truth
    values["intercept"] = means["y"] - b_truth * means["t"] - b_own * means["o"]
    values["b_own_se"] = se
    values["b_own_ci_low"] = b_own - critical * se
    values["b_own_ci_high"] = b_own + critical * se
    values["b_own_p"] = 2.0 * stats.t.sf(np.abs(t_stat), df_safe)
    values["mae_without_own_pull"] = sums.mean(np.abs(error - b_own[g] * oc))

    resid_yy = s["yy"] - _divide(s["ty"] ** 2, s["tt"])
    resid_oo = _divide(det, s["tt"])
    resid_oy = s["oy"] - _divide(s["ot"] * s["ty"], s["tt"])
    values["partial_r_own"] = np.clip(_divide(resid_oy, np.sqrt(resid_oo * resid_yy)), -1.0, 1.0)

    base = np.select(
        [
            k == 0,
            k < MIN_ITEMS_REGRESSION,
            constant["o"],
            constant["t"],
            constant["y"],
            ~(det > REL_TOL * s["tt"] * s["oo"]),
        ],
        [_NO_ITEMS, _FEW_FOR_REGRESSION, _OWN_CONSTANT, _TRUTH_CONSTANT, _PREDICTION_CONSTANT, _COLLINEAR],
        _OK,
    )
    for name in ("b_own", "b_truth", "intercept", "mae_without_own_pull"):
        reasons[name] = base
    perfect_fit = ~(rss > REL_TOL * s["yy"])
    inference = np.where((base == _OK) & perfect_fit, _PERFECT_FIT, base)
    for name in ("b_own_se", "b_own_ci_low", "b_own_ci_high", "b_own_p"):
        reasons[name] = inference
    linear_in_truth = ~(resid_yy > REL_TOL * s["yy"])
    reasons["partial_r_own"] = np.where((base == _OK) & linear_in_truth, _PREDICTION_LINEAR_IN_TRUTH, base)


def _interval_metrics(sums, a, k, values, reasons):
    """Hit rate, mean width and Gneiting-Raftery interval score at alpha = 0.2."""
    given = np.isfinite(a.lower) & np.isfinite(a.upper)
    lower = np.where(given, a.lower, 0.0)
    upper = np.where(given, a.upper, 0.0)
    t = a.truth
    n_intervals = sums(given.astype(float))
    hit = given & (lower <= t) & (t <= upper)
    width = upper - lower
    penalty = (2.0 / INTERVAL_ALPHA) * (
        np.where(t < lower, lower - t, 0.0) + np.where(t > upper, t - upper, 0.0)
    )
    values["interval_hit_rate"] = _divide(sums(hit.astype(float)), n_intervals)
    values["interval_mean_width"] = _divide(sums(np.where(given, width, 0.0)), n_intervals)
    values["interval_score"] = _divide(sums(np.where(given, width + penalty, 0.0)), n_intervals)
    reason = np.select([k == 0, n_intervals == 0], [_NO_ITEMS, _NO_INTERVALS], _OK)
    for name in ("interval_hit_rate", "interval_mean_width", "interval_score"):
        reasons[name] = reason


def _notes(reasons: dict[str, np.ndarray], k: np.ndarray) -> np.ndarray:
    """Human-readable note per group, built once per distinct pattern of reasons.

    Participants share few patterns (all defined, too few items, constant own
    answers...), so the strings are built for the unique rows of the reason
    matrix and mapped back, instead of once per participant.  Each row (codes
    and, where a "too few items" reason needs it, k < 4) fits in bytes, so
    rows are deduplicated as fixed-size byte strings, which is far faster
    than ``np.unique(axis=0)``.
    """
    names = list(METRIC_COLUMNS)
    if not len(k):
        return np.array([], dtype=object)
    matrix = np.column_stack([reasons[name] for name in names])
    counts_matter = np.isin(matrix, (_FEW_FOR_CORRELATION, _FEW_FOR_REGRESSION)).any(axis=1)
    key = np.column_stack([matrix, np.where(counts_matter, k, 0)]).astype(np.uint8)
    rows = np.ascontiguousarray(key).view(np.dtype((np.void, key.shape[1]))).ravel()
    patterns, inverse = np.unique(rows, return_inverse=True)
    texts = []
    for pattern in patterns:
        codes = np.frombuffer(pattern.tobytes(), dtype=np.uint8)
        texts.append(_note_text(names, codes[:-1], int(codes[-1])))
    return np.array(texts, dtype=object)[inverse.reshape(-1)]


def _note_text(names: list[str], codes: np.ndarray, k: int) -> str:
    """'<metrics> undefined: <reason>' clauses for one pattern of reason codes."""
    by_reason: dict[int, list[str]] = {}
    for name, code in zip(names, codes):
        if code != _OK:
            by_reason.setdefault(int(code), []).append(name)
    return "; ".join(
        f"{', '.join(metrics)} undefined: {_REASON_TEXT[code].format(k=k)}" for code, metrics in by_reason.items()
    )
