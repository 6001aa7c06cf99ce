"""Security headers: Flask-Talisman's, worked out once per view instead of on every response.

Talisman rebuilds its header strings (the Content-Security-Policy above all) for every
response, yet they depend only on the view's Talisman options and on whether the request
came over HTTPS (Strict-Transport-Security); this app uses no CSP nonce. So each view's
headers are computed by Talisman itself the first time and copied afterwards.
"""

from __future__ import annotations

from flask import Response, request
from flask_talisman import Talisman


class CachedTalisman(Talisman):
    """Flask-Talisman whose response headers are computed once per (view, HTTPS or not)."""

    def __init__(self, app=None, **kwargs):
        self._headers: dict[tuple[str | None, bool], list[tuple[str, str]]] = {}
        super().__init__(app, **kwargs)

    def init_app(self, app, **kwargs):
        self._headers.clear()  # new options
        super().init_app(app, **kwargs)

    def _set_response_headers(self, response):
        secure = request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"
        key = (request.endpoint, secure)
        headers = self._headers.get(key)
        if headers is None:
            blank, plain = Response(), set(Response().headers.keys())
            super()._set_response_headers(blank)
            headers = self._headers[key] = [(name, value) for name, value in blank.headers.items() if name not in plain]
        for name, value in headers:
            response.headers[name] = value
        return response
