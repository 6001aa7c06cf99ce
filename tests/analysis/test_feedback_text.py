"""feedback_text: plain-language readings of a participant's metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import FEEDBACK_KEYS, feedback_text, parse_note, person_metrics

BASE = {
    "n_items": 20, "mae": 12.34, "rmse": 15.0, "mean_signed_error": 3.2, "accuracy_r": 0.55,
    "b_own": 0.42, "b_own_se": 0.15, "b_own_ci_low": 0.11, "b_own_ci_high": 0.73, "b_own_p": 0.01,
    "mae_without_own_pull": 10.1, "interval_hit_rate": 0.55, "interval_mean_width": 18.2,
    "interval_score": 40.1, "note": "", "n_intervals": 20,
}


def test_clear_positive_pull_reads_as_in_the_design():
    text = feedback_text(BASE)
    assert set(text) == set(FEEDBACK_KEYS)
    assert text["egocentric"] == (
        "For every 10 points more you liked something as a consumer (your own answers counted on a 0–100 scale), "
        "your prediction moved 4.2 points (95% CI 1.1 to 7.3) — that pull is clearly different from zero."
    )
    assert "12.3 points of the answer range" in text["accuracy"]
    assert "3.2 points too high" in text["accuracy"]
    assert "r = 0.55" in text["accuracy"]
    assert "10.1 points instead of 12.3 — 2.2 points smaller" in text["without_pull"]
    assert "11 of 20 items (55%)" in text["intervals"] and "overconfident" in text["intervals"]
    assert "two-sided p = 0.00998" in text["intervals"]
    assert "set aside your own consumer identity" in text["advice"]
    assert "market research" in text["advice"]
    assert "Widen your ranges" in text["advice"]


def test_pull_not_distinguishable_from_zero_gives_no_counterfactual():
    for without in (10.1, 13.0, 12.33):
        text = feedback_text({**BASE, "b_own": 0.05, "b_own_ci_low": -0.2, "b_own_ci_high": 0.3,
                              "mae_without_own_pull": without})
        assert "cannot be distinguished from zero" in text["egocentric"]
        assert text["without_pull"] == (
            "The data cannot tell whether removing the pull of your own taste would have changed your average "
            "error, because with these items that pull cannot be distinguished from zero."
        )
        assert text["advice"].startswith("No clear pull")
        assert "helped" not in text["advice"] and "right way" not in text["advice"]


def test_pull_without_uncertainty_gives_no_counterfactual():
    text = feedback_text({**BASE, "b_own_ci_low": None, "b_own_ci_high": None, "mae_without_own_pull": 15.0})
    assert "could not be estimated" in text["without_pull"]
    assert not any(ch.isdigit() for ch in text["without_pull"])
    assert "right way" not in text["advice"]


def test_binary_own_answers_read_as_yes_minus_no():
    text = feedback_text(BASE, own_scale="binary")
    assert text["egocentric"] == (
        "Your predictions were 42.0 points higher for items you said yes to than for items you said no to, "
        "at the same true value (95% CI of yes minus no 11.0 to 73.0) — that pull is clearly different from zero."
    )
    negative = feedback_text({**BASE, "b_own": -0.2, "b_own_ci_low": -0.35, "b_own_ci_high": -0.05}, "binary")
    assert negative["egocentric"].startswith("Your predictions were 20.0 points lower for items you said yes to")
    with pytest.raises(ValueError, match="own_scale"):
        feedback_text(BASE, own_scale="likert")


def test_negative_pull():
    text = feedback_text({**BASE, "b_own": -0.31, "b_own_ci_low": -0.6, "b_own_ci_high": -0.02})
    assert "3.1 points in the opposite direction (95% CI -6.0 to -0.2)" in text["egocentric"]
    assert "Without your push away from your own taste" in text["without_pull"]
    assert "lean away" in text["advice"]


def test_negative_pull_that_helped_is_not_called_leaning_on_taste():
    text = feedback_text({**BASE, "b_own": -0.31, "b_own_ci_low": -0.6, "b_own_ci_high": -0.02,
                          "mae_without_own_pull": 13.0})
    assert "0.7 points larger" in text["without_pull"]
    assert "leaning away from it helped" in text["without_pull"] and "Hoch" not in text["without_pull"]
    assert text["advice"].startswith("Leaning away from your own taste happened to point the right way")


def test_without_pull_worse_when_taste_resembles_customers():
    text = feedback_text({**BASE, "mae_without_own_pull": 13.0})
    assert "0.7 points larger" in text["without_pull"] and "Hoch 1988" in text["without_pull"]
    assert "about the same" in feedback_text({**BASE, "mae_without_own_pull": 12.33})["without_pull"]


def test_positive_pull_that_helped_gets_different_advice():
    text = feedback_text({**BASE, "mae_without_own_pull": 15.0})
    assert "happened to point the right way" in text["advice"]
    assert "set aside" not in text["advice"]


def test_calibration_verdicts_follow_the_exact_binomial_test():
    on_target = feedback_text({**BASE, "interval_hit_rate": 0.8})
    assert "16 of 20 items (80%), against a target of 80%: about right for 20 ranges" in on_target["intervals"]
    assert "would take" not in on_target["intervals"] and "ranges" not in on_target["advice"]
    # 12 of 20 (60%): p = 0.044, rejected at 5% but not at 1%, so no call.
    near = feedback_text({**BASE, "interval_hit_rate": 0.6})
    assert "about right for 20 ranges" in near["intervals"] and "confident" not in near["intervals"]
    assert "that would take about 35 ranges" in near["intervals"]
    assert "ranges" not in near["advice"]
    # 20 of 20 (100%): p = 0.023, no call; 24 of 24: p = 0.0085, underconfident.
    assert "underconfident" not in feedback_text({**BASE, "interval_hit_rate": 1.0})["intervals"]
    under = feedback_text({**BASE, "interval_hit_rate": 1.0, "n_intervals": 24})
    assert "underconfident" in under["intervals"] and "narrow your ranges" in under["advice"]


def test_without_the_number_of_ranges_there_is_no_call():
    text = feedback_text({**BASE, "interval_hit_rate": 0.1, "n_intervals": None})
    assert text["intervals"].startswith(
        "Your 80% ranges contained the true value 10% of the time, against a target of 80%."
    )
    assert "confident" not in text["intervals"] and "about right" not in text["intervals"]
    assert "ranges" not in text["advice"]


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
