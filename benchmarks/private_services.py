"""A PostgreSQL cluster and a Redis server of our own, for fault runs that restart or stop them.

The machine's shared PostgreSQL (127.0.0.1:5432) and Redis (6379) serve other work and CI and
are never restarted: a fault run starts its own on free loopback ports, in a temporary
directory, and removes them afterwards. PostgreSQL runs with trust authentication on
127.0.0.1 only, as the `postgres` OS user when we are root (initdb refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("CALIBRATE_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing_binaries() -> list[str]:
    """What a fault run needs and this machine lacks (empty when everything is there)."""
    needed = [PG_BIN / "initdb", PG_BIN / "pg_ctl", Path(REDIS_SERVER)]
    missing = [str(path) for path in needed if not (path.is_file() and os.access(path, os.X_OK))]
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing.append("runuser (to run PostgreSQL as the postgres user)")
    return missing


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class PrivatePostgres:
    """initdb into a new temporary directory, then start, restart and stop that cluster with pg_ctl.

    The directory is made directly under the system's temporary folder, where the postgres user can
    reach it (a test's tmp_path is often inside a folder only its owner may enter).
    """

    def __init__(self, port: int | None = None):
        self.directory = Path(tempfile.mkdtemp(prefix="calibrate-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.port = port or free_port()

    def _run(self, *command: str, timeout: float = 120) -> None:
        # initdb and the server refuse to run as root: as root, run them as the postgres OS user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-instructions")

    def start(self) -> None:
        # TCP on 127.0.0.1 only, no Unix socket (it would need a directory the postgres user may write).
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def restart(self) -> None:
        """Fast shutdown (open sessions are ended, as in a server restart or failover), then start again."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.start()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class PrivateRedis:
    """redis-server on a free port, nothing persisted; stopped and started again by the fault run."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = Path(directory)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / "redis.log").open("a") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.directory)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.time() + timeout
        while not _listening(self.port):
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"redis-server did not start; see {self.directory / 'redis.log'}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None
