"""A longer schemathesis run against /api/openapi.json than `make test` does (tests/api/test_openapi_conformance.py).

    .venv/bin/python benchmarks/fuzz_api.py --examples 200

Builds a temporary SQLite database with the tests' two-trainer world, creates an
analyst token and sends ``--examples`` generated requests to every operation;
prints each operation's first failure (server error, schema violation, wrong
status or content type) and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calibrate import create_app  # noqa: E402
from calibrate.auth.tokens import create_token  # noqa: E402
from calibrate.domain.exercises import load_exercises  # noqa: E402
from calibrate.infra.resources import resource_dir  # noqa: E402
from tests.analyst_data import build_world  # noqa: E402
from tests.api.test_openapi_conformance import conformance_failures  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="generated requests per operation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/fuzz.sqlite3", "SECRET_KEY": "fuzz",
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            load_exercises(resource_dir("experiments"))
            world = build_world(people=20)
            _, secret = create_token(world.analyst, "fuzz", read_only=True)
            failures = conformance_failures(app, {"Authorization": f"Bearer {secret}"}, args.examples)
    for operation, failure in failures.items():
        print(f"== {operation}\n{failure}\n")
    print(f"{len(failures)} operation(s) with failures after {args.examples} examples each")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
