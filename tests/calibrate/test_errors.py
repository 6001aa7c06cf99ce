"""Error pages and error objects: every failure answers in the site's style or as JSON, with a request id."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone

import pytest

from calibrate.infra.logs import JsonLines


def _status_of(page: str) -> int:
    return int(re.search(r'data-status="(\d+)"', page).group(1))


def test_unknown_page_is_a_styled_404_with_a_reference(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert _status_of(response.text) == 404
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.text


def test_api_errors_are_json_never_html(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["status"] == 404 and error["message"] and error["request_id"] == response.headers["X-Request-ID"]


def test_json_clients_get_json_errors_on_pages_too(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.get_json()["error"]["status"] == 404


def test_a_crash_is_logged_with_the_request_id_and_shown_calmly(app_factory, caplog):
    app = app_factory()

    @app.get("/crash")
    def crash():
        raise RuntimeError("a bug")

    app.logger.propagate = True  # let caplog see the app's records
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/crash", headers={"X-Request-ID": "trace-12345678"})
    assert response.status_code == 500
    assert _status_of(response.text) == 500
    assert "trace-12345678" in response.text and "a bug" not in response.text
    record = next(r for r in caplog.records if r.exc_info)
    assert record.request_id == "trace-12345678" and record.route == "/crash"


def test_an_unusable_request_id_is_replaced(client):
    response = client.get("/no/such/page", headers={"X-Request-ID": "<script>"})
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-ID"])


def test_rate_limited_requests_say_when_to_retry(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    form = {"email": "nobody@example.org", "password": "wrong-password"}
    statuses = [client.post("/login", data=form).status_code for _ in range(3)]
    assert statuses[-1] == 429
    response = client.post("/login", data=form)
    assert int(response.headers["Retry-After"]) > 0
    assert _status_of(response.text) == 429


def _exc_info():
    try:
        raise ValueError("bad")
    except ValueError:
        return sys.exc_info()


@pytest.mark.parametrize("with_exception", [False, True])
def test_json_log_lines_are_one_object_per_line(with_exception):
    record = logging.LogRecord(
        "calibrate", logging.ERROR, __file__, 1, "saved %s", ("x",), _exc_info() if with_exception else None
    )
    record.request_id, record.route = "abc12345", "/p/<token>"
    line = JsonLines().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "saved x" and entry["request_id"] == "abc12345" and entry["route"] == "/p/<token>"
    assert ("exception" in entry) is with_exception


@pytest.mark.parametrize("created", [0.0, 1795678684.0, 1795678684.9996, 1795678685.5, 1798761599.999])
def test_json_log_times_are_utc_to_the_millisecond(created):
    formatter = JsonLines()
    for _ in range(2):  # the second line in the same second reads the kept date and clock
        record = logging.LogRecord("calibrate", logging.INFO, __file__, 1, "x", (), None)
        record.created, record.msecs = created, int((created - int(created)) * 1000)
        expected = datetime.fromtimestamp(int(created), timezone.utc).replace(microsecond=int(record.msecs) * 1000)
        assert json.loads(formatter.format(record))["time"] == expected.isoformat(timespec="milliseconds")
