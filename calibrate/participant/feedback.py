"""Assemble the feedback page from stored answers using the `analysis` engine."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis import (
    METRICS,
    RESEARCH_METRIC_COLUMNS,
    feedback_text,
    person_metrics,
    plain_records,
    pull_is_clear,
)
from analysis.metrics import reason_phrase
from flask_babel import gettext as _

from calibrate.domain.exercise_cache import CachedItem
from calibrate.domain.exercise_text import localised
from calibrate.domain.exercises import own_scale
from calibrate.infra.wording import page_wording, translated
from calibrate.models import Participant
from calibrate.domain.long_format import long_frame
from calibrate.domain.round_results import peer_weights
from calibrate.participant.services import exercise_items


ROUND_COMPARISON = ("b_own", "mae", "projection_r", "accuracy_r")
"""Metrics set side by side when a participant has done both rounds."""


@dataclass
class RoundFeedback:
    round: int
    metrics: dict
    text: dict[str, str]
    items: list[dict]
    chart: dict
    peers: dict | None = None
    pull_clear: bool = False  # 95% CI of b_own excludes 0: only then is the error without the pull shown
    own_scale: str = "graded"  # "binary" (yes/no own answers): the weight reads as points yes minus no, else per 10 points
    note: str = ""  # why some metrics are undefined, in the page's language


@dataclass
class Feedback:
    rounds: list[RoundFeedback] = field(default_factory=list)
    comparison: list[dict] = field(default_factory=list)


ANSWER_COLUMNS = ["round", "item_id", "own", "prediction", "lower", "upper", "truth"]
"""What the item table and the charts show of each answer."""


def _item_rows(answers: list[dict], items: tuple[CachedItem, ...]) -> list[dict]:
    by_key = {item.item_key: item for item in items}
    rows = []
    for answer in answers:
        item = by_key[answer["item_id"]]
        rows.append(
            {
                "label": localised(item, "label"),
                "prompt": localised(item, "prompt"),
                "own": answer["own"],
                "own_label": _own_label(item, answer["own"]),
                "prediction": answer["prediction"],
                "lower": answer["lower"],
                "upper": answer["upper"],
                "truth": answer["truth"],
                "error": answer["prediction"] - answer["truth"],
                "unit": localised(item, "unit"),
                "value_type": item.value_type,
                "currency": item.currency,
                "n": item.n,
                "se": item.se,
            }
        )
    return sorted(rows, key=lambda row: abs(row["error"]), reverse=True)


def _own_label(item, own: float | None) -> str:
    if own is None:
        return _("skipped")
    for choice in localised(item, "own_choices") or []:
        if choice["value"] == own:
            return choice["label"]
    return f"{own:g}"


def _chart_data(answers: list[dict], items: tuple[CachedItem, ...]) -> dict:
    """Points for the feedback plots, in the items' own units."""
    labels = {item.item_key: localised(item, "label") for item in items}
    choice_sets = {tuple((c["value"], c["label"]) for c in localised(item, "own_choices") or []) for item in items}
    return {
        "own_labels": dict(next(iter(choice_sets))) if len(choice_sets) == 1 else {},
        "unit": localised(items[0], "unit") if items else "",
        "range": [min(i.min for i in items), max(i.max for i in items)],
        "own_range": [min(i.own_min for i in items), max(i.own_max for i in items)],
        "points": [
            {
                "label": labels[answer["item_id"]],
                "truth": answer["truth"],
                "prediction": answer["prediction"],
                "own": answer["own"],
                "error": answer["prediction"] - answer["truth"],
                "lower": answer["lower"],
                "upper": answer["upper"],
            }
            for answer in answers
        ],
    }


def _peer_standing(participant: Participant, round_no: int, b_own: float | None) -> dict | None:
    """Where the participant's egocentric weight stands among the workshop's finished participants."""
    if participant.workshop is None or b_own is None:
        return None
    weights = np.array(peer_weights(participant, round_no))
    if len(weights) < 3:
        return None
    return {
        "n": int(len(weights)),
        "median": float(np.median(weights)),
        "share_below": float(np.mean(weights < b_own)),
    }


def _note_for(row: dict) -> str:
    """The engine's note, without clauses about research for someone who was shown none (they would only puzzle)."""
    if row.get("n_research"):
        return row.get("note") or ""
    clauses = [c for c in (row.get("note") or "").split("; ") if c]
    return "; ".join(c for c in clauses if not set(c.partition(" undefined: ")[0].split(", ")) <= set(RESEARCH_METRIC_COLUMNS))


def _note_in_words(note: str) -> str:
    """The engine's note ('<metrics> undefined: <reason>; ...') in the page's language, metrics by their labels."""
    clauses = [clause.partition(" undefined: ") for clause in note.split("; ") if clause]
    return "; ".join(
        _("%(metrics)s undefined: %(reason)s", reason=translated(reason_phrase(reason)),
          metrics=", ".join(translated(METRICS[name].label) if name in METRICS else name for name in names.split(", ")))
        for names, _found, reason in clauses
    )


def build_feedback(participant: Participant) -> Feedback:
    """Per-round metrics, readings, item table and chart data for one participant."""
    frame = long_frame(participant_ids=[participant.id])
    feedback = Feedback()
    if frame.empty:
        return feedback
    answers = plain_records(frame[ANSWER_COLUMNS])  # plain values: pandas rows cost more than the page's maths
    items = exercise_items(participant)  # the per-process snapshot, not the ORM rows
    scale = own_scale(items)
    for row in plain_records(person_metrics(frame)):  # one row per round, in round order
        round_no = row["round"]
        round_answers = [answer for answer in answers if answer["round"] == round_no]
        row["note"] = _note_for(row)
        feedback.rounds.append(
            RoundFeedback(
                round=round_no,
                metrics=row,
                text=feedback_text(row, own_scale=scale, wording=page_wording()),
                items=_item_rows(round_answers, items),
                chart=_chart_data(round_answers, items),
                peers=_peer_standing(participant, round_no, row.get("b_own")),
                pull_clear=pull_is_clear(row),
                own_scale=scale,
                note=_note_in_words(row["note"]),
            )
        )
    if len(feedback.rounds) == 2:
        before, after = (r.metrics for r in feedback.rounds)
        feedback.comparison = [
            {"name": name, "label": METRICS[name].label, "before": before.get(name), "after": after.get(name)}
            for name in ROUND_COMPARISON
        ]
    return feedback


def export_records(participant: Participant) -> tuple[list[dict], list[dict]]:
    """The participant's own answers (long format) and per-round metrics, for download."""
    frame = long_frame(participant_ids=[participant.id])
    answers = plain_records(frame)
    for row in answers:
        row["answered_at"] = row["answered_at"].isoformat() if row["answered_at"] is not None else None
    metrics = [] if frame.empty else plain_records(person_metrics(frame))
    return answers, metrics


METRIC_LABELS = {name: entry for name, entry in METRICS.items() if name not in RESEARCH_METRIC_COLUMNS}
"""Rows of the page's "All statistics" table, with their words: every metric but those of research use."""
