"""Losing one of two app nodes behind HAProxy, a short version of benchmarks/two_nodes.py.

The small room of tests/calibrate/fault_room.py runs through the proxy while one node is
killed; every acknowledged answer must be stored once, with no 500 and no token in the logs.
PostgreSQL and Redis are private to the run (benchmarks/private_services.py).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path

import pytest

from tests.calibrate.fault_room import ITEMS, PARTICIPANTS, ROOM, needs_servers, run_script
from private_services import PrivatePostgres, PrivateRedis, free_port  # noqa: E402  (benchmarks/, on the path)


@pytest.fixture(scope="module")
def private_servers(tmp_path_factory):
    postgres, redis = PrivatePostgres(), PrivateRedis(tmp_path_factory.mktemp("redis"))
    try:
        postgres.create()
        postgres.start()
        redis.start()
        yield postgres, redis
    finally:
        redis.stop()
        postgres.remove()


def _free_block() -> int:
    """A proxy port above 18000 whose node ports (+1, +2) and their liveness ports (+1001, +1002) are free."""
    for _ in range(50):
        port = free_port()
        if port > 18000 and port + 1002 < 65536 and all(
            _is_free(port + offset) for offset in (1, 2, 1001, 1002)
        ):
            return port
    pytest.skip("no free block of loopback ports")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@needs_servers
@pytest.mark.skipif(shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
                    reason="haproxy is not installed (Debian/Ubuntu: apt-get install -y haproxy)")
def test_losing_one_of_two_nodes_behind_haproxy_loses_no_answer(private_servers, tmp_path):
    postgres, redis = private_servers
    result = run_script("two_nodes.py", *ROOM, "--kill-at", "5", "--port", str(_free_block()),
                        "--postgres-port", str(postgres.port), "--redis-url", redis.url, "--out", str(tmp_path))
    summary_path = tmp_path / "summary.json"
    assert summary_path.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(summary_path.read_text())
    check = summary["check"]
    assert check["acknowledged"] == PARTICIPANTS * ITEMS
    assert check["lost"] == check["mismatched"] == check["duplicates"] == 0 and not check["incomplete"]
    assert "500" not in summary["errors_by_status"]
    assert summary["logs"]["tokens_in_logs"] == 0
    final = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\blost=0 duplicated=0\b", final) and "recovery_s=" in final, final
    assert result.returncode == 0, result.stdout[-3000:]
