"""Statements of the busiest page, compiled by SQLAlchemy once and run on the driver's own cursor.

Per execution, SQLAlchemy Core spends more CPU than the database driver itself: the
statement's cache key, an execution context, the result object. The item page runs one
statement per request (two per saved answer), so for those few a :class:`DriverStatement`
keeps SQLAlchemy's compiled SQL for the connection's database and hands it, with the
parameters, straight to the DBAPI cursor of a SQLAlchemy :class:`~sqlalchemy.Connection`.

What SQLAlchemy adds around a statement is kept: the engine's ``before_cursor_execute``
listeners see it, the columns' type conversions apply (SQLite keeps datetimes as text), a
driver error becomes SQLAlchemy's exception (a lost database is an ``OperationalError``,
answered with a 503), and a connection the server dropped is invalidated, so
calibrate.infra.database replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class _Compiled:
    sql: str
    defaults: dict[str, Any]
    positions: tuple[str, ...] | None  # parameter names in order, for drivers with positional parameters
    binds: tuple[tuple[str, Callable], ...]  # (name, conversion) for parameters whose type converts values


class DriverStatement:
    """A Core statement, compiled once per dialect, executed on the connection's DBAPI cursor."""

    def __init__(self, statement: ClauseElement, placeholders: Mapping[str, Any] | None = None):
        """``placeholders``: a value for each bound parameter, used once to render a statement's constants
        that SQLAlchemy keeps for execution time (a separator, say) into the SQL."""
        self.statement = statement
        self.placeholders = dict(placeholders or {})
        self._by_dialect: dict[str, _Compiled] = {}
        self._results: dict[str, tuple[Callable | None, ...]] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            expanded = compiled.construct_expanded_state(self.placeholders)
            sql, positions = expanded.statement, expanded.positiontup
        else:
            sql, positions = compiled.string, compiled.positiontup
        binds = []
        for bind in compiled.binds.values():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((bind.key, process))
        defaults = {name: value for name, value in compiled.params.items() if name not in self.placeholders}
        return _Compiled(
            sql=sql,
            defaults=defaults,
            positions=tuple(positions) if dialect.positional else None,
            binds=tuple(binds),
        )

    def _conversions(self, dialect: Dialect, cursor) -> tuple[Callable | None, ...]:
        """Each result column's conversion (or None), from its type and the driver's column types.

        Worked out once: the driver builds its column descriptions anew whenever they are read.
        """
        conversions = self._results.get(dialect.name)
        if conversions is None:
            conversions = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(self.statement.selected_columns, cursor.description)
            )
            conversions = self._results[dialect.name] = conversions if any(conversions) else ()
        return conversions

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple]:
        """Run with these parameters; returns the rows (empty for a statement that returns none)."""
        dialect = connection.dialect
        compiled = self._compiled(dialect)
        values = {**compiled.defaults, **params}
        for name, process in compiled.binds:
            values[name] = process(values[name])
        parameters = tuple(values[name] for name in compiled.positions) if compiled.positions is not None else values
        driver = connection.connection.dbapi_connection
        sql, cursor = compiled.sql, driver.cursor()
        try:
            for listener in connection.dispatch.before_cursor_execute:
                sql, parameters = listener(connection, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            rows = cursor.fetchall() if self.statement.is_select else []
            conversions = self._conversions(dialect, cursor) if rows else ()
        except dialect.loaded_dbapi.Error as error:
            dropped = dialect.is_disconnect(error, driver, cursor)
            if dropped:
                connection.invalidate(error)
            raise DBAPIError.instance(
                sql, parameters, error, dialect.loaded_dbapi.Error,
                hide_parameters=True, connection_invalidated=dropped, dialect=dialect,
            ) from error
        finally:
            cursor.close()
        if conversions:
            rows = [tuple(value if convert is None else convert(value) for value, convert in zip(row, conversions)) for row in rows]
        return rows
