"""Faults an operator meets: Redis or the database down, probes, and what the access log may contain."""

from __future__ import annotations

import gc
import html
import logging
import re
import socket
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from calibrate.infra.database import KEPT_CONNECTIONS
from calibrate.infra.extensions import db, limiter
from calibrate.infra.logs import TEXT_FORMAT, JsonLines
from calibrate.infra.ratelimits import answer_limit
from calibrate.models import Participant, Response
from calibrate.participant import services as participant_services
from tests.calibrate.test_security import count, start_participant
from tests.trainer.rooms import PASSWORD, make_account, separate_sign_ins, signed_in_client  # noqa: F401  (autouse)

ITEM_TEMPLATE = "/p/<token>/r<int:round_no>/item/<int:position>"


def closed_port() -> int:
    """A local TCP port nobody listens on (bound once by us, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(app_factory, monkeypatch):
    """An app whose rate limits live in a Redis that is not there.

    The Limiter object is shared by every app, so afterwards it is pointed back at
    memory storage and its "storage is dead" flag is cleared for the next tests.
    """
    monkeypatch.setattr(limiter, "_storage_dead", False)
    app = app_factory(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port()}/0",
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
    )
    yield app
    app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    limiter._storage_dead = False
    answer_limit._storage_down_until = 0.0


@pytest.fixture
def database_down(app_factory):
    """An app whose database is a PostgreSQL port nobody listens on."""
    return app_factory(
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://calibrate@127.0.0.1:{closed_port()}/calibrate",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
        RETRY_AFTER_SECONDS=7,
    )


# -- probes ---------------------------------------------------------------------------------------


def test_healthz_is_liveness_without_any_io(database_down):
    response = database_down.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_the_database(client, database_down):
    assert client.get("/readyz").json == {"status": "ok", "database": "ok", "redis": "not used"}
    response = database_down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"].startswith("error: ") and response.json["redis"] == "not used"


def test_readyz_pings_redis(app_factory):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip("no local Redis on 127.0.0.1:6379")
    # Rate limiting stays off in this app: the probe only sends PING, nothing is written to the shared Redis.
    app = app_factory(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    assert app.test_client().get("/readyz").json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_reports_redis_down(redis_down):
    response = redis_down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "ok" and response.json["redis"].startswith("error: ")


# -- Redis down -----------------------------------------------------------------------------------


def test_redis_down_falls_back_to_memory_and_logs_a_warning(redis_down, exercises, caplog):
    make_account("kim@example.org")
    client = redis_down.test_client()
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        assert client.post("/e/public-spending", data={"consent": "y"}).status_code == 302
        assert client.post("/login", data={"email": "kim@example.org", "password": PASSWORD}).status_code == 302
    assert any("falling back to in-memory storage" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert count(Participant) == 1


def test_redis_down_answers_are_saved_and_still_limited_in_memory(redis_down, exercises, caplog):
    redis_down.config["ANSWER_RATE_LIMIT"] = "2 per minute"
    client = redis_down.test_client()
    first_item = start_participant(client)
    limiter._storage_dead = False  # joining made Flask-Limiter notice; answers must notice by themselves too
    redis_down.logger.addHandler(caplog.handler)  # the app's logger does not propagate to the root
    statuses = [client.post(first_item, data={"own": "x"}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429], "counted in memory: the third answer within the minute is refused"
    assert any("falling back to in-memory storage for saved answers" in r.getMessage()
               for r in caplog.records if r.levelno == logging.WARNING)


def test_redis_down_still_limits_in_memory(redis_down, app_ctx):
    redis_down.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    client = redis_down.test_client()
    wrong = {"email": "nobody@example.org", "password": "wrong password!"}
    assert [client.post("/login", data=wrong).status_code for _ in range(3)] == [401, 401, 429]


# -- database down --------------------------------------------------------------------------------


def test_database_outage_is_a_503_with_retry_after(database_down):
    client = database_down.test_client()
    response = client.get("/e/public-spending")
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"
    assert 'data-status="503"' in response.text and "data-retry-after=\"7\"" in response.text
    assert "js/retry.js" in response.text, "a page that was only read reloads by itself"
    api = client.get("/api/v1/exercises", headers={"Authorization": "Bearer cal_checked-against-the-database"})
    assert api.status_code == 503 and api.headers["Retry-After"] == "7" and api.json["error"]["status"] == 503


def test_a_participants_typed_answer_survives_the_outage(database_down):
    client = database_down.test_client()
    url = "/p/" + "t" * 43 + "/r1/item/3"
    typed = {"csrf_token": "the-csrf-token", "own": "42", "prediction": "61,5", "lower": "<b>50</b>", "upper": "70"}
    response = client.post(url, data=typed)
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"
    page = response.text
    form = re.search(r'<form method="post" action="([^"]+)" data-resubmit>(.*?)</form>', page, re.S)
    assert form and form.group(1) == url, "the kept form posts to the same URL"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    assert {name: html.unescape(value) for name, value in hidden.items()} == typed, "every field, the CSRF token too"
    assert "<b>50</b>" not in page, "kept values are escaped"
    assert "Your prediction" in page and "61,5" in page, "the person sees what was kept"
    assert 'data-retry-after="7"' in page and "js/retry.js" in page and "<script>" not in page


def test_a_signed_in_trainer_gets_the_503_page_not_a_crash(app, app_ctx, database_down):
    trainer = signed_in_client(app, "kim@example.org")
    stranded = database_down.test_client()
    cookie = trainer.get_cookie("session")
    stranded.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)
    response = stranded.get("/trainer/")
    assert response.status_code == 503 and 'data-status="503"' in response.text


def test_a_failure_while_saving_writes_nothing_and_keeps_the_answer(client, exercises, monkeypatch):
    item = start_participant(client)

    def unreachable(*args, **kwargs):
        raise OperationalError("INSERT INTO response ...", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(participant_services, "save_answer", unreachable)
    response = client.post(item, data={"own": "40", "prediction": "55"})
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert 'name="own" value="40"' in response.text and 'name="prediction" value="55"' in response.text
    assert count(Response) == 0
    monkeypatch.undo()
    assert client.post(item, data={"own": "40", "prediction": "55"}).status_code == 302, "sending again works"
    assert count(Response) == 1


# -- the access log -------------------------------------------------------------------------------


def test_the_item_page_replaces_a_connection_the_server_dropped(app, client, exercises):
    """The item page keeps one connection per worker thread; one SQLAlchemy invalidated is not used again."""
    item = start_participant(client)
    assert client.get(item).status_code == 200
    kept = app.extensions[KEPT_CONNECTIONS].kept.connection
    assert client.get(item).status_code == 200 and app.extensions[KEPT_CONNECTIONS].kept.connection is kept
    kept.invalidate()  # what SQLAlchemy does when the server went away
    assert client.get(item).status_code == 200
    assert app.extensions[KEPT_CONNECTIONS].kept.connection is not kept


def test_access_log_has_the_route_template_and_never_the_token(app_factory, exercises, caplog, monkeypatch):
    app = app_factory()
    monkeypatch.setattr(app.logger, "propagate", True)  # let caplog see the app's records
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="calibrate"):
        item = start_participant(client)
        client.post(item, data={"own": "40", "prediction": "55"}, headers={"X-Request-ID": "trace-12345678"})
        client.get(item.replace("/item/", "/nothing/"))  # a 404 under a token
    token = re.search(r"/p/([^/]+)/", item).group(1)
    access = [r for r in caplog.records if r.name == "calibrate.access"]
    saved = next(r for r in access if r.request_id == "trace-12345678")
    assert saved.route == ITEM_TEMPLATE and saved.status == 302 and saved.method == "POST" and saved.duration_ms >= 0
    assert saved.getMessage().startswith(f"POST {ITEM_TEMPLATE} 302 ")
    assert any(r.status == 404 and r.route == "<no route>" for r in access)
    text, json_lines = logging.Formatter(TEXT_FORMAT), JsonLines()
    for record in caplog.records:
        assert token not in text.format(record) and token not in json_lines.format(record)
    assert '"status": 302' in json_lines.format(saved)


def test_database_errors_in_the_log_do_not_carry_the_token(app_factory, tmp_path, caplog, monkeypatch):
    """SQLAlchemy puts a failed statement's values into the error message; the engine hides them."""
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'not-migrated.sqlite3'}")
    monkeypatch.setattr(app.logger, "propagate", True)
    token = "secret" + "t" * 37
    with caplog.at_level(logging.INFO, logger="calibrate"):
        assert app.test_client().get(f"/p/{token}/feedback").status_code == 503  # no such table
    logged = "\n".join(logging.Formatter(TEXT_FORMAT).format(record) for record in caplog.records)
    assert "no such table" in logged and "hidden due to hide_parameters" in logged
    assert token not in logged


def test_gunicorn_config_turns_its_access_log_off(monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("CALIBRATE_WORKERS", "3")
    monkeypatch.setenv("CALIBRATE_BIND", "0.0.0.0:9000")
    settings: dict = {}
    exec((Path(__file__).parents[2] / "gunicorn.conf.py").read_text(), settings)
    assert settings["accesslog"] is None and settings["workers"] == 3 and settings["bind"] == "0.0.0.0:9000"
    assert settings["wsgi_app"] == "calibrate:create_app()" and settings["timeout"] > 0


def test_a_kept_connection_goes_back_to_the_pool_when_its_thread_ends(app, client, exercises):
    """The development server (and the browser tests' server) runs each request in a new thread."""
    item = start_participant(client)
    before = db.engine.pool.checkedout()
    gc.disable()  # returned as the thread ends, not whenever the garbage collector gets to it
    try:
        for _ in range(3):
            worker = threading.Thread(target=lambda: client.get(item))
            worker.start()
            worker.join()
        assert db.engine.pool.checkedout() == before
    finally:
        gc.enable()


def test_a_connection_dropped_before_the_session_closes_is_no_500(app):
    """PostgreSQL restarting between building a page and closing its session: the rollback fails on a dead connection."""
    with app.test_request_context("/"):
        assert db.session.scalar(select(func.count(Participant.id))) == 0  # the session holds a connection now
        db.session.connection().connection.dbapi_connection.close()  # as the server's restart does
    with app.test_request_context("/"):
        assert db.session.scalar(select(func.count(Participant.id))) == 0, "the next request gets a working connection"


def test_gunicorn_error_lines_can_be_formatted_after_the_app_configured_logging(app):
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1, "Error handling request", (), None)
    assert f"[{record.process}]" in logging.Formatter("%(asctime)s [%(process)d] [%(levelname)s] %(message)s").format(record)
