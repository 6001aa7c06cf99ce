"""Exports round-trip: every format reads back with pandas, and `calibrate analyze` reproduces the metrics."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from analysis import person_metrics
from calibrate.domain import codebook
from calibrate.domain.exports import Export, defuse_formula, write_table, write_zip
from calibrate.domain.scope import OPERATOR, Selection
from calibrate.trainer.results import workshop_results
from tests.analyst_data import build_world

READERS = {
    "csv": lambda data: pd.read_csv(io.BytesIO(data), dtype={"participant_id": str, "workshop": str}, keep_default_na=False,
                                   na_values=[""]),
    "json": lambda data: pd.DataFrame(json.loads(data)),
    "parquet": lambda data: pd.read_parquet(io.BytesIO(data)),
}


def exported(export: Export, table: str, fmt: str) -> pd.DataFrame:
    buffer = io.BytesIO()
    write_table(export, table, fmt, buffer)
    return READERS[fmt](buffer.getvalue())


@pytest.fixture
def world(exercises):
    return build_world()


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_every_file_has_exactly_the_codebook_columns(world, fmt):
    export = Export(OPERATOR, Selection())
    for name, table in codebook.TABLES.items():
        frame = exported(export, name, fmt)
        assert list(frame.columns) == table.names, name
        assert len(frame) > 0, name


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_responses_read_back_give_the_metrics_of_the_report(world, fmt):
    """Export -> pandas -> analysis.person_metrics equals what the trainer report computes from the database."""
    export = Export(OPERATOR, Selection(workshops=(world.mine.code,)))
    responses = exported(export, "responses", fmt)
    again = person_metrics(responses).set_index("participant_id").sort_index()
    report = workshop_results(world.mine)
    assert report.overall[0]["n"] == len(again)
    assert report.overall[0]["mean"] == pytest.approx(again["b_own"].mean(), rel=1e-9)
    metrics = exported(export, "metrics", fmt).set_index("participant_id").sort_index()
    np.testing.assert_allclose(metrics["b_own"], again["b_own"], rtol=1e-9)
    np.testing.assert_allclose(metrics["mae"], again["mae"], rtol=1e-9)


def test_analyze_command_reads_the_exported_csv(world, tmp_path, app):
    export = Export(OPERATOR, Selection(workshops=(world.mine.code,)))
    path = tmp_path / "responses.csv"
    with path.open("wb") as handle:
        write_table(export, "responses", "csv", handle)
    result = app.test_cli_runner().invoke(args=["analyze", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    people = {row["participant_id"]: row for row in json.loads(result.output)["participants"]}
    metrics = export.metrics().set_index("participant_id")
    assert set(people) == set(metrics.index)
    for participant_id, row in people.items():
        assert row["b_own"] == pytest.approx(metrics.loc[participant_id, "b_own"], rel=1e-9)


def test_group_tests_match_an_independent_t_test(world):
    """The exported one-sample test of b_own equals scipy's on the exported metrics."""
    from scipy import stats

    export = Export(OPERATOR, Selection(workshops=(world.mine.code,)))
    tests = exported(export, "group_tests", "json")
    overall = tests[(tests["test"] == "egocentrism") & (tests["by"] == "all")].iloc[0]
    weights = export.metrics()["b_own"].dropna()
    expected = stats.ttest_1samp(weights, 0, alternative="greater")
    assert overall["t"] == pytest.approx(expected.statistic, rel=1e-9)
    assert overall["p"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_item_statistics_match_pandas(world):
    export = Export(OPERATOR, Selection(workshops=(world.mine.code,)))
    stats = exported(export, "item_stats", "csv").set_index("item_id")
    responses = exported(export, "responses", "csv")
    by_item = responses.groupby("item_id")
    np.testing.assert_allclose(stats["mean_prediction"], by_item["prediction"].mean().loc[stats.index], rtol=1e-9)
    np.testing.assert_allclose(
        stats["false_consensus_r"],
        by_item.apply(lambda part: part["own"].corr(part["prediction"])).loc[stats.index],
        rtol=1e-9,
    )


def test_participants_carry_the_pseudonym_only(world):
    frame = exported(Export(OPERATOR, Selection()), "participants", "json")
    assert "token" not in frame.columns and "customer_description" not in frame.columns
    assert set(frame["workshop"].dropna()) == {world.mine.code, world.theirs.code}


def test_csv_defuses_spreadsheet_formulas(world):
    frame = exported(Export(OPERATOR, Selection()), "participants", "csv")
    solo = frame[frame["participant_id"] == str(world.self_serve_id)].iloc[0]
    assert solo["pseudonym"] == "'=HYPERLINK(\"http://evil\")"
    assert [defuse_formula(text) for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "plain",
    ]
    # JSON and Parquet carry the text as typed: only spreadsheets run formulas.
    assert exported(Export(OPERATOR, Selection()), "participants", "json").set_index("participant_id").loc[
        str(world.self_serve_id), "pseudonym"
    ].startswith("=HYPERLINK")


def test_zip_holds_every_table_and_the_codebook(world):
    buffer = io.BytesIO()
    write_zip(Export(OPERATOR, Selection(exercise="public-spending")), "parquet", buffer)
    names = set(zipfile.ZipFile(buffer).namelist())
    assert names == {f"{name}.parquet" for name in codebook.TABLES} | {"codebook.md", "codebook.json"}


def test_trainer_export_holds_only_their_own_workshop(world):
    frame = exported(Export(world.trainer, Selection()), "participants", "csv")
    assert set(frame["workshop"]) == {world.mine.code}
    assert str(world.self_serve_id) not in set(frame["participant_id"])
