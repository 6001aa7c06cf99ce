"""Shared data for the analysis tests: synthetic responses and a pingouin reference.

The reference recomputes every metric person by person with pingouin and
NumPy, independently of the vectorised engine, so that agreement means
something.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

TOL = 1e-9


def random_responses(seed: int, n_persons: int = 120) -> pd.DataFrame:
    """Persons with 1-30 items, mixed scales, missing answers, partial intervals, two rounds."""
    rng = np.random.default_rng(seed)
    scales = [(0.0, 100.0), (1.0, 7.0), (0.0, 1000.0), (-50.0, 50.0)]
    rows = []
    for person in range(n_persons):
        for round_ in (1, 2) if person % 3 == 0 else (1,):
            k = int(rng.integers(1, 31))
            for item in range(k):
                low, high = scales[item % len(scales)]
                own_low, own_high = (1.0, 6.0) if item % 2 else (np.nan, np.nan)
                span, own_span = high - low, (own_high - own_low) if item % 2 else high - low
                own_base = own_low if item % 2 else low
                truth = low + rng.uniform(0, span)
                own = own_base + rng.uniform(0, own_span)
                pull = 0.3 * (own - own_base) / own_span * span
                prediction = np.clip(truth + rng.normal(0, span / 5) + pull, low, high)
                lower, upper = (prediction - rng.uniform(0, span / 4), prediction + rng.uniform(0, span / 4))
                if rng.random() < 0.4:
                    lower = upper = np.nan
                rows.append(
                    {
                        "participant_id": f"p{person:03d}",
                        "round": round_,
                        "item_id": f"i{item}",
                        "condition": ["control", "perspective", "perspective_suppress"][person % 3],
                        "own": own if rng.random() > 0.07 else np.nan,
                        "prediction": prediction if rng.random() > 0.03 else np.nan,
                        "truth": truth if rng.random() > 0.02 else np.nan,
                        "lower": lower,
                        "upper": upper,
                        "item_min": low,
                        "item_max": high,
                        "own_min": own_low,
                        "own_max": own_high,
                        "empathy": float(rng.integers(1, 8)) if item == 0 else np.nan,
                    }
                )
    return pd.DataFrame(rows)


def realistic_responses(seed: int, n_persons: int = 80, n_items: int = 20) -> pd.DataFrame:
    """A Hattula-style workshop: own 1-7 ratings, predicted shares in %, 80% ranges.

    Truth is a recorded percentage per item; predictions are whole
    percentages pulled toward the manager's own rating with a person-specific
    weight; some managers skip items or ranges.
    """
    rng = np.random.default_rng(seed)
    truth = rng.uniform(5, 95, n_items).round(1)
    rows = []
    for person in range(n_persons):
        b_own = rng.normal(3.0, 2.5)
        condition = ["control", "perspective", "perspective_suppress", "market_research"][person % 4]
        empathy = round(float(np.clip(rng.normal(4.5, 1.0), 1, 7)), 2)
        for item in range(n_items):
            if rng.random() < 0.05:
                continue
            own = float(np.clip(round(1 + (truth[item] / 100) * 6 + rng.normal(0, 1.5)), 1, 7))
            prediction = float(np.clip(round(8 + 0.7 * truth[item] + b_own * (own - 4) + rng.normal(0, 9)), 0, 100))
            half = float(rng.integers(5, 25))
            rows.append(
                {
                    "participant_id": f"mgr-{person}",
                    "workshop": "ws-2024",
                    "condition": condition,
                    "round": 1,
                    "item_id": f"item{item:02d}",
                    "own": own,
                    "prediction": prediction,
                    "lower": max(prediction - half, 0.0) if person % 5 else np.nan,
                    "upper": min(prediction + half, 100.0) if person % 5 else np.nan,
                    "truth": truth[item],
                    "item_min": 0.0,
                    "item_max": 100.0,
                    "own_min": 1.0,
                    "own_max": 7.0,
                    "empathy": empathy,
                    "answered_at": "2024-05-02T10:00:00Z",
                }
            )
    return pd.DataFrame(rows)


def rescaled(frame: pd.DataFrame) -> pd.DataFrame:
    """Rescale to percent of range row by row, the plain way (reference for the engine)."""
    out = frame.copy()
    if "item_min" in frame:
        width = frame["item_max"] - frame["item_min"]
        for column in ("prediction", "truth", "lower", "upper"):
            if column in frame:
                out[column] = 100 * (frame[column] - frame["item_min"]) / width
        own_min = frame["own_min"].fillna(frame["item_min"]) if "own_min" in frame else frame["item_min"]
        own_max = frame["own_max"].fillna(frame["item_max"]) if "own_max" in frame else frame["item_max"]
        out["own"] = 100 * (frame["own"] - own_min) / (own_max - own_min)
    return out


def reference_metrics(responses: pd.DataFrame) -> pd.DataFrame:
    """Every metric per (participant, round) with a per-person pingouin/NumPy loop."""
    data = rescaled(responses).dropna(subset=["own", "prediction", "truth"])
    if "round" not in data:
        data = data.assign(round=1)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (person, round_), d in data.groupby(["participant_id", "round"]):
            rows.append({"participant_id": person, "round": round_, **_reference_row(d)})
    return pd.DataFrame(rows)


def _reference_row(d: pd.DataFrame) -> dict:
    o, y, t = d["own"].to_numpy(), d["prediction"].to_numpy(), d["truth"].to_numpy()
    e = y - t
    row = {"n_items": len(d), "mae": np.mean(np.abs(e)), "rmse": np.sqrt(np.mean(e**2)), "mean_signed_error": e.mean()}
    frame = pd.DataFrame({"o": o, "y": y, "t": t, "e": e})
    if len(d) >= 3:
        row["accuracy_r"] = pg.corr(frame.y, frame.t)["r"].iloc[0]
        row["projection_r"] = pg.corr(frame.o, frame.y)["r"].iloc[0]
        row["similarity_r"] = pg.corr(frame.o, frame.t)["r"].iloc[0]
        row["tfce_r"] = pg.corr(frame.o, frame.e)["r"].iloc[0]
    if len(d) >= 4:
        fit = pg.linear_regression(frame[["t", "o"]], frame.y).set_index("names")
        row.update(
            b_own=fit.loc["o", "coef"],
            b_truth=fit.loc["t", "coef"],
            intercept=fit.loc["Intercept", "coef"],
            b_own_se=fit.loc["o", "se"],
            b_own_ci_low=fit.loc["o", "CI2.5"],
            b_own_ci_high=fit.loc["o", "CI97.5"],
            b_own_p=fit.loc["o", "pval"],
            partial_r_own=pg.partial_corr(frame, x="o", y="y", covar="t")["r"].iloc[0],
            mae_without_own_pull=np.mean(np.abs(y - fit.loc["o", "coef"] * (o - o.mean()) - t)),
        )
    given = d[["lower", "upper"]].notna().all(axis=1).to_numpy() if "lower" in d else np.zeros(len(d), bool)
    if given.any():
        lo, hi, tt = d["lower"].to_numpy()[given], d["upper"].to_numpy()[given], t[given]
        row.update(
            interval_hit_rate=np.mean((lo <= tt) & (tt <= hi)),
            interval_mean_width=np.mean(hi - lo),
            interval_score=np.mean((hi - lo) + 10 * (lo - tt) * (tt < lo) + 10 * (tt - hi) * (tt > hi)),
        )
    return row


@pytest.fixture(scope="session")
def random_data() -> pd.DataFrame:
    return random_responses(seed=20240501)


@pytest.fixture(scope="session")
def realistic_data() -> pd.DataFrame:
    return realistic_responses(seed=7)


@pytest.fixture
def responses_csv(tmp_path):
    """A well-formed responses CSV written to a temporary file."""
    path = tmp_path / "responses.csv"
    realistic_responses(seed=3, n_persons=24, n_items=10).to_csv(path, index=False)
    return path
