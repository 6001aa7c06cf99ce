"""Operator endpoints, security headers and CSRF."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import func, select

from calibrate.infra.extensions import db
from calibrate.models import Participant, Response


def test_probes_answer(client):
    """/healthz is liveness only, /readyz checks the database (outages: tests/calibrate/test_faults.py)."""
    live = client.get("/healthz")
    assert live.status_code == 200 and live.json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ok" and ready.json["database"] == "ok"


def content_security_policy(header: str) -> dict[str, str]:
    """The policy's directives: name -> sources."""
    directives = {}
    for part in header.split(";"):
        name, _, sources = part.strip().partition(" ")
        if name:
            directives[name] = " ".join(sources.split())
    return directives


def test_security_headers(client, exercises):
    headers = client.get("/").headers
    policy = content_security_policy(headers["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
    # Framing is refused both ways: the CSP directive for current browsers, the header for old ones.
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
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


class PrivateLinks(HTMLParser):
    """The href of every link inside an element of class ``private-link``."""

    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self._depth = 0  # open elements inside a private-link element (0: outside)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._depth:
            self._depth += 1
            if tag == "a":
                self.hrefs.append(attrs.get("href", ""))
        elif "private-link" in (attrs.get("class") or "").split():
            self._depth = 1

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1


def test_proxy_fix_makes_links_use_the_public_host(app_factory, exercises):
    client = app_factory(PROXY_FIX=True).test_client()
    headers = {"X-Forwarded-Host": "calibrate.example.org", "X-Forwarded-Proto": "https"}
    location = client.post("/e/public-spending", data={"consent": "y"}, headers=headers).headers["Location"]
    response = client.get(location, headers=headers, follow_redirects=True)
    assert response.status_code == 200
    (link,) = PrivateLinks(response.text).hrefs
    token = db.session.scalar(select(Participant.token))
    assert urlsplit(link)[:3] == ("https", "calibrate.example.org", f"/p/{token}")


def test_item_answers_need_the_csrf_token_the_page_shows(app_factory, exercises):
    """The item form is plain HTML: CSRFProtect alone guards its POST, with the token the page carries."""
    secured = app_factory(WTF_CSRF_ENABLED=True)
    client = secured.test_client()
    start = client.get("/e/public-spending").text
    consent_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', start).group(1)
    item = client.post("/e/public-spending", data={"consent": "y", "csrf_token": consent_token}).headers["Location"]
    answer = {"own": "3", "prediction": "40"}
    assert client.post(item, data=answer).status_code == 400, "no token"
    assert client.post(item, data=answer | {"csrf_token": "forged"}).status_code == 400
    assert db.session.scalar(select(func.count(Response.id))) == 0
    tokens = {re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(item).text).group(1) for _ in range(2)}
    assert len(tokens) == 1, "the page shows the token signed once for this session"
    assert client.post(item, data=answer | {"csrf_token": tokens.pop()}).status_code in (302, 422)
