"""Per-person calibration metrics, computed for every participant at once.

The engine turns long-format responses (one row per participant x item x
round, see :func:`person_metrics`) into one row of metrics per participant
and round; every metric is defined in ``docs/methods.md`` (section 2, and
section 3 for the use of market research).  Everything is vectorised: rows
are grouped with an integer index, per-person sums come from
:func:`numpy.bincount`, and the regressions are solved in closed form
(explicit cofactors of the centred normal equations) for all persons at
once.  There is no Python loop over persons, so 10,000 participants x 30
items take a fraction of a second (see ``benchmarks/bench_analysis.py``).

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

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import ResponseDataError
from analysis.wording import N_, Phrase

__all__ = [
    "METRIC_COLUMNS",
    "RESEARCH_METRIC_COLUMNS",
    "REQUIRED_COLUMNS",
    "CARRY_COLUMNS",
    "INTERVAL_ALPHA",
    "person_metrics",
    "prepare_responses",
    "reason_phrase",
    "rescale",
]

REQUIRED_COLUMNS = ("participant_id", "item_id", "own", "prediction", "truth")
"""Columns without which no metric can be computed."""

RESEARCH_METRIC_COLUMNS = (
    "n_research",
    "b_research",
    "b_research_se",
    "b_research_ci_low",
    "b_research_ci_high",
    "b_research_p",
    "b_own_with_research",
    "b_own_without_research",
)
"""The metrics of market-research use (``docs/methods.md``, section 3): undefined for anyone shown no research."""

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
    *RESEARCH_METRIC_COLUMNS,
)
"""Names of the per-person metrics, in output order (``docs/methods.md``, sections 2 and 3)."""

CARRY_COLUMNS = ("condition", "workshop", "empathy")
"""Person-level columns copied to the output when present in the input."""

INTERVAL_ALPHA = 0.2
"""Miscoverage of the asked interval: participants give 80% intervals."""

MIN_ITEMS_CORRELATION = 3
MIN_ITEMS_REGRESSION = 4
MIN_ITEMS_RESEARCH_MODEL = 5
"""Answered items the four-coefficient research model needs (df = k - 4 >= 1)."""
MIN_RESEARCH_ITEMS = 2
"""Answered items with research shown that the research model needs."""
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
_NO_RESEARCH = 12
_FEW_FOR_RESEARCH_MODEL = 13
_FEW_RESEARCH_ITEMS = 14
_RESEARCH_COLLINEAR = 15
_FEW_WITH_RESEARCH = 16
_FEW_WITHOUT_RESEARCH = 17
# b_own fitted on the items with (without) research: the reasons of the full
# regression, restricted to those items, are their code plus this offset.
_WITH_RESEARCH = 20
_WITHOUT_RESEARCH = 40

_AT_LEAST = N_("needs at least %(minimum)s answered items (has %(k)s)")
_AT_LEAST_WITH = N_("needs at least %(minimum)s answered items with research (has %(n_with)s)")

# A reason's count is filled in per person (``{k}``, ``{n_with}``, ``{n_without}``); the rest is fixed here.
_REASON_TEXT = {
    _NO_ITEMS: N_("no answered items"),
    _FEW_FOR_CORRELATION: Phrase(_AT_LEAST, minimum=MIN_ITEMS_CORRELATION, k="{k}"),
    _FEW_FOR_REGRESSION: Phrase(_AT_LEAST, minimum=MIN_ITEMS_REGRESSION, k="{k}"),
    _OWN_CONSTANT: N_("your own answers do not vary"),
    _PREDICTION_CONSTANT: N_("your predictions do not vary"),
    _TRUTH_CONSTANT: N_("the true values of your items do not vary"),
    _ERROR_CONSTANT: N_("your errors do not vary (every prediction is off by the same amount)"),
    _COLLINEAR: N_(
        "your own answers are a straight-line function of the true values, "
        "so their influences cannot be separated"
    ),
    _PERFECT_FIT: N_(
        "truth and own answers reproduce your predictions exactly, "
        "so there is no residual variation to estimate uncertainty from"
    ),
    _PREDICTION_LINEAR_IN_TRUTH: N_("your predictions are an exact straight-line function of the true values"),
    _NO_INTERVALS: N_("no intervals given"),
    _NO_RESEARCH: N_("no research shown"),
    _FEW_FOR_RESEARCH_MODEL: Phrase(_AT_LEAST, minimum=MIN_ITEMS_RESEARCH_MODEL, k="{k}"),
    _FEW_RESEARCH_ITEMS: Phrase(_AT_LEAST_WITH, minimum=MIN_RESEARCH_ITEMS, n_with="{n_with}"),
    _RESEARCH_COLLINEAR: N_(
        "the research's deviations from the true values are constant or a straight-line function of "
        "the true values and your own answers, so their influence cannot be separated"
    ),
    _FEW_WITH_RESEARCH: Phrase(_AT_LEAST_WITH, minimum=MIN_ITEMS_REGRESSION, n_with="{n_with}"),
    _FEW_WITHOUT_RESEARCH: Phrase(N_("needs at least %(minimum)s answered items without research (has %(n_without)s)"),
                                  minimum=MIN_ITEMS_REGRESSION, n_without="{n_without}"),
}
for _offset, _on_items in ((_WITH_RESEARCH, N_("on the items with research, %(reason)s")),
                           (_WITHOUT_RESEARCH, N_("on the items without research, %(reason)s"))):
    for _code in (_OWN_CONSTANT, _TRUTH_CONSTANT, _PREDICTION_CONSTANT, _COLLINEAR):
        _REASON_TEXT[_offset + _code] = Phrase(_on_items, reason=_REASON_TEXT[_code])

_REASON_PATTERNS = [
    (re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>\\d+)", re.escape(text))), text)
    for text in dict.fromkeys(_REASON_TEXT.values())
]


def reason_phrase(reason: str) -> str:
    """A reason of a ``note`` as the :class:`~analysis.wording.Phrase` it was made from, so it can be translated.

    >>> reason_phrase("needs at least 4 answered items (has 3)").words
    {'minimum': 4, 'k': 3}
    >>> reason_phrase("something else")
    'something else'
    """
    for pattern, text in _REASON_PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            if not isinstance(text, Phrase):
                return text
            return Phrase(text.message, **(text.words | {name: int(count) for name, count in found.groupdict().items()}))
    return reason


_COUNT_OF_REASON = {
    _FEW_FOR_CORRELATION: "k",
    _FEW_FOR_REGRESSION: "k",
    _FEW_FOR_RESEARCH_MODEL: "k",
    _FEW_RESEARCH_ITEMS: "n_with",
    _FEW_WITH_RESEARCH: "n_with",
    _FEW_WITHOUT_RESEARCH: "n_without",
}


def rescale(values, low, high):
    """Rescale raw answers to percent of the answer range.

    ``x' = 100 * (x - low) / (high - low)``, so that items on different
    scales (a 1-6 rating, a 0-100 percentage, a price) become comparable
    before they are pooled within a person (``docs/methods.md``, section 1).

    Parameters
    ----------
    values, low, high : array_like of float
        Raw values and the bounds of their scale, broadcast together.

    Returns
    -------
    numpy.ndarray
        Rescaled values.  Where ``low`` or ``high`` is missing the raw value
        is kept (no rescaling); where the range is not positive the result
        is NaN, because no percentage exists.

    Examples
    --------
    Answers on a 1-7 rating scale become percent of the scale:

    >>> rescale([1, 4, 7], 1, 7).tolist()
    [0.0, 50.0, 100.0]

    Without a range the raw value is kept; an empty range gives NaN:

    >>> rescale([3.0, 3.0], [float("nan"), 5.0], [float("nan"), 5.0]).tolist()
    [3.0, nan]
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
        optionally ``workshop, condition, round, lower, upper, research,
        item_min, item_max, own_min, own_max, empathy, answered_at``.
        ``research`` is the market-research estimate shown with that answer,
        in the item's unit, and empty (NaN) where no research was shown.  A
        missing ``round`` means round 1.  Rows whose ``own``, ``prediction``
        or ``truth`` is missing (a skipped answer) or whose
        ``participant_id`` is missing are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per ``(participant_id, round)``, sorted by both, with
        ``participant_id`` (str), ``round``, the carried-through columns
        ``condition, workshop, empathy`` that exist in the input (first
        non-null value of the person), ``n_items`` (answered items, k),
        ``n_intervals`` (answered items with both ends of an 80% range: what
        the hit rate is out of), the metrics named in :data:`METRIC_COLUMNS`, and ``note``: one clause per
        reason, ``"<metrics> undefined: <reason>"``, joined by ``"; "``, or
        ``''`` when every metric is defined.  An undefined metric is NaN and
        always has a reason in ``note``.  Without a ``research`` column every
        research metric (``n_research`` to ``b_own_without_research``) is NaN
        with the reason "no research shown".

    Notes
    -----
    Definitions and reading rules: ``docs/methods.md``, sections 2 and 3.
    Values are first rescaled per item to percent of the answer range,
    ``x' = 100 (x - min) / (max - min)``: prediction, truth, lower, upper and
    research with ``item_min/item_max``; own with ``own_min/own_max``, falling
    back to ``item_min/item_max`` (see :func:`rescale`).  With ``o`` = own,
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
      ``b_own_p`` is two-sided: it goes with this two-sided 95% CI (p < .05
      exactly when the CI excludes 0).  Needs k >= 4 and non-zero variance in
      o, y and t, and o not a linear function of t.
    * ``partial_r_own``: partial correlation of o and y controlling for t,
      ``(Soy - Sto Sty / Stt) / sqrt((Soo - Sto^2 / Stt)(Syy - Sty^2 / Stt))``.
    * ``mae_without_own_pull = mean|y - b_own (o - mean o) - t|``: the error
      had the own-taste pull been removed while keeping its average.
    * Interval metrics use items with both ``lower`` and ``upper``:
      hit rate ``mean 1[l <= t <= u]``, mean width ``mean(u - l)`` and the
      interval score of Gneiting & Raftery (2007, eq. 43) at alpha = 0.2,
      ``(u - l) + (2/alpha)(l - t) 1[t < l] + (2/alpha)(t - u) 1[t > u]``.
    * Use of market research (``docs/methods.md``, section 3), with the
      research estimate ``r`` (rescaled like the truth) and ``D = 1`` on
      items where it was shown: ``n_research`` counts answered items with
      ``D = 1`` (NaN without a ``research`` column).  OLS
      ``y = a + b_t t + b_o o + b_research D (r - t) + u`` gives
      ``b_research`` (0: research ignored; 1: predictions moved one-for-one
      with the research's deviation from the truth), its classical SE
      ``sqrt(s^2 [S^-1]_rr)`` with ``s^2 = RSS / (k - 4)`` and S the 3x3
      centred cross-product matrix of (t, o, D (r - t)), the two-sided 95% CI
      ``b_research +/- t_{0.975, k-4} SE`` and the two-sided ``b_research_p``.
      Needs k >= 5, at least 2 answered items with research, and a
      non-singular S.  ``b_own_with_research`` and
      ``b_own_without_research`` are ``b_own`` of the three-coefficient model
      fitted on the items with and without research only (each needs at
      least 4 such items).

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
    >>> row["note"].split("; ")[0]
    'interval_hit_rate, interval_mean_width, interval_score undefined: no intervals given'

    With market research shown on four of eight items (predictions moved
    about half-way toward the research's deviation from the truth):

    >>> df = pd.DataFrame({
    ...     "participant_id": ["a"] * 8, "item_id": [1, 2, 3, 4, 5, 6, 7, 8],
    ...     "own": [10, 80, 30, 60, 50, 20, 70, 40],
    ...     "prediction": [28, 66, 52, 44, 33, 35, 62, 45],
    ...     "truth": [30, 50, 40, 40, 20, 30, 60, 50],
    ...     "research": [40, None, 55, None, 30, None, 50, None]})
    >>> row = person_metrics(df).iloc[0]
    >>> int(row["n_research"]), round(float(row["b_research"]), 3), round(float(row["b_research_p"]), 3)
    (4, 0.583, 0.212)
    >>> round(float(row["b_own_with_research"]), 3), round(float(row["b_own_without_research"]), 3)
    (0.167, 0.368)

    Without a ``research`` column the research metrics are undefined:

    >>> row = person_metrics(df.drop(columns="research")).iloc[0]
    >>> row["note"].split("; ")[1].endswith("b_own_without_research undefined: no research shown")
    True

    On the bundled simulated workshop (:func:`analysis.example_responses`),
    one row per participant; everyone's predictions lean toward their own
    answers:

    >>> from analysis import example_responses
    >>> metrics = person_metrics(example_responses())
    >>> metrics[["participant_id", "condition", "n_items", "mae", "b_own"]].round(3)
      participant_id        condition  n_items     mae  b_own
    0             p1          control        8   4.625  0.244
    1             p2          control        8   9.000  0.274
    2             p3          control        8  16.750  0.476
    3             p4          control        8   4.875  0.169
    4             p5  market_research        8  11.125  0.321
    5             p6  market_research        8   8.125  0.128
    6             p7  market_research        8   9.375  0.317
    7             p8  market_research        8  10.625  0.449
    >>> metrics["n_research"].tolist()
    [0, 0, 0, 0, 4, 4, 4, 4]
    """
    data = _prepared_columns(responses)
    groups = _group_rows(data)
    arrays = _sorted_valid_arrays(data, groups.codes)
    # Undefined cases (0/0, sqrt of a rounding-negative) are masked by their
    # reason codes below, so floating-point warnings about them are noise.
    with np.errstate(divide="ignore", invalid="ignore"):
        values, reasons = _compute(arrays)
    for name, reason in reasons.items():
        if name in _COUNT_METRICS and np.all(reason == _OK):
            continue  # a count that is defined everywhere stays an integer
        values[name] = np.where(reason == _OK, values[name], np.nan)
    # Built in one go: adding ~40 columns one at a time costs more than all the metrics for one person.
    columns = dict(groups.keys)
    for column in CARRY_COLUMNS:
        if column in data:
            columns[column] = _first_per_person(data[column], groups)
    columns["n_items"] = arrays.k
    columns["n_intervals"] = values.pop("n_intervals").astype(int)
    for name in METRIC_COLUMNS:
        columns[name] = values[name]
    columns["note"] = _notes(reasons, _note_counts(arrays))
    return pd.DataFrame(columns)


def prepare_responses(responses: pd.DataFrame) -> pd.DataFrame:
    """Typed, rescaled responses: the engine's view of the input.

    Checks the required columns, drops rows without a participant, makes
    ``participant_id`` a string and ``round`` a number (missing means 1),
    and rescales own, prediction, truth, lower, upper and (when present)
    research to percent of the answer range (:func:`rescale`; research,
    like prediction and truth, with ``item_min/item_max``).  Rows with
    missing answers are kept; callers decide which answers they need.  The
    result has a ``research`` column only when the input has one.

    Examples
    --------
    An own answer on a 1-7 scale and a prediction of a price between 0 and
    500 both become percent of their range; the numeric id becomes a string:

    >>> import pandas as pd
    >>> prepared = prepare_responses(pd.DataFrame({
    ...     "participant_id": [7, 7], "item_id": ["share", "price"],
    ...     "own": [1, 7], "prediction": [30, 250], "truth": [40, 200],
    ...     "item_min": [0, 0], "item_max": [100, 500], "own_min": [1, 1], "own_max": [7, 7]}))
    >>> prepared[["participant_id", "round", "own", "prediction", "truth"]]
      participant_id  round    own  prediction  truth
    0              7      1    0.0        30.0   40.0
    1              7      1  100.0        50.0   40.0
    """
    return pd.DataFrame(_prepared_columns(responses))


def _prepared_columns(responses: pd.DataFrame) -> dict:
    """The columns of :func:`prepare_responses`, not yet a DataFrame (building one costs about a millisecond)."""
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
    if "research" in data:
        columns["research"] = rescale(_numeric(data, "research"), item_min, item_max)
    for column in CARRY_COLUMNS:
        if column in data:
            columns[column] = _numeric(data, column) if column == "empathy" else data[column].reset_index(drop=True)
    return columns


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    """Column as float array (all-NaN when absent); name the column if not numeric."""
    if column not in data:
        return np.full(len(data), np.nan)
    values = data[column]
    if values.dtype.kind in "fiu":  # already numbers: converting again costs more than the maths for one person
        return values.to_numpy(dtype=float, na_value=np.nan)
    try:
        return pd.to_numeric(values).to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as error:
        raise ResponseDataError(f"column {column!r} is not numeric: {error}") from error


def round_numbers(data: pd.DataFrame) -> np.ndarray:
    """Round per row; a missing column or value means round 1.

    Examples
    --------
    >>> import pandas as pd
    >>> round_numbers(pd.DataFrame({"round": [1, None, 2]})).tolist()
    [1, 1, 2]
    >>> round_numbers(pd.DataFrame({"item_id": ["a", "b"]})).tolist()
    [1, 1]
    """
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
    keys: dict[str, pd.Index | np.ndarray]  # participant_id, round per group, sorted


def _group_rows(data: dict) -> _Groups:
    """Index (participant, round) groups with sorted codes 0..G-1."""
    person_codes, persons = pd.factorize(data["participant_id"], sort=True)
    round_codes, rounds = pd.factorize(data["round"], sort=True)
    combined = person_codes.astype(np.int64) * max(len(rounds), 1) + round_codes
    unique, codes = np.unique(combined, return_inverse=True)
    person_of_group = unique // max(len(rounds), 1)
    keys = {
        "participant_id": pd.Index(persons, dtype=str)[person_of_group],
        "round": np.asarray(rounds)[unique % max(len(rounds), 1)],
    }
    return _Groups(codes.reshape(-1), person_of_group, person_codes, keys)


def _first_per_person(values: pd.Series | np.ndarray, groups: _Groups) -> np.ndarray:
    """First non-null value per (participant, round), else per participant.

    The first row of each group is found with ``np.minimum.at`` on row
    numbers: two pandas group-bys cost milliseconds even for one person.
    """
    rows = np.flatnonzero(np.asarray(pd.notna(values)))
    missing_row = len(values)  # the row number of the missing value appended below
    first_of_group = np.full(len(groups.person_of_group), missing_row)
    np.minimum.at(first_of_group, groups.codes[rows], rows)
    n_persons = int(groups.person_codes.max()) + 1 if len(groups.person_codes) else 0
    first_of_person = np.full(n_persons, missing_row)
    np.minimum.at(first_of_person, groups.person_codes[rows], rows)
    chosen = np.where(first_of_group < missing_row, first_of_group, first_of_person[groups.person_of_group])
    if values.dtype.kind == "f":
        return np.append(np.asarray(values, dtype=float), np.nan)[chosen]
    return np.append(np.asarray(values, dtype=object), np.nan)[chosen]


@dataclass(frozen=True)
class _Arrays:
    """Answered rows sorted by group, and the count k of answered items per group."""

    g: np.ndarray
    own: np.ndarray
    prediction: np.ndarray
    truth: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    research: np.ndarray | None  # None when the input has no research column
    k: np.ndarray


def _sorted_valid_arrays(data: dict, codes: np.ndarray) -> _Arrays:
    """Keep rows with own, prediction and truth; sort them by group."""
    own, prediction, truth = (data[c] for c in ("own", "prediction", "truth"))
    valid = np.isfinite(own) & np.isfinite(prediction) & np.isfinite(truth)
    g = codes[valid]
    order = np.argsort(g, kind="stable")
    n_groups = int(codes.max()) + 1 if len(codes) else 0

    def pick(column):
        return data[column][valid][order]

    g = g[order]
    return _Arrays(
        g=g,
        own=pick("own"),
        prediction=pick("prediction"),
        truth=pick("truth"),
        lower=pick("lower"),
        upper=pick("upper"),
        research=pick("research") if "research" in data else None,
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
    _research_metrics(sums, a, s, {"o": oc, "y": yc, "t": tc}, constant, values, reasons)
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
    values["n_intervals"] = n_intervals  # what the hit rate is out of: its binomial reading needs it
    values["interval_hit_rate"] = _divide(sums(hit.astype(float)), n_intervals)
    values["interval_mean_width"] = _divide(sums(np.where(given, width, 0.0)), n_intervals)
    values["interval_score"] = _divide(sums(np.where(given, width + penalty, 0.0)), n_intervals)
    reason = np.select([k == 0, n_intervals == 0], [_NO_ITEMS, _NO_INTERVALS], _OK)
    for name in ("interval_hit_rate", "interval_mean_width", "interval_score"):
        reasons[name] = reason


_COUNT_METRICS = ("n_research",)
"""Metrics that are counts: integers wherever they are defined for every group."""

_RESEARCH_METRICS = METRIC_COLUMNS[METRIC_COLUMNS.index("n_research"):]


def _research_metrics(sums, a, s, centred, constant, values, reasons):
    """Use of market research: b_research with inference, and b_own with and without research.

    ``s`` holds the centred sums of cross-products over all answered items,
    ``centred`` the centred o, y and t of every row, ``constant`` whether o,
    y and t are constant per group (``docs/methods.md``, section 3).
    """
    k = a.k
    if a.research is None:
        for name in _RESEARCH_METRICS:
            values[name] = np.full(len(k), np.nan)
            reasons[name] = np.full(len(k), _NO_RESEARCH)
        return
    g = sums.g
    shown = np.isfinite(a.research)
    n_with = np.bincount(g[shown], minlength=len(k))
    values["n_research"] = n_with
    reasons["n_research"] = np.full(len(k), _OK)

    # y = a + b_t t + b_o o + b_r z with z = D (r - t): the 3x3 centred normal
    # equations [[Stt, Sto, Stz], [Sto, Soo, Soz], [Stz, Soz, Szz]] b = [Sty, Soy, Szy]',
    # solved with the cofactors C of the symmetric matrix: b = C rhs / det.
    oc, yc, tc = centred["o"], centred["y"], centred["t"]
    z = np.where(shown, a.research - a.truth, 0.0)
    zc = z - sums.mean(z)[g]
    tt, oo, ot, ty, oy = s["tt"], s["oo"], s["ot"], s["ty"], s["oy"]
    tz, oz, zz, zy = sums(tc * zc), sums(oc * zc), sums(zc * zc), sums(zc * yc)
    c_tt = oo * zz - oz * oz
    c_to = oz * tz - ot * zz
    c_tz = ot * oz - oo * tz
    c_oo = tt * zz - tz * tz
    c_oz = tz * ot - tt * oz
    c_zz = tt * oo - ot * ot
    det = tt * c_tt + ot * c_to + tz * c_tz
    b_t = _divide(c_tt * ty + c_to * oy + c_tz * zy, det)
    b_o = _divide(c_to * ty + c_oo * oy + c_oz * zy, det)
    b_r = _divide(c_tz * ty + c_oz * oy + c_zz * zy, det)
    residual = yc - b_t[g] * tc - b_o[g] * oc - b_r[g] * zc
    rss = sums(residual * residual)
    df = np.where(k > 4, k - 4, 0).astype(float)
    se = np.sqrt(_divide(rss, df) * _divide(c_zz, det))
    df_safe = np.where(df > 0, df, 1.0)
    critical = stats.t.ppf(0.5 + CONFIDENCE / 2, df_safe)
    values["b_research"] = b_r
    values["b_research_se"] = se
    values["b_research_ci_low"] = b_r - critical * se
    values["b_research_ci_high"] = b_r + critical * se
    values["b_research_p"] = 2.0 * stats.t.sf(np.abs(_divide(b_r, se)), df_safe)

    research_scale = np.maximum(sums.max_abs(np.where(shown, a.research, 0.0)), sums.max_abs(a.truth))
    deviation_constant = sums.is_constant(z, scale=research_scale)
    base = np.select(
        [
            k == 0,
            n_with == 0,
            k < MIN_ITEMS_RESEARCH_MODEL,
            n_with < MIN_RESEARCH_ITEMS,
            constant["o"],
            constant["t"],
            constant["y"],
            ~(c_zz > REL_TOL * tt * oo),
            deviation_constant | ~(det > REL_TOL * tt * oo * zz),
        ],
        [
            _NO_ITEMS, _NO_RESEARCH, _FEW_FOR_RESEARCH_MODEL, _FEW_RESEARCH_ITEMS, _OWN_CONSTANT,
            _TRUTH_CONSTANT, _PREDICTION_CONSTANT, _COLLINEAR, _RESEARCH_COLLINEAR,
        ],
        _OK,
    )
    reasons["b_research"] = base
    perfect_fit = ~(rss > REL_TOL * s["yy"])
    inference = np.where((base == _OK) & perfect_fit, _PERFECT_FIT, base)
    for name in ("b_research_se", "b_research_ci_low", "b_research_ci_high", "b_research_p"):
        reasons[name] = inference

    for name, rows, offset in (
        ("b_own_with_research", shown, _WITH_RESEARCH),
        ("b_own_without_research", ~shown, _WITHOUT_RESEARCH),
    ):
        # Rows stay sorted by group when a subset is taken, so the subset has
        # its own per-group reductions, and the full regression's code applies.
        subset = _Sums(g[rows], np.bincount(g[rows], minlength=len(k)))
        values[name], degenerate = _subset_b_own(subset, a.own[rows], a.prediction[rows], a.truth[rows])
        if offset == _WITH_RESEARCH:
            first = [k == 0, n_with == 0, n_with < MIN_ITEMS_REGRESSION]
            codes = [_NO_ITEMS, _NO_RESEARCH, _FEW_WITH_RESEARCH]
        else:
            first = [k == 0, subset.k < MIN_ITEMS_REGRESSION]
            codes = [_NO_ITEMS, _FEW_WITHOUT_RESEARCH]
        reasons[name] = np.select([*first, degenerate != _OK], [*codes, offset + degenerate], _OK)


def _subset_b_own(sums: _Sums, o: np.ndarray, y: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """b_own of y = a + b_truth t + b_own o fitted on the rows that ``sums`` groups.

    Returns the weights and, per group, the code of the reason (own, truth
    or prediction constant, or own collinear with truth) that makes them
    undefined on these rows, or ``_OK``.  Too few rows are left to the caller.
    """
    g = sums.g
    oc = o - sums.mean(o)[g]
    yc = y - sums.mean(y)[g]
    tc = t - sums.mean(t)[g]
    tt, oo, ot = sums(tc * tc), sums(oc * oc), sums(oc * tc)
    det = tt * oo - ot * ot
    b_own = _divide(tt * sums(oc * yc) - ot * sums(tc * yc), det)
    degenerate = np.select(
        [sums.is_constant(o), sums.is_constant(t), sums.is_constant(y), ~(det > REL_TOL * tt * oo)],
        [_OWN_CONSTANT, _TRUTH_CONSTANT, _PREDICTION_CONSTANT, _COLLINEAR],
        _OK,
    )
    return b_own, degenerate


def _note_counts(a: _Arrays) -> dict[str, np.ndarray]:
    """The counts that reasons name: answered items, and those with and without research."""
    n_with = np.zeros_like(a.k) if a.research is None else np.bincount(a.g[np.isfinite(a.research)],
                                                                        minlength=len(a.k))
    return {"k": a.k, "n_with": n_with, "n_without": a.k - n_with}


def _notes(reasons: dict[str, np.ndarray], counts: dict[str, np.ndarray]) -> np.ndarray:
    """Human-readable note per group, built once per distinct pattern of reasons.

    Participants share few patterns (all defined, too few items, constant own
    answers...), so the strings are built for the unique rows of the reason
    matrix and mapped back, instead of once per participant.  Each row (codes
    and, where a "too few items" reason names it, the count it names, which
    is then below 5) fits in bytes, so rows are deduplicated as fixed-size
    byte strings, which is far faster than ``np.unique(axis=0)``.
    """
    names = list(METRIC_COLUMNS)
    count_names = list(counts)
    if not len(counts["k"]):
        return np.array([], dtype=object)
    matrix = np.column_stack([reasons[name] for name in names])
    named = []
    for count_name in count_names:
        codes = [code for code, which in _COUNT_OF_REASON.items() if which == count_name]
        matters = np.isin(matrix, codes).any(axis=1)
        named.append(np.where(matters, counts[count_name], 0))
    key = np.column_stack([matrix, *named]).astype(np.uint8)
    rows = np.ascontiguousarray(key).view(np.dtype((np.void, key.shape[1]))).ravel()
    patterns, inverse = np.unique(rows, return_inverse=True)
    texts = []
    for pattern in patterns:
        codes = np.frombuffer(pattern.tobytes(), dtype=np.uint8)
        pattern_counts = dict(zip(count_names, codes[len(names):].tolist()))
        texts.append(_note_text(names, codes[: len(names)], pattern_counts))
    return np.array(texts, dtype=object)[inverse.reshape(-1)]


def _note_text(names: list[str], codes: np.ndarray, counts: dict[str, int]) -> str:
    """'<metrics> undefined: <reason>' clauses for one pattern of reason codes."""
    by_reason: dict[int, list[str]] = {}
    for name, code in zip(names, codes):
        if code != _OK:
            by_reason.setdefault(int(code), []).append(name)
    return "; ".join(
        f"{', '.join(metrics)} undefined: {_REASON_TEXT[code].format(**counts)}"
        for code, metrics in by_reason.items()
    )
