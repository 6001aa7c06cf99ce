"""Database helpers shared by the blueprints' services."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from calibrate.infra.extensions import db

Row = TypeVar("Row")


def insert_unique(build: Callable[[], Row], attempts: int, failure: str) -> Row:
    """Insert a row whose unique value (such as a workshop join code) is drawn by `build`.

    A concurrent request may take the same value first; the unique constraint then
    rejects ours and a fresh value is drawn, so no lock is needed on any database.
    """
    for _ in range(attempts):
        row = build()
        db.session.add(row)
        try:
            db.session.commit()
            return row
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError(failure)


def autocommit_connection() -> Connection:
    """A connection of its own, outside the ORM session, on which each statement commits by itself.

    For requests whose writes are each complete on their own, such as saving an answer
    (an idempotent upsert, then the round's finished stamp): every round trip to the
    database costs the server CPU, and a transaction around them would add three (BEGIN,
    COMMIT or ROLLBACK); the session's bookkeeping costs more than the statements. Use it
    in a ``with`` block, which returns it to the pool.
    """
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
