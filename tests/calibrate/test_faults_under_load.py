"""Faults under load, short versions of benchmarks/faults.py and benchmarks/two_nodes.py.

A small room (12 participants, 8 items, quick answers) runs against production app nodes while
a gunicorn worker is killed, PostgreSQL restarts, Redis stops and starts again, and one of two
nodes behind HAProxy dies. The scripts check every acknowledged answer (302 after its POST)
against the database; here their results are held to the bar: nothing lost, nothing duplicated,
no 500, every participant finished, the room served again after the fault. How long recovery
took is reported by the scripts (docs/performance.md), not asserted.

PostgreSQL and Redis are private to each run (benchmarks/private_services.py): the machine's
shared servers are never restarted.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

from private_services import PrivatePostgres, PrivateRedis, free_port, missing_binaries  # noqa: E402

PARTICIPANTS, ITEMS = 12, 8
ROOM = ["--participants", str(PARTICIPANTS), "--items", str(ITEMS), "--think-min", "0.2", "--think-max", "0.5"]
MISSING = missing_binaries()
needs_servers = pytest.mark.skipif(bool(MISSING), reason=f"fault runs need {', '.join(MISSING)}")


def run_script(script: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def fault_runs(tmp_path_factory) -> dict:
    """One run of benchmarks/faults.py, all three faults on one stack; its summary per fault."""
    out = tmp_path_factory.mktemp("faults")
    result = run_script("faults.py", *ROOM, "--workers", "2", "--fault-at", "4", "--redis-down-for", "3",
                        "--retry-after", "1", "--out", str(out))
    summary = out / "summary.json"
    assert summary.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return {"output": result.stdout, "returncode": result.returncode,
            **{run["fault"]: run for run in json.loads(summary.read_text())}}


def assert_nothing_lost(run: dict) -> None:
    assert run["injected"] and not run["injector_error"], run
    assert run["acknowledged"] == PARTICIPANTS * ITEMS, "every participant answered every item"
    assert run["lost"] == 0 and run["duplicated"] == 0, run
    assert run["stored"] == run["acknowledged"]
    assert run["http_500"] == 0 and run["unhandled_errors_in_log"] == 0, run
    assert run["stopped"] == 0 and run["finished"] == run["participants"] == PARTICIPANTS, run["stopped_errors"]
    assert run["recovery_s"] is not None, "the room was served again after the fault"


@needs_servers
def test_a_killed_worker_loses_no_answer(fault_runs):
    assert_nothing_lost(fault_runs["worker"])
    assert "fault=worker " in fault_runs["output"]


@needs_servers
def test_a_postgresql_restart_costs_one_retry_per_request_and_loses_nothing(fault_runs):
    run = fault_runs["postgres"]
    assert_nothing_lost(run)
    # Requests cut by the restart got the 503 page (with Retry-After) or lost their connection, and were sent again.
    assert set(run["failed_by_status"]) <= {"0", "503"}, run["failed_by_status"]


@needs_servers
def test_redis_stopping_and_starting_again_is_invisible_to_the_room(fault_runs):
    run = fault_runs["redis"]
    assert_nothing_lost(run)
    assert run["failed_attempts"] == 0, run["failed_by_status"]
    assert run["memory_fallback_logged"], "the workers said they fell back to in-memory limits"


@needs_servers
def test_the_fault_script_exits_cleanly(fault_runs):
    assert fault_runs["returncode"] == 0, fault_runs["output"][-3000:]


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
    import socket

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
