"""Exports: the tables of the codebook for a selection, written as CSV, JSON or Parquet, alone or as one zip.

Everything streams.  Participants are read in batches of `BATCH_PEOPLE`
(ids first, then their rows), each batch is written before the next is read,
and item statistics are computed one item at a time, so memory grows with one
batch and the per-person metrics (one row per person and round, needed whole
for the group tests), never with the number of answers
(benchmarks/bench_export.py measures 100,000 participants).

Who sees which rows is decided by `calibrate.domain.scope` alone; this module
never filters by owner itself.  Column names, order and types come from the
codebook (`calibrate.domain.codebook`).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from analysis import condition_tests, group_tests, item_stats, person_metrics, plain_value
from calibrate.domain import codebook
from calibrate.domain.codebook import BOOLEAN, DATETIME, INTEGER, NUMBER, STRING, Table
from calibrate.domain.long_format import long_frame
from calibrate.domain.scope import Selection, participant_filter, participant_ids
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item, Participant, Response, User, Workshop

BATCH_PEOPLE = 2000
BETWEEN_WORKSHOPS = "between_workshops"
"""`by` of the group-test rows that compare workshops with each other (A and B are workshop codes)."""
FORMATS = {"csv": "text/csv", "json": "application/json", "parquet": "application/vnd.apache.parquet"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection")."""

_ARROW_TYPES = {STRING: pa.string(), INTEGER: pa.int64(), NUMBER: pa.float64(), BOOLEAN: pa.bool_(),
                DATETIME: pa.timestamp("us", tz="UTC")}


class ExportError(ValueError):
    """An export that cannot be made as asked (an unknown table or format); the message says which."""


def file_name(table: str, fmt: str) -> str:
    return f"{table}.{fmt}"


@dataclass
class Export:
    """The tables of one selection as one user may see them; `progress(n)` is told of each batch of n people."""

    user: User
    selection: Selection
    progress: Callable[[int], None] = lambda people: None
    _metrics: pd.DataFrame | None = field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ who
    def people(self) -> list[int]:
        return list(db.session.scalars(participant_ids(self.user, self.selection)))

    def batches(self) -> Iterator[list[int]]:
        ids = self.people()
        for start in range(0, len(ids), BATCH_PEOPLE):
            yield ids[start : start + BATCH_PEOPLE]

    # ------------------------------------------------------------------ tables, as chunks in codebook order
    def chunks(self, table: str) -> Iterator[pd.DataFrame]:
        builders = {
            "responses": self._responses,
            "participants": self._participants,
            "items": self._items,
            "metrics": self._metric_chunks,
            "group_tests": self._group_tests,
            "item_stats": self._item_stats,
        }
        layout = _table(table)
        for chunk in builders[table]():
            yield conform(chunk, layout)

    def frame(self, table: str) -> pd.DataFrame:
        """A whole table at once (for the statistics page and the API, which show one selection's results)."""
        parts = list(self.chunks(table))
        return pd.concat(parts, ignore_index=True) if parts else conform(pd.DataFrame(), codebook.TABLES[table])

    def _long(self, batch: list[int]) -> pd.DataFrame:
        long = long_frame(participant_ids=batch)
        return long[long["round"].isin(self.selection.rounds)] if self.selection.rounds else long

    def _responses(self) -> Iterator[pd.DataFrame]:
        for batch in self.batches():
            yield self._long(batch)
            self.progress(len(batch))

    def _participants(self) -> Iterator[pd.DataFrame]:
        for batch in self.batches():
            rows = db.session.execute(
                select(
                    Participant.id.label("participant_id"),
                    Exercise.slug.label("exercise"),
                    Exercise.version.label("exercise_version"),
                    Workshop.code.label("workshop"),
                    Participant.pseudonym,
                    Participant.condition,
                    Participant.empathy_score.label("empathy"),
                    Participant.consented_at,
                    Participant.instructions_seen_at,
                    Participant.finished_round1_at,
                    Participant.round2_started_at,
                    Participant.finished_round2_at,
                    Participant.last_seen_at,
                )
                .join(Participant.exercise)
                .outerjoin(Participant.workshop)
                .where(Participant.id.in_(batch))
                .order_by(Participant.id)
            )
            yield pd.DataFrame([row._asdict() for row in rows])
            self.progress(len(batch))

    def _exercise_ids(self) -> list[int]:
        query = select(Participant.exercise_id).where(participant_filter(self.user, self.selection)).distinct()
        return list(db.session.scalars(query))

    def _items(self) -> Iterator[pd.DataFrame]:
        items = db.session.scalars(
            select(Item).join(Item.exercise).where(Item.exercise_id.in_(self._exercise_ids()))
            .order_by(Exercise.slug, Exercise.version, Item.position)
        )
        yield pd.DataFrame([item_row(item) for item in items])

    def metrics(self) -> pd.DataFrame:
        """Per-person metrics of everyone selected, computed batch by batch and kept for the group tests."""
        if self._metrics is None:
            parts = [person_metrics(long) for long in map(self._long, self.batches()) if not long.empty]
            self._metrics = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return self._metrics

    def _metric_chunks(self) -> Iterator[pd.DataFrame]:
        metrics = self.metrics()
        for start in range(0, len(metrics), BATCH_PEOPLE):
            yield metrics.iloc[start : start + BATCH_PEOPLE]

    def _group_tests(self) -> Iterator[pd.DataFrame]:
        metrics = self.metrics()
        if metrics.empty:
            return
        yield group_test_rows(metrics)

    def _item_stats(self) -> Iterator[pd.DataFrame]:
        """Statistics per item, reading one item's answers at a time."""
        chosen = participant_filter(self.user, self.selection)
        items = db.session.execute(
            select(Item.id, Item.item_key, Exercise.slug, Exercise.version).join(Item.exercise)
            .where(Item.exercise_id.in_(self._exercise_ids())).order_by(Exercise.slug, Exercise.version, Item.position)
        ).all()
        for item_id, key, slug, version in items:
            query = (
                select(Response.round, Response.own, Response.prediction, Item.truth)
                .join(Response.participant).join(Response.item)
                .where(Response.item_id == item_id, chosen)
            )
            if self.selection.rounds:
                query = query.where(Response.round.in_(self.selection.rounds))
            answers = pd.DataFrame(db.session.execute(query).all(), columns=["round", "own", "prediction", "truth"])
            if answers.empty:
                continue
            stats = item_stats(answers.assign(item_id=key).astype({"own": float, "prediction": float, "truth": float}))
            yield stats.assign(exercise=slug, exercise_version=version, round=stats["round"] if "round" in stats else answers["round"].iloc[0])


def item_row(item: Item) -> dict:
    """An item with its exercise's provenance, as the items table has it."""
    exercise = item.exercise
    choices = "|".join(f"{value}={label}" for value, label in item.own_choices) if item.own_choices else None
    return {
        "exercise": exercise.slug, "exercise_version": exercise.version, "item_id": item.item_key,
        "position": item.position + 1, "label": item.label, "prompt": item.prompt, "own_prompt": item.own_prompt,
        "own_min": item.own_min, "own_max": item.own_max, "own_step": item.own_step, "own_choices": choices,
        "own_optional": item.own_optional, "unit": item.unit, "min": item.min, "max": item.max, "truth": item.truth,
        "n": item.n, "se": item.se, "segment": item.segment or None, "research_estimate": item.research_estimate,
        "research_low": item.research_low, "research_high": item.research_high, "research_sample": item.research_sample,
        "population": exercise.population, "source": exercise.source, "citation": exercise.citation,
        "license": exercise.license, "period": exercise.period, "sample_size": exercise.sample_size,
        "decision_kind": exercise.decision_kind,
    }


def group_test_rows(metrics: pd.DataFrame) -> pd.DataFrame:
    """Every group test for everyone and the egocentrism test per condition; with several workshops, every test per
    workshop too, and the workshops compared with each other (the engine's Welch ANOVA and Games-Howell pairs with
    the workshop in place of the condition: e.g. a room before and one after a training programme)."""
    frames = [_tests_frame(group_tests(metrics), "all")]
    frames.append(_tests_frame({"egocentrism": group_tests(metrics, by=["condition"])["egocentrism"]}, "condition"))
    if "workshop" in metrics and metrics["workshop"].nunique(dropna=True) > 1:
        frames.append(_tests_frame(group_tests(metrics, by=["workshop"]), "workshop"))
        in_workshops = metrics.dropna(subset=["workshop"]).assign(condition=lambda frame: frame["workshop"])
        anova, pairs = condition_tests(in_workshops, [])
        frames.append(_tests_frame({"conditions": anova, "pairs": pairs}, BETWEEN_WORKSHOPS))
    return pd.concat(frames, ignore_index=True)


def _tests_frame(tests: dict[str, pd.DataFrame], by: str) -> pd.DataFrame:
    rows = []
    for name, frame in tests.items():
        if frame.empty:
            rows.append(pd.DataFrame([{"test": name, "by": by, "reason": frame.attrs.get("reason", "")}]))
        else:
            rows.append(frame.assign(test=name, by=by))
    return pd.concat(rows, ignore_index=True)


def conform(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The frame with exactly the table's columns, in its order, as its types (missing columns empty)."""
    out = pd.DataFrame(index=frame.index)
    for column in table.columns:
        values = frame[column.name] if column.name in frame else pd.Series(None, index=frame.index, dtype=object)
        if column.type == NUMBER:
            out[column.name] = pd.to_numeric(values, errors="coerce").astype(float)
        elif column.type == INTEGER:
            out[column.name] = pd.to_numeric(values, errors="coerce").astype("Int64")
        elif column.type == BOOLEAN:
            out[column.name] = values.astype("boolean")
        elif column.type == DATETIME:
            out[column.name] = pd.to_datetime(values, utc=True)
        else:
            out[column.name] = values.map(lambda value: None if _missing(value) else str(value)).astype(object)
    return out.reset_index(drop=True)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


# ---------------------------------------------------------------------- writers


def defuse_formula(text: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (shown, never run)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return plain_value(value)


def python_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (datetimes stay datetimes, undefined is None), for the API's schemas."""
    def convert(value):
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        return plain_value(value)

    names = list(frame.columns)
    return [{name: convert(value) for name, value in zip(names, record)} for record in frame.itertuples(index=False, name=None)]


def csv_text(chunks: Iterable[pd.DataFrame], table: Table) -> Iterator[str]:
    """The header, then one block of CSV lines per chunk; text cells defused against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.names)
    texts = [column.type == STRING for column in table.columns]
    for chunk in chunks:
        for record in chunk.itertuples(index=False, name=None):
            writer.writerow(_csv_cell(raw, is_text) for raw, is_text in zip(record, texts))
        yield _drain(buffer)
    yield _drain(buffer)


def _csv_cell(raw, is_text: bool):
    value = _plain(raw)
    if value is None:
        return ""
    return defuse_formula(value) if is_text else value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_text(chunks: Iterable[pd.DataFrame], table: Table) -> Iterator[str]:
    """A JSON array of row objects, one block per chunk (pandas.read_json and R's jsonlite read it as a table)."""
    separator = "[\n"
    for chunk in chunks:
        lines = []
        for record in chunk.itertuples(index=False, name=None):
            row = {name: _plain(value) for name, value in zip(table.names, record)}
            lines.append(separator + json.dumps(row, ensure_ascii=False, allow_nan=False))
            separator = ",\n"
        yield "".join(lines)
    yield "[]\n" if separator == "[\n" else "\n]\n"


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(column.name, _ARROW_TYPES[column.type], nullable=column.nullable) for column in table.columns])


def write_parquet(chunks: Iterable[pd.DataFrame], table: Table, out: IO[bytes]) -> None:
    """One row group per chunk, with the codebook's types even when a chunk has only empty values."""
    schema = arrow_schema(table)
    with pq.ParquetWriter(out, schema.with_metadata({"codebook": "codebook.json"})) as writer:
        wrote = False
        for chunk in chunks:
            writer.write_table(pa.Table.from_pandas(chunk, schema=schema, preserve_index=False))
            wrote = True
        if not wrote:
            writer.write_table(schema.empty_table())


def text_blocks(export: Export, table_name: str, fmt: str) -> Iterator[bytes]:
    """A CSV or JSON table as UTF-8 blocks, one per batch: a download starts before the export ends."""
    table = _table(table_name)
    if fmt not in ("csv", "json"):
        raise ExportError(f"{fmt!r} is not a text format; use csv or json")
    pieces = (csv_text if fmt == "csv" else json_text)(export.chunks(table_name), table)
    return (piece.encode("utf-8") for piece in pieces if piece)


def write_table(export: Export, table_name: str, fmt: str, out: IO[bytes]) -> None:
    """One table of the export in one format into a binary file."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if fmt == "parquet":
        write_parquet(export.chunks(table_name), _table(table_name), out)
        return
    for block in text_blocks(export, table_name, fmt):
        out.write(block)


def _table(name: str) -> Table:
    try:
        return codebook.TABLES[name]
    except KeyError:
        raise ExportError(f"unknown table {name!r}; tables: {', '.join(codebook.TABLES)}") from None


def codebook_files() -> dict[str, str]:
    return {"codebook.md": codebook.codebook_markdown(), "codebook.json": codebook.codebook_json()}


def write_zip(export: Export, fmt: str, out: IO[bytes]) -> None:
    """Every table in one format plus both codebook files, as one zip."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in codebook.TABLES:
            with archive.open(file_name(name, fmt), "w", force_zip64=True) as member:
                write_table(export, name, fmt, member)
        for name, text in codebook_files().items():
            archive.writestr(name, text)
