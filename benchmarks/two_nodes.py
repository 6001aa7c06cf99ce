"""Two-node fault run: two gunicorn nodes behind HAProxy, one node killed with SIGKILL mid-run.

    .venv/bin/python benchmarks/two_nodes.py                   # 100 participants, think 2-4 s, kill at 30 s
    .venv/bin/python benchmarks/two_nodes.py --participants 200 --kill-at 45 --out /tmp/two-nodes

The way a large conference scales out: several app servers sharing one PostgreSQL database
and one Redis, behind a proxy. Steps:

(a) recreate the PostgreSQL database `calibrate_two_nodes`, `calibrate init-db`, load the
    20-item benchmark exercise, create a trainer and an open workshop (the set-up of
    load_participants.py, reused);
(b) start two gunicorn nodes, each `gunicorn -c gunicorn.conf.py` on its own loopback port,
    with the same CALIBRATE_SECRET_KEY, CALIBRATE_DATABASE_URL, REDIS_URL and
    CALIBRATE_PROXY_FIX=1 (CALIBRATE_ENV=production, JSON logs);
(c) start HAProxy with deploy/haproxy.cfg, only its `bind`, `server` and stats-socket lines
    rewritten for loopback (round robin, checks on /healthz, redispatch, retries);
(d) run the Locust room of load_participants.py (benchmarks/load_locustfile.py) through
    the proxy; `--kill-at` seconds in, SIGKILL the whole process group of one node
    (master and workers, as if the machine died);
(e) check every acknowledged answer against the database (load_participants.verify) and
    report requests, failed requests by status, when HAProxy marked the node down, how long
    until every request was served by the surviving node, and p95 before and after the kill;
    check that no participant token reached a log, and that the proxy's request ids reached
    the app's log lines;
(f) stop everything this script started and drop the database (unless --keep-database).

HAProxy comes from the system (Debian/Ubuntu: `sudo apt-get install -y haproxy`); nothing is
installed here. Only 127.0.0.1 is contacted; ports default to 18080 (proxy), 18081, 18082.

Final line: acknowledged=<n> stored=<n> lost=<n> duplicated=<n> errors=<n> recovery_s=<x> ...
The exit status is 0 when no answer was lost or duplicated and every participant finished.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

from load_common import (
    REPO,
    drop_database,
    percentile,
    room_command,
    room_environment,
    start_app_node,
    stop_group,
    wait_healthy,
)
from load_participants import latency_table, machine_busy, prepare, verify

HAPROXY_TEMPLATE = REPO / "deploy" / "haproxy.cfg"
NODES = ("app1", "app2")
LIVENESS_OFFSET = 1000  # each node's liveness listener (gunicorn.conf.py): its port + 1000, as in deploy/haproxy.cfg
EXCLUDED_KINDS = ("dashboard", "login")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--participants", type=int, default=100)
    p.add_argument("--spawn-rate", type=float, default=10, help="participants started per second")
    p.add_argument("--items", type=int, default=20, help="items of supermarket-brands to use (max 21)")
    p.add_argument("--think-min", type=float, default=2.0, help="seconds of thinking per page, minimum")
    p.add_argument("--think-max", type=float, default=4.0, help="seconds of thinking per page, maximum")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers per node (CALIBRATE_WORKERS)")
    p.add_argument("--port", type=int, default=18080, help="HAProxy's port; the nodes use the next two")
    p.add_argument("--kill-at", type=float, default=30.0, help="seconds after the room starts to kill a node")
    p.add_argument("--kill-node", choices=NODES, default="app2")
    p.add_argument("--database", default="calibrate_two_nodes")
    p.add_argument("--postgres-port", type=int, default=5432, help="PostgreSQL on 127.0.0.1 (user postgres, trust)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/6", help="its db is flushed first")
    p.add_argument("--join-rate-limit", default="100000 per minute",
                   help="CALIBRATE_JOIN_RATE_LIMIT: every simulated participant comes from 127.0.0.1")
    p.add_argument("--dashboard", action="store_true", help="also poll the trainer's live dashboard every 2 s")
    p.add_argument("--haproxy", default=None, help="path of the haproxy binary (default: from PATH or /usr/sbin)")
    p.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    p.add_argument("--out", type=Path, default=None, help="directory for logs and raw results")
    args = p.parse_args()
    if args.port <= 18000:
        p.error("--port must be above 18000")
    return args


# ---------------------------------------------------------------------------- HAProxy


def find_haproxy(explicit: str | None) -> str:
    candidates = [explicit] if explicit else [shutil.which("haproxy"), "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("haproxy not found. On Debian/Ubuntu: `sudo apt-get install -y haproxy` (2.6 or newer), "
             "or pass --haproxy /path/to/haproxy. This script installs nothing itself.")


def haproxy_config(template: str, listen: str, nodes: dict[str, tuple[str, int]], stats_socket: Path) -> str:
    """deploy/haproxy.cfg for this machine: loopback bind and servers (address, liveness port), a private stats socket.

    Everything else (balancing, checks, retries, redispatch, forwarded headers, log format) is
    used unchanged, so the run tests the shipped file. chroot/user/group are dropped: they
    need root and a prepared /var/lib/haproxy, which a benchmark should not require.
    """
    out, seen = [], Counter()
    for line in template.splitlines():
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        words = stripped.split()
        if stripped.startswith("stats socket "):
            line = f"{indent}stats socket {stats_socket} mode 600 level admin"
            seen["stats"] += 1
        elif words[:1] in (["chroot"], ["user"], ["group"]):
            seen[words[0]] += 1
            continue
        elif stripped == "bind :80":
            line = f"{indent}bind {listen}"
            seen["bind"] += 1
        elif words[:1] == ["server"] and len(words) >= 5 and words[1] in nodes and words[3] == "port":
            address, check_port = nodes[words[1]]
            line = f"{indent}server {words[1]} {address} port {check_port}" + "".join(f" {w}" for w in words[5:])
            seen[f"server {words[1]}"] += 1
        out.append(line)
    expected = {"stats": 1, "bind": 1, **{f"server {name}": 1 for name in nodes}}
    missing = {key: count for key, count in expected.items() if seen[key] != count}
    if missing:
        raise SystemExit(f"{HAPROXY_TEMPLATE} no longer has the lines this script rewrites: {sorted(missing)}")
    return "\n".join(out) + "\n"


def haproxy_status(stats_socket: Path) -> dict[str, str]:
    """Server name -> status (UP, DOWN, 'UP 1/2', ...) of backend `app`, from the runtime API."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        sock.connect(str(stats_socket))
        sock.sendall(b"show stat\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    lines = b"".join(chunks).decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    index = {name: i for i, name in enumerate(header)}
    status = {}
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) > index["status"] and fields[index["pxname"]] == "app" and fields[index["svname"]] in NODES:
            status[fields[index["svname"]]] = fields[index["status"]]
    return status


# The log-format of deploy/haproxy.cfg:
# %ci [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %HM %ID
LOG_RE = re.compile(
    r"^(?P<client>\S+) \[(?P<date>[^\]]+)\] (?P<frontend>\S+) (?P<backend>[^/\s]+)/(?P<server>\S+) "
    r"(?P<TR>-?\d+)/(?P<Tw>-?\d+)/(?P<Tc>-?\d+)/(?P<Tr>-?\d+)/(?P<Ta>\+?-?\d+) (?P<status>-?\d+) (?P<bytes>\+?\d+) "
    r"(?P<tsc>\S+) \d+/\d+/\d+/\d+/(?P<retries>\+?\d+) \d+/\d+ (?P<method>\S+) (?P<id>\S+)$"
)


def parse_haproxy_log(path: Path) -> list[dict]:
    entries = []
    for line in path.read_text(errors="replace").splitlines():
        match = LOG_RE.match(line.strip())
        if not match:
            continue
        entry = match.groupdict()
        entry["start"] = datetime.strptime(entry["date"], "%d/%b/%Y:%H:%M:%S.%f").timestamp()  # local time
        entry["Ta"] = int(entry["Ta"].lstrip("+"))
        entry["status"] = int(entry["status"])
        entry["redispatched"] = entry["retries"].startswith("+")
        entry["retries"] = int(entry["retries"].lstrip("+"))
        entries.append(entry)
    return entries


# ---------------------------------------------------------------------------- processes


class Watcher(threading.Thread):
    """Polls HAProxy's view of the nodes every 0.1 s and kills one node at --kill-at."""

    def __init__(self, stats_socket: Path, victim: subprocess.Popen, victim_name: str, kill_at: float):
        super().__init__(daemon=True)
        self.stats_socket, self.victim, self.victim_name, self.kill_at = stats_socket, victim, victim_name, kill_at
        self.stop = threading.Event()
        self.start_time = time.time()
        self.killed_at: float | None = None
        self.transitions: list[tuple[float, str, str]] = []  # (time, node, new status)

    def run(self) -> None:
        last: dict[str, str] = {}
        while not self.stop.wait(0.1):
            if self.killed_at is None and time.time() - self.start_time >= self.kill_at:
                os.killpg(self.victim.pid, signal.SIGKILL)  # master and workers at once: the node is gone
                self.killed_at = time.time()
                print(f"SIGKILL sent to node {self.victim_name} (process group {self.victim.pid}) "
                      f"at t={self.killed_at - self.start_time:.1f}s", flush=True)
            try:
                status = haproxy_status(self.stats_socket)
            except OSError:
                continue
            for node, value in status.items():
                if last.get(node) != value:
                    self.transitions.append((time.time(), node, value))
                    last[node] = value


def proxy_header_check(base: str, code: str) -> str:
    """The proxy replaces a client's X-Request-ID with its own, and the app echoes that id."""
    request = urllib.request.Request(f"{base}/j/{code}", headers={"X-Request-ID": "client-chosen-id-1234"})
    with urllib.request.urlopen(request, timeout=10) as response:
        echoed = response.headers.get("X-Request-ID", "")
    if echoed == "client-chosen-id-1234" or not re.fullmatch(r"[0-9A-F]{8,64}", echoed):
        return f"unexpected X-Request-ID {echoed!r}"
    return f"ok ({echoed})"


def wait_both_up(stats_socket: Path, nodes: dict[str, subprocess.Popen], out: Path, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    status: dict = {}
    while time.time() < deadline:
        try:
            status = haproxy_status(stats_socket)
        except OSError:
            status = {}
        if status and all(status.get(node) == "UP" for node in NODES):
            return
        time.sleep(0.2)
    dead = [name for name, proc in nodes.items() if proc.poll() is not None]
    sys.exit(f"HAProxy did not see both nodes up: {status}"
             + (f"; exited: {', '.join(dead)} (see their logs in {out})" if dead else ""))


# ---------------------------------------------------------------------------- report


def log_checks(out: Path, tokens: set[str], proxy_ids: set[str]) -> dict:
    """No participant token in any log; the proxy's request ids in the app's JSON log lines."""
    leaks = 0
    app_ids: set[str] = set()
    for path in [out / f"{name}.log" for name in NODES] + [out / "haproxy.log"]:
        text = path.read_text(errors="replace")
        leaks += sum(text.count(token) for token in tokens)
        if path.name != "haproxy.log":
            for line in text.splitlines():
                if line.startswith("{"):
                    try:
                        app_ids.add(json.loads(line).get("request_id", ""))
                    except ValueError:
                        pass
    return {"tokens_in_logs": leaks, "proxy_ids": len(proxy_ids), "proxy_ids_in_app_logs": len(proxy_ids & app_ids)}


def main() -> None:
    args = parse_args()
    try:
        run(args)
    finally:
        if not args.keep_database:
            drop_database(args.database, args.postgres_port)  # WITH (FORCE): also ends this process's own connections


def run(args: argparse.Namespace) -> None:
    haproxy_bin = find_haproxy(args.haproxy)
    out = args.out or Path(tempfile.mkdtemp(prefix="calibrate-two-nodes-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"logs and raw results: {out}", flush=True)
    ports = {"proxy": args.port, "app1": args.port + 1, "app2": args.port + 2}
    nodes: dict[str, subprocess.Popen] = {}
    haproxy = locust = None
    app = None
    try:
        env, info = prepare(args, out)
        app = info.pop("app")
        print(f"database {args.database}: {info['items']}-item exercise, open workshop {info['code']}", flush=True)
        for name in NODES:
            nodes[name] = start_app_node(name, ports[name], args.workers, env, out, liveness_port=ports[name] + LIVENESS_OFFSET)

        stats_socket = out / "haproxy.sock"
        config = haproxy_config(
            HAPROXY_TEMPLATE.read_text(), f"127.0.0.1:{ports['proxy']}",
            {name: (f"127.0.0.1:{ports[name]}", ports[name] + LIVENESS_OFFSET) for name in NODES}, stats_socket,
        )
        (out / "haproxy.cfg").write_text(config)
        check = subprocess.run([haproxy_bin, "-c", "-f", str(out / "haproxy.cfg")], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            sys.exit(f"haproxy -c failed:\n{check.stdout}{check.stderr}")
        haproxy_version = subprocess.run([haproxy_bin, "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
        with (out / "haproxy.log").open("w") as log:
            haproxy = subprocess.Popen([haproxy_bin, "-db", "-f", str(out / "haproxy.cfg")],
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{ports['proxy']}"
        wait_healthy(base)
        wait_both_up(stats_socket, nodes, out)
        for _ in range(args.workers * 8):  # first connections and template compiles of every worker
            urllib.request.urlopen(f"{base}/j/{info['code']}", timeout=10).read()
        header_check = proxy_header_check(base, info["code"])
        print(f"{haproxy_version}: 127.0.0.1:{ports['proxy']} -> app1 :{ports['app1']}, app2 :{ports['app2']}; "
              f"request id from the proxy: {header_check}", flush=True)

        results_path = out / "locust_results.json"
        locust_env = room_environment(env, info["code"], results_path, args.participants, args.think_min, args.think_max)
        if args.dashboard:
            locust_env.update(LOAD_TRAINER_EMAIL="load-trainer@calibrate.local",
                              LOAD_TRAINER_PASSWORD=info["password"], LOAD_WORKSHOP_ID=str(info["workshop_id"]))
        locust_cmd = room_command(base, args.participants, args.spawn_rate)
        idle_busy = machine_busy()
        print(f"machine busy before the run (other processes): {idle_busy:.0f}%", flush=True)
        print(f"running {args.participants} participants through the proxy (think {args.think_min:g}-"
              f"{args.think_max:g} s); node {args.kill_node} is killed at t={args.kill_at:g}s", flush=True)
        started = time.time()
        with (out / "locust.log").open("w") as log:
            locust = subprocess.Popen(locust_cmd, env=locust_env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
            watcher = Watcher(stats_socket, nodes[args.kill_node], args.kill_node, args.kill_at)
            watcher.start()
            locust.wait()
            watcher.stop.set()
            watcher.join()
        wall = time.time() - started
    finally:
        stop_group(locust)
        stop_group(haproxy, timeout=10)
        for proc in nodes.values():
            stop_group(proc)

    if not results_path.exists():
        sys.exit(f"Locust wrote no results; see {out / 'locust.log'}")
    results = json.loads(results_path.read_text())
    check = verify(app, info["workshop_id"], results, info["items"])
    proxy_log = parse_haproxy_log(out / "haproxy.log")

    # ---- client side
    samples = [s for s in results["samples"] if not s[0].startswith(EXCLUDED_KINDS)]
    records = results["participants"]
    finished = sum(1 for r in records if r["finished"])
    stopped = [r for r in records if r["error"]]
    failed = [s for s in samples if not 200 <= s[2] < 400]
    errors_by_status = Counter(s[2] for s in failed)
    killed_at = watcher.killed_at
    _stats, lines = latency_table(samples)
    print()
    print("\n".join(lines))

    def p95(selected):
        return percentile([s[1] for s in selected], 95)

    before = [s for s in samples if killed_at is None or s[3] < killed_at]
    after = [s for s in samples if killed_at is not None and s[3] >= killed_at]
    window = [s for s in after if s[3] < killed_at + 10]

    # ---- what the proxy saw
    requests = [e for e in proxy_log if e["server"] in NODES or e["server"] == "<NOSRV>"]
    affected_ends = [s[3] + s[1] / 1000 for s in failed if killed_at and s[3] + s[1] / 1000 >= killed_at]
    retried = [e for e in requests if killed_at and e["start"] + e["Ta"] / 1000 >= killed_at and e["retries"] > 0]
    affected_ends += [e["start"] + e["Ta"] / 1000 for e in retried]
    last_to_dead = max((e["start"] for e in requests if e["server"] == args.kill_node), default=None)
    down = next((t for t, node, status in watcher.transitions
                 if node == args.kill_node and killed_at and t >= killed_at and status.startswith("DOWN")), None)
    recovery_s = max(affected_ends) - killed_at if (killed_at and affected_ends) else 0.0
    print()
    if killed_at is None:
        print("the node was not killed: the room finished before --kill-at")
    else:
        print(f"kill at t={killed_at - started:.1f}s; HAProxy marked {args.kill_node} DOWN after "
              + (f"{down - killed_at:.2f} s" if down else "(never seen)"))
        print("timeline around the kill (1 s buckets, requests the proxy served per node; "
              "retried = sent again by HAProxy, + = to the other node):")
        buckets: dict[int, Counter] = defaultdict(Counter)
        for e in requests:
            second = int((e["start"] - killed_at) // 1)
            if -3 <= second <= 8:
                buckets[second][e["server"]] += 1
                buckets[second]["retried"] += e["retries"] > 0
                buckets[second]["redispatched"] += e["redispatched"]
                buckets[second]["5xx"] += e["status"] >= 500 or e["status"] < 0
        print(f"{'t (s)':>6}{'app1':>7}{'app2':>7}{'retried':>9}{'redisp.':>9}{'5xx':>6}")
        for second in sorted(buckets):
            b = buckets[second]
            print(f"{second:>+6}{b['app1']:>7}{b['app2']:>7}{b['retried']:>9}{b['redispatched']:>9}{b['5xx']:>6}")
        print(f"requests the proxy retried after the kill: {len(retried)} "
              f"(redispatched to the other node: {sum(e['redispatched'] for e in retried)}); "
              f"last request on {args.kill_node} started "
              + (f"{last_to_dead - killed_at:+.2f} s from the kill" if last_to_dead else "never"))
        print(f"recovery: {recovery_s:.2f} s from the kill until the last request affected by it (failed at the "
              "client, or retried by HAProxy) was answered; after that every request went straight to the "
              "surviving node")
    print(f"p95 before the kill {p95(before):.1f} ms (n={len(before)}), after {p95(after):.1f} ms (n={len(after)}), "
          f"first 10 s after {p95(window):.1f} ms (n={len(window)})")
    print(f"participant requests: {len(samples)} in {wall:.0f} s; failed at the client: {len(failed)} "
          f"{dict(errors_by_status) or ''} (status 0 = connection error; the client retries them); "
          f"participants stopped by an error: {len(stopped)}")
    for record in stopped[:5]:
        print(f"  stopped: {record['error']}")
    by_node = Counter(e["server"] for e in requests)
    proxy_status = Counter(e["status"] for e in requests)
    print(f"proxy: {len(requests)} requests, by node {dict(by_node)}, by status {dict(sorted(proxy_status.items()))}")
    lost = check["lost"] + check["mismatched"] + len(check["incomplete"])
    print(f"answers: {check['acknowledged']} acknowledged, {check['stored_rows']} rows stored, "
          f"missing={check['lost']} different={check['mismatched']} duplicates={check['duplicates']}; "
          f"finished participants with != {info['items']} rows: {len(check['incomplete'])}; "
          f"participants simulated={len(records)} finished={finished} in_db={check['participants_in_db']} "
          f"without_client_record={check['orphans']}")
    tokens = {r["token"] for r in records if r["token"]}
    logs = log_checks(out, tokens, {e["id"] for e in requests if e["id"] != "-"})
    print(f"logs: participant tokens found in node and proxy logs: {logs['tokens_in_logs']}; proxy request ids "
          f"found in the app's JSON log lines: {logs['proxy_ids_in_app_logs']} of {logs['proxy_ids']} "
          f"(the killed node's last lines may be missing)")
    summary = {
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "check": check, "errors_by_status": errors_by_status, "p95_before_ms": p95(before),
        "p95_after_ms": p95(after), "p95_first10s_after_ms": p95(window), "recovery_s": recovery_s,
        "down_detected_s": (down - killed_at) if (down and killed_at) else None,
        "transitions": watcher.transitions, "logs": logs, "wall_seconds": wall, "busy_before_pct": idle_busy,
        "haproxy": haproxy_version, "header_check": header_check,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"acknowledged={check['acknowledged']} stored={check['stored_rows']} lost={lost} "
          f"duplicated={check['duplicates']} errors={len(failed)} stopped={len(stopped)} "
          f"recovery_s={recovery_s:.2f} down_detected_s="
          + (f"{down - killed_at:.2f}" if (down and killed_at) else "nan")
          + f" p95_before_ms={p95(before):.1f} p95_after_ms={p95(after):.1f}")
    ok = lost == 0 and check["duplicates"] == 0 and finished == args.participants and not stopped
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
