"""The feedback says only what the data support (docs/methods.md, section 7).

Simulated people run through the real engine (:func:`analysis.person_metrics`)
and :func:`analysis.feedback_text`; every check parses the paragraphs back
into claims and numbers, so a rule that is loosened makes a test fail.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from analysis import feedback_text, person_metrics

CI = re.compile(r"95% CI(?: of yes minus no)? (-?\d+\.\d) to (-?\d+\.\d)\)")
COUNTERFACTUAL = re.compile(
    r"would have been (\d+\.\d) points instead of (\d+\.\d) — (\d+\.\d) points (smaller|larger)"
)
HITS = re.compile(r"in (\d+) of (\d+) items")
P_VALUE = re.compile(r"two-sided p (?:= (\d[\d.e-]*)|< (0\.001))\)")
NEEDED = re.compile(r"that would take about (\d+) ranges")
# Sentences that assert a pull, or that leaning on (or away from) one's taste helped or hurt.
PULL_CLAIMS = re.compile(
    r"clearly|pushed|helped|right way|points smaller|points larger|about the same|lean away|Leaning away"
    r"|set aside your own consumer identity|taste pulled"
)


def simulate(seed: int, n_persons: int, *, pull, coverage: float = 0.8, items=(12, 24), ranges=None,
             binary: bool = False) -> pd.DataFrame:
    """Long-format answers of simulated people.

    Predictions are 50 + b_truth (t - 50) + pull (o - 50) + noise, with own
    answers related to the truth (graded 0-100, or 0/100 for yes/no).  Each
    given range contains the truth with probability ``coverage``; ``ranges``
    (low, high) sets how many of a person's items get one (all by default).
    """
    rng = np.random.default_rng(seed)
    k = rng.integers(items[0], items[1] + 1, n_persons)
    person = np.repeat(np.arange(n_persons), k)
    position = np.concatenate([np.arange(n) for n in k])
    size = len(person)
    truth = rng.uniform(5, 95, size)
    if binary:
        own = np.where(rng.random(size) < truth / 100, 100.0, 0.0)
    else:
        own = np.clip(0.5 * truth + rng.normal(25, 20, size), 0, 100)
    pulls = np.broadcast_to(np.asarray(pull, dtype=float), (n_persons,))[person]
    b_truth = rng.uniform(0.3, 0.9, n_persons)[person]
    prediction = 50 + b_truth * (truth - 50) + pulls * (own - 50) + rng.normal(0, 12, size)
    half = rng.uniform(5, 20, size)
    hit = rng.random(size) < coverage
    miss = rng.choice([-1, 1], size) * (half + rng.uniform(1, 20, size))
    offset = np.where(hit, rng.uniform(-1, 1, size) * half, miss)
    n_ranges = k if ranges is None else np.minimum(k, rng.integers(ranges[0], ranges[1] + 1, n_persons))
    given = position < n_ranges[person]
    return pd.DataFrame({
        "participant_id": [f"p{i:05d}" for i in person],
        "item_id": position,
        "own": own,
        "prediction": prediction,
        "truth": truth,
        "lower": np.where(given, truth + offset - half, np.nan),
        "upper": np.where(given, truth + offset + half, np.nan),
    })


def metric_rows(frame: pd.DataFrame) -> list[dict]:
    """person_metrics rows with n_intervals counted as the feedback page does (items with both range ends)."""
    counts = frame.dropna(subset=["lower", "upper"]).groupby("participant_id").size()
    metrics = person_metrics(frame)
    metrics["n_intervals"] = metrics["participant_id"].map(counts).fillna(0).astype(int)
    return metrics.to_dict("records")


def claims(text: dict[str, str]) -> dict:
    """What the paragraphs assert, parsed back from the wording and the printed numbers."""
    ego, without, intervals, advice = (text[key] for key in ("egocentric", "without_pull", "intervals", "advice"))
    pull = next((sign for phrase, sign in (("clearly different from zero", "+"), ("clearly pushed", "-"),
                                           ("cannot be distinguished", "0"), ("could not be estimated", "?"))
                 if phrase in ego), None)
    ci = CI.search(ego)
    counterfactual = COUNTERFACTUAL.search(without)
    calls = [word for word in ("overconfident", "underconfident", "about right") if word in intervals]
    hits, p, needed = HITS.search(intervals), P_VALUE.search(intervals), NEEDED.search(intervals)
    return {
        "pull": pull,
        "ci": tuple(map(float, ci.groups())) if ci else None,
        "counterfactual": (float(counterfactual[1]), float(counterfactual[2]), float(counterfactual[3]),
                           counterfactual[4]) if counterfactual else None,
        "same": "about the same" in without,
        "cannot_tell": "cannot tell" in without,
        "without_source": "-" if "push away" in without else "+" if "Without the pull" in without else None,
        "helped_reason": ("-" if "leaning away from it helped" in without
                          else "+" if "leaning on it helped" in without else None),
        "calls": calls,
        "hits": (int(hits[1]), int(hits[2])) if hits else None,
        "p": float(p[1] or p[2]) if p else None,
        "needed": int(needed[1]) if needed else None,
        "advice_pull": [name for name, phrase in (
            ("set_aside", "set aside your own consumer identity"), ("helped+", "Your own taste pulled"),
            ("helped-", "Leaning away from your own taste happened"), ("lean_away", "You lean away"),
            ("unclear", "No clear pull"), ("no_estimate", "no uncertainty estimate"), ("too_few", "Answer at least 4"),
        ) if phrase in advice],
        "advice_ranges": [word for word in ("Widen", "narrow") if word in advice],
    }


def assert_consistent(text: dict[str, str]) -> None:
    """No two statements of one person's feedback contradict each other."""
    c = claims(text)
    assert len(c["advice_pull"]) == 1, c
    advice = c["advice_pull"][0]
    if c["ci"] is not None:
        low, high = c["ci"]
        assert {"+": low >= 0, "-": high <= 0, "0": low <= 0 <= high}[c["pull"]], c
    if c["pull"] in ("0", "?", None):
        assert c["counterfactual"] is None and not c["same"] and c["helped_reason"] is None, c
        assert advice in ("unclear", "no_estimate", "too_few"), c
        assert not any(ch.isdigit() for ch in text["without_pull"]) or "could not be computed" in text["without_pull"]
    else:
        assert c["cannot_tell"] is False, c
        assert c["without_source"] == c["pull"] or "could not be computed" in text["without_pull"], c
        assert c["helped_reason"] in (None, c["pull"]), c
        assert advice in {"+": ("set_aside", "helped+"), "-": ("lean_away", "helped-")}[c["pull"]], c
    if c["counterfactual"] is not None:
        without, mae, gain, word = c["counterfactual"]
        assert gain == pytest.approx(abs(mae - without), abs=0.11), c
        assert (without < mae) == (word == "smaller"), c
        assert (word == "larger") == (c["helped_reason"] is not None) == advice.startswith("helped"), c
    elif advice.startswith("helped"):
        pytest.fail(f"advice says leaning helped without a counterfactual: {c}")

    assert len(c["calls"]) <= 1, c
    call = c["calls"][0] if c["calls"] else None
    assert c["advice_ranges"] == {"overconfident": ["Widen"], "underconfident": ["narrow"]}.get(call, []), c
    if call is None:
        assert c["p"] is None and c["needed"] is None, c
        return
    hits, n = c["hits"]
    assert c["p"] == pytest.approx(binomtest(hits, n, 0.8).pvalue, rel=5e-3, abs=1e-3), c
    if call == "about right":
        assert c["p"] >= 0.01, c
        if c["needed"] is not None:
            assert n < c["needed"] <= 500 and hits != 0.8 * n, c
    else:
        assert c["p"] < 0.01 and (hits < 0.8 * n) == (call == "overconfident") and c["needed"] is None, c


def grid_rows():
    """Synthetic rows through every branch: pull direction x gain sign x calibration x own scale."""
    pulls = {
        "positive": {"b_own": 0.3, "b_own_ci_low": 0.05, "b_own_ci_high": 0.55},
        "negative": {"b_own": -0.3, "b_own_ci_low": -0.55, "b_own_ci_high": -0.05},
        "unclear": {"b_own": 0.1, "b_own_ci_low": -0.15, "b_own_ci_high": 0.35},
        "no_ci": {"b_own": 0.2, "b_own_ci_low": None, "b_own_ci_high": None},
        "undefined": {"b_own": None, "b_own_ci_low": None, "b_own_ci_high": None},
    }
    withouts = (10.0, 14.0, 12.02, None)  # pull hurt, helped, no difference, undefined (mae = 12.0)
    ranges = ((None, None), (0.5, None), (10 / 24, 24), (19 / 24, 24), (1.0, 24), (0.8, 20), (1.0, 20), (0.5, 10),
              (0.6, 20), (23 / 24, 24))
    combinations = itertools.product(pulls.items(), withouts, ranges, ("graded", "binary"))
    for (name, pull), without, (hit, n), scale in combinations:
        note = "b_own undefined: needs at least 4 answered items (has 3)" if name == "undefined" else ""
        row = {"n_items": 20, "mae": 12.0, "mean_signed_error": 1.0, "accuracy_r": 0.5, **pull,
               "mae_without_own_pull": without if pull["b_own"] is not None else None,
               "interval_hit_rate": hit, "n_intervals": n, "interval_mean_width": 20.0, "interval_score": 35.0,
               "note": note}
        yield row, scale


def test_no_contradiction_in_any_branch():
    seen = set()
    for row, scale in grid_rows():
        text = feedback_text(row, own_scale=scale)
        assert_consistent(text)
        c = claims(text)
        seen.add((c["pull"], c["counterfactual"][3] if c["counterfactual"] else c["same"],
                  c["calls"][0] if c["calls"] else None))
    # The grid reaches every direction, gain sign and calibration verdict.
    assert {s[0] for s in seen} == {"+", "-", "0", "?", None}
    assert {s[1] for s in seen} >= {"smaller", "larger", True, False}
    assert {s[2] for s in seen} == {"overconfident", "underconfident", "about right", None}
    assert ("-", "larger", "about right") in seen and ("+", "larger", "overconfident") in seen


@pytest.mark.parametrize("binary", [False, True])
def test_no_contradiction_for_simulated_people_with_real_pulls(binary):
    rng = np.random.default_rng(11)
    pulls = rng.choice([-0.3, -0.1, 0.0, 0.1, 0.3, 0.5], 3000)
    frame = simulate(12 + binary, 3000, pull=pulls, coverage=0.6, items=(4, 24), binary=binary)
    directions = set()
    for row in metric_rows(frame):
        text = feedback_text(row, own_scale="binary" if binary else "graded")
        assert_consistent(text)
        directions.add(claims(text)["pull"])
    assert directions >= {"+", "-", "0"}


@pytest.mark.parametrize("binary", [False, True])
def test_no_counterfactual_or_pull_claim_when_true_pull_is_zero(binary):
    rows = metric_rows(simulate(21 + binary, 4000, pull=0.0, binary=binary))
    scale = "binary" if binary else "graded"
    unclear = clear = 0
    for row in rows:
        text = feedback_text(row, own_scale=scale)
        if row["b_own_ci_low"] <= 0 <= row["b_own_ci_high"]:
            unclear += 1
            assert not re.search(r"\d", text["without_pull"]), text["without_pull"]
            for key in ("egocentric", "without_pull", "advice"):
                assert not PULL_CLAIMS.search(text[key]), text[key]
        else:
            clear += 1
            assert COUNTERFACTUAL.search(text["without_pull"]) or "about the same" in text["without_pull"]
    # The 95% CI excludes a true zero about 5% of the time: the simulation is what it claims to be.
    assert 0.03 < clear / (clear + unclear) < 0.07


def test_well_calibrated_people_are_rarely_called_over_or_underconfident():
    rows = metric_rows(simulate(31, 12000, pull=0.2, coverage=0.8, items=(12, 24), ranges=(10, 24)))
    assert {row["n_intervals"] for row in rows} == set(range(10, 25))
    calls = 0
    for row in rows:
        text = feedback_text(row)
        hits, n = claims(text)["hits"]
        assert hits == round(row["interval_hit_rate"] * n) and n == row["n_intervals"]
        calls += "overconfident" in text["intervals"] or "underconfident" in text["intervals"]
    assert calls / len(rows) <= 0.01


def test_clearly_overconfident_people_are_called_so():
    rows = metric_rows(simulate(41, 2000, pull=0.2, coverage=0.4, items=(24, 24)))
    called = [claims(feedback_text(row))["calls"] for row in rows]
    assert sum(c == ["overconfident"] for c in called) / len(rows) >= 0.9
    assert not any(c == ["underconfident"] for c in called)


@pytest.mark.parametrize("hits, n", [(12, 20), (14, 20), (10, 10), (22, 24), (9, 10)])
def test_ranges_needed_is_the_smallest_significant_number(hits, n):
    text = feedback_text({"interval_hit_rate": hits / n, "n_intervals": n, "interval_mean_width": 10.0,
                          "interval_score": 20.0, "note": ""})
    needed = claims(text)["needed"]
    assert needed is not None

    def significant(size):
        exact = hits / n * size
        count = math.ceil(exact - 1e-9) if hits / n < 0.8 else math.floor(exact + 1e-9)
        return binomtest(count, size, 0.8).pvalue < 0.01

    assert significant(needed)
    assert not any(significant(size) for size in range(n, needed))


@pytest.mark.parametrize("hits, n", [(16, 20), (19, 24), (20, 24)])
def test_no_ranges_needed_on_target_or_when_absurdly_many(hits, n):
    text = feedback_text({"interval_hit_rate": hits / n, "n_intervals": n, "note": ""})
    assert "about right for" in text["intervals"] and claims(text)["needed"] is None
