"""Faults under load, short versions of benchmarks/faults.py.

A small room (tests/calibrate/fault_room.py: 12 participants, 8 items, quick answers) runs
against production app nodes while a gunicorn worker is killed, PostgreSQL restarts, and
Redis stops and starts again. The script checks every acknowledged answer (302 after its
POST) against the database; here its results are held to the bar: nothing lost, nothing
duplicated, no 500, every participant finished, the room served again after the fault. How
long recovery took is reported by the script (docs/performance.md), not asserted. Losing one
of two nodes behind a proxy is tests/calibrate/test_two_nodes.py.

PostgreSQL and Redis are private to each run (benchmarks/private_services.py): the machine's
shared servers are never restarted.
"""

from __future__ import annotations

import json

import pytest

from tests.calibrate.fault_room import ITEMS, PARTICIPANTS, ROOM, needs_servers, run_script


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
