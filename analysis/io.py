"""Reading and validating long-format responses (the columns of :func:`analysis.person_metrics`).

Validation names every bad row and field at once, with row numbers as a
spreadsheet shows them (the header is line 1, the first data row is row 2),
so an analyst can fix a file in one pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import ResponseDataError, ResponseFileError
from analysis.metrics import REQUIRED_COLUMNS

__all__ = [
    "ID_COLUMNS",
    "NUMERIC_COLUMNS",
    "ResponseDataError",
    "ResponseFileError",
    "read_responses",
    "validate_responses",
]

ID_COLUMNS = ("participant_id", "item_id")
"""Identifier columns; always strings (an id like ``007`` keeps its zeros)."""

NUMERIC_COLUMNS = (
    "round", "own", "prediction", "lower", "upper", "research", "truth",
    "item_min", "item_max", "own_min", "own_max", "empathy",
)
"""Columns that must hold numbers when present (``research`` may be empty: no research shown)."""

PARQUET_SUFFIXES = (".parquet", ".pq")
MAX_LISTED_PROBLEMS = 20
FIRST_DATA_ROW = 2  # the header is line 1 of the file


def read_responses(path: str | Path) -> pd.DataFrame:
    """Read a responses file, CSV or Parquet (chosen by the file suffix).

    Parameters
    ----------
    path : str or pathlib.Path
        ``.parquet``/``.pq`` files are read with pyarrow; anything else as
        CSV (UTF-8, a byte-order mark from spreadsheet exports is accepted).

    Returns
    -------
    pandas.DataFrame
        The rows in file order with a fresh RangeIndex, so that
        :func:`validate_responses` can report file row numbers.
        ``participant_id`` and ``item_id`` are strings.

    Raises
    ------
    ResponseFileError
        If the file does not exist or cannot be parsed as CSV/Parquet.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "responses.csv"
    >>> _ = path.write_text("participant_id,item_id,own,prediction,truth\\n"
    ...                     "007,a,3,40,45\\n007,b,5,60,55\\n", encoding="utf-8")
    >>> frame = read_responses(path)
    >>> frame["participant_id"].tolist()  # ids stay strings and keep their zeros
    ['007', '007']
    >>> frame["prediction"].tolist()
    [40, 60]
    >>> read_responses(Path(folder.name) / "missing.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.ResponseFileError: cannot read ...missing.csv: no such file
    >>> folder.cleanup()
    """
    path = Path(path)
    if not path.exists():
        raise ResponseFileError(f"cannot read {path}: no such file")
    if not path.is_file():
        raise ResponseFileError(f"cannot read {path}: not a file")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype={c: str for c in ID_COLUMNS}, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ResponseFileError(f"cannot read {path}: {error}") from error
    return _ids_as_strings(frame.reset_index(drop=True))


def _ids_as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Identifier columns as strings, keeping missing values missing."""
    out = frame.copy()
    for column in ID_COLUMNS:
        if column in out:
            out[column] = out[column].astype("str")
    return out


def validate_responses(responses: pd.DataFrame) -> pd.DataFrame:
    """Check responses and return them with clean types.

    Parameters
    ----------
    responses : pandas.DataFrame
        Rows in file order (as :func:`read_responses` returns them); row
        numbers in messages are ``position + 2``.

    Returns
    -------
    pandas.DataFrame
        A copy with ``participant_id``/``item_id`` as strings, numeric
        columns as float and ``round`` as int (missing rounds become 1).

    Raises
    ------
    ResponseDataError
        Listing every problem: a missing required column (named); an empty
        id; a non-numeric or non-finite value (column, row, value); a round
        that is not a whole number >= 1; a range whose min is not below its
        max; a prediction, truth, lower, upper or research estimate outside
        ``[item_min, item_max]`` or an own answer outside
        ``[own_min, own_max]`` (falling back to the item range); lower above
        upper; the same participant, item and round twice (all rows named).
        ``error.problems`` holds one line per problem.

    Examples
    --------
    >>> import pandas as pd
    >>> clean = validate_responses(pd.DataFrame({
    ...     "participant_id": [7, 7], "item_id": ["a", "b"], "round": [1, None],
    ...     "own": ["3", "5"], "prediction": [40, 60], "truth": [45, 55]}))
    >>> clean["participant_id"].tolist(), clean["round"].tolist(), clean["own"].tolist()
    (['7', '7'], [1, 1], [3.0, 5.0])

    Every problem is listed at once, with spreadsheet row numbers:

    >>> bad = pd.DataFrame({
    ...     "participant_id": ["p1", "p1", "p1"], "item_id": ["a", "b", "a"],
    ...     "own": ["3", "five", "4"], "prediction": [40, 140, 50], "truth": [45, 55, 45],
    ...     "item_min": 0, "item_max": 100})
    >>> try:
    ...     validate_responses(bad)
    ... except ResponseDataError as error:
    ...     print(error)
    3 problem(s) in the responses:
      rows 2, 4: duplicate answer for participant 'p1', item 'a', round 1
      row 3: own is not a number: 'five'
      row 3: prediction 140 is outside the range [0, 100] (item_min..item_max)
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in responses.columns]
    if missing:
        present = ", ".join(map(str, responses.columns)) or "none"
        raise ResponseDataError(f"missing required column(s): {', '.join(missing)} (columns found: {present})")
    if responses.empty:
        raise ResponseDataError("no responses: the file has a header but no data rows")
    data = _ids_as_strings(responses.reset_index(drop=True))
    rows = np.arange(len(data)) + FIRST_DATA_ROW
    problems = _empty_ids(data, rows)
    raw = {c: data[c] for c in NUMERIC_COLUMNS if c in data}
    for column, values in raw.items():
        numbers, column_problems = _to_numbers(column, values, rows)
        data[column] = numbers
        problems += column_problems
    problems += _round_problems(data, rows)
    problems += _range_problems(data, rows)
    problems += _interval_problems(data, rows)
    problems += _duplicate_problems(data, rows)
    if problems:
        messages = [text for _, text in sorted(problems, key=lambda problem: problem[0])]
        raise ResponseDataError(_summary(messages), messages)
    if "round" in data:
        data["round"] = data["round"].fillna(1).astype(np.int64)
    return data


def _summary(problems: list[str]) -> str:
    """One message listing the first problems and counting the rest."""
    shown = problems[:MAX_LISTED_PROBLEMS]
    lines = [f"{len(problems)} problem(s) in the responses:", *(f"  {p}" for p in shown)]
    if len(problems) > len(shown):
        lines.append(f"  ... and {len(problems) - len(shown)} more")
    return "\n".join(lines)


def _show(value) -> str:
    """A value as the user typed it: strings quoted, numbers plain."""
    if isinstance(value, str):
        return repr(value)
    return f"{value:g}" if isinstance(value, (int, float, np.number)) else repr(value)


def _empty_ids(data: pd.DataFrame, rows: np.ndarray) -> list[tuple[int, str]]:
    problems = []
    for column in ID_COLUMNS:
        values = data[column]
        empty = values.isna() | (values.str.strip() == "")
        problems += [(row, f"row {row}: {column} is empty") for row in rows[empty.to_numpy()]]
    return problems


def _to_numbers(column: str, values: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Floats of a column, and a problem for every value that is not a finite number."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = (values.notna().to_numpy() & ~np.isfinite(numbers))
    raw = values.to_numpy(dtype=object)
    problems = []
    for i in np.flatnonzero(bad):
        what = "is infinite" if np.isinf(numbers[i]) else "is not a number"
        problems.append((rows[i], f"row {rows[i]}: {column} {what}: {_show(raw[i])}"))
    return numbers, problems


def _round_problems(data: pd.DataFrame, rows: np.ndarray) -> list[tuple[int, str]]:
    if "round" not in data:
        return []
    rounds = data["round"].to_numpy()
    bad = np.isfinite(rounds) & ((rounds != np.round(rounds)) | (rounds < 1))
    return [
        (rows[i], f"row {rows[i]}: round must be a whole number of at least 1: {_show(rounds[i])}")
        for i in np.flatnonzero(bad)
    ]


def _column(data: pd.DataFrame, column: str) -> np.ndarray:
    return data[column].to_numpy(dtype=float) if column in data else np.full(len(data), np.nan)


def _range_problems(data: pd.DataFrame, rows: np.ndarray) -> list[tuple[int, str]]:
    """Ranges must be proper, and answers must lie within them."""
    item_min, item_max = _column(data, "item_min"), _column(data, "item_max")
    own_min, own_max = _column(data, "own_min"), _column(data, "own_max")
    problems = _bad_bounds("item_min", "item_max", item_min, item_max, rows)
    problems += _bad_bounds("own_min", "own_max", own_min, own_max, rows)
    for column in ("prediction", "truth", "lower", "upper", "research"):
        problems += _outside(column, _column(data, column), item_min, item_max, "item_min..item_max", rows)
    has_own_range = np.isfinite(own_min) & np.isfinite(own_max)
    problems += _outside(
        "own",
        _column(data, "own"),
        np.where(has_own_range, own_min, item_min),
        np.where(has_own_range, own_max, item_max),
        "own_min..own_max, else item_min..item_max",
        rows,
    )
    return problems


def _bad_bounds(low_name, high_name, low, high, rows) -> list[tuple[int, str]]:
    bad = np.isfinite(low) & np.isfinite(high) & ~(low < high)
    return [
        (rows[i], f"row {rows[i]}: {low_name} ({_show(low[i])}) must be less than {high_name} ({_show(high[i])})")
        for i in np.flatnonzero(bad)
    ]


def _outside(column, values, low, high, bounds_name, rows) -> list[tuple[int, str]]:
    """Values outside proper bounds (improper bounds are reported by _bad_bounds)."""
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(values) & (low < high) & ((values < low) | (values > high))
    return [
        (
            rows[i],
            f"row {rows[i]}: {column} {_show(values[i])} is outside the range "
            f"[{_show(low[i])}, {_show(high[i])}] ({bounds_name})",
        )
        for i in np.flatnonzero(bad)
    ]


def _interval_problems(data: pd.DataFrame, rows: np.ndarray) -> list[tuple[int, str]]:
    lower, upper = _column(data, "lower"), _column(data, "upper")
    with np.errstate(invalid="ignore"):
        bad = lower > upper
    return [
        (rows[i], f"row {rows[i]}: lower ({_show(lower[i])}) is greater than upper ({_show(upper[i])})")
        for i in np.flatnonzero(bad)
    ]


def _duplicate_problems(data: pd.DataFrame, rows: np.ndarray) -> list[tuple[int, str]]:
    """The same participant, item and round twice; all rows of each duplicate named."""
    keys = data[["participant_id", "item_id"]].copy()
    keys["round"] = data["round"].fillna(1).to_numpy() if "round" in data else 1
    duplicated = keys.duplicated(keep=False).to_numpy()
    if not duplicated.any():
        return []
    dupes = keys[duplicated].assign(row=rows[duplicated])
    problems = []
    for (participant, item, round_), group in dupes.groupby(["participant_id", "item_id", "round"], sort=False):
        listed = ", ".join(map(str, group["row"]))
        problems.append(
            (
                group["row"].iloc[0],
                f"rows {listed}: duplicate answer for participant {participant!r}, "
                f"item {item!r}, round {_show(round_)}",
            )
        )
    return problems
