"""The access log's direct path writes exactly the lines logging would, and steps aside for any other set-up."""

from __future__ import annotations

import io
import json
import logging

import pytest

from calibrate.infra.logs import ACCESS_LOGGER, AccessEntry, JsonLines

ITEM_ROUTE = "/p/<token>/r<int:round_no>/item/<int:position>"


def _record(entry: AccessEntry, created: float) -> logging.LogRecord:
    """The record `logger.log` makes for this entry, as the access hook logs it outside the direct path."""
    record = logging.getLogger(ACCESS_LOGGER).makeRecord(
        ACCESS_LOGGER, entry.level, "", 0, "%s %s %s %sms",
        (entry.method, entry.route, entry.status, entry.duration_ms if entry.duration_ms is not None else "-"), None,
        extra={"method": entry.method, "status": entry.status, "duration_ms": entry.duration_ms,
               "route": entry.route, "request_id": entry.request_id},
    )
    record.created = created
    record.msecs = int((created - int(created)) * 1000) + 0.0  # as LogRecord.__init__ sets it
    return record


@pytest.mark.parametrize("entry", [
    AccessEntry(logging.INFO, "GET", ITEM_ROUTE, 200, 1.2, "0123456789abcdef"),
    AccessEntry(logging.INFO, "POST", ITEM_ROUTE, 302, 12.0, "trace-12345678"),
    AccessEntry(logging.DEBUG, "GET", "/healthz", 200, 0.1, "-"),
    AccessEntry(logging.INFO, "GET", "<no route>", 404, None, "-"),
    AccessEntry(logging.INFO, "PROPFIND", '/odd "route" \\ with ünïcode\ttab', 405, 1234.5, "a.b_c-d"),
    AccessEntry(logging.INFO, 'G"ET\n', "/", 400, 0.0, 'id "with" quotes\\'),
])
@pytest.mark.parametrize("created", [1_700_000_000.0, 1_795_000_123.999, 1_795_000_124.0005])
def test_access_line_is_what_the_json_formatter_writes(entry, created):
    formatter = JsonLines()
    line = formatter.access_line(entry, created)
    assert line == formatter.format(_record(entry, created))
    assert json.loads(line)["route"] == entry.route


@pytest.fixture
def json_app(app_factory):
    return app_factory(LOG_FORMAT="json")


def _as_in_production(app, monkeypatch) -> io.StringIO:
    """The app's own handler alone on its logger, writing to a buffer.

    pytest attaches its capturing handlers to every logger that does not propagate, such as
    the app's; in production nothing else is there. Called in the test itself, after pytest
    attached them for the test's call.
    """
    handler = app.logger.handlers[0]
    monkeypatch.setattr(app.logger, "handlers", [handler])
    stream = io.StringIO()
    monkeypatch.setattr(handler, "stream", stream)
    return stream


def test_production_lines_skip_the_log_record_and_read_as_json(json_app, monkeypatch):
    stream = _as_in_production(json_app, monkeypatch)

    def no_record(*args, **kwargs):
        raise AssertionError("the direct path was not taken")

    monkeypatch.setattr(logging.getLogger(ACCESS_LOGGER), "log", no_record)
    response = json_app.test_client().get("/", headers={"X-Request-ID": "trace-87654321"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == ACCESS_LOGGER]
    assert len(access) == 1
    assert access[0]["request_id"] == response.headers["X-Request-ID"] == "trace-87654321"
    assert access[0]["route"] == "/" and access[0]["status"] == 200 and access[0]["method"] == "GET"
    assert access[0]["message"] == f"GET / 200 {access[0]['duration_ms']}ms"


def test_a_handler_of_someone_else_gets_ordinary_records(json_app, monkeypatch):
    """An extra handler (an operator's, a test's) must see the access records: the direct path steps aside."""
    stream, records = _as_in_production(json_app, monkeypatch), []
    extra = logging.Handler()
    extra.emit = records.append
    access_logger = logging.getLogger(ACCESS_LOGGER)
    access_logger.addHandler(extra)
    try:
        json_app.test_client().get("/")
    finally:
        access_logger.removeHandler(extra)
    assert [record.route for record in records] == ["/"]
    written = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["route"] for line in written if line["logger"] == ACCESS_LOGGER] == ["/"]


def test_quiet_routes_stay_out_at_info(json_app, monkeypatch):
    stream = _as_in_production(json_app, monkeypatch)
    assert json_app.test_client().get("/healthz").status_code == 200
    assert ACCESS_LOGGER not in stream.getvalue()
