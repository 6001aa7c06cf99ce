"""item_stats against per-item NumPy and pingouin.corr."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from analysis import ITEM_COLUMNS, ResponseDataError, item_stats
from tests.analysis.conftest import TOL


@pytest.mark.filterwarnings("ignore:Sample size is too small", "ignore:divide by zero")  # pingouin with n = 3
def test_matches_pandas_and_pingouin(random_data):
    ours = item_stats(random_data).set_index(["item_id", "round"])
    answered = random_data.dropna(subset=["prediction", "truth"])
    # An independent reference: each item's rows taken one at a time with plain NumPy.
    for (item, round_), d in answered.groupby(["item_id", "round"]):
        prediction, truth = d["prediction"].to_numpy(), d["truth"].to_numpy()
        expected = {
            "n": len(d),
            "mean_prediction": np.mean(prediction),
            "median_prediction": np.median(prediction),
            "truth": np.mean(truth),
            "mean_error": np.mean(prediction - truth),
            "share_over": np.count_nonzero(prediction > truth) / len(d),
            "share_under": np.count_nonzero(prediction < truth) / len(d),
        }
        row = ours.loc[(item, round_)]
        for column, value in expected.items():
            assert row[column] == pytest.approx(value, rel=TOL, abs=TOL), (item, round_, column)
    for (item, round_), d in random_data.dropna(subset=["own", "prediction"]).groupby(["item_id", "round"]):
        row = ours.loc[(item, round_)]
        assert row["false_consensus_n"] == len(d)
        if len(d) >= 3:
            expected_r = pg.corr(d["own"], d["prediction"])["r"].iloc[0]
            assert row["false_consensus_r"] == pytest.approx(expected_r, rel=TOL, abs=TOL)
        else:
            assert np.isnan(row["false_consensus_r"]) and "needs at least 3 participants" in row["reason"]


def test_layout_and_raw_units(realistic_data):
    out = item_stats(realistic_data)
    assert list(out.columns) == ["item_id", "round", *ITEM_COLUMNS]
    assert out["item_id"].is_unique
    # Raw units: the truth is the recorded percentage, not a rescaled value.
    first = realistic_data.groupby("item_id")["truth"].first()
    np.testing.assert_allclose(out.set_index("item_id")["truth"], first.loc[out["item_id"]])


def test_without_round_column():
    df = pd.DataFrame({"item_id": ["a"] * 4, "own": [1, 2, 3, 4], "prediction": [10, 30, 20, 40], "truth": 25})
    out = item_stats(df)
    assert list(out.columns) == ["item_id", *ITEM_COLUMNS]
    row = out.iloc[0]
    assert row["n"] == 4 and row["share_over"] == 0.5 and row["share_under"] == 0.5
    assert row["false_consensus_r"] == pytest.approx(np.corrcoef([1, 2, 3, 4], [10, 30, 20, 40])[0, 1])


def test_undefined_false_consensus_is_explained():
    df = pd.DataFrame(
        {
            "item_id": ["same"] * 3 + ["few"] * 2 + ["flat"] * 3,
            "own": [2, 2, 2, 1, 5, 1, 2, 3],
            "prediction": [10, 20, 30, 10, 20, 50, 50, 50],
            "truth": 20,
        }
    )
    out = item_stats(df).set_index("item_id")
    assert out["false_consensus_r"].isna().all()
    assert out.loc["same", "reason"] == "false_consensus_r undefined: own answers do not vary"
    assert out.loc["flat", "reason"] == "false_consensus_r undefined: predictions do not vary"
    assert "(has 2)" in out.loc["few", "reason"]


def test_item_with_no_predictions_still_listed():
    df = pd.DataFrame({"item_id": ["a", "a", "b"], "own": [1, 2, 3], "prediction": [10, 20, np.nan], "truth": 15})
    out = item_stats(df).set_index("item_id")
    assert out.loc["b", "n"] == 0 and np.isnan(out.loc["b", "mean_prediction"])


def test_missing_column():
    with pytest.raises(ResponseDataError, match="own"):
        item_stats(pd.DataFrame({"item_id": [1], "prediction": [1], "truth": [1]}))
