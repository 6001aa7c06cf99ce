"""The analyze click command, run with CliRunner on temporary files."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from tests.analysis.conftest import realistic_responses

import analysis.cli
from analysis import METRIC_COLUMNS, person_metrics, read_responses
from analysis.cli import analyze
from analysis.group import EGOCENTRISM_COLUMNS, RESEARCH_PAIRED_COLUMNS
from analysis.vocabulary import GROUP_TESTS


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(analyze, [str(a) for a in args], catch_exceptions=False)

    return invoke


def _section(out: str, test: str) -> str:
    """The text report's section of one group test, from its heading on."""
    return out.split(GROUP_TESTS[test].heading)[1]


def test_table_report(run, responses_csv):
    result = run(responses_csv)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for title in ("Per-person metrics", "Items (raw units"):
        assert title in out
    for test in ("egocentrism", "conditions", "pairs", "empathy", "rounds", "research"):
        assert GROUP_TESTS[test].heading in out
    assert "mgr-0 " in out
    assert "not possible: needs rounds 1 and 2" in out
    # The one-sided p is printed with its matching lower bound, the two-sided p with the two-sided CI.
    assert "b_own > 0, one-sided t and Wilcoxon: p one-sided, with its 95% lower bound ci_one_sided_low" in out
    assert "p_two_sided with the two-sided 95% CI ci_low..ci_high" in out
    per_person = out.split(GROUP_TESTS["egocentrism"].heading)[0]
    # Every metric column is explained below the table with the registry's words; p says which side.
    assert re.search(r"^  b_own_p +Egocentric weight, two-sided p-value \[p-value\]$", per_person, re.M)
    assert re.search(r"^  mae +Mean absolute error \[points of 0–100\]$", per_person, re.M)
    assert "ci_one_sided_low" in _section(out, "egocentrism").splitlines()[2]  # a column of the table
    assert "not possible: no research shown" in _section(out, "research")
    assert " b_research " not in per_person  # nobody saw research: no research columns


@pytest.fixture
def research_csv(tmp_path):
    path = tmp_path / "research.csv"
    realistic_responses(seed=5, n_persons=32, n_items=12, research=True).to_csv(path, index=False)
    return path


def test_table_report_with_research(run, research_csv):
    out = run(research_csv, "--by", "").stdout
    per_person = out.split(GROUP_TESTS["egocentrism"].heading)[0]
    for column in ("n_research", "b_research", "b_research_ci_low", "b_research_ci_high", "b_research_p"):
        assert column in per_person
    assert "Research weight, two-sided p-value [p-value]" in per_person
    research = _section(out, "research")
    assert "b_research > 0 for persons who saw research, one-sided t and Wilcoxon: p one-sided" in out
    header = research.splitlines()[2]
    assert "ci_one_sided_low" in header and "p_two_sided" in header and "wilcoxon_p" in header
    assert "b_own on items with minus without research (paired t, two-sided p)" in out
    assert "mean_with" in _section(out, "research_with_without") and "mean_without" in out
    for test in ("research_conditions", "research_pairs", "research_empathy"):
        assert GROUP_TESTS[test].heading in out


def test_json_output_with_research(run, research_csv):
    payload = json.loads(run(research_csv, "--format", "json", "--by", "").stdout)
    researched = [p for p in payload["participants"] if p["condition"] == "market_research"]
    others = [p for p in payload["participants"] if p["condition"] != "market_research"]
    assert all(isinstance(p["n_research"], int) and p["n_research"] > 0 for p in researched)
    assert all(p["n_research"] == 0 and p["b_research"] is None for p in others)
    assert any(p["b_research"] is not None and p["b_own_with_research"] is not None for p in researched)
    research = payload["group"]["research"]
    assert research["reason"] == "" and set(research["rows"][0]) == set(EGOCENTRISM_COLUMNS)
    assert research["rows"][0]["n"] == sum(p["b_research"] is not None for p in researched)
    paired = payload["group"]["research_with_without"]["rows"][0]
    assert set(paired) == set(RESEARCH_PAIRED_COLUMNS)
    assert payload["group"]["research_empathy"]["rows"][0]["term"] == "Intercept"


def test_csv_output_with_research_equals_person_metrics(run, research_csv):
    written = pd.read_csv(io.StringIO(run(research_csv, "--format", "csv").stdout), dtype={"participant_id": str},
                          keep_default_na=False, na_values=[""])
    expected = person_metrics(read_responses(research_csv))
    assert list(written.columns) == list(expected.columns)
    np.testing.assert_allclose(written[list(METRIC_COLUMNS)].to_numpy(dtype=float),
                               expected[list(METRIC_COLUMNS)].to_numpy(dtype=float), rtol=1e-12, equal_nan=True)


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
    assert set(payload["group"]) == {"egocentrism", "conditions", "pairs", "empathy", "rounds", "research",
                                     "research_with_without", "research_conditions", "research_pairs",
                                     "research_empathy"}
    assert payload["group"]["rounds"] == {"reason": "needs rounds 1 and 2", "rows": []}
    assert payload["group"]["egocentrism"]["rows"][0]["condition"] == "control"  # default --by condition
    egocentrism = payload["group"]["egocentrism"]["rows"][0]
    assert {"p", "ci_one_sided_low", "p_two_sided", "ci_low", "ci_high"} <= set(egocentrism)
    assert payload["group"]["research"]["rows"] == []
    assert payload["group"]["research"]["reason"] == "no research shown: the responses have no research column"
    assert first["b_research"] is None and first["n_research"] is None
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
        ("p,a,3,40,,,45,0,100,x\n", HEADER.rstrip("\n") + ",research\n", "row 2: research is not a number: 'x'"),
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
