"""Exceptions raised by the analysis package."""

__all__ = ["ResponseDataError", "ResponseFileError"]


class ResponseDataError(ValueError):
    """Responses that cannot be analysed: the message says what is wrong and where.

    ``problems`` holds one human-readable line per problem found, so a caller
    (the web upload form, the CLI) can show every bad row at once.
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems) if problems else [message]


class ResponseFileError(OSError):
    """A responses file that cannot be read at all (missing, unreadable, not CSV/Parquet)."""
