"""Liveness is never starved: gunicorn's master answers /healthz on its own port (gunicorn.conf.py)
while every worker is busy with a slow request, when the app's own /healthz has to wait in line.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def settings(**environment: str) -> dict:
    """gunicorn.conf.py's module namespace under these environment variables."""
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        namespace: dict = {}
        exec(CONFIG.read_text(), namespace)
        return namespace
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


def test_liveness_port_defaults_to_the_app_port_plus_1000():
    assert settings(CALIBRATE_BIND="0.0.0.0:8000", CALIBRATE_LIVENESS_BIND="")["liveness_address"] == ("0.0.0.0", 9000)
    assert settings(CALIBRATE_BIND="127.0.0.1:8002", CALIBRATE_LIVENESS_BIND="")["liveness_address"] == ("127.0.0.1", 9002)
    explicit = settings(CALIBRATE_BIND="0.0.0.0:8000", CALIBRATE_LIVENESS_BIND="10.0.0.11:7000")
    assert explicit["liveness_address"] == ("10.0.0.11", 7000)
    assert settings(CALIBRATE_LIVENESS_BIND="off")["liveness_address"] is None
    assert settings(CALIBRATE_BIND="unix:/run/calibrate.sock", CALIBRATE_LIVENESS_BIND="")["liveness_address"] is None


@pytest.fixture
def busy_node(tmp_path):
    """gunicorn with the repository's config, serving the slow test app, every worker busy for 20 s."""
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this environment")
    app_port, liveness_port = free_port(), free_port()
    marks = tmp_path / "marks"
    marks.mkdir()
    environment = {
        **os.environ,
        "CALIBRATE_BIND": f"127.0.0.1:{app_port}",
        "CALIBRATE_LIVENESS_BIND": f"127.0.0.1:{liveness_port}",
        "CALIBRATE_WORKERS": str(WORKERS),
        "CALIBRATE_THREADS": "1",
        "CALIBRATE_WORKER_TIMEOUT": "60",
        "SLOW_WSGI_MARKS": str(marks),
    }
    node = subprocess.Popen(
        [str(GUNICORN), "--config", str(CONFIG), "--control-socket", str(tmp_path / "gunicorn.ctl"),
         "--pythonpath", str(Path(__file__).parent), "slow_wsgi:app"],
        cwd=REPO, env=environment, stdout=subprocess.DEVNULL, stderr=(tmp_path / "gunicorn.log").open("w"),
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                if get(app_port, "/", timeout=2)[0] == 200 and get(liveness_port, "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or node.poll() is not None:
                pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-2000:])
            time.sleep(0.2)
        slow = [threading.Thread(target=_slow_request, args=(app_port,), daemon=True) for _ in range(WORKERS)]
        for thread in slow:
            thread.start()
        while len(list(marks.iterdir())) < WORKERS:  # every worker is inside a slow request
            if time.time() > deadline:
                pytest.fail("the slow requests did not reach every worker")
            time.sleep(0.05)
        yield app_port, liveness_port
    finally:
        if node.poll() is None:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait(timeout=10)


def _slow_request(port: int) -> None:
    try:
        get(port, "/?seconds=20", timeout=30)
    except OSError:
        pass  # the node is killed at the end of the test


def test_liveness_answers_while_every_worker_is_busy(busy_node):
    app_port, liveness_port = busy_node
    with pytest.raises(TimeoutError):
        get(app_port, "/", timeout=1)  # the app itself: queued behind the slow requests
    status, body = get(liveness_port, "/healthz", timeout=1)
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert get(liveness_port, "/anything-else", timeout=1)[0] == 404


def probe(**environment: str) -> subprocess.CompletedProcess:
    """`python gunicorn.conf.py`, the container's HEALTHCHECK, under these settings."""
    return subprocess.run(
        [sys.executable, str(CONFIG)], env={**os.environ, **environment}, cwd=REPO,
        capture_output=True, text=True, timeout=30, check=False,
    )


def test_health_check_probe_follows_the_liveness_port(busy_node):
    """The image's HEALTHCHECK passes while every worker is busy, and fails where nothing listens or the listener is off."""
    app_port, liveness_port = busy_node
    assert probe(CALIBRATE_LIVENESS_BIND=f"127.0.0.1:{liveness_port}").returncode == 0
    # By default it derives the port like the listener: the app's port + 1000, here with the app on all interfaces.
    assert probe(CALIBRATE_BIND=f"0.0.0.0:{liveness_port - 1000}", CALIBRATE_LIVENESS_BIND="").returncode == 0
    nobody = free_port()
    refused = probe(CALIBRATE_LIVENESS_BIND=f"127.0.0.1:{nobody}")
    assert refused.returncode == 1 and f"http://127.0.0.1:{nobody}/healthz" in refused.stdout
    off = probe(CALIBRATE_LIVENESS_BIND="off")
    assert off.returncode == 1 and "off" in off.stdout
