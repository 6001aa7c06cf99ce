"""Shared data for the analysis tests: synthetic responses and a pingouin/statsmodels reference.

The reference recomputes every metric person by person with pingouin,
statsmodels and NumPy, independently of the vectorised engine, so that
agreement means something.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm

from analysis import METRIC_COLUMNS, person_metrics
from analysis.feedback import parse_note

TOL = 1e-9


def random_responses(seed: int, n_persons: int = 120, research: bool = False) -> pd.DataFrame:
    """Persons with 1-30 items, mixed scales, missing answers, partial intervals, two rounds.

    With ``research=True`` a ``research`` column is added: on about half of
    the rows (all of them for some persons, none for others) an estimate of
    the truth within the item's range, else NaN.  It is drawn from its own
    random stream, so the other columns are the same as without it.
    """
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
    frame = pd.DataFrame(rows)
    if research:
        frame["research"] = _research_column(frame, np.random.default_rng([seed, 1]))
    return frame


def _research_column(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """A pilot estimate of the truth within the item's range on a random share of each person's rows."""
    span = (frame["item_max"] - frame["item_min"]).to_numpy()
    estimate = frame["truth"].fillna(frame["item_min"]).to_numpy() + rng.normal(0, 0.12, len(frame)) * span
    estimate = np.clip(estimate, frame["item_min"], frame["item_max"])
    persons = frame["participant_id"].unique()
    share = pd.Series(rng.choice([0.0, 0.5, 0.5, 0.5, 1.0], len(persons)), index=persons)
    shown = rng.random(len(frame)) < frame["participant_id"].map(share).to_numpy()
    return np.where(shown, estimate, np.nan)


def research_responses(
    seed: int,
    n_persons: int = 2000,
    n_items: int = 30,
    b_research: float = 0.5,
    b_own: float = 0.3,
    b_truth: float = 0.6,
    noise_sd: float = 8.0,
    research_sd: float = 12.0,
) -> pd.DataFrame:
    """A market-research exercise simulated from the research model itself.

    In points of the answer range, per person and item: truth ``t`` and own
    answer ``o`` uniform on 0-100, the research estimate ``r = t + N(0,
    research_sd)`` shown on a random half of the items (``D = 1``), and
    ``y = 10 + b_truth t + b_own o + b_research D (r - t) + N(0, noise_sd)``.
    The rows are then written in each item's own unit (items alternate
    between 0-100, 1-7, 0-1000 and -50..50, own answers between the item's
    scale and 1-6), so the engine must rescale research like the truth to
    recover ``b_research``.  No clipping, so the model holds exactly.
    """
    rng = np.random.default_rng(seed)
    rows = n_persons * n_items
    person = np.repeat(np.arange(n_persons), n_items)
    item = np.tile(np.arange(n_items), n_persons)
    t = rng.uniform(0, 100, rows)
    o = rng.uniform(0, 100, rows)
    r = t + rng.normal(0, research_sd, rows)
    shown = (rng.random((n_persons, n_items)).argsort(axis=1) < n_items // 2).reshape(-1)
    y = 10 + b_truth * t + b_own * o + b_research * np.where(shown, r - t, 0.0) + rng.normal(0, noise_sd, rows)
    scales = np.array([(0.0, 100.0), (1.0, 7.0), (0.0, 1000.0), (-50.0, 50.0)])
    low, high = scales[item % len(scales), 0], scales[item % len(scales), 1]
    own_low, own_high = np.where(item % 2 == 1, 1.0, low), np.where(item % 2 == 1, 6.0, high)

    def unit(points, lo, hi):
        return lo + (hi - lo) * points / 100

    return pd.DataFrame(
        {
            "participant_id": np.char.add("r", person.astype(str)),
            "item_id": item.astype(str),
            "condition": "market_research",
            "own": unit(o, own_low, own_high),
            "prediction": unit(y, low, high),
            "research": np.where(shown, unit(r, low, high), np.nan),
            "truth": unit(t, low, high),
            "item_min": low,
            "item_max": high,
            "own_min": np.where(item % 2 == 1, 1.0, np.nan),
            "own_max": np.where(item % 2 == 1, 6.0, np.nan),
        }
    )


def realistic_responses(seed: int, n_persons: int = 80, n_items: int = 20, research: bool = False) -> pd.DataFrame:
    """A Hattula-style workshop: own 1-7 ratings, predicted shares in %, 80% ranges.

    Truth is a recorded percentage per item; predictions are whole
    percentages pulled toward the manager's own rating with a person-specific
    weight; some managers skip items or ranges.  With ``research=True``,
    managers in the ``market_research`` condition see a pilot estimate
    (truth + N(0, 10), whole %, within 0-100) on a random half of their
    items and move their prediction half-way toward its deviation from the
    truth; the other rows are unchanged (the research draws use their own
    random stream).
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
    frame = pd.DataFrame(rows)
    if research:
        frame = _with_research_cues(frame, np.random.default_rng([seed, 2]))
    return frame


def _with_research_cues(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Research cues for the market_research condition, followed half-way by the predictions."""
    out = frame.copy()
    shown = (out["condition"] == "market_research").to_numpy() & (rng.random(len(out)) < 0.5)
    estimate = np.clip(np.round(out["truth"].to_numpy() + rng.normal(0, 10, len(out))), 0, 100)
    out["research"] = np.where(shown, estimate, np.nan)
    moved = np.clip(np.round(out["prediction"] + 0.5 * (estimate - out["truth"])), 0, 100)
    out["prediction"] = np.where(shown, moved, out["prediction"])
    return out


def rescaled(frame: pd.DataFrame) -> pd.DataFrame:
    """Rescale to percent of range row by row, the plain way (reference for the engine)."""
    out = frame.copy()
    if "item_min" in frame:
        width = frame["item_max"] - frame["item_min"]
        for column in ("prediction", "truth", "lower", "upper", "research"):
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
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=[*frame.columns, *(c for c in METRIC_COLUMNS if c not in frame)])


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
    row["n_intervals"] = int(given.sum())
    if given.any():
        lo, hi, tt = d["lower"].to_numpy()[given], d["upper"].to_numpy()[given], t[given]
        row.update(
            interval_hit_rate=np.mean((lo <= tt) & (tt <= hi)),
            interval_mean_width=np.mean(hi - lo),
            interval_score=np.mean((hi - lo) + 10 * (lo - tt) * (tt < lo) + 10 * (tt - hi) * (tt > hi)),
        )
    if "research" in d:
        row.update(_reference_research(o, y, t, d["research"].to_numpy(dtype=float)))
    return row


def _reference_research(o, y, t, research) -> dict:
    """The research metrics with statsmodels OLS, fitted person by person."""
    shown = ~np.isnan(research)
    row = {"n_research": int(shown.sum())}
    if len(y) >= 5 and shown.sum() >= 2:
        z = np.where(shown, research - t, 0.0)
        fit = sm.OLS(y, sm.add_constant(np.column_stack([t, o, z]), has_constant="add")).fit()
        ci = fit.conf_int(alpha=0.05)
        row.update(b_research=fit.params[3], b_research_se=fit.bse[3], b_research_ci_low=ci[3, 0],
                   b_research_ci_high=ci[3, 1], b_research_p=fit.pvalues[3])
    for name, rows in (("b_own_with_research", shown), ("b_own_without_research", ~shown)):
        if rows.sum() >= 4:
            design = sm.add_constant(np.column_stack([t[rows], o[rows]]), has_constant="add")
            row[name] = sm.OLS(y[rows], design).fit().params[2]
    return row


def compare_with_reference(responses: pd.DataFrame) -> None:
    """Every metric the engine reports equals the reference; every one it withholds has a reason."""
    ours = person_metrics(responses).set_index(["participant_id", "round"])
    ref = reference_metrics(responses).set_index(["participant_id", "round"])
    ours = ours.loc[ref.index]
    assert (ours["n_items"] == ref["n_items"]).all()
    assert (ours["n_intervals"] == ref["n_intervals"]).all()
    for name in METRIC_COLUMNS:
        expected = ref[name].to_numpy(dtype=float)
        actual = ours[name].to_numpy(dtype=float)
        defined = ~np.isnan(actual)
        # Every value we report agrees with the reference...
        np.testing.assert_allclose(actual[defined], expected[defined], rtol=TOL, atol=TOL, err_msg=name)
        # ...and every value we withhold has a reason in the note.
        for note in ours["note"].to_numpy()[~defined]:
            assert name in parse_note(note), (name, note)


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
