"""Exceptions raised by the analysis package."""

__all__ = ["ResponseDataError", "ResponseFileError"]


class ResponseDataError(ValueError):
    """Responses that cannot be analysed: the message says what is wrong and where.

    ``problems`` holds one human-readable line per problem found, so a caller
    (the web upload form, the CLI) can show every bad row at once.

    Examples
    --------
    >>> error = ResponseDataError("2 problem(s) in the responses", ["row 2: own is empty", "row 5: truth is empty"])
    >>> error.problems
    ['row 2: own is empty', 'row 5: truth is empty']

    Without a list the message is the only problem, and the error is a
    :class:`ValueError`:

    >>> ResponseDataError("missing required column(s): truth").problems
    ['missing required column(s): truth']
    >>> isinstance(error, ValueError)
    True
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems) if problems else [message]


class ResponseFileError(OSError):
    """A responses file that cannot be read at all (missing, unreadable, not CSV/Parquet).

    An :class:`OSError`, raised by :func:`analysis.read_responses`.

    Examples
    --------
    >>> from analysis import read_responses
    >>> read_responses("no-such-folder/responses.csv")
    Traceback (most recent call last):
    ...
    analysis.errors.ResponseFileError: cannot read no-such-folder/responses.csv: no such file
    """
