"""The web benchmarks run on exercises copied from the built-in ones: check they are valid and unaltered.

(The load test itself needs gunicorn, PostgreSQL and Redis and runs for minutes:
`benchmarks/load_participants.py`; it is not part of `make test`.)
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from calibrate.domain.exercises import read_exercise

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

from load_common import percentile, write_exercise  # noqa: E402


def _source_rows(slug: str) -> list[dict]:
    with (REPO / "experiments" / slug / "items.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([("supermarket-brands", 20)], 20),
        ([("supermarket-brands", 21), ("self-descriptions", 25), ("public-spending", 4)], 50),
    ],
)
def test_benchmark_exercise_is_valid_and_keeps_the_recorded_truths(tmp_path, parts, expected):
    assert write_exercise(tmp_path, "bench", "Benchmark", parts) == expected
    definition = read_exercise(tmp_path / "bench")  # the loader's own validation
    source = [row for slug, count in parts for row in _source_rows(slug)[:count]]
    assert [item["item_key"] for item in definition.items] == [row["item_id"] for row in source]
    for item, row in zip(definition.items, source):
        assert item["truth"] == float(row["truth"])
        assert (item["n"], item["se"]) == (int(row["n"]), float(row["se"]))
        assert item["prompt"] == row["prompt"].strip()
    for key in ("population", "source", "citation", "license"):
        assert definition.meta[key].strip()


def test_asking_for_more_items_than_an_exercise_has_fails(tmp_path):
    with pytest.raises(SystemExit):
        write_exercise(tmp_path, "bench", "Benchmark", [("public-spending", 13)])


def test_percentile_interpolates_like_numpy():
    numpy = pytest.importorskip("numpy")
    values = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0]
    for q in (0, 50, 95, 99, 100):
        assert percentile(values, q) == pytest.approx(float(numpy.percentile(values, q)))
