"""Server CPU per participant request: Calibrate against a bare Flask + psycopg "ceiling" app.

    .venv/bin/python benchmarks/bench_requests.py                  # 40 s per app
    .venv/bin/python benchmarks/bench_requests.py --seconds 60 --clients 6

Both apps serve the same two pages on the same data, under gunicorn (sync workers) on
127.0.0.1 against one scratch PostgreSQL database that the script creates and drops:

* Calibrate: `GET /p/<token>/r1/item/<n>` and its POST (CSRF, validation, conditions,
  rate limit in Redis, progress, the upsert, the redirect to the next page), exactly as
  in production (`CALIBRATE_ENV=production`, JSON access lines).
* The ceiling, written below (`bare_app`): the same item page with a form, and a POST
  that reads participant + item, parses the four numbers, upserts the answer into the
  same `response` table and redirects to the next item. One statement per GET, two per
  POST, no CSRF, no rate limit, no logging: what any Flask app doing these pages costs.

One client loop drives both: threads, each taking fresh self-serve participants (created
in bulk beforehand, a separate pool per app) through the 20 items: GET the page, POST the
answer (with the CSRF token when the page has one), follow the redirect to the next item.
Both apps run at once on their own ports; their clients take turns (`--turns` per app,
alternating, after a warm-up of each), so a machine that gets slower or faster during the
run, as a shared VM does, affects both figures alike. The CPU time of each app's gunicorn
worker processes (user + system, from psutil) over its measured turns is divided by the
requests completed in them.

Final line: cpu_ms_per_request=<ours> ceiling=<bare> ratio=<ours/bare>
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load_common import PG_ADMIN_DSN, PROTECTED_DATABASES, REPO, VENV_BIN, recreate_database, write_exercise  # noqa: E402

EXERCISE_SLUG = "bench-supermarket-20"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# ---------------------------------------------------------------------------- the ceiling app

BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Item {{ number }}</title></head>
<body><main>
<p>Item {{ number }}</p>
<form method="post">
  <p>{{ item.own_prompt }}</p>
  <label>Your answer ({{ '%g' % item.own_min }}–{{ '%g' % item.own_max }})
    <input name="own" value="{{ saved.own if saved else '' }}"></label>
  <p>{{ item.prompt }}</p>
  <label>Recorded value ({{ item.unit }}, {{ '%g' % item.min }}–{{ '%g' % item.max }})
    <input name="prediction" value="{{ saved.prediction if saved else '' }}"></label>
  <input name="lower" placeholder="low"> to <input name="upper" placeholder="high">
  <button type="submit">Save and next</button>
</form>
</main></body></html>
"""

BARE_READ = """
SELECT p.id AS participant_id, i.id AS item_id, i.prompt, i.own_prompt, i.own_min, i.own_max, i.min, i.max, i.unit,
       r.own, r.prediction
FROM participant p
JOIN item i ON i.exercise_id = p.exercise_id AND i.position = %s
LEFT JOIN response r ON r.participant_id = p.id AND r.item_id = i.id AND r.round = 1
WHERE p.token = %s
"""

BARE_UPSERT = """
INSERT INTO response (participant_id, item_id, round, own, prediction, lower, upper, answered_at)
VALUES (%s, %s, 1, %s, %s, %s, %s, now())
ON CONFLICT (participant_id, item_id, round) DO UPDATE
SET own = EXCLUDED.own, prediction = EXCLUDED.prediction, lower = EXCLUDED.lower, upper = EXCLUDED.upper,
    answered_at = EXCLUDED.answered_at
"""


def bare_app():
    """A minimal Flask + psycopg app serving the same item pages (gunicorn 'bench_requests:bare_app()')."""
    import psycopg
    from flask import Flask, abort, redirect, request
    from psycopg.rows import dict_row

    app = Flask("bare")
    page = app.jinja_env.from_string(BARE_PAGE)
    dsn = os.environ["BENCH_BARE_DSN"]
    state: dict = {}

    def connection():
        conn = state.get("conn")
        if conn is None or conn.closed:
            conn = state["conn"] = psycopg.connect(dsn, autocommit=True, row_factory=dict_row)
        return conn

    def number(name: str, required: bool) -> float | None:
        text = (request.form.get(name) or "").strip()
        if not text:
            if required:
                abort(400)
            return None
        try:
            return float(text)
        except ValueError:
            abort(400)

    @app.route("/b/<token>/item/<int:position>", methods=["GET", "POST"])
    def item(token: str, position: int):
        row = connection().execute(BARE_READ, (position, token)).fetchone()
        if row is None:
            abort(404)
        if request.method == "POST":
            values = [number("own", True), number("prediction", True), number("lower", False), number("upper", False)]
            connection().execute(BARE_UPSERT, (row["participant_id"], row["item_id"], *values))
            return redirect(f"/b/{token}/item/{position + 1}")
        saved = {"own": row["own"], "prediction": row["prediction"]} if row["prediction"] is not None else None
        return page.render(item=row, number=position + 1, saved=saved)

    return app


# ---------------------------------------------------------------------------- set-up


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=40.0, help="measured seconds per app")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds per app before measuring")
    p.add_argument("--clients", type=int, default=4, help="client threads")
    p.add_argument("--workers", type=int, default=3, help="gunicorn sync workers per app")
    p.add_argument("--participants", type=int, default=3000, help="participants created per app")
    p.add_argument("--items", type=int, default=20, help="items of supermarket-brands (max 21)")
    p.add_argument("--port", type=int, default=8771)
    p.add_argument("--database", default="calibrate_bench_requests")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5",
                   help="rate-limit storage of Calibrate, as in production ('' for per-worker memory)")
    p.add_argument("--turns", type=int, default=8,
                   help="measured turns per app, taken in alternation (--seconds is split between them)")
    p.add_argument("--only", choices=["calibrate", "ceiling"], help="measure one app only")
    return p.parse_args()


def run(cmd: list[str], env: dict) -> None:
    result = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")


def prepare(args, workdir: Path) -> tuple[dict, list[dict], dict[str, list[str]]]:
    """Scratch database, schema, a 20-item exercise and two pools of self-serve participants."""
    url = recreate_database(args.database)
    env = {
        **os.environ,
        "CALIBRATE_ENV": "production",
        "CALIBRATE_DATABASE_URL": url,
        "CALIBRATE_SECRET_KEY": secrets.token_hex(32),
        "CALIBRATE_LOG_LEVEL": "INFO",
        "CALIBRATE_LOG_FORMAT": "json",  # as docs/deploy.md sets it: an access line per request, as JSON
    }
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    write_exercise(workdir / "exercises", EXERCISE_SLUG, f"Supermarket brand shares (first {args.items} items)",
                   [("supermarket-brands", args.items)])
    run([str(VENV_BIN / "calibrate"), "init-db"], env)
    run([str(VENV_BIN / "calibrate"), "load-exercises", str(workdir / "exercises")], env)

    os.environ.update({k: env[k] for k in ("CALIBRATE_DATABASE_URL", "CALIBRATE_SECRET_KEY")})
    from sqlalchemy import insert, select

    from calibrate import create_app
    from calibrate.infra.extensions import db
    from calibrate.models import Exercise, Participant, new_participant_token

    app = create_app({"RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        exercise = db.session.scalar(select(Exercise).where(Exercise.slug == EXERCISE_SLUG))
        items = []
        for item in exercise.items:
            own = item.own_choices[0]["value"] if item.own_choices else item.own_min
            prediction = round((item.min + item.max) / 2, 1)
            spread = (item.max - item.min) / 10
            items.append({"own": f"{own:g}", "prediction": f"{prediction:g}",
                          "lower": f"{prediction - spread:g}", "upper": f"{prediction + spread:g}"})
        pools = {}
        for name in ("calibrate", "ceiling"):
            tokens = [new_participant_token() for _ in range(args.participants)]
            db.session.execute(insert(Participant), [
                {"token": token, "exercise_id": exercise.id, "ask_intervals": True, "pseudonym": f"bench-{name}"}
                for token in tokens
            ])
            pools[name] = tokens
        db.session.commit()
        db.engine.dispose()
    return env, items, pools


def drop_database(name: str) -> None:
    import psycopg

    if name in PROTECTED_DATABASES:
        return
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_gunicorn(app_spec: str, chdir: Path, args, port: int, env: dict, log: Path) -> subprocess.Popen:
    """gunicorn with sync workers; started from an empty directory so no gunicorn.conf.py is read."""
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--workers", str(args.workers),
        "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}",
        "--backlog", "2048",
        "--max-requests", "0",
        "--log-level", "warning",
        "--chdir", str(chdir),
        app_spec,
    ]
    handle = log.open("w")
    return subprocess.Popen(cmd, env=env, cwd=log.parent, stdout=handle, stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with status {proc.returncode}")
        try:
            requests.get(url, timeout=2, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.3)
    sys.exit(f"no answer from {url}")


def worker_cpu(master) -> float:
    """User + system CPU seconds of the gunicorn workers (children of the master)."""
    total = 0.0
    for child in master.children():
        try:
            times = child.cpu_times()
            total += times.user + times.system
        except Exception:  # a worker that just exited
            pass
    return total


# ---------------------------------------------------------------------------- the client loop


class Clients:
    """Threads taking participants from a pool through the items: GET the page, POST the answer, follow."""

    def __init__(self, base: str, first_url, tokens: list[str], items: list[dict], threads: int):
        self.base, self.first_url, self.items = base, first_url, items
        self.tokens = list(tokens)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.running = threading.Event()  # cleared while the other app takes its turn
        self.requests = 0
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _next_token(self) -> str | None:
        with self.lock:
            return self.tokens.pop() if self.tokens else None

    def _count(self) -> None:
        with self.lock:
            self.requests += 1

    def _run(self) -> None:
        import requests

        while not self.stop.is_set():
            token = self._next_token()
            if token is None:
                return
            session = requests.Session()
            url = self.base + self.first_url(token)
            for answer in self.items:
                self.running.wait()
                if self.stop.is_set():
                    return
                page = session.get(url, allow_redirects=False)
                self._count()
                if page.status_code != 200:
                    self.errors.append(f"GET {page.status_code}")
                    break
                data = dict(answer)
                match = CSRF.search(page.text)
                if match:
                    data["csrf_token"] = match.group(1)
                saved = session.post(url, data=data, allow_redirects=False)
                self._count()
                if saved.status_code != 302:
                    self.errors.append(f"POST {saved.status_code}")
                    break
                location = saved.headers["Location"]
                if "/item/" not in location:
                    break  # the round is finished: the next page is feedback, not an item
                url = location if location.startswith("http") else self.base + location

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def pause(self) -> None:
        self.running.clear()

    def resume(self) -> None:
        self.running.set()

    def finish(self) -> None:
        self.stop.set()
        self.running.set()
        for thread in self.threads:
            thread.join(timeout=30)


class App:
    """One app under gunicorn on its own port, with its own client threads (paused between its turns)."""

    def __init__(self, name: str, app_spec: str, chdir: Path, first_url, tokens, items, port: int, args, env,
                 workdir: Path):
        self.name, self.base = name, f"http://127.0.0.1:{port}"
        self.proc = start_gunicorn(app_spec, chdir, args, port, env, workdir / f"{name}.log")
        wait_ready(self.base + first_url(tokens[-1]), self.proc)
        import psutil

        self.master = psutil.Process(self.proc.pid)
        self.clients = Clients(self.base, first_url, tokens, items, args.clients)
        self.requests = 0
        self.cpu_s = self.seconds = self.busy = self.total = 0.0

    def turn(self, seconds: float, measured: bool) -> None:
        """Let the clients run for `seconds`; when measured, add the workers' CPU and the requests served."""
        import psutil

        self.clients.resume()
        cpu0, requests0, t0, machine0 = worker_cpu(self.master), self.clients.requests, time.time(), psutil.cpu_times()
        time.sleep(seconds)
        self.clients.pause()
        cpu1, requests1, t1, machine1 = worker_cpu(self.master), self.clients.requests, time.time(), psutil.cpu_times()
        if measured:
            self.requests += requests1 - requests0
            self.cpu_s += cpu1 - cpu0
            self.seconds += t1 - t0
            busy = sum(getattr(machine1, f) - getattr(machine0, f) for f in ("user", "nice", "system", "irq", "softirq"))
            self.busy += busy
            self.total += busy + (machine1.idle - machine0.idle) + (getattr(machine1, "iowait", 0) - getattr(machine0, "iowait", 0))

    def stop(self) -> None:
        self.clients.finish()
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def result(self) -> dict:
        result = {
            "name": self.name,
            "requests": self.requests,
            "errors": len(self.clients.errors),
            "seconds": self.seconds,
            "cpu_s": self.cpu_s,
            "cpu_ms_per_request": 1000.0 * self.cpu_s / self.requests if self.requests else float("nan"),
            "machine_busy": 100.0 * self.busy / self.total if self.total else float("nan"),
        }
        print(
            f"{self.name:10s} requests={self.requests:6d} ({self.requests / max(self.seconds, 1e-9):.0f}/s) "
            f"errors={result['errors']} worker_cpu={self.cpu_s:.2f}s "
            f"cpu_ms_per_request={result['cpu_ms_per_request']:.3f} machine_busy={result['machine_busy']:.0f}%",
            flush=True,
        )
        if self.clients.errors:
            print(f"  first errors: {self.clients.errors[:5]}", flush=True)
        if not self.clients.tokens:
            print(f"warning: {self.name} ran out of participants; raise --participants", flush=True)
        return result


def main() -> int:
    args = parse_args()
    from importlib.metadata import version

    print(f"machine: {os.cpu_count()} cores, CPython {sys.version.split()[0]}, Flask {version('flask')}, "
          f"SQLAlchemy {version('sqlalchemy')}, psycopg {version('psycopg')}", flush=True)
    print(f"workload: {args.items} items, {args.clients} client threads, {args.workers} sync workers per app, "
          f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per app", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-requests-") as tmp:
        workdir = Path(tmp)
        apps: list[App] = []
        try:
            env, items, pools = prepare(args, workdir)
            if args.only in (None, "calibrate"):
                apps.append(App("calibrate", "calibrate:create_app()", REPO, lambda t: f"/p/{t}/r1/item/0",
                                pools["calibrate"], items, args.port, args, env, workdir))
            if args.only in (None, "ceiling"):
                bare_env = {**env, "BENCH_BARE_DSN": f"host=127.0.0.1 port=5432 user=postgres dbname={args.database}"}
                apps.append(App("ceiling", "bench_requests:bare_app()", HERE, lambda t: f"/b/{t}/item/0",
                                pools["ceiling"], items, args.port + 1, args, bare_env, workdir))
            for app in apps:
                app.clients.start()
                app.turn(args.warmup, measured=False)  # imports, connections, template compiles, the exercise cache
            # Turns taken in alternation, so that a machine getting slower or faster affects both apps alike.
            for _ in range(args.turns):
                for app in apps:
                    app.turn(args.seconds / args.turns, measured=True)
            results = {app.name: app.result() for app in apps}
        finally:
            for app in apps:
                app.stop()
            drop_database(args.database)
    ours = results.get("calibrate", {}).get("cpu_ms_per_request", float("nan"))
    bare = results.get("ceiling", {}).get("cpu_ms_per_request", float("nan"))
    errors = sum(r["errors"] for r in results.values())
    print(f"cpu_ms_per_request={ours:.2f} ceiling={bare:.2f} ratio={ours / bare:.2f}", flush=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
