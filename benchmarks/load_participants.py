"""Load test: a room of participants taking a 20-item workshop at once against the
production stack (gunicorn + PostgreSQL + Redis), with the trainer's live dashboard open.

    .venv/bin/python benchmarks/load_participants.py                 # 500 participants (docs/performance.md)
    .venv/bin/python benchmarks/load_participants.py --kill-worker   # plus SIGKILL of one worker mid-run

Steps: (a) recreate the PostgreSQL database `calibrate_load`, `calibrate init-db`, load a
20-item exercise (the first 20 real items of supermarket-brands), create a trainer and an
open workshop with two conditions (control, perspective); (b) start gunicorn with Redis
rate-limit storage; (c) run Locust headless (benchmarks/load_locustfile.py): every
participant joins by code, writes the perspective description if asked, answers 20 items
with think time, and opens the feedback page; (d) meanwhile the trainer polls the live
dashboard partial every 2 s; (e) check every acknowledged answer against the database and
print latency percentiles per request type. Only 127.0.0.1 is contacted.

Final line: participants=<finished> errors=<n> lost_answers=<n> p95_ms=<x>
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

from load_common import (
    CLK_TCK,
    REPO,
    VENV_BIN,
    children_of,
    cpu_ticks,
    percentile,
    recreate_database,
    room_command,
    room_environment,
    wait_healthy,
    wait_idle,
    write_exercise,
)

EXERCISE_SLUG = "load-supermarket-20"
TRAINER_EMAIL = "load-trainer@calibrate.local"
PARTICIPANT_KINDS_ORDER = [
    "join GET", "join POST", "resume GET", "instructions GET", "instructions POST",
    "item GET", "item POST", "feedback GET",
]


def parse_args() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--participants", type=int, default=500)
    p.add_argument("--spawn-rate", type=float, default=50, help="participants started per second")
    p.add_argument("--items", type=int, default=20, help="items of supermarket-brands to use (max 21)")
    p.add_argument("--think-min", type=float, default=1.0, help="seconds of thinking per page, minimum")
    p.add_argument("--think-max", type=float, default=3.0, help="seconds of thinking per page, maximum")
    p.add_argument("--workers", type=int, default=2 * cores + 1)
    p.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    p.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    p.add_argument("--preload", action="store_true", help="gunicorn --preload (fork workers from a loaded app)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--database", default="calibrate_load")
    p.add_argument("--postgres-port", type=int, default=5432, help="PostgreSQL on 127.0.0.1 (user postgres, trust)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    p.add_argument("--join-rate-limit", default="100000 per minute",
                   help="CALIBRATE_JOIN_RATE_LIMIT: every simulated participant comes from 127.0.0.1")
    p.add_argument("--no-dashboard", action="store_true", help="do not poll the trainer dashboard")
    p.add_argument("--kill-worker", action="store_true", help="SIGKILL one gunicorn worker mid-run")
    p.add_argument("--kill-at", type=float, default=30.0, help="seconds after the start to kill a worker")
    p.add_argument("--out", type=Path, default=None, help="directory for logs and raw results")
    return p.parse_args()


# ---------------------------------------------------------------------------- set-up


def prepare(args: argparse.Namespace, workdir: Path) -> tuple[dict, dict]:
    """Fresh database, schema, exercise, trainer and an open two-condition workshop."""
    url = recreate_database(args.database, args.postgres_port)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()  # only our own db number: old rate-limit counters
    env = {
        **os.environ,
        "CALIBRATE_DATABASE_URL": url,
        "CALIBRATE_SECRET_KEY": secrets.token_hex(32),
        "REDIS_URL": args.redis_url,
        "CALIBRATE_JOIN_RATE_LIMIT": args.join_rate_limit,
    }
    n_items = write_exercise(
        workdir / "exercises", EXERCISE_SLUG, f"Supermarket brand shares (first {args.items} items)",
        [("supermarket-brands", args.items)],
    )
    os.environ.update({k: env[k] for k in ("CALIBRATE_DATABASE_URL", "CALIBRATE_SECRET_KEY", "REDIS_URL")})
    from flask_migrate import upgrade

    from calibrate import create_app
    from calibrate.domain.exercises import load_exercises
    from calibrate.infra.extensions import db
    from calibrate.models import Role, User

    app = create_app()
    password = secrets.token_urlsafe(16)
    with app.app_context():
        upgrade()  # what `calibrate init-db` does
        load_exercises(workdir / "exercises")  # what `calibrate load-exercises <dir>` does
        trainer = User(email=TRAINER_EMAIL, role=Role.TRAINER.value)
        trainer.set_password(password)
        db.session.add(trainer)
        db.session.commit()
    room = open_workshop(app)
    return env, {**room, "password": password, "items": n_items, "app": app}


def open_workshop(app) -> dict:
    """A new open workshop of the benchmark exercise with two conditions (control, perspective), 1:1."""
    from sqlalchemy import select

    from calibrate.domain.workshop_codes import new_code
    from calibrate.infra.extensions import db
    from calibrate.models import Condition, Exercise, User, Workshop, WorkshopState, utcnow

    with app.app_context():
        workshop = Workshop(
            owner=db.session.scalar(select(User).where(User.email == TRAINER_EMAIL)),
            exercise=db.session.scalar(select(Exercise).where(Exercise.slug == EXERCISE_SLUG)),
            title="Load test room",
            code=new_code(),
            state=WorkshopState.OPEN.value,
            conditions=[Condition.CONTROL.value, Condition.PERSPECTIVE.value],
            allocation=[1, 1],
            ask_intervals=True,
            opened_at=utcnow(),
        )
        db.session.add(workshop)
        db.session.commit()
        return {"code": workshop.code, "workshop_id": workshop.id}


# ---------------------------------------------------------------------------- processes






def postgres_pids() -> list[int]:
    """PostgreSQL server processes (read-only look at /proc, to account for CPU use)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)






def machine_busy(seconds: float = 3.0) -> float:
    """Share of the machine's CPU busy with other work before the run (other processes skew results)."""
    busy0, total0 = machine_ticks()
    time.sleep(seconds)
    busy1, total1 = machine_ticks()
    return 100.0 * (busy1 - busy0) / max(1, total1 - total0)


ACCESS_DURATION = re.compile(r"calibrate\.access .* (?:GET|POST) (/p/\S+|/j/\S+|/e/\S+) \d{3} ([0-9.]+)ms$")
PARTICIPANT_ROUTES = ("/p/", "/j/", "/e/")


def app_durations(log: Path) -> list[float]:
    """Milliseconds each participant request spent inside the app, from its access log (text or JSON lines)."""
    if not log.exists():
        return []
    durations = []
    with log.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.rstrip()
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("logger") == "calibrate.access" and str(entry.get("route", "")).startswith(PARTICIPANT_ROUTES) \
                        and entry.get("duration_ms") is not None:
                    durations.append(float(entry["duration_ms"]))
            elif match := ACCESS_DURATION.search(line):
                durations.append(float(match.group(2)))
    return durations


def start_gunicorn(args, env, out: Path, code: str) -> subprocess.Popen:
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--workers", str(args.workers),
        "--worker-class", args.worker_class,
        "--bind", f"127.0.0.1:{args.port}",
        "--backlog", "2048",
        "--log-level", "warning",
        "--error-logfile", str(out / "gunicorn.log"),
    ]
    if args.worker_class == "gthread":
        cmd += ["--threads", str(args.threads)]
    if args.preload:
        cmd.append("--preload")
    cmd.append("calibrate:create_app()")
    # The app's own access log (route template, status, time spent in the app) goes to app.log.
    app_log = (out / "app.log").open("w")
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=app_log)
    base = f"http://127.0.0.1:{args.port}"
    wait_healthy(base)
    deadline = time.time() + 90
    while len(children_of(proc.pid)) < args.workers and time.time() < deadline:
        time.sleep(0.2)
    wait_idle([proc.pid, *children_of(proc.pid)])  # every worker has finished importing the app
    # First DB connections and template compiles of each worker happen here, not in the measurement.
    for _ in range(args.workers * 4):
        urllib.request.urlopen(f"{base}/healthz", timeout=10).read()
        urllib.request.urlopen(f"{base}/j/{code}", timeout=10).read()
    print(f"gunicorn pid {proc.pid}: {args.workers} {args.worker_class} worker(s)"
          + (f" x {args.threads} threads" if args.worker_class == "gthread" else ""), flush=True)
    return proc


class Monitor(threading.Thread):
    """CPU use of the load generator, gunicorn and the whole machine; optionally kills a worker."""

    def __init__(self, gunicorn: subprocess.Popen, locust: subprocess.Popen, kill_at: float | None):
        super().__init__(daemon=True)
        self.gunicorn, self.locust, self.kill_at = gunicorn, locust, kill_at
        self.stop = threading.Event()
        self.killed: dict | None = None
        self.start_time = time.time()
        self.gunicorn_ticks: dict[int, int] = {}
        self.postgres_first: dict[int, int] = {}
        self.postgres_last: dict[int, int] = {}

    def run(self) -> None:
        self.machine0 = machine_ticks()
        while not self.stop.wait(0.5):
            for pid in [self.gunicorn.pid, *children_of(self.gunicorn.pid)]:
                self.gunicorn_ticks[pid] = cpu_ticks(pid)
            self.locust_ticks = cpu_ticks(self.locust.pid) or getattr(self, "locust_ticks", 0)
            for pid in postgres_pids():
                ticks = cpu_ticks(pid)
                self.postgres_first.setdefault(pid, ticks)
                self.postgres_last[pid] = ticks
            if self.kill_at is not None and self.killed is None and time.time() - self.start_time >= self.kill_at:
                workers = children_of(self.gunicorn.pid)
                if workers:
                    # The busiest worker over the last half second is the likeliest to have requests in flight.
                    victim = max(workers, key=lambda pid: cpu_ticks(pid))
                    os.kill(victim, signal.SIGKILL)
                    self.killed = {"pid": victim, "at": time.time()}
                    print(f"SIGKILL sent to gunicorn worker {victim} at t={time.time() - self.start_time:.1f}s",
                          flush=True)
        self.machine1 = machine_ticks()

    def summary(self) -> dict:
        seconds = time.time() - self.start_time
        busy = self.machine1[0] - self.machine0[0]
        total = self.machine1[1] - self.machine0[1]
        cores = os.cpu_count() or 1
        return {
            "seconds": seconds,
            "machine_busy_pct": 100.0 * busy / total if total else float("nan"),
            "locust_core_pct": 100.0 * getattr(self, "locust_ticks", 0) / CLK_TCK / seconds,
            "gunicorn_core_pct": 100.0 * sum(self.gunicorn_ticks.values()) / CLK_TCK / seconds,
            "postgres_core_pct": 100.0 * sum(self.postgres_last[p] - self.postgres_first[p] for p in self.postgres_last)
            / CLK_TCK / seconds,
            "cores": cores,
        }


# ---------------------------------------------------------------------------- verification


def verify(app, workshop_id: int, results: dict, n_items: int) -> dict:
    """Compare every acknowledged answer with the database."""
    from sqlalchemy import func, select

    from calibrate.infra.extensions import db
    from calibrate.models import Item, Participant, Response

    with app.app_context():
        rows = db.session.execute(
            select(Participant.token, Response.round, Item.position, Response.own, Response.prediction,
                   Response.lower, Response.upper)
            .join(Response, Response.participant_id == Participant.id)
            .join(Item, Item.id == Response.item_id)
            .where(Participant.workshop_id == workshop_id)
        ).all()
        duplicates = db.session.scalar(
            select(func.count()).select_from(
                select(Response.participant_id)
                .group_by(Response.participant_id, Response.item_id, Response.round)
                .having(func.count() > 1)
                .subquery()
            )
        )
        tokens = set(db.session.scalars(select(Participant.token).where(Participant.workshop_id == workshop_id)))
        conditions = Counter(db.session.scalars(select(Participant.condition).where(Participant.workshop_id == workshop_id)))
        finished_in_db = db.session.scalar(
            select(func.count()).where(Participant.workshop_id == workshop_id, Participant.finished_round1_at.is_not(None))
        )
    stored: dict[tuple[str, str], tuple] = {}
    per_token: Counter = Counter()
    for token, round_no, position, own, prediction, lower, upper in rows:
        stored[(token, f"{round_no}:{position}")] = (own, prediction, lower, upper)
        per_token[token] += 1

    def number(text):
        return None if text in (None, "") else float(text)

    acknowledged = lost = mismatched = 0
    incomplete = []
    client_tokens = set()
    for record in results["participants"]:
        token = record["token"]
        if token is None:
            continue
        client_tokens.add(token)
        for key, answer in record["answers"].items():
            acknowledged += 1
            row = stored.get((token, key))
            if row is None:
                lost += 1
            elif row != tuple(number(answer[k]) for k in ("own", "prediction", "lower", "upper")):
                mismatched += 1
        if record["finished"] and per_token[token] != n_items:
            incomplete.append((token[:8], per_token[token]))
    return {
        "acknowledged": acknowledged,
        "stored_rows": len(rows),
        "lost": lost,
        "mismatched": mismatched,
        "duplicates": duplicates,
        "incomplete": incomplete,
        "participants_in_db": len(tokens),
        "orphans": len(tokens - client_tokens),
        "finished_in_db": finished_in_db,
        "conditions": dict(conditions),
    }


# ---------------------------------------------------------------------------- report


def latency_table(samples: list) -> tuple[dict, list[str]]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, ms, status, _start in samples:
        by_kind[kind].append(ms)
    kinds = [k for k in PARTICIPANT_KINDS_ORDER if k in by_kind] + sorted(
        k for k in by_kind if k not in PARTICIPANT_KINDS_ORDER
    )
    lines = [f"{'request':<18}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"]
    stats = {}
    for kind in kinds:
        values = by_kind[kind]
        stats[kind] = {
            "n": len(values),
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
            "max": max(values),
        }
        s = stats[kind]
        lines.append(f"{kind:<18}{s['n']:>7}{s['p50']:>9.1f}{s['p95']:>9.1f}{s['p99']:>9.1f}{s['max']:>9.1f}")
    return stats, lines


def timeline(samples: list, start: float, width: float = 10.0) -> list[str]:
    buckets: dict[int, list[float]] = defaultdict(list)
    for kind, ms, _status, at in samples:
        if not kind.startswith(("dashboard", "login")):
            buckets[int((at - start) // width)].append(ms)
    lines = [f"{'t (s)':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"]
    for b in sorted(buckets):
        values = buckets[b]
        lines.append(f"{int(b * width):>4}-{int((b + 1) * width):<4}{len(values) / width:>8.0f}"
                     f"{percentile(values, 50):>9.1f}{percentile(values, 95):>9.1f}")
    return lines


def main() -> None:
    args = parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="calibrate-load-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"logs and raw results: {out}", flush=True)
    env, info = prepare(args, out)
    app = info.pop("app")
    print(f"database {args.database}: {info['items']}-item exercise, open workshop {info['code']} "
          f"(control, perspective), trainer {TRAINER_EMAIL}", flush=True)

    gunicorn = start_gunicorn(args, env, out, info["code"])
    results_path = out / "locust_results.json"
    locust_env = room_environment(env, info["code"], results_path, args.participants, args.think_min, args.think_max)
    if not args.no_dashboard:
        locust_env.update(
            LOAD_TRAINER_EMAIL=TRAINER_EMAIL, LOAD_TRAINER_PASSWORD=info["password"],
            LOAD_WORKSHOP_ID=str(info["workshop_id"]),
        )
    locust_cmd = room_command(f"http://127.0.0.1:{args.port}", args.participants, args.spawn_rate)
    print("running:", " ".join(locust_cmd[1:]), flush=True)
    idle_busy = machine_busy()
    print(f"machine busy before the run (other processes): {idle_busy:.0f}%", flush=True)
    started = time.time()
    try:
        with (out / "locust.log").open("w") as log:
            locust = subprocess.Popen(locust_cmd, env=locust_env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
            monitor = Monitor(gunicorn, locust, args.kill_at if args.kill_worker else None)
            monitor.start()
            locust.wait()
            monitor.stop.set()
            monitor.join()
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    wall = time.time() - started
    if not results_path.exists():
        sys.exit(f"Locust wrote no results; see {out / 'locust.log'}")
    results = json.loads(results_path.read_text())
    check = verify(app, info["workshop_id"], results, info["items"])
    usage = monitor.summary()

    samples = results["samples"]
    participant_samples = [s for s in samples if not s[0].startswith(("dashboard", "login"))]
    dashboard_samples = [s for s in samples if s[0].startswith("dashboard")]
    stats, lines = latency_table(samples)
    failures = results["failures"]
    records = results["participants"]
    finished = sum(1 for r in records if r["finished"])
    unrecovered = [r for r in records if r["error"]]
    first_sample = min((s[3] for s in samples), default=started)

    print()
    print("\n".join(lines))
    print()
    print("\n".join(timeline(samples, first_sample)))
    print()
    overall = [s[1] for s in participant_samples]
    p95 = percentile(overall, 95)
    print(f"participant requests: n={len(overall)} in {wall:.0f} s wall "
          f"({len(overall) / wall:.0f} req/s average); p50={percentile(overall, 50):.1f} ms "
          f"p95={p95:.1f} ms p99={percentile(overall, 99):.1f} ms")
    inside = app_durations(out / "app.log")
    if inside:
        print(f"time inside the app (its access log; no queueing, no network): n={len(inside)} "
              f"p50={percentile(inside, 50):.1f} ms p95={percentile(inside, 95):.1f} ms p99={percentile(inside, 99):.1f} ms")
    if dashboard_samples:
        d = [s[1] for s in dashboard_samples]
        print(f"trainer dashboard partial (every 2 s): n={len(d)} p50={percentile(d, 50):.1f} ms "
              f"p95={percentile(d, 95):.1f} ms max={max(d):.1f} ms")
    else:
        print(f"trainer dashboard: not polled ({results['dashboard'].get('note') or 'disabled'})")
    other = usage["machine_busy_pct"] * usage["cores"] - usage["gunicorn_core_pct"] - usage["locust_core_pct"] \
        - usage["postgres_core_pct"]
    print(f"CPU ({usage['cores']} cores) during the run: machine {usage['machine_busy_pct']:.0f}% busy; in % of one "
          f"core: gunicorn {usage['gunicorn_core_pct']:.0f}, PostgreSQL {usage['postgres_core_pct']:.0f}, "
          f"Locust {usage['locust_core_pct']:.0f}, everything else on the machine {other:.0f} "
          f"(before the run: {idle_busy * usage['cores']:.0f})")
    print(f"answers: {check['acknowledged']} acknowledged, {check['stored_rows']} rows stored, "
          f"missing={check['lost']} different={check['mismatched']} duplicates={check['duplicates']}; "
          f"finished participants with != {info['items']} rows: {len(check['incomplete'])}")
    print(f"participants: simulated={len(records)} finished={finished} in_db={check['participants_in_db']} "
          f"finished_in_db={check['finished_in_db']} without_client_record={check['orphans']} "
          f"conditions={check['conditions']}")
    dashboard_failures = [f for f in failures if f["who"] == "trainer"]
    failures = [f for f in failures if f["who"] != "trainer"]
    failed_kinds = Counter((f["kind"], f["status"], f["error"][:60]) for f in failures + dashboard_failures)
    print(f"trainer dashboard failed requests: {len(dashboard_failures)}")
    print(f"participant failed attempts: {len(failures)} (later retried successfully: "
          f"{sum(1 for f in failures if f['retried'])}); participants stopped by an error: "
          f"{len(unrecovered)}")
    for (kind, status, error), count in failed_kinds.most_common(10):
        print(f"  {count:>5} x {kind} status={status} {error}")
    for record in unrecovered[:5]:
        print(f"  stopped: {record['error']}")
    lost_answers = check["lost"] + check["mismatched"] + len(check["incomplete"])
    if monitor.killed:
        killed_at = monitor.killed["at"]
        # Connections the killed worker held are dropped (status 0): those failures are the kill's.
        from_kill = [f for f in failures if f["status"] == 0 and -60 <= f["at"] - killed_at <= 5]
        other = [f for f in failures if f not in from_kill]
        errors = len(unrecovered) + len(other)
        print(f"worker kill: pid {monitor.killed['pid']} at t={killed_at - started:.1f}s; dropped requests "
              f"(retried by the client) worker_kill_failures={len(from_kill)}; other failed attempts {len(other)}; "
              f"participants stopped by an error {len(unrecovered)}")
    else:
        errors = len(failures) + len(unrecovered)
    summary = {
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "stats": stats, "check": check, "usage": usage, "failures": len(failures),
        "finished": finished, "p95_ms": p95, "wall_seconds": wall, "busy_before_pct": idle_busy,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"participants={finished} errors={errors} lost_answers={lost_answers} p95_ms={p95:.1f}")
    sys.exit(0 if errors == 0 and lost_answers == 0 and finished == args.participants else 1)


if __name__ == "__main__":
    main()
