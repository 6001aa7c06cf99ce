"""A small bundled example data set for the examples in the docstrings.

The data are **simulated**: nobody answered these items and the "true"
values are invented.  They exist so that every example in the
documentation can start from the same realistic, long-format table and a
reader can reproduce its output.  Do not read any of the numbers as a
finding about marketers or consumers.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["example_responses"]

EXAMPLE_FILE = "example_responses.csv"


def example_responses() -> pd.DataFrame:
    """Simulated responses of 8 participants to 8 items, in long format.

    The file ``analysis/data/example_responses.csv`` ships with the package.
    It was generated once from a fixed random seed (the generating script is
    not kept; the model is described here and in
    ``analysis/data/README.md``):

    * items ``i1``-``i8`` with an invented "true" share ``truth`` in percent
      (15-85, the same for every participant);
    * participants ``p1``-``p8``: ``p1``-``p4`` in the ``control``
      condition, ``p5``-``p8`` in ``market_research``;
    * ``own``: the participant's own answer on a 0-100 scale (uniform);
    * ``prediction`` (whole percent, 0-100): the truth plus a personal
      offset, plus an egocentric pull ``b * (own - 50)`` with a personal
      weight ``b`` drawn around 0.3, plus noise;
    * in ``market_research`` a ``research`` estimate (the truth plus noise)
      is shown on items ``i1, i3, i5, i7`` and the prediction moves
      half-way toward the estimate's deviation from the truth; ``research``
      is empty wherever nothing was shown (all of ``control``);
    * ``lower`` and ``upper``: an 80% range around the prediction;
    * ``empathy``: a self-report score on a 1-7 scale, drawn independently
      of everything else (any relation to the weights is chance).

    There is one round and no ``item_min``/``item_max``: every answer is
    already on a 0-100 scale.

    Returns
    -------
    pandas.DataFrame
        64 rows (participant x item) with the columns ``participant_id,
        condition, item_id, own, prediction, lower, upper, truth, research,
        empathy``; ids are strings, ``research`` is NaN where no research was
        shown.

    Examples
    --------
    >>> from analysis.datasets import example_responses
    >>> df = example_responses()
    >>> df.shape
    (64, 10)
    >>> df.columns.tolist()
    ['participant_id', 'condition', 'item_id', 'own', 'prediction', 'lower', 'upper', 'truth', 'research', 'empathy']
    >>> df[["participant_id", "condition", "item_id", "own", "prediction", "truth"]].head(3)
      participant_id condition item_id  own  prediction  truth
    0             p1   control      i1   36          50     50
    1             p1   control      i2   67          31     31
    2             p1   control      i3   25          64     69
    >>> df.groupby("condition")["participant_id"].nunique().to_dict()
    {'control': 4, 'market_research': 4}
    >>> int(df["research"].notna().sum())
    16
    """
    source = resources.files("analysis") / "data" / EXAMPLE_FILE
    with source.open("rb") as handle:
        return pd.read_csv(handle, dtype={"participant_id": str, "item_id": str, "condition": str})
