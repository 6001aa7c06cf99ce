"""Operator endpoints, security headers and CSRF."""

from sqlalchemy import func, select

from calibrate.infra.extensions import db
from calibrate.models import Participant


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_api_lists_public_exercises(client, exercises):
    data = client.get("/api/v1/exercises").json
    slugs = {entry["slug"]: entry for entry in data}
    assert {"public-spending", "supermarket-brands", "nature-attitudes", "self-descriptions"} <= set(slugs)
    assert slugs["public-spending"]["n_items"] == 12
    assert "General Social Survey" in slugs["public-spending"]["source"]


def test_security_headers(client, exercises):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "SAMEORIGIN" or "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_forms_require_a_csrf_token(app_factory, exercises):
    secured = app_factory(WTF_CSRF_ENABLED=True)
    response = secured.test_client().post("/e/public-spending", data={"consent": "y"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Participant.id))) == 0


def test_joining_is_rate_limited(app_factory, exercises):
    limited = app_factory(RATELIMIT_ENABLED=True, JOIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    statuses = [client.post("/e/public-spending", data={"consent": "y"}).status_code for _ in range(5)]
    assert statuses[:3] == [302, 302, 302] and statuses[3:] == [429, 429]


def test_proxy_fix_makes_links_use_the_public_host(app_factory, exercises):
    client = app_factory(PROXY_FIX=True).test_client()
    headers = {"X-Forwarded-Host": "calibrate.example.org", "X-Forwarded-Proto": "https"}
    location = client.post("/e/public-spending", data={"consent": "y"}, headers=headers).headers["Location"]
    page = client.get(location, headers=headers, follow_redirects=True).text
    assert "https://calibrate.example.org/p/" in page
