"""feedback_text: plain-language readings of a participant's metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from analysis import FEEDBACK_KEYS, feedback_text, parse_note, person_metrics

BASE = {
    "n_items": 20, "mae": 12.34, "rmse": 15.0, "mean_signed_error": 3.2, "accuracy_r": 0.55,
    "b_own": 0.42, "b_own_se": 0.15, "b_own_ci_low": 0.11, "b_own_ci_high": 0.73, "b_own_p": 0.01,
    "mae_without_own_pull": 10.1, "interval_hit_rate": 0.55, "interval_mean_width": 18.2,
    "interval_score": 40.1, "note": "",
}


def test_clear_positive_pull_reads_as_in_the_design():
    text = feedback_text(BASE)
    assert set(text) == set(FEEDBACK_KEYS)
    assert text["egocentric"] == (
        "For every 10 points more you liked something as a consumer, your prediction moved 4.2 points "
        "(95% CI 1.1 to 7.3) — that pull is clearly different from zero."
    )
    assert "12.3 points of the answer range" in text["accuracy"]
    assert "3.2 points too high" in text["accuracy"]
    assert "r = 0.55" in text["accuracy"]
    assert "10.1 points instead of 12.3 — 2.2 points smaller" in text["without_pull"]
    assert "55% of the time" in text["intervals"] and "overconfident" in text["intervals"]
    assert "set aside your own consumer identity" in text["advice"]
    assert "market research" in text["advice"]
    assert "Widen your ranges" in text["advice"]


def test_pull_not_distinguishable_from_zero():
    text = feedback_text({**BASE, "b_own": 0.05, "b_own_ci_low": -0.2, "b_own_ci_high": 0.3})
    assert "cannot be distinguished from zero" in text["egocentric"]
    assert "No clear pull" in text["advice"]


def test_negative_pull():
    text = feedback_text({**BASE, "b_own": -0.31, "b_own_ci_low": -0.6, "b_own_ci_high": -0.02})
    assert "3.1 points in the opposite direction (95% CI -6.0 to -0.2)" in text["egocentric"]
    assert "lean away" in text["advice"]


def test_without_pull_worse_when_taste_resembles_customers():
    text = feedback_text({**BASE, "mae_without_own_pull": 13.0})
    assert "0.7 points larger" in text["without_pull"] and "Hoch 1988" in text["without_pull"]
    assert "about the same" in feedback_text({**BASE, "mae_without_own_pull": 12.33})["without_pull"]


def test_positive_pull_that_helped_gets_different_advice():
    text = feedback_text({**BASE, "mae_without_own_pull": 15.0})
    assert "happened to point the right way" in text["advice"]
    assert "set aside" not in text["advice"]


def test_calibration_verdicts():
    assert "well calibrated" in feedback_text({**BASE, "interval_hit_rate": 0.8})["intervals"]
    under = feedback_text({**BASE, "interval_hit_rate": 1.0})
    assert "underconfident" in under["intervals"] and "narrow your ranges" in under["advice"]


def test_undefined_values_are_explained_from_the_note():
    df = pd.DataFrame({"participant_id": "p", "item_id": ["a", "b", "c"], "own": [1, 3, 2],
                       "prediction": [30, 50, 40], "truth": [35, 45, 20]})
    row = person_metrics(df).iloc[0]
    text = feedback_text(row)
    assert text["egocentric"] == (
        "Your egocentric weight could not be computed: needs at least 4 answered items (has 3)."
    )
    assert "needs at least 4 answered items (has 3)" in text["without_pull"]
    assert "You gave no 80% ranges" in text["intervals"]
    assert "Answer at least 4 items" in text["advice"]
    assert "r = " in text["accuracy"]


def test_constant_own_answers_explained():
    df = pd.DataFrame({"participant_id": "p", "item_id": list("abcde"), "own": 4,
                       "prediction": [30, 50, 40, 20, 60], "truth": [35, 45, 20, 25, 50]})
    text = feedback_text(person_metrics(df).iloc[0])
    assert text["egocentric"].endswith("your own answers do not vary.")


def test_json_nulls_are_handled():
    row = json.loads(json.dumps({**BASE, "b_own_se": None, "b_own_ci_low": None, "b_own_ci_high": None,
                                 "b_own_p": None, "note": "b_own_se, b_own_ci_low, b_own_ci_high, b_own_p "
                                 "undefined: truth and own answers reproduce your predictions exactly"}))
    text = feedback_text(row)
    assert "could not be estimated: truth and own answers reproduce your predictions exactly" in text["egocentric"]


def test_no_answers_at_all():
    note = "mae, accuracy_r, b_own, interval_hit_rate undefined: no answered items"
    row = {name: np.nan for name in BASE} | {"note": note}
    text = feedback_text(row)
    assert all(text[key] for key in FEEDBACK_KEYS)
    assert text["accuracy"] == "Your accuracy could not be computed: no answered items."
    assert text["intervals"] == "Your 80% ranges could not be scored: no answered items."


def test_parse_note_round_trip():
    note = "accuracy_r, tfce_r undefined: your predictions do not vary; interval_score undefined: no intervals given"
    assert parse_note(note) == {
        "accuracy_r": "your predictions do not vary",
        "tfce_r": "your predictions do not vary",
        "interval_score": "no intervals given",
    }
    assert parse_note("") == {} and parse_note(None) == {}
