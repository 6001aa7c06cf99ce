"""Streaming export of many synthetic participants in bounded memory (issue 12; docs/analysts.md).

    .venv/bin/python benchmarks/bench_export.py                  # 100,000 participants x 12 items, SQLite
    .venv/bin/python benchmarks/bench_export.py --people 20000 --format parquet

Builds a temporary SQLite database (migrated, built-in exercises loaded), inserts
``--people`` self-serve participants of `public-spending` with one answer per
item in batches, then writes every table of the export (responses, participants,
items, metrics, group tests, item statistics) in one format to a temporary
folder, as `calibrate export` does.  It prints the peak resident memory of the
process after the set-up and after the export, the increase the export caused,
and whether it stayed under ``--bound`` MB.  The answers alone are
``people x 12`` rows; the export holds one batch of them (exports.BATCH_PEOPLE
people) and the per-person metrics (one row per person) at a time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calibrate import create_app  # noqa: E402
from calibrate.domain import codebook  # noqa: E402
from calibrate.domain.exercises import load_exercises  # noqa: E402
from calibrate.domain.exports import Export, file_name, write_table  # noqa: E402
from calibrate.domain.scope import OPERATOR, Selection  # noqa: E402
from calibrate.infra.extensions import db  # noqa: E402
from calibrate.infra.resources import resource_dir  # noqa: E402
from calibrate.models import Exercise, Participant, Response  # noqa: E402

INSERT_BATCH = 5000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def populate(people: int, seed: int = 1) -> None:
    """Self-serve participants whose predictions lean towards their own answers, inserted in batches."""
    rng = np.random.default_rng(seed)
    exercise = db.session.scalar(select(Exercise).where(Exercise.slug == "public-spending"))
    items = [(item.id, item.truth, item.min, item.max, item.own_min, item.own_max) for item in exercise.items]
    conditions = ["control", "perspective"]
    for start in range(0, people, INSERT_BATCH):
        size = min(INSERT_BATCH, people - start)
        first = db.session.scalar(select(db.func.coalesce(db.func.max(Participant.id), 0)))
        db.session.execute(insert(Participant), [
            {"exercise_id": exercise.id, "condition": conditions[(start + i) % 2], "token": f"bench-{start + i}",
             "empathy_score": float(rng.uniform(1, 5))} for i in range(size)
        ])
        answers = []
        for participant_id in range(first + 1, first + size + 1):
            for item_id, truth, low, high, own_low, own_high in items:
                own = float(rng.integers(int(own_low), int(own_high) + 1))
                lean = 0.3 * ((own - own_low) / (own_high - own_low) - 0.5) * (high - low)
                answers.append({"participant_id": participant_id, "item_id": item_id, "round": 1, "own": own,
                                "prediction": float(np.clip(truth + lean + rng.normal(0, 6), low, high))})
        db.session.execute(insert(Response), answers)
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--format", default="csv", choices=["csv", "json", "parquet"])
    parser.add_argument("--bound", type=float, default=1024.0, help="MB the export may add to the peak (default 1024)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench"})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            load_exercises(resource_dir("experiments"))
            started = time.perf_counter()
            populate(args.people)
            db.session.remove()
            before = peak_mb()
            print(f"set-up: {args.people:,} participants x 12 items in {time.perf_counter() - started:.0f} s; peak {before:,.0f} MB")
            started = time.perf_counter()
            export = Export(OPERATOR, Selection())
            out = Path(folder) / "export"
            out.mkdir()
            for name in codebook.TABLES:
                with (out / file_name(name, args.format)).open("wb") as handle:
                    write_table(export, name, args.format, handle)
            after = peak_mb()
            sizes = sum(path.stat().st_size for path in out.iterdir()) / 1024**2
            print(f"export ({args.format}): {sizes:,.0f} MB of files in {time.perf_counter() - started:.0f} s")
            print(f"peak memory: {after:,.0f} MB (export added {after - before:,.0f} MB; bound {args.bound:,.0f} MB: "
                  f"{'kept' if after - before <= args.bound else 'EXCEEDED'})")


if __name__ == "__main__":
    main()
