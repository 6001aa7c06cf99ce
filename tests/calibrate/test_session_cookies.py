"""Session cookies: a checked cookie is remembered, but never one that fails Flask's own check."""

from __future__ import annotations

import time

import pytest

from flask import request

from calibrate.infra import sessions


def _cookie_for(app, data: dict) -> str:
    """A session cookie as Flask would sign it now for this app."""
    return app.session_interface.get_signing_serializer(app).dumps(data)


def _opened(app, cookie: str) -> dict:
    """The session a request with this cookie opens."""
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        return dict(app.session_interface.open_session(app, request))


def test_a_remembered_cookie_opens_to_the_same_session(app_factory):
    app = app_factory()
    cookie = _cookie_for(app, {"csrf_token": "abc", "_flashes": [("info", "Saved.")]})
    first, second = _opened(app, cookie), _opened(app, cookie)
    assert first == second == {"csrf_token": "abc", "_flashes": [("info", "Saved.")]}
    first["_flashes"].append(("info", "changed in one request"))
    assert _opened(app, cookie)["_flashes"] == [("info", "Saved.")], "each request gets its own copy"


def test_a_cookie_of_plain_values_is_decoded_once(app_factory, monkeypatch):
    app = app_factory()
    cookie = _cookie_for(app, {"csrf_token": "abc", "_fresh": False})
    first = _opened(app, cookie)
    serializer = app.session_interface.get_signing_serializer(app)
    monkeypatch.setattr(serializer, "load_payload", lambda *args, **kwargs: pytest.fail("decoded again"))
    first["csrf_token"] = "changed in one request"
    assert _opened(app, cookie) == {"csrf_token": "abc", "_fresh": False}, "each request gets its own copy"


def test_a_tampered_cookie_is_refused_even_after_the_genuine_one_was_remembered(app_factory):
    app = app_factory()
    cookie = _cookie_for(app, {"csrf_token": "abc"})
    assert _opened(app, cookie) == {"csrf_token": "abc"}
    payload, signed_at, signature = cookie.rsplit(".", 2)
    forged_payload = _cookie_for(app, {"csrf_token": "attacker"}).rsplit(".", 2)[0]
    assert _opened(app, f"{forged_payload}.{signed_at}.{signature}") == {}
    assert _opened(app, f"{payload}.{signed_at}.{signature[:-2]}xx") == {}


def test_a_remembered_cookie_still_expires(app_factory, monkeypatch):
    app = app_factory()
    cookie = _cookie_for(app, {"csrf_token": "abc"})
    assert _opened(app, cookie) == {"csrf_token": "abc"}
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    later = time.time() + lifetime + 5
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert _opened(app, cookie) == {}, "older than the session lifetime"


def test_a_new_secret_key_forgets_every_remembered_cookie(app_factory):
    app = app_factory()
    cookie = _cookie_for(app, {"csrf_token": "abc"})
    assert _opened(app, cookie) == {"csrf_token": "abc"}
    app.secret_key = "another secret key for this test"
    assert _opened(app, cookie) == {}, "signed with the old key, which is no fallback"
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret-key"]
    assert _opened(app, cookie) == {"csrf_token": "abc"}, "a fallback key still opens it"
