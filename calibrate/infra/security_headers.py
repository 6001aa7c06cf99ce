"""Security headers: Flask-Talisman's, worked out once per view instead of on every response.

Talisman rebuilds its header strings (the Content-Security-Policy above all) for every
response, yet they depend only on the view's Talisman options and on whether the request
came over HTTPS (Strict-Transport-Security); this app uses no CSP nonce. So each view's
headers are computed by Talisman itself the first time and copied afterwards. Its two
hooks before each request (redirect to HTTPS, make a CSP nonce) merge the view's options
anew every time; they run only for views whose options ask for either.
"""

from __future__ import annotations

from flask import Response, request
from flask_talisman import Talisman


class CachedTalisman(Talisman):
    """Flask-Talisman whose response headers are computed once per (view, HTTPS or not)."""

    def __init__(self, app=None, **kwargs):
        self._headers: dict[tuple[str | None, bool], list[tuple[str, str]]] = {}
        self._asks: dict[tuple[str | None, str], bool] = {}
        super().__init__(app, **kwargs)

    def init_app(self, app, **kwargs):
        self._headers.clear()  # new options
        self._asks.clear()
        super().init_app(app, **kwargs)

    def _view_asks_for(self, option: str) -> bool:
        """Whether this request's view has ``option`` set in its Talisman options (decided once per view)."""
        key = (request.endpoint, option)
        asks = self._asks.get(key)
        if asks is None:
            asks = self._asks[key] = bool(self._get_local_options()[option])
        return asks

    def _force_https(self):
        if self._view_asks_for("force_https"):
            return super()._force_https()
        return None

    def _make_nonce(self):
        if self._view_asks_for("content_security_policy_nonce_in"):
            super()._make_nonce()

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
