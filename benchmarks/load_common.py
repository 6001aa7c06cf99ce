"""Helpers shared by the web benchmarks: a throw-away PostgreSQL database, exercises
built from the real items (and recorded truths) of the built-in exercises, gunicorn app
nodes and the Locust room that drives them, and how long a fault kept it from being served.

Nothing here invents data: a benchmark exercise is a selection of rows copied verbatim
from `experiments/<slug>/items.csv`, with the provenance of every source exercise kept.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPERIMENTS = REPO / "experiments"
VENV_BIN = REPO / ".venv" / "bin"
PG_PORT = 5432
PG_ADMIN_DSN = f"host=127.0.0.1 port={PG_PORT} user=postgres dbname=postgres"
PROTECTED_DATABASES = {"postgres", "template0", "template1", "test"}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def admin_dsn(port: int = PG_PORT) -> str:
    """The maintenance database of the PostgreSQL server on 127.0.0.1:port (user postgres, trust)."""
    return f"host=127.0.0.1 port={port} user=postgres dbname=postgres"


def recreate_database(name: str, port: int = PG_PORT) -> str:
    """Drop and create a PostgreSQL database on 127.0.0.1; returns its SQLAlchemy URL."""
    import psycopg

    if name in PROTECTED_DATABASES or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to drop and recreate database {name!r}")
    with psycopg.connect(admin_dsn(port), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"


def drop_database(name: str, port: int = PG_PORT) -> None:
    """Drop a benchmark database (WITH (FORCE) also ends the connections still open to it)."""
    import psycopg

    if name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to drop database {name!r}")
    with psycopg.connect(admin_dsn(port), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backend_urls(backends: str, workdir: Path, database: str):
    """(backend, SQLAlchemy URL) for each comma-separated backend: a scratch SQLite file or a recreated PostgreSQL database."""
    for backend in [b.strip() for b in backends.split(",") if b.strip()]:
        if backend == "sqlite":
            yield backend, f"sqlite:///{workdir / 'bench.sqlite3'}"
        elif backend in ("postgresql", "postgres"):
            yield backend, recreate_database(database)
        else:
            raise SystemExit(f"unknown backend {backend}")


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _read_items(slug: str) -> tuple[list[str], list[dict]]:
    with (EXPERIMENTS / slug / "items.csv").open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_exercise(root: Path, slug: str, title: str, parts: list[tuple[str, int]], public: bool = False) -> int:
    """Write `root/slug/{exercise.toml,items.csv}` from the first n items of each (source slug, n).

    Items (prompts, truths, n, se, market research) are copied unchanged, in English only
    (their *_de columns are left out, as the joined definition has no German); the definition
    joins the sources' population, source, citation and licence. Returns the item count.
    """
    metas, rows, header = [], [], []
    for source, count in parts:
        meta = tomllib.loads((EXPERIMENTS / source / "exercise.toml").read_text(encoding="utf-8"))
        fields, items = _read_items(source)
        if count > len(items):
            raise SystemExit(f"{source} has only {len(items)} items, {count} asked")
        metas.append(meta)
        rows.extend(items[:count])
        header += [f for f in fields if f not in header and not f.endswith("_de")]
    first = metas[0]
    joined = {
        key: " | ".join(dict.fromkeys(str(m.get(key, "")).strip() for m in metas))
        for key in ("population", "source", "citation", "license")
    }
    description = " ".join(
        f"{count} items of '{meta['title']}'." for meta, (_, count) in zip(metas, parts)
    )
    definition = {
        "title": title,
        "description": description,
        **joined,
        "minutes": sum(int(m.get("minutes", 10)) for m in metas),
        "prediction_prompt": first.get("prediction_prompt", ""),
        "own_prompt": first.get("own_prompt", ""),
        "public": public,
    }
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exercise.toml").write_text(
        "".join(f"{key} = {_toml_value(value)}\n" for key, value in definition.items()), encoding="utf-8"
    )
    with (folder / "items.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without needing numpy."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# ---------------------------------------------------------------------------- processes


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_healthy(base: str, timeout: float = 90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"{base} did not become healthy")


def wait_idle(pids: list[int], timeout: float = 90.0) -> None:
    """Wait until these processes have used (almost) no CPU for a second."""
    deadline = time.time() + timeout
    before = sum(cpu_ticks(pid) for pid in pids)
    while time.time() < deadline:
        time.sleep(1.0)
        now = sum(cpu_ticks(pid) for pid in pids)
        if now - before <= CLK_TCK * 0.05:
            return
        before = now


def stop_group(proc: subprocess.Popen | None, sig=signal.SIGTERM, timeout: float = 30) -> None:
    """Stop a process this script started in its own session (and its children)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def start_app_node(name: str, port: int, workers: int, env: dict, out: Path, liveness_port: int) -> subprocess.Popen:
    """One production app node: gunicorn with the repository's gunicorn.conf.py, in its own process group.

    JSON logs go to `out/<name>.log`; the node's liveness listener (gunicorn.conf.py) is on `liveness_port`.
    """
    node_env = {
        **env,
        "CALIBRATE_ENV": "production",
        "CALIBRATE_BIND": f"127.0.0.1:{port}",
        "CALIBRATE_LIVENESS_BIND": f"127.0.0.1:{liveness_port}",
        "CALIBRATE_WORKERS": str(workers),
        "CALIBRATE_PROXY_FIX": "1",
        "CALIBRATE_LOG_FORMAT": "json",
        "CALIBRATE_LOG_LEVEL": "INFO",
    }
    node_env.pop("WEB_CONCURRENCY", None)
    log = (out / f"{name}.log").open("w")
    # Its own control socket (gunicorn 27+): by default every gunicorn of a user shares ~/.gunicorn/gunicorn.ctl.
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", str(REPO / "gunicorn.conf.py"),
         "--control-socket", str(out / f"{name}.ctl")],
        env=node_env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    wait_healthy(f"http://127.0.0.1:{port}")
    deadline = time.time() + 90
    while len(children_of(proc.pid)) < workers and time.time() < deadline:
        time.sleep(0.2)
    wait_idle([proc.pid, *children_of(proc.pid)])
    if proc.poll() is not None:
        sys.exit(f"node {name} exited during start-up; see {out / f'{name}.log'}")
    print(f"node {name}: gunicorn pid {proc.pid} on 127.0.0.1:{port} (liveness :{liveness_port}), "
          f"{workers} sync workers", flush=True)
    return proc


# ---------------------------------------------------------------------------- the room (Locust)


def room_command(host: str, participants: int, spawn_rate: float) -> list[str]:
    """Locust, headless, running benchmarks/load_locustfile.py until every participant has finished."""
    return [
        str(VENV_BIN / "locust"), "-f", str(REPO / "benchmarks" / "load_locustfile.py"),
        "--headless", "--users", str(participants), "--spawn-rate", str(spawn_rate),
        "--host", host, "--run-time", "30m", "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
    ]


def room_environment(env: dict, code: str, results: Path, participants: int, think_min: float, think_max: float) -> dict:
    """The settings load_locustfile.py reads (its docstring lists them)."""
    return {
        **env,
        "LOAD_CODE": code,
        "LOAD_RESULTS": str(results),
        "LOAD_PARTICIPANTS": str(participants),
        "LOAD_THINK_MIN": str(think_min),
        "LOAD_THINK_MAX": str(think_max),
    }


def is_failure(status: int) -> bool:
    """A request the client had to send again: no answer (status 0) or a server error."""
    return status == 0 or status >= 500


def recovery_seconds(samples: list, fault_at: float) -> float | None:
    """Seconds from a fault until the room was served again: the end of the first successful request
    that started after the last failed one the fault caused (after the fault itself when nothing failed).

    `samples` are Locust records (kind, ms, status, wall-clock start). None: nothing succeeded afterwards.
    """
    def end(sample) -> float:
        return sample[3] + sample[1] / 1000.0

    failed_ends = [end(s) for s in samples if is_failure(s[2]) and end(s) >= fault_at]
    since = max(failed_ends, default=fault_at)
    served = [end(s) for s in samples if not is_failure(s[2]) and s[3] >= since]
    return min(served) - fault_at if served else None
