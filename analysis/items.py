"""Per-item statistics across participants (docs/methods.md, section 4).

References
----------
Ross, L., Greene, D., & House, P. (1977). The "false consensus effect": An
egocentric bias in social perception and attribution processes. *Journal of
Experimental Social Psychology*, 13(3), 279-301.

Hoch, S. J. (1988). Who do we know: Predicting the interests and opinions of
the American consumer. *Journal of Consumer Research*, 15(3), 315-324.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import ResponseDataError
from analysis.metrics import REL_TOL, round_numbers

__all__ = ["ITEM_COLUMNS", "item_stats"]

ITEM_COLUMNS = (
    "n",
    "mean_prediction",
    "median_prediction",
    "truth",
    "mean_error",
    "share_over",
    "share_under",
    "false_consensus_n",
    "false_consensus_r",
    "reason",
)

MIN_PERSONS_CORRELATION = 3


def item_stats(responses: pd.DataFrame) -> pd.DataFrame:
    """Summarise predictions per item, in the item's raw units.

    Unlike :func:`analysis.person_metrics`, nothing is rescaled: each row
    describes one item, so its own unit (percent, euros, a 1-6 rating) is the
    natural one to read it in.

    Parameters
    ----------
    responses : pandas.DataFrame
        Long-format responses with ``item_id``, ``own``, ``prediction`` and
        ``truth`` (and optionally ``round``; a missing round means 1).

    Returns
    -------
    pandas.DataFrame
        One row per ``item_id`` (and ``round`` when the column exists):

        * ``n``: answers with a prediction and a truth; ``mean_prediction``
          and ``median_prediction`` over them; ``truth`` (the mean recorded
          value, which is constant per item in well-formed data);
          ``mean_error`` = mean of ``prediction - truth``; ``share_over`` and
          ``share_under``: shares of predictions above and below the truth.
        * ``false_consensus_r``: Pearson r(own, prediction) across the
          ``false_consensus_n`` participants who gave both, the classic false
          consensus effect (Ross et al. 1977): people who hold a preference
          predict it to be more common.  NaN when fewer than 3 participants
          or when own answers or predictions do not vary, with ``reason``.

    Examples
    --------
    The first items of the bundled simulated workshop
    (:func:`analysis.example_responses`), in percent:

    >>> from analysis import example_responses
    >>> stats = item_stats(example_responses())
    >>> stats[["item_id", "n", "mean_prediction", "truth", "share_over", "false_consensus_r"]].head(3).round(3)
      item_id  n  mean_prediction  truth  share_over  false_consensus_r
    0      i1  8           45.875   50.0       0.250              0.722
    1      i2  8           32.125   31.0       0.625              0.709
    2      i3  8           64.875   69.0       0.250              0.499

    With fewer than 3 answers the false consensus correlation is withheld
    and ``reason`` says why:

    >>> import pandas as pd
    >>> few = pd.DataFrame({"item_id": ["a", "a"], "own": [20, 80], "prediction": [30, 60], "truth": 45})
    >>> item_stats(few).loc[0, "reason"]
    'false_consensus_r undefined: needs at least 3 participants with own answer and prediction (has 2)'
    """
    missing = [c for c in ("item_id", "own", "prediction", "truth") if c not in responses]
    if missing:
        raise ResponseDataError(f"missing required column(s): {', '.join(missing)}")
    keys = ["item_id", "round"] if "round" in responses else ["item_id"]
    data = pd.DataFrame({"item_id": responses["item_id"].to_numpy()})
    if "round" in responses:
        data["round"] = round_numbers(responses)
    for column in ("own", "prediction", "truth"):
        data[column] = pd.to_numeric(responses[column]).to_numpy(dtype=float, na_value=np.nan)
    summary = _prediction_summary(data, keys)
    consensus = _false_consensus(data, keys)
    every_item = data.groupby(keys, sort=True).size().index
    out = summary.join(consensus, how="outer").reindex(every_item).reset_index()
    out["n"] = out["n"].fillna(0).astype(int)
    out["false_consensus_n"] = out["false_consensus_n"].fillna(0).astype(int)
    return _with_reasons(out)[[*keys, *ITEM_COLUMNS]]


def _prediction_summary(data: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Location of predictions relative to the truth, per item."""
    answered = data.dropna(subset=["prediction", "truth"]).assign(
        error=lambda d: d["prediction"] - d["truth"],
        over=lambda d: (d["prediction"] > d["truth"]).astype(float),
        under=lambda d: (d["prediction"] < d["truth"]).astype(float),
    )
    grouped = answered.groupby(keys, sort=True)
    return pd.DataFrame(
        {
            "n": grouped["prediction"].size(),
            "mean_prediction": grouped["prediction"].mean(),
            "median_prediction": grouped["prediction"].median(),
            "truth": grouped["truth"].mean(),
            "mean_error": grouped["error"].mean(),
            "share_over": grouped["over"].mean(),
            "share_under": grouped["under"].mean(),
        }
    )


def _false_consensus(data: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Pearson r(own, prediction) per item from centred sums, with spreads for reasons."""
    both = data.dropna(subset=["own", "prediction"])
    grouped = both.groupby(keys, sort=True)
    own_c = both["own"] - grouped["own"].transform("mean")
    pred_c = both["prediction"] - grouped["prediction"].transform("mean")
    sums = pd.DataFrame({"oo": own_c**2, "pp": pred_c**2, "op": own_c * pred_c}).groupby(
        [both[k] for k in keys], sort=True
    ).sum()
    r = sums["op"] / np.sqrt(sums["oo"] * sums["pp"])
    return pd.DataFrame(
        {
            "false_consensus_n": grouped["own"].size(),
            "false_consensus_r": r.clip(-1, 1),
            "own_constant": _is_constant(grouped["own"]),
            "prediction_constant": _is_constant(grouped["prediction"]),
        }
    )


def _is_constant(values) -> pd.Series:
    """Spread at most REL_TOL of the magnitude, as for persons in analysis.metrics."""
    low, high = values.min(), values.max()
    return (high - low) <= REL_TOL * np.maximum(low.abs(), high.abs())


def _with_reasons(out: pd.DataFrame) -> pd.DataFrame:
    """Add why false_consensus_r is undefined, and blank it where it is."""
    n = out["false_consensus_n"]
    own_constant = out["own_constant"].fillna(True).astype(bool)
    prediction_constant = out["prediction_constant"].fillna(True).astype(bool)
    few = n < MIN_PERSONS_CORRELATION
    reason = np.select(
        [few, own_constant, prediction_constant],
        [
            "false_consensus_r undefined: needs at least 3 participants with own answer and prediction (has "
            + n.astype(str)
            + ")",
            "false_consensus_r undefined: own answers do not vary",
            "false_consensus_r undefined: predictions do not vary",
        ],
        "",
    )
    defined = reason == ""
    return out.assign(false_consensus_r=out["false_consensus_r"].where(defined), reason=reason)
