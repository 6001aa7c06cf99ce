"""A respondent-level survey for the authoring tests, and its truths computed independently with statsmodels.

240 shoppers in two regions, each with two rows (one per shopping trip: a choice of
brand, a rating and the amount paid), unequal weights per shopper. The eight items
below span every statistic of the authoring form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

Z95 = 1.959963984540054


def survey_frame(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shoppers = 240
    shopper = np.repeat(np.arange(1, shoppers + 1), 2)
    region = np.where(np.arange(shoppers) < 130, "North", "South")[shopper - 1]
    taste = rng.normal(0, 1, shoppers)[shopper - 1]
    brand = np.where(taste + rng.normal(0, 1, len(shopper)) > 0.6, "Acme",
                     np.where(rng.random(len(shopper)) < 0.35, "Bolt", "Crest"))
    brand = np.where((region == "South") & (rng.random(len(shopper)) < 0.3), "Acme", brand)
    return pd.DataFrame({
        "shopper": [f"S{number:03d}" for number in shopper],
        "region": region,
        "weight": np.round(rng.uniform(0.5, 2.5, shoppers)[shopper - 1], 3),
        "brand": brand,
        "rating": np.clip(np.round(4 + 1.2 * taste + rng.normal(0, 1, len(shopper))), 1, 7).astype(int),
        "recommend": np.where(taste + rng.normal(0, 1.5, len(shopper)) > 1.2, "yes", "no"),
        "paid": np.round(np.exp(3.2 + 0.4 * taste + rng.normal(0, 0.3, len(shopper))), 2),
    })


SPECS = [
    {"item_id": "acme", "column": "brand", "statistic": "share", "option": "Acme", "unit": "percent of trips"},
    {"item_id": "bolt", "column": "brand", "statistic": "share", "option": "Bolt", "unit": "percent of trips"},
    {"item_id": "crest", "column": "brand", "statistic": "share", "option": "Crest", "unit": "percent of trips"},
    {"item_id": "acme_north", "column": "brand", "statistic": "share_segment", "option": "Acme",
     "segment_column": "region", "segment_value": "North", "unit": "percent of trips"},
    {"item_id": "acme_south", "column": "brand", "statistic": "share_segment", "option": "Acme",
     "segment_column": "region", "segment_value": "South", "unit": "percent of trips"},
    {"item_id": "recommend", "column": "recommend", "statistic": "share", "option": "yes",
     "unit": "percent of trips"},
    {"item_id": "rating", "column": "rating", "statistic": "mean", "low": "1", "high": "7", "unit": "mean rating"},
    {"item_id": "paid", "column": "paid", "statistic": "median", "low": "0", "high": "100", "currency": "EUR",
     "unit": "median amount paid"},
]
"""The eight items as a trainer fills them in (prompts are added by :func:`item_texts`)."""


def item_texts(spec: dict) -> dict:
    """Prediction and own-answer questions for an item, as a trainer would write them."""
    return {
        "report_label": f"Item {spec['item_id']}",
        "prompt": f"Across the shoppers' trips, what is the recorded value for {spec['item_id']}?",
        "own_prompt": f"How much does {spec['item_id']} describe you? (0 = not at all, 100 = completely)",
        "own_min": "0",
        "own_max": "100",
    }


def _wls(y: np.ndarray, w: np.ndarray, groups: pd.Series):
    fit = sm.WLS(y.astype(float), np.ones(len(y)), weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]})
    return float(fit.params[0]), float(fit.bse[0])


def _quantile(y: pd.Series, w: pd.Series, q: float) -> float:
    frame = pd.DataFrame({"y": y.to_numpy(), "w": w.to_numpy()}).sort_values("y", kind="stable")
    share = frame["w"].cumsum() / frame["w"].sum()
    return float(frame["y"][share >= q - 1e-12].iloc[0])


def expected(frame: pd.DataFrame, spec: dict) -> tuple[float, float]:
    """(truth, SE) of an item: weighted by `weight`, cluster-robust by `shopper`, from statsmodels and pandas."""
    rows = frame
    if spec["statistic"] == "share_segment":
        rows = frame[frame[spec["segment_column"]] == spec["segment_value"]]
    w, groups = rows["weight"].to_numpy(), rows["shopper"]
    if spec["statistic"] in ("share", "share_segment"):
        estimate, se = _wls((rows[spec["column"]] == spec["option"]).to_numpy(), w, groups)
        return 100 * estimate, 100 * se
    if spec["statistic"] == "mean":
        return _wls(rows[spec["column"]].to_numpy(), w, groups)
    values = rows[spec["column"]]
    median = _quantile(values, rows["weight"], 0.5)
    _, share_se = _wls((values <= median).to_numpy(), w, groups)
    low, high = (_quantile(values, rows["weight"], 0.5 + sign * Z95 * share_se) for sign in (-1, 1))
    return median, (high - low) / (2 * Z95)


META = {
    "title": "Shoppers' brands, ratings and spending",
    "description": "Say how much each statement describes you, then predict what the shoppers did.",
    "population": "240 shoppers in two regions, two shopping trips each (simulated for the tests).",
    "period": "2025",
    "sample_size": "240 shoppers, 480 trips",
    "source": "The trainer's own survey file; truths computed by Calibrate from the trips.",
    "citation": "Test survey (simulated).",
    "license": "CC0",
    "decision_kind": "brand",
    "minutes": "5",
}
