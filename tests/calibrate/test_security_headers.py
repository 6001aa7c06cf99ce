"""Every response carries exactly the headers Flask-Talisman itself would set for it.

calibrate.infra.security_headers computes them once per view and scheme; these checks
compare each response with Talisman's own, uncached computation in the same request.
"""

from __future__ import annotations

import pytest
from flask import Response
from flask_talisman import Talisman

from calibrate.infra.extensions import talisman

DEFAULT_HEADERS = {"Content-Type", "Content-Length"}


def talisman_headers(app, path: str, headers: dict) -> dict[str, str]:
    """What Talisman's own code sets for this request (no cache)."""
    with app.test_request_context(path, headers=headers):
        blank = Response()
        Talisman._set_response_headers(talisman, blank)
    return {name: value for name, value in blank.headers.items() if name not in DEFAULT_HEADERS}


@pytest.mark.parametrize("path", ["/", "/api/docs", "/analysis/statistics", "/p/" + "t" * 43 + "/r1/item/0", "/no-such-page"])
@pytest.mark.parametrize("proto", ["http", "https"])
def test_each_response_has_talisman_s_headers(app, client, path, proto):
    headers = {"X-Forwarded-Proto": proto}
    expected = talisman_headers(app, path, headers)
    assert "Content-Security-Policy" in expected and "X-Frame-Options" in expected
    assert ("Strict-Transport-Security" in expected) == (proto == "https")
    for _ in range(2):  # computed, then copied
        response = client.get(path, headers=headers)
        assert {name: response.headers.get(name) for name in expected} == expected


def test_views_with_their_own_policy_keep_it(app, client):
    statistics = client.get("/analysis/statistics").headers["Content-Security-Policy"]
    home = client.get("/").headers["Content-Security-Policy"]
    assert "style-src-attr 'unsafe-inline'" in statistics and "style-src-attr" not in home
