"""Every error a person can meet in a room has a page in the site's style that says what to do; programs get JSON."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import Gone

from calibrate.errors.handlers import MESSAGES


def status_of(page: str) -> int:
    return int(re.search(r'data-status="(\d+)"', page).group(1))


@pytest.mark.parametrize("status", [404, 410, 429, 500, 503])
def test_each_status_has_a_styled_page_with_advice(app_factory, status):
    app = app_factory()

    @app.get("/fails")
    def fails():
        from flask import abort

        abort(status)

    response = app.test_client().get("/fails")
    title, advice = map(str, MESSAGES[status])
    assert response.status_code == status and status_of(response.text) == status
    assert title in response.text and advice.replace("'", "&#39;") in response.text
    assert 'href="/static/css/app.css"' in response.text and 'name="viewport"' in response.text
    assert "Go to the start page" in response.text


def test_a_rate_limit_says_when_to_retry(app_factory):
    app = app_factory()

    @app.get("/busy")
    def busy():
        from werkzeug.exceptions import TooManyRequests

        raise TooManyRequests()

    response = app.test_client().get("/busy")
    assert response.headers["Retry-After"] == "60"
    assert "try again in about <span data-retry-countdown>60</span> seconds" in response.text


def test_maintenance_answers_every_page_with_503_and_when_to_come_back(app_factory, exercises):
    client = app_factory(MAINTENANCE=True, MAINTENANCE_RETRY_AFTER=600).test_client()
    for path in ("/", "/e/public-spending", "/login", "/trainer/"):
        response = client.get(path)
        assert response.status_code == 503 and response.headers["Retry-After"] == "600", path
        assert "Down for maintenance" in response.text and "try again in about 10 minutes" in response.text
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    error = client.get("/api/v1/exercises").get_json()["error"]
    assert error["status"] == 503 and error["title"] == "Down for maintenance"


def test_json_clients_get_each_status_as_json(app_factory):
    app = app_factory()

    @app.get("/gone")
    def gone():
        raise Gone()

    error = app.test_client().get("/gone", headers={"Accept": "application/json"}).get_json()["error"]
    assert error["status"] == 410 and error["title"] == MESSAGES[410][0]
