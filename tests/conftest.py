"""Shared fixtures: a migrated real database (SQLite, or PostgreSQL via CALIBRATE_TEST_DATABASE_URL)."""

from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from calibrate import create_app
from calibrate.domain.exercises import load_exercises
from calibrate.infra.extensions import db, limiter
from calibrate.infra.resources import resource_dir


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("CALIBRATE_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # `make test` runs the suite in parallel workers (pytest-xdist)
    return _database_of_worker(url, worker) if worker else url


def _database_of_worker(url: str, worker: str) -> str:
    """A PostgreSQL database of this worker's own ("test_gw0"), created when missing: each run drops its schema."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_schema(url: str) -> None:
    """Start PostgreSQL runs from an empty schema so migrations are tested from scratch."""
    if url.startswith("postgresql"):
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        _reset_schema(url)
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table after each test that touched the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def app_factory(app, monkeypatch):
    """Build another app on the same database with some settings changed.

    The Limiter object is shared by every app and `init_app` overwrites its
    `enabled` flag, so the flag is restored and the counters are cleared after the test.
    """
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)

    def _make(**overrides):
        settings = {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
        return create_app(settings | overrides)

    yield _make
    if limiter.enabled:
        limiter.reset()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def exercises(app_ctx):
    """The built-in exercises, loaded as `make run` does."""
    return load_exercises(resource_dir("experiments"))
