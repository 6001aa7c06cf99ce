"""The small room the fault tests run, and how they start the benchmark scripts that run it.

Shared by tests/calibrate/test_faults_under_load.py and tests/calibrate/test_two_nodes.py,
two files so that the test workers run them side by side.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

from private_services import missing_binaries  # noqa: E402

PARTICIPANTS, ITEMS = 12, 8
ROOM = ["--participants", str(PARTICIPANTS), "--items", str(ITEMS), "--think-min", "0.2", "--think-max", "0.5"]
MISSING = missing_binaries()
needs_servers = pytest.mark.skipif(bool(MISSING), reason=f"fault runs need {', '.join(MISSING)}")


def run_script(script: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, check=False)
