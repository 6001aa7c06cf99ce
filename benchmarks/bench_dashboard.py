"""Time the trainer's live pages for a 500-person room (target: well within the 2 s polling interval).

    .venv/bin/python benchmarks/bench_dashboard.py                          # SQLite, 500 people x 10 answers
    .venv/bin/python benchmarks/bench_dashboard.py --backends sqlite,postgresql
    .venv/bin/python benchmarks/bench_dashboard.py --people 2000 --renders 10

The room is the one of tests/trainer/test_scale.py, built with the same helper
(tests/trainer/rooms.py, bulk inserts, seeded): a workshop of the built-in exercise
public-spending with four conditions, `--people` participants of whom 20 have been idle
for 3 minutes, each with `--answers` answers. For each page (the dashboard partial the
dashboard polls, the projector partial after "reveal", and the report) it renders once
to warm caches, then `--renders` times, each request starting from an empty database
session as every real request does, and prints best and median wall-clock time and the
number of SQL statements of one request. The test only checks that the statement count
does not grow with the room and that the numbers are right; the time is measured here,
because a wall-clock budget in a unit test depends on the machine more than on the code.

The PostgreSQL database `calibrate_bench_dashboard` on 127.0.0.1 is dropped and recreated.
Final line: dashboard_ms_median=<x>  (the slowest polled page's median on the slowest backend).
Exit status 1 when that is above `--budget-ms` (default 1000: half the polling interval). The report
is printed but not held to that budget: it fits the pooled mixed model and is opened on demand.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load_common import backend_urls  # noqa: E402

PAGES = ("dashboard/live", "projector/live", "report")
POLLED = ("dashboard/live", "projector/live")  # refreshed every 2 s; the report (with its mixed model) is opened on demand
CONDITIONS = ("control", "perspective", "perspective_suppress", "market_research")
STRAGGLERS = 20


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--people", type=int, default=500)
    p.add_argument("--answers", type=int, default=10, help="answers per person (public-spending has 12 items)")
    p.add_argument("--renders", type=int, default=20, help="timed renders per page (after one warm-up)")
    p.add_argument("--backends", default="sqlite", help="comma-separated: sqlite, postgresql")
    p.add_argument("--database", default="calibrate_bench_dashboard", help="PostgreSQL database (recreated)")
    p.add_argument("--budget-ms", type=float, default=1000.0)
    return p.parse_args()


def build_room(app, people: int, answers: int) -> tuple[int, object]:
    """Schema, exercises, a signed-in trainer's test client and the simulated room."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from calibrate.domain.exercises import load_exercises
    from calibrate.infra.extensions import db
    from calibrate.infra.resources import resource_dir
    from calibrate.models import User
    from tests.trainer.rooms import make_workshop, signed_in_client, simulate_room

    email = "bench-trainer@calibrate.local"
    with app.app_context():
        upgrade()
        load_exercises(resource_dir("experiments"))
        client = signed_in_client(app, email)
        owner = db.session.scalar(select(User).where(User.email == email))
        workshop = make_workshop(owner, conditions=CONDITIONS)
        simulate_room(workshop, people - STRAGGLERS, n_items=answers)
        simulate_room(workshop, STRAGGLERS, n_items=answers, idle_minutes=3, seed=2)
        return workshop.id, client


def time_page(app, client, url: str, renders: int) -> dict:
    """Best and median of `renders` requests, each in its own app context and database session as in production."""
    from sqlalchemy import event

    from calibrate.infra.extensions import db

    with app.app_context():
        engine = db.engine
    response = client.get(url)  # warm caches, as the page's first poll would
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")
    times, statements = [], []
    count = lambda *args, **kwargs: statements.append(1)  # noqa: E731
    for render in range(renders):
        if render == 0:
            event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if render == 0:
            event.remove(engine, "before_cursor_execute", count)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    return {"best": min(times), "median": statistics.median(times), "queries": len(statements),
            "kib": len(response.data) // 1024}


def main() -> None:
    args = parse_args()
    os.environ.setdefault("CALIBRATE_SECRET_KEY", secrets.token_hex(32))
    from calibrate import create_app

    logging.getLogger("calibrate.access").setLevel(logging.WARNING)  # one line per request otherwise
    workdir = Path(tempfile.mkdtemp(prefix="calibrate-bench-dashboard-"))
    print(f"room: {args.people} people ({STRAGGLERS} idle for 3 min) x {args.answers} answers, "
          f"{len(CONDITIONS)} conditions; {args.renders} timed renders per page after one warm-up")
    worst = 0.0
    for backend, url in backend_urls(args.backends, workdir, args.database):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
        workshop_id, client = build_room(app, args.people, args.answers)
        client.post(f"/trainer/workshops/{workshop_id}/reveal")
        for page in PAGES:
            r = time_page(app, client, f"/trainer/workshops/{workshop_id}/{page}", args.renders)
            if page in POLLED:
                worst = max(worst, r["median"])
            print(f"{backend:<11} {page:<15} best={r['best']:7.1f} ms  median={r['median']:7.1f} ms  "
                  f"queries={r['queries']}  ({r['kib']} KiB)")
        with app.app_context():
            from calibrate.infra.extensions import db

            db.session.remove()
            db.engine.dispose()
    print(f"dashboard_ms_median={worst:.1f}")
    if worst > args.budget_ms:
        sys.exit(f"over budget: {worst:.1f} ms > {args.budget_ms:.0f} ms")


if __name__ == "__main__":
    main()
