"""Plain Python values out of the engine's tables: the one place where "undefined" becomes ``None``.

The engine marks an undefined number as NaN and hands out NumPy scalars; JSON has
no NaN, templates would print "nan", and a database column wants ``NULL``.  The
helper lives here rather than in the web app because the ``analyze`` command
(no Flask) needs it too, and rather than in :mod:`analysis.vocabulary` because
it is about values, not words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["plain_records", "plain_value"]


def plain_value(value):
    """A value as plain Python, with every kind of "undefined" as ``None``.

    Parameters
    ----------
    value : object
        Anything a :class:`pandas.DataFrame` cell can hold.

    Returns
    -------
    object
        ``None`` for ``None``, NaN, ±inf, ``pd.NA`` and ``NaT``; NumPy scalars
        as the matching Python scalar; anything else unchanged.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> plain_value(np.float64(0.25)), plain_value(np.int64(3)), plain_value("control")
    (0.25, 3, 'control')
    >>> [plain_value(v) for v in (np.nan, float("inf"), pd.NA, pd.NaT, None)]
    [None, None, None, None, None]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def plain_records(frame: pd.DataFrame) -> list[dict]:
    """Rows of ``frame`` as dicts of :func:`plain_value` values, ready for JSON and templates.

    Examples
    --------
    >>> import pandas as pd
    >>> plain_records(pd.DataFrame({"n": [3, 4], "b_own": [0.5, float("nan")]}))
    [{'n': 3, 'b_own': 0.5}, {'n': 4, 'b_own': None}]
    """
    columns = list(frame.columns)
    # One object array: itertuples goes through pandas' indexing for every column, ten times slower.
    rows = frame.to_numpy(dtype=object).tolist()
    return [{c: plain_value(v) for c, v in zip(columns, row)} for row in rows]
