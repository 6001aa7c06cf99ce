"""Reading a trainer's respondent-level survey file (CSV or XLSX) into a table of text cells.

Every cell is kept as text: the numbers a statistic needs are converted when an item
is computed (calibrate.authoring.survey_items), so a bad cell is reported with its
row and column there instead of silently becoming NaN here. Nothing in the file is
executed or evaluated: CSV is parsed as data, XLSX cells are read as stored values.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd

from flask_babel import gettext as _

from calibrate.domain.exercises import amount, at_line, problem

MAX_SURVEY_BYTES = 5_000_000
MAX_SURVEY_ROWS = 50_000
MAX_SURVEY_COLUMNS = 200
MAX_COLUMN_NAME = 80
SURVEY_SUFFIXES = (".csv", ".xlsx")


class SurveyFileError(ValueError):
    """Raised with every problem of an uploaded survey file."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _decode(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SurveyFileError([problem(
            at_line(name, line), _("is not UTF-8 text (byte 0x%(byte)02x)", byte=raw[exc.start]),
            _("save it as UTF-8 (Excel: 'CSV UTF-8 (comma delimited)'), or upload the .xlsx file itself"),
        )]) from exc


def _read_csv(name: str, raw: bytes) -> pd.DataFrame:
    text = _decode(name, raw)
    try:
        dialect = csv.Sniffer().sniff(text[:10_000], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                           engine="python", skip_blank_lines=True)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise SurveyFileError([problem(name, _("cannot be read as CSV (%(error)s)", error=exc),
                                       _("save it as comma-separated values with a header row"))]) from exc


def _read_xlsx(name: str, raw: bytes) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise SurveyFileError([problem(name, _("is not an Excel workbook (.xlsx)"),
                                       _("save it from Excel or LibreOffice as .xlsx, or as CSV UTF-8"))]) from exc
    if unpacked > 10 * MAX_SURVEY_BYTES:
        raise SurveyFileError([problem(name, _("unpacks to %(size)s bytes, more than the limit of %(limit)s",
                                               size=amount(unpacked), limit=amount(10 * MAX_SURVEY_BYTES)),
                                       _("upload fewer rows or columns"))])
    try:
        frame = pd.read_excel(io.BytesIO(raw), sheet_name=0, dtype=str, engine="openpyxl")
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        raise SurveyFileError([problem(name, _("cannot be read as an Excel workbook (%(error)s)", error=exc),
                                       _("save the first sheet with one header row, or upload CSV UTF-8"))]) from exc
    return frame.fillna("")


def read_survey(name: str, raw: bytes) -> pd.DataFrame:
    """The file's first sheet or table as text cells with its header row; raises SurveyFileError with every problem."""
    if not raw:
        raise SurveyFileError([problem(name, _("is empty"), _("upload the file with one header row and one row per "
                                                              "respondent (or per choice)"))])
    if len(raw) > MAX_SURVEY_BYTES:
        raise SurveyFileError([problem(name, _("is %(size)s bytes, more than the limit of %(limit)s",
                                               size=amount(len(raw)), limit=amount(MAX_SURVEY_BYTES)),
                                       _("upload only the columns the exercise needs"))])
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if f".{suffix}" not in SURVEY_SUFFIXES:
        raise SurveyFileError([problem(name, _("is neither .csv nor .xlsx"), _("upload a CSV (UTF-8) or an .xlsx file"))])
    frame = _read_xlsx(name, raw) if suffix == "xlsx" else _read_csv(name, raw)
    frame.columns = [str(column).strip() for column in frame.columns]
    frame = frame.astype(str).apply(lambda column: column.str.strip())
    problems = []
    if len(frame.columns) > MAX_SURVEY_COLUMNS:
        problems.append(problem(name, _("has %(count)s columns, more than the limit of %(limit)s",
                                        count=amount(len(frame.columns)), limit=amount(MAX_SURVEY_COLUMNS)),
                                _("keep only the columns the exercise needs")))
    if len(frame) > MAX_SURVEY_ROWS:
        problems.append(problem(name, _("has %(count)s rows, more than the limit of %(limit)s",
                                        count=amount(len(frame)), limit=amount(MAX_SURVEY_ROWS)),
                                _("upload a sample, or aggregate it into items.csv yourself")))
    if len(frame) == 0:
        problems.append(problem(name, _("has a header but no rows"), _("add one row per respondent (or per choice)")))
    for position, column in enumerate(frame.columns, start=1):
        where = _("%(file)s, column %(number)s", file=name, number=position)
        if not column or column.startswith("Unnamed:"):
            problems.append(problem(where, _("has no name"), _("give every column a header")))
        elif len(column) > MAX_COLUMN_NAME:
            problems.append(problem(where, _("name is longer than %(limit)s characters", limit=MAX_COLUMN_NAME),
                                    _("shorten it")))
    duplicates = sorted({column for column in frame.columns if list(frame.columns).count(column) > 1})
    if duplicates or any(column.rsplit(".", 1)[0] in frame.columns and column != column.rsplit(".", 1)[0]
                         and column.rsplit(".", 1)[-1].isdigit() for column in frame.columns):
        problems.append(problem(name, _("has repeated column names"), _("give every column its own name")))
    if problems:
        raise SurveyFileError(problems)
    return frame


def frame_from_text(text: str) -> pd.DataFrame:
    """A stored draft's table back from its CSV text, every cell as text."""
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
