"""Database helpers shared by the blueprints' services."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from calibrate.infra.extensions import db

Row = TypeVar("Row")
KEPT_CONNECTIONS = "calibrate.kept_connections"


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


class _Kept:
    """A thread's kept connection and when it was taken; the connection goes back to the pool when the thread ends."""

    def __init__(self, connection: Connection):
        self.connection, self.since = connection, time.monotonic()
        # A thread's locals are dropped when it ends (the development server runs each request in a new thread).
        weakref.finalize(self, connection.close)


@contextmanager
def kept_autocommit_connection() -> Iterator[Connection]:
    """This worker thread's own connection, outside the ORM session, on which each statement commits by itself.

    For the busiest page, whose writes are each complete on their own (an idempotent
    upsert of an answer, then the round's finished stamp): every round trip to the
    database costs the server CPU, and a transaction around them would add three (BEGIN,
    COMMIT or ROLLBACK). The connection stays checked out between requests, as a bare
    driver connection would: taking one from SQLAlchemy's pool and resetting it on
    return costs about as much as the page's statement. One that failed (SQLAlchemy
    invalidates it when the server went away) or is older than the pool's
    ``pool_recycle`` is replaced at the next request.
    """
    local = current_app.extensions.setdefault(KEPT_CONNECTIONS, threading.local())
    kept = getattr(local, "kept", None)
    recycle = current_app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_recycle", -1)
    if kept is not None and (
        kept.connection.invalidated or kept.connection.closed or 0 <= recycle < time.monotonic() - kept.since
    ):
        kept.connection.close()
        kept = None
    if kept is None:
        kept = local.kept = _Kept(db.engine.connect().execution_options(isolation_level="AUTOCOMMIT"))
    connection = kept.connection
    try:
        yield connection
    finally:
        if connection.in_transaction() and not connection.invalidated:
            connection.rollback()  # nothing to undo in autocommit; the next request starts with a clean slate


def register_session_close(app: Flask) -> None:
    """Close each request's ORM session without a 500 when the database dropped its connection meanwhile.

    Closing the session rolls back its transaction; when PostgreSQL restarted after the page
    was built, that rollback fails on the dead connection and, raised from Flask's teardown,
    would turn a finished page into a 500. SQLAlchemy has already invalidated the connection
    then (the pool replaces it), so the session is dropped and the page goes out. Registered
    after Flask-SQLAlchemy, this runs before its own teardown, which then finds nothing to close.
    """

    @app.teardown_appcontext
    def _close_session(error: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError as failure:
            if not failure.connection_invalidated:
                raise
            db.session.registry.clear()
            app.logger.warning("Database connection lost while closing the session: %s", type(failure.orig).__name__)
