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
