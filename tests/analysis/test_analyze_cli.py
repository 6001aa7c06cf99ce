"""The analyze click command, run with CliRunner on temporary files."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import realistic_responses

import analysis.cli
from analysis import METRIC_COLUMNS, person_metrics, read_responses
from analysis.cli import analyze


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(analyze, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_table_report(run, responses_csv):
    result = run(responses_csv)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for title in ("Per-person metrics", "Egocentric weight b_own > 0?", "Welch ANOVA", "Games-Howell",
                  "empathy", "Round 2 minus round 1", "Items (raw units"):
        assert title in out
    assert "mgr-0 " in out
    assert "not possible: needs rounds 1 and 2" in out


def test_json_output(run, responses_csv):
    result = run(responses_csv, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1  # one JSON object
    payload = json.loads(result.stdout)
    assert set(payload) == {"participants", "group", "items"}
    assert len(payload["participants"]) == 24
    first = payload["participants"][0]
    assert isinstance(first["participant_id"], str) and isinstance(first["round"], int)
    assert set(METRIC_COLUMNS) <= set(first)
    assert set(payload["group"]) == {"egocentrism", "conditions", "pairs", "empathy", "rounds"}
    assert payload["group"]["rounds"] == {"reason": "needs rounds 1 and 2", "rows": []}
    assert payload["group"]["egocentrism"]["rows"][0]["condition"] == "control"  # default --by condition
    assert len(payload["items"]) == 10


def test_json_uses_null_for_undefined_and_keeps_string_ids(run, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text(
        "participant_id,item_id,own,prediction,truth\n007,a,1,20,30\n007,b,4,50,40\n007,c,2,35,45\n",
        encoding="utf-8",
    )
    result = run(path, "--format", "json")
    assert "NaN" not in result.stdout
    person = json.loads(result.stdout)["participants"][0]
    assert person["participant_id"] == "007"
    assert person["b_own"] is None and person["interval_score"] is None
    assert "needs at least 4 answered items (has 3)" in person["note"]
    assert person["mae"] == pytest.approx(10.0)


def test_csv_output_equals_person_metrics(run, responses_csv):
    result = run(responses_csv, "--format", "csv")
    assert result.exit_code == 0
    written = pd.read_csv(io.StringIO(result.stdout), dtype={"participant_id": str}, keep_default_na=False,
                          na_values=[""])
    expected = person_metrics(read_responses(responses_csv))
    assert list(written.columns) == list(expected.columns)
    np.testing.assert_allclose(written[list(METRIC_COLUMNS)].to_numpy(dtype=float),
                               expected[list(METRIC_COLUMNS)].to_numpy(dtype=float), rtol=1e-12, equal_nan=True)


def test_parquet_input_and_out_file(run, responses_csv, tmp_path):
    parquet = tmp_path / "responses.parquet"
    read_responses(responses_csv).to_parquet(parquet)
    target = tmp_path / "out" / "metrics.json"
    target.parent.mkdir()
    result = run(parquet, "--format", "json", "--out", target)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "wrote json for 24 participant rounds" in result.stderr
    assert len(json.loads(target.read_text(encoding="utf-8"))["participants"]) == 24


def test_out_must_not_overwrite_the_input(run, responses_csv):
    before = responses_csv.read_bytes()
    result = run(responses_csv, "--format", "csv", "--out", responses_csv)
    assert result.exit_code == 2 and "must not be the input file" in result.stderr
    assert responses_csv.read_bytes() == before


def test_by_option(run, responses_csv):
    payload = json.loads(run(responses_csv, "--format", "json", "--by", "workshop").stdout)
    rows = payload["group"]["egocentrism"]["rows"]
    assert len(rows) == 1 and rows[0]["workshop"] == "ws-2024" and rows[0]["n"] == 24
    bad = run(responses_csv, "--by", "nonsense")
    assert bad.exit_code == 2 and "cannot group by nonsense" in bad.stderr


def test_two_rounds_are_compared(run, tmp_path):
    first = realistic_responses(seed=4, n_persons=12, n_items=8)
    second = first.assign(round=2, prediction=lambda d: (d["prediction"] * 0.9 + 5).round())
    path = tmp_path / "rounds.csv"
    pd.concat([first, second]).to_csv(path, index=False)
    payload = json.loads(run(path, "--format", "json", "--by", "").stdout)
    rounds = payload["group"]["rounds"]["rows"]
    assert [r["metric"] for r in rounds] == ["b_own", "mae"] and rounds[0]["n"] == 12
    assert {r["round"] for r in payload["group"]["egocentrism"]["rows"]} == {1, 2}


def _write(tmp_path, text):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "participant_id,item_id,own,prediction,lower,upper,truth,item_min,item_max\n"


@pytest.mark.parametrize(
    ("body", "header", "message"),
    [
        ("p,a,3,40,45\n", "participant_id,item_id,own,prediction,truthy\n", "missing required column(s): truth"),
        ("p,a,3,40,,,45,0,100\np,b,x,50,,,50,0,100\n", HEADER, "row 3: own is not a number: 'x'"),
        ("p,a,3,140,,,45,0,100\n", HEADER, "row 2: prediction 140 is outside the range [0, 100]"),
        ("p,a,3,40,,,45,0,100\np,a,4,50,,,45,0,100\n", HEADER, "rows 2, 3: duplicate answer for participant 'p'"),
        ("p,a,3,40,60,50,45,0,100\n", HEADER, "row 2: lower (60) is greater than upper (50)"),
    ],
)
def test_bad_data_exits_2_with_a_clear_message(run, tmp_path, body, header, message):
    result = run(_write(tmp_path, header + body))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_1(run, tmp_path):
    result = run(tmp_path / "absent.csv")
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_unwritable_output_exits_1(run, responses_csv, tmp_path):
    result = run(responses_csv, "--out", tmp_path / "missing-dir" / "out.txt")
    assert result.exit_code == 1 and "cannot write" in result.stderr


def test_unreadable_file_exits_1(run, tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    result = run(path)
    assert result.exit_code == 1 and "cannot read" in result.stderr


def test_progress_bar_on_stderr_for_large_files(run, responses_csv, monkeypatch):
    monkeypatch.setattr(analysis.cli, "PROGRESS_MIN_ROWS", 10)
    result = run(responses_csv, "--format", "json")
    assert "analyze" in result.stderr and "4/4" in result.stderr
    json.loads(result.stdout)  # stdout stays clean JSON
    monkeypatch.setattr(analysis.cli, "PROGRESS_MIN_ROWS", 50_000)
    assert run(responses_csv, "--format", "json").stderr == ""


def test_help_lists_options(run):
    result = CliRunner().invoke(analyze, ["--help"])
    for option in ("--format", "--out", "--by"):
        assert option in result.output
