"""Fault runs under load: a room answering while a worker dies, PostgreSQL restarts or Redis stops.

    .venv/bin/python benchmarks/faults.py                                # all three, 100 participants each
    .venv/bin/python benchmarks/faults.py --fault postgres --participants 200 --out /tmp/faults

Once: (a) start a PostgreSQL cluster and a Redis server of our own on free loopback ports
(benchmarks/private_services.py; the machine's shared ones are never restarted), and prepare
the database as load_participants.py does: 20 real items, a trainer; (b) start one production
app node (`gunicorn -c gunicorn.conf.py`, JSON logs) on them, with CALIBRATE_RETRY_AFTER=
--retry-after so a 503 asks the client to come back soon. Then, for each fault, in a new open
workshop:

(c) run the Locust room of load_participants.py (benchmarks/load_locustfile.py) against it. Its
    participants behave like the app's pages: after a 503 they wait Retry-After and send the same
    answer again, after a lost connection they send it again shortly;
(d) `--fault-at` seconds in, inject the fault:
      worker    SIGKILL the busiest gunicorn worker (the likeliest to have a request in flight);
      postgres  `pg_ctl restart -m fast`: every open connection is cut, as in a server restart or a
                failover; the app has no pre-ping, so each worker's next request on a dead pooled
                connection fails once (503) and SQLAlchemy replaces the rest of the pool;
      redis     stop redis-server, keep it down for `--redis-down-for` seconds, start it again
                (empty): rate limits fall back to each worker's memory, then return to Redis;
(e) check every acknowledged answer (302 after its POST) against the database
    (load_participants.verify: stored once, with the values sent), count failed attempts by
    status, and measure the recovery: seconds from the fault until the first request that
    succeeded after the last failed one (load_common.recovery_seconds).

One line per fault:
fault=<name> acknowledged=<n> stored=<n> lost=<n> duplicated=<n> failed_attempts=<n> http_500=<n>
stopped=<n> outage_s=<x> recovery_s=<x>
The exit status is 0 when no answer was lost or duplicated, no request got a 500 and every
participant finished. The fourth fault, losing one of two app nodes behind HAProxy, is
benchmarks/two_nodes.py.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from load_common import (
    REPO,
    children_of,
    cpu_ticks,
    is_failure,
    percentile,
    recovery_seconds,
    room_command,
    room_environment,
    start_app_node,
    stop_group,
)
from load_participants import open_workshop, prepare, verify
from private_services import PrivatePostgres, PrivateRedis, free_port, missing_binaries

FAULTS = ("worker", "postgres", "redis")
EXCLUDED_KINDS = ("dashboard", "login")
FALLBACK_WARNING = "falling back to in-memory storage"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fault", default=",".join(FAULTS), help=f"comma-separated, any of {', '.join(FAULTS)}")
    p.add_argument("--participants", type=int, default=100)
    p.add_argument("--spawn-rate", type=float, default=10, help="participants started per second")
    p.add_argument("--items", type=int, default=20, help="items of supermarket-brands to use (max 21)")
    p.add_argument("--think-min", type=float, default=1.0, help="seconds of thinking per page, minimum")
    p.add_argument("--think-max", type=float, default=3.0, help="seconds of thinking per page, maximum")
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers (CALIBRATE_WORKERS)")
    p.add_argument("--fault-at", type=float, default=30.0, help="seconds after the room starts")
    p.add_argument("--redis-down-for", type=float, default=10.0, help="seconds Redis stays stopped")
    p.add_argument("--retry-after", type=int, default=2, help="CALIBRATE_RETRY_AFTER of the app node (s)")
    p.add_argument("--join-rate-limit", default="100000 per minute",
                   help="CALIBRATE_JOIN_RATE_LIMIT: every simulated participant comes from 127.0.0.1")
    p.add_argument("--out", type=Path, default=None, help="directory for logs and raw results")
    args = p.parse_args(argv)
    unknown = set(args.fault.split(",")) - set(FAULTS)
    if unknown:
        p.error(f"unknown fault(s): {', '.join(sorted(unknown))}")
    return args


class FaultInjector(threading.Thread):
    """Waits until --fault-at, injects the fault and notes when it began and when the dependency was back."""

    def __init__(self, fault: str, args, node: subprocess.Popen, postgres: PrivatePostgres, redis: PrivateRedis):
        super().__init__(daemon=True)
        self.fault, self.args, self.node, self.postgres, self.redis = fault, args, node, postgres, redis
        self.cancelled = threading.Event()
        self.started_at = time.time()
        self.fault_at: float | None = None
        self.restored_at: float | None = None
        self.detail = ""
        self.error = ""

    def run(self) -> None:
        if self.cancelled.wait(self.args.fault_at):
            return
        try:
            getattr(self, f"_{self.fault}")()
        except Exception as exc:  # noqa: BLE001 - reported with the results instead of killing the run
            self.error = f"{type(exc).__name__}: {exc}"
        print(f"fault {self.fault} at t={(self.fault_at or time.time()) - self.started_at:.1f}s: "
              f"{self.detail or self.error}", flush=True)

    def _worker(self) -> None:
        workers = children_of(self.node.pid)
        before = {pid: cpu_ticks(pid) for pid in workers}
        time.sleep(0.3)
        victim = max(workers, key=lambda pid: cpu_ticks(pid) - before[pid])
        self.fault_at = time.time()
        os.kill(victim, signal.SIGKILL)
        self.restored_at = self.fault_at  # the other workers go on serving; gunicorn starts a new one
        self.detail = f"SIGKILL to worker {victim} (of {len(workers)})"

    def _postgres(self) -> None:
        self.fault_at = time.time()
        self.postgres.restart()
        self.restored_at = time.time()
        self.detail = f"pg_ctl restart -m fast took {self.restored_at - self.fault_at:.2f} s"

    def _redis(self) -> None:
        self.fault_at = time.time()
        self.redis.stop()
        time.sleep(self.args.redis_down_for)
        self.redis.start()
        self.restored_at = time.time()
        self.detail = f"redis-server stopped, started again {self.restored_at - self.fault_at:.1f} s later"


class Stack:
    """What every fault run of one invocation shares: private PostgreSQL and Redis, the database, one app node."""

    def __init__(self, args: argparse.Namespace, out: Path):
        self.args, self.out = args, out
        self.postgres = PrivatePostgres()
        self.redis = PrivateRedis(out / "redis")
        self.node: subprocess.Popen | None = None

    def start(self) -> None:
        self.postgres.create()
        self.postgres.start()
        self.redis.start()
        setup = argparse.Namespace(database="calibrate_faults", postgres_port=self.postgres.port,
                                   redis_url=self.redis.url, join_rate_limit=self.args.join_rate_limit,
                                   items=self.args.items)
        self.env, info = prepare(setup, self.out)
        self.app, self.items = info["app"], info["items"]
        self.env["CALIBRATE_RETRY_AFTER"] = str(self.args.retry_after)
        self.port = free_port()
        self.node = start_app_node("app", self.port, self.args.workers, self.env, self.out,
                                   liveness_port=free_port())

    def database(self):
        """The app for reading the database here, its pool emptied (a PostgreSQL restart kills pooled connections)."""
        from calibrate.infra.extensions import db

        with self.app.app_context():
            db.engine.dispose()
        return self.app

    def stop(self) -> None:
        stop_group(self.node)
        self.redis.stop()
        self.postgres.remove()


def run_fault(stack: Stack, fault: str) -> dict:
    """One room (a new workshop) with one fault; returns the summary (also written to <out>/<fault>/summary.json)."""
    args = stack.args
    out = stack.out / fault
    out.mkdir(parents=True, exist_ok=True)
    room = open_workshop(stack.database())
    results_path = out / "locust_results.json"
    room_env = room_environment(stack.env, room["code"], results_path, args.participants, args.think_min, args.think_max)
    print(f"{fault}: {args.participants} participants, {stack.items} items, think {args.think_min:g}-"
          f"{args.think_max:g} s, {args.workers} workers; PostgreSQL :{stack.postgres.port}, Redis "
          f":{stack.redis.port}; fault at t={args.fault_at:g}s", flush=True)
    log_start = (stack.out / "app.log").stat().st_size
    started = time.time()
    locust = None
    try:
        with (out / "locust.log").open("w") as log:
            locust = subprocess.Popen(room_command(f"http://127.0.0.1:{stack.port}", args.participants, args.spawn_rate),
                                      env=room_env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
            injector = FaultInjector(fault, args, stack.node, stack.postgres, stack.redis)
            injector.start()
            locust.wait()
            injector.cancelled.set()
            injector.join()
    finally:
        stop_group(locust)
    wall = time.time() - started
    if not results_path.exists():
        sys.exit(f"Locust wrote no results; see {out / 'locust.log'}")
    results = json.loads(results_path.read_text())
    check = verify(stack.database(), room["workshop_id"], results, stack.items)
    with (stack.out / "app.log").open(errors="replace") as log:
        log.seek(log_start)
        app_log = log.read()
    limits_in_redis = _rate_limit_keys(stack.redis) if fault == "redis" else None
    return _summarise(fault, args, out, results, check, injector, wall, app_log, limits_in_redis)


def _rate_limit_keys(redis: PrivateRedis) -> int:
    """Keys in the restarted (empty) Redis: the limits written there after it came back."""
    import redis as redis_client

    return len(redis_client.Redis.from_url(redis.url).keys("*"))


def _summarise(fault, args, out: Path, results: dict, check: dict, injector: FaultInjector, wall: float,
               app_log: str, limits_in_redis: int | None) -> dict:
    samples = [s for s in results["samples"] if not s[0].startswith(EXCLUDED_KINDS)]
    records = results["participants"]
    finished = sum(1 for r in records if r["finished"])
    stopped = [r for r in records if r["error"]]
    failed = Counter(s[2] for s in samples if is_failure(s[2]))
    fault_at, restored_at = injector.fault_at, injector.restored_at
    recovery = recovery_seconds(samples, fault_at) if fault_at else None
    before = [s[1] for s in samples if fault_at is None or s[3] < fault_at]
    after = [s[1] for s in samples if fault_at is not None and s[3] >= fault_at]
    lost = check["lost"] + check["mismatched"] + len(check["incomplete"])
    summary = {
        "fault": fault,
        "injected": fault_at is not None,
        "injector_error": injector.error,
        "detail": injector.detail,
        "acknowledged": check["acknowledged"],
        "stored": check["stored_rows"],
        "lost": lost,
        "duplicated": check["duplicates"],
        "failed_attempts": sum(failed.values()),
        "failed_by_status": {str(status): n for status, n in sorted(failed.items())},
        "http_500": sum(n for status, n in failed.items() if status == 500),
        "participants": len(records),
        "finished": finished,
        "stopped": len(stopped),
        "stopped_errors": [r["error"] for r in stopped[:5]],
        "outage_s": (restored_at - fault_at) if (fault_at and restored_at) else None,
        "recovery_s": recovery,
        "p95_before_ms": percentile(before, 95),
        "p95_after_ms": percentile(after, 95),
        "requests": len(samples),
        "wall_s": wall,
        "unhandled_errors_in_log": app_log.count("Unhandled error"),
        "memory_fallback_logged": FALLBACK_WARNING in app_log,
        "rate_limit_keys_in_redis_at_end": limits_in_redis,
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"{fault}: {summary['detail']}; requests {len(samples)} in {wall:.0f} s; failed attempts by status "
          f"{summary['failed_by_status'] or '{}'} (0 = connection lost; all sent again); participants "
          f"{finished}/{len(records)} finished; p95 before {summary['p95_before_ms']:.1f} ms, after "
          f"{summary['p95_after_ms']:.1f} ms", flush=True)
    if fault == "redis":
        print(f"redis: in-memory fallback warning in the app log: {summary['memory_fallback_logged']}; "
              f"rate-limit keys in Redis at the end: {limits_in_redis}", flush=True)
    for error in summary["stopped_errors"]:
        print(f"  stopped: {error}")
    outage = f"{summary['outage_s']:.2f}" if summary["outage_s"] is not None else "nan"
    recovery_text = f"{recovery:.2f}" if recovery is not None else "nan"
    print(f"fault={fault} acknowledged={summary['acknowledged']} stored={summary['stored']} lost={lost} "
          f"duplicated={summary['duplicated']} failed_attempts={summary['failed_attempts']} "
          f"http_500={summary['http_500']} stopped={summary['stopped']} outage_s={outage} "
          f"recovery_s={recovery_text}", flush=True)
    return summary


def passed(summary: dict) -> bool:
    return (summary["injected"] and not summary["injector_error"] and summary["lost"] == 0
            and summary["duplicated"] == 0 and summary["http_500"] == 0 and summary["stopped"] == 0
            and summary["finished"] == summary["participants"] and summary["recovery_s"] is not None)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = missing_binaries()
    if missing:
        sys.exit(f"fault runs need: {', '.join(missing)} (Debian: postgresql-15 and redis-server)")
    out = args.out or Path(tempfile.mkdtemp(prefix="calibrate-faults-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"logs and raw results: {out}", flush=True)
    stack = Stack(args, out)
    try:
        stack.start()
        summaries = [run_fault(stack, fault) for fault in args.fault.split(",")]
    finally:
        stack.stop()
    (out / "summary.json").write_text(json.dumps(summaries, indent=2))
    return 0 if all(passed(s) for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
