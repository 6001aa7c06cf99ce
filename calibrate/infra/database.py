"""Database helpers shared by the blueprints' services."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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


def statements_commit_alone() -> None:
    """Let each statement of this request commit by itself: no BEGIN, COMMIT or ROLLBACK round trips.

    For requests whose writes are each complete on their own, such as saving an answer
    (an idempotent upsert, then the participant's last-seen time): every round trip to
    the database costs the server CPU, and a transaction around them would add three.
    Only takes effect before the request's first statement; a session already in a
    transaction (a test holding the app context open) keeps it.
    """
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
