"""A WSGI app whose requests take as long as asked, to occupy every gunicorn worker in
tests/calibrate/test_liveness.py. Each slow request leaves a file in SLOW_WSGI_MARKS when it
starts, so the test knows when every worker is busy.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs


def app(environ, start_response):
    seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", ["0"])[0])
    if seconds:
        (Path(os.environ["SLOW_WSGI_MARKS"]) / f"{os.getpid()}-{uuid.uuid4().hex}").touch()
        time.sleep(seconds)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"done"]
