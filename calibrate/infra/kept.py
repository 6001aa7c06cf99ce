"""Values a process keeps between requests: results of pure work that the next request would repeat.

Each owner keeps its own :class:`Kept`; the values are recomputed when missing, so losing
one (eviction, a new process) costs only the work again.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

from flask import request, url_for


class Kept:
    """A bounded, thread-safe map: when full, the oldest entry makes room for a new one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: dict = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        return self._values.get(key)

    def keep(self, key: Hashable, value) -> None:
        with self._lock:
            if len(self._values) >= self.limit and key not in self._values:
                del self._values[next(iter(self._values))]
            self._values[key] = value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_fixed_urls = Kept(4096)


def fixed_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` for a URL that is the same on every page (a static file, a language
    switch), built once per script root instead of on every page."""
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    url = _fixed_urls.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        _fixed_urls.keep(key, url)
    return url
