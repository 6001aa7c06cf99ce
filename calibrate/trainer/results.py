"""A workshop's live and final results, computed by the `analysis` engine.

The dashboard, the projector and the report all read one `WorkshopResults`.
Building it costs one long-format query, one query for the participants, one
vectorised `person_metrics` call, the group tests and `item_stats` -- never a
query or a metric computation per participant -- so a room of 500 people
refreshes as fast as a room of 5 (see tests/trainer/test_scale.py).
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
from cachetools import LRUCache, cached
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from analysis import (
    ResponseDataError,
    egocentrism_test,
    group_tests,
    item_stats,
    person_metrics,
    plain_records,
    pooled_model,
    welch_anova,
)
from analysis.power import comparison_power, percent
from calibrate.domain import exercise_cache
from calibrate.domain.conditions import condition_text, with_condition_labels
from calibrate.domain.exercise_cache import CachedItem
from calibrate.domain.exercise_text import localised
from calibrate.infra.extensions import db
from calibrate.models import Condition, Participant, Workshop, utcnow
from calibrate.domain.progress import ROUNDS, room_progress, round_items
from calibrate.domain.long_format import long_frame

IDLE_AFTER = timedelta(minutes=1)
SIGNIFICANCE = 0.05
MAX_IDLE_LISTED = 25

# Histogram bins. Egocentric weights beyond the outer edges and errors above
# the last edge are counted in the outermost bars, so one wild answer cannot
# squash the chart the whole room is looking at.
EGOCENTRIC_EDGES = np.round(np.linspace(-0.5, 1.0, 16), 2) + 0.0  # + 0.0 turns -0.0 into 0.0
MAE_EDGES = np.linspace(0.0, 50.0, 11)

PROGRESS, LIVE, REPORT = "progress", "live", "report"
"""How much a page shows: who is where; plus what the dashboard and projector draw at every 2 s poll
(egocentrism, the Welch ANOVA, items, charts); everything, with the pairs, the other tests and the mixed model."""


@dataclass
class WorkshopResults:
    """Everything the trainer pages show; tables are lists of plain dicts with None for undefined."""

    participation: list[dict]
    totals: dict
    idle: list[dict]
    idle_more: int
    idle_in_round: dict = field(default_factory=dict)  # round -> idle people who still have items in it
    overall: list[dict] = field(default_factory=list)
    by_condition: list[dict] = field(default_factory=list)
    anova: list[dict] = field(default_factory=list)
    pairs: list[dict] = field(default_factory=list)
    empathy: list[dict] = field(default_factory=list)
    empathy_reason: str = ""
    rounds: list[dict] = field(default_factory=list)
    rounds_reason: str = ""
    research: list[dict] = field(default_factory=list)
    research_reason: str = ""
    research_with_without: list[dict] = field(default_factory=list)
    research_empathy: list[dict] = field(default_factory=list)
    pooled: list[dict] = field(default_factory=list)
    pooled_warnings: list[str] = field(default_factory=list)
    pooled_reason: str = ""
    items: list[dict] = field(default_factory=list)
    question: str = ""  # the wording every item's survey question shares, shown once ("…" where items differ)
    charts: dict = field(default_factory=dict)

    def overall_for(self, round_no: int) -> dict | None:
        return next((row for row in self.overall if row["round"] == round_no), None)


def workshop_results(workshop: Workshop, *, detail: str = LIVE) -> WorkshopResults:
    """Participation, stragglers and group statistics of one workshop, as of now.

    ``detail`` (:data:`PROGRESS`, :data:`LIVE` or :data:`REPORT`) is what the page shows:
    the live pages poll every 2 s, so they skip what only the report reads (the
    Games-Howell pairs, the empathy, round and research tests, and the pooled
    mixed model, an iterative fit).
    """
    long = long_frame(workshop_ids=[workshop.id])
    people = list(db.session.scalars(select(Participant).where(Participant.workshop_id == workshop.id)))
    items = exercise_cache.items_of(workshop.exercise)  # the snapshot, not ORM rows, at every poll
    status = _status_frame(workshop, people, long, items)
    idle = _idle(status)
    results = WorkshopResults(
        participation=_participation(workshop, status),
        totals=_counts(status),
        idle=idle[:MAX_IDLE_LISTED],
        idle_more=max(0, len(idle) - MAX_IDLE_LISTED),
        idle_in_round={r: sum(person["open_round"] == r for person in idle) for r in ROUNDS},
    )
    if not long.empty and detail != PROGRESS:
        _add_statistics(results, workshop, long, items, detail)
        if detail == REPORT:
            _add_pooled_model(results, long)
    return results


# --------------------------------------------------------------------------
# Who is where


def _status_frame(workshop: Workshop, people: list[Participant], long: pd.DataFrame, items: tuple[CachedItem, ...]) -> pd.DataFrame:
    """One row per participant: condition, progress in each round and seconds since last seen."""
    answered = long.groupby(["participant_id", "round"]).size()
    by_person: dict[int, dict[int, int]] = {}
    for (participant_id, round_no), count in answered.items():
        by_person.setdefault(int(participant_id), {})[int(round_no)] = int(count)
    now_of = room_progress(workshop, people, by_person, items)
    sizes = {r: len(round_items(items, workshop, r)) for r in ROUNDS}
    frame = pd.DataFrame(
        {
            "id": np.array([p.id for p in people], dtype=int),
            "short_id": [p.short_id for p in people],
            "condition": [p.condition for p in people],
            "instructions_seen": [p.instructions_seen_at is not None for p in people],
            "finished1": np.array([p.finished_round1_at is not None for p in people], dtype=bool),
            "started2": np.array([p.round2_started_at is not None for p in people], dtype=bool),
            "finished2": np.array([p.finished_round2_at is not None for p in people], dtype=bool),
            "answered1": [by_person.get(p.id, {}).get(1, 0) for p in people],
            "answered2": [by_person.get(p.id, {}).get(2, 0) for p in people],
            "round": [now.round for now in now_of],
            "on_feedback": [now.on_feedback_before_round2 for now in now_of],
            "busy": np.array([now.busy for now in now_of], dtype=bool),
            "last_seen": pd.to_datetime([p.last_seen_at for p in people], utc=True),
        }
    )
    if not long.empty:
        # A saved answer is the latest sign of life while answering (answering writes only the answer's time).
        last_answer = pd.to_datetime(long["answered_at"], utc=True).groupby(long["participant_id"]).max()
        answered = frame["id"].astype(str).map(last_answer)
        frame["last_seen"] = frame["last_seen"].where(answered.isna() | (answered <= frame["last_seen"]), answered)
    frame["answered_now"] = np.where(frame["round"] == 2, frame["answered2"], frame["answered1"])
    frame["items_now"] = np.where(frame["round"] == 2, sizes[2], sizes[1])
    frame["idle_seconds"] = (pd.Timestamp(utcnow()) - frame["last_seen"]).dt.total_seconds()
    return frame


def _counts(frame: pd.DataFrame) -> dict:
    return {
        "joined": len(frame),
        "not_started": int((~frame["finished1"] & (frame["answered1"] == 0)).sum()),
        "answering": int((~frame["finished1"] & (frame["answered1"] > 0)).sum()),
        "finished": int(frame["finished1"].sum()),
        "answering2": int((frame["started2"] & ~frame["finished2"]).sum()),
        "finished2": int(frame["finished2"].sum()),
    }


def _participation(workshop: Workshop, status: pd.DataFrame) -> list[dict]:
    """Counts per condition of the workshop, in its order, including conditions nobody is in yet."""
    return [
        {"condition": key, "label": str(condition_text(key).label), **_counts(status[status["condition"] == key])}
        for key in workshop.conditions
    ]


def _idle(status: pd.DataFrame) -> list[dict]:
    """People still answering who have not been seen for a while, longest idle first."""
    stuck = status[status["busy"] & (status["idle_seconds"] >= IDLE_AFTER.total_seconds())]
    stuck = stuck.sort_values("idle_seconds", ascending=False)
    return [
        {
            "short_id": row.short_id,
            "condition": str(condition_text(row.condition).label),
            "round": int(row.round),
            # Someone who finished round 1 and reads their feedback still has round 2 ahead.
            "open_round": 2 if row.finished1 else 1,
            "where": _whereabouts(row),
            "idle_minutes": int(row.idle_seconds // 60),
        }
        for row in stuck.itertuples(index=False)
    ]


def _whereabouts(row) -> str:
    if not row.instructions_seen:
        return _("Instructions")
    if row.on_feedback:
        return _("Feedback; round 2 not started")
    return _("Item %(number)s of %(items)s", number=min(row.answered_now + 1, row.items_now), items=row.items_now)


# --------------------------------------------------------------------------
# Group statistics from the engine


def _add_statistics(
    results: WorkshopResults, workshop: Workshop, long: pd.DataFrame, items: tuple[CachedItem, ...], detail: str
) -> None:
    metrics = person_metrics(long)
    only_round = int(metrics["round"].iloc[0])
    # The report runs every test once; the live pages only the two they draw.
    tests = (group_tests(metrics) if detail == REPORT
             else {"egocentrism": egocentrism_test(metrics), "conditions": welch_anova(metrics)})
    results.overall = _rows(_with_round(tests["egocentrism"], only_round))
    by_condition = egocentrism_test(metrics, by=["condition"])
    results.by_condition = _condition_rows(_with_round(by_condition, only_round), metrics)
    results.anova = _rows(_with_round(tests["conditions"], only_round))
    results.items = _item_rows(workshop, items, item_stats(long))
    results.question = _shared_question(results.items)
    results.charts = _charts(results, metrics)
    if detail == REPORT:
        sizes = {r: len(round_items(items, workshop, r)) for r in ROUNDS}
        _add_report_tests(results, workshop, tests, only_round, sizes)


def _add_report_tests(results: WorkshopResults, workshop: Workshop, tests: dict, only_round: int, sizes: dict) -> None:
    """The tests only the report shows: condition pairs with their power, empathy, rounds and research use.

    ``sizes`` are the number of items in each round, which the power of a comparison depends on.
    """
    anova = {row["round"]: row for row in results.anova}
    labelled = [
        {**row, "label_A": str(condition_text(row["A"]).label), "label_B": str(condition_text(row["B"]).label)}
        for row in _rows(_with_round(tests["pairs"], only_round))
    ]
    results.pairs = [
        {**row, **comparison_reading(row, items=sizes[int(row["round"])], groups=int(anova[row["round"]]["n_conditions"] or 2))}
        for row in labelled
    ]
    if workshop.ask_empathy:
        results.empathy = [
            {**row, "label": _term_label(row["term"])} for row in _rows(_with_round(tests["empathy"], only_round))
        ]
        results.empathy_reason = _reason(tests["empathy"])
    results.rounds = _rows(tests["rounds"])
    results.rounds_reason = _reason(tests["rounds"])
    if Condition.MARKET_RESEARCH.value in workshop.conditions:
        _add_research(results, tests, only_round, workshop.ask_empathy)


def comparison_reading(pair: dict, items: int, groups: int) -> dict:
    """What a pairwise comparison may be said to show, given its power (docs/methods.md, sections 4 and 6).

    A difference is claimed only at p < .05; a non-significant result is
    "inconclusive" unless the comparison had at least 80% power to detect a
    difference of 0.10 in egocentric weight, and even then it is never called
    "no effect".  Power uses the spread of the weights this workshop showed,
    not the planning assumptions, and the planned difference, never the observed one.
    """
    if pair["p"] is None or pair["n_A"] is None:
        return {"verdict": _("not tested"), "power": None}
    n_a, n_b = int(pair["n_A"]), int(pair["n_B"])
    # Judged by the spread this comparison actually had (its Welch SE as an equal-variance SD), for the planned 0.10.
    spread = pair["se"] / math.sqrt(1 / n_a + 1 / n_b)
    power = comparison_power(n_a, n_b, items, groups=groups, sd=spread)
    if pair["p"] < SIGNIFICANCE:
        higher = pair["label_A"] if pair["diff"] > 0 else pair["label_B"]
        return {"verdict": _("differ: higher egocentric weight in %(condition)s", condition=higher), "power": power.power}
    delta, chance = format_decimal(power.delta, format="0.00"), percent(power.power)
    if power.adequate:
        verdict = _("no difference of %(delta)s or more detected (%(power)s power)", delta=delta, power=chance)
    elif power.people_needed:
        verdict = _("inconclusive with this many people (%(power)s power to detect %(delta)s; "
                    "about %(needed)s per condition needed)", power=chance, delta=delta, needed=power.people_needed)
    else:
        verdict = _("inconclusive with this many people (%(power)s power to detect %(delta)s)", power=chance, delta=delta)
    return {"verdict": verdict, "power": power.power}


def _add_research(results: WorkshopResults, tests: dict, only_round: int, ask_empathy: bool) -> None:
    """How much the market-research condition used the research it saw (docs/methods.md, section 3)."""
    results.research = _rows(_with_round(tests["research"], only_round))
    results.research_reason = _reason(tests["research"])
    results.research_with_without = _rows(_with_round(tests["research_with_without"], only_round))
    if ask_empathy:
        results.research_empathy = [
            {**row, "label": _term_label(row["term"])}
            for row in _rows(_with_round(tests["research_empathy"], only_round))
        ]


def answers_digest(long: pd.DataFrame) -> str:
    """A fingerprint of the answers themselves: equal exactly when every value of every row is equal."""
    return hashlib.sha256(pd.util.hash_pandas_object(long, index=False).to_numpy().tobytes()).hexdigest()


@cached(cache=LRUCache(maxsize=32), key=answers_digest, lock=threading.Lock())
def pooled_fit(long: pd.DataFrame) -> dict:
    """The mixed model of these answers, fitted once per worker.

    The fit is iterative (about 1.5 s for 50 people), and a closed workshop's report
    is opened, reloaded and printed with the same answers; any changed answer changes
    the digest, so a stale fit is never shown.
    """
    return pooled_model(long)


def pooled_reading(long: pd.DataFrame) -> tuple[list[dict], list[str]]:
    """The mixed model as people read it: condition rows with labels, and its warnings in words (docs/methods.md, section 5).

    Rows come only from rounds whose fit converged: a fit that did not converge
    shows its warning, never its numbers. Raises ResponseDataError when the
    answers cannot be modelled.
    """
    model = pooled_fit(long)
    usable = {row["round"] for row in _rows(model["diagnostics"]) if row["converged"]}
    rows = [
        {**row, "label": str(condition_text(row["condition"]).label) if row["condition"] else _("Everyone")}
        for row in _rows(model["conditions"])
        if row["round"] in usable
    ]
    warnings = [
        _("Round %(round)s: %(warning)s", round=row["round"], warning=with_condition_labels(row["warning"]))
        for row in _rows(model["diagnostics"])
        if row["warning"]
    ]
    return rows, warnings


def _add_pooled_model(results: WorkshopResults, long: pd.DataFrame) -> None:
    try:
        results.pooled, results.pooled_warnings = pooled_reading(long)
    except ResponseDataError as error:
        results.pooled_reason = with_condition_labels(str(error))


def _term_label(term: str | None) -> str:
    """Readable names for the terms of the empathy regression (``condition[perspective]`` etc.)."""
    if term is None:
        return "–"
    if term.startswith("condition["):
        return _("Condition: %(condition)s", condition=str(condition_text(term[len("condition[") : -1]).label))
    return {"empathy": _("Empathy score (per scale point)"), "Intercept": _("Intercept")}.get(term, term)


def _rows(frame: pd.DataFrame) -> list[dict]:
    """The engine's table as plain dicts, its reasons naming conditions by the labels trainers read."""
    return [
        {**row, "reason": with_condition_labels(row["reason"])} if row.get("reason") else row
        for row in plain_records(frame)
    ]


def _reason(test: pd.DataFrame) -> str:
    """Why a whole test could not run, conditions named by their labels."""
    return with_condition_labels(test.attrs.get("reason", ""))


def _with_round(frame: pd.DataFrame, only_round: int) -> pd.DataFrame:
    """The engine adds `round` to the strata only when there are several rounds; make it explicit."""
    return frame if "round" in frame.columns else frame.assign(round=only_round)


def _condition_rows(egocentrism: pd.DataFrame, metrics: pd.DataFrame) -> list[dict]:
    """Egocentrism test per condition and round, with the mean error and interval hit rate beside it."""
    descriptives = (
        metrics.groupby(["condition", "round"])[["mae", "interval_hit_rate"]]
        .mean()
        .rename(columns={"mae": "mean_mae", "interval_hit_rate": "mean_hit_rate"})
        .reset_index()
    )
    merged = egocentrism.merge(descriptives, on=["condition", "round"], how="left")
    return [{**row, "label": str(condition_text(row["condition"]).label)} for row in _rows(merged)]


def _item_rows(workshop: Workshop, exercise_items: tuple[CachedItem, ...], stats: pd.DataFrame) -> list[dict]:
    """Per-item statistics in the order and with the numbers participants saw: 1, 2, 3 … within each round."""
    seen_as = {
        item.item_key: (round_no, number)
        for round_no in ROUNDS
        for number, item in enumerate(round_items(exercise_items, workshop, round_no), start=1)
    }
    items = {item.item_key: item for item in exercise_items}
    rows = []
    for row in _rows(stats):
        item = items[row["item_id"]]
        round_no, number = seen_as.get(item.item_key, (1, item.position + 1))
        rows.append({**row, "item_round": round_no, "number": number, "label": localised(item, "label"),
                     "prompt": localised(item, "prompt"),
                     "unit": localised(item, "unit"), "value_type": item.value_type, "currency": item.currency})
    return sorted(rows, key=lambda row: (row["item_round"], row["number"]))


# --------------------------------------------------------------------------
# Chart data (drawn by static/js/workshop.js)


def histogram(values: pd.Series, edges: np.ndarray, digits: int) -> tuple[list[str], list[int]]:
    """Counts with the outermost bars catching everything beyond them, and their labels."""
    finite = values.dropna().to_numpy(dtype=float)
    clipped = np.clip(finite, edges[0], np.nextafter(edges[-1], -np.inf))
    counts, _edges = np.histogram(clipped, bins=edges)
    pattern = "0." + "0" * digits if digits else "0"
    number = lambda value: format_decimal(value, format=pattern).replace("-", "\u2212")  # noqa: E731  (a real minus sign)
    inner = [_("%(low)s to %(high)s", low=number(low), high=number(high)) for low, high in zip(edges[1:-2], edges[2:-1])]
    labels = [f"< {number(edges[1])}", *inner, f"≥ {number(edges[-2])}"]
    return labels, counts.tolist()


def _histogram_chart(metrics: pd.DataFrame, column: str, edges: np.ndarray, digits: int) -> dict:
    series = []
    labels: list[str] = []
    for round_no, part in metrics.groupby("round", sort=True):
        labels, counts = histogram(part[column], edges, digits)
        series.append({"label": _("Round %(round)s", round=round_no), "counts": counts})
    return {"labels": labels, "series": series}


def _mean_ci(row: dict, label: str) -> dict:
    return {"label": label, "mean": row["mean"], "low": row["ci_low"], "high": row["ci_high"], "n": row["n"]}


MIN_SHARED_WORDING = 40  # characters; less than this is not worth pulling out of the item rows


def _shared_question(rows: list[dict]) -> str:
    """The wording all items' questions share, with "…" for the part that differs; each row keeps only that part.

    The item questions of an exercise usually repeat one long survey question
    with a different object; the report gives it once and each item its own words.
    """
    prompts = [row["prompt"] for row in rows]
    if len(set(prompts)) < 2:
        return ""
    head = os.path.commonprefix(prompts)
    head = head[: head.rfind(" ") + 1] if " " in head else ""
    tail = os.path.commonprefix([prompt[len(head) :][::-1] for prompt in prompts])[::-1]
    tail = tail[tail.find(" ") :] if " " in tail else ""
    if len(head) + len(tail) < MIN_SHARED_WORDING:
        return ""
    for row in rows:
        own = row["prompt"][len(head) : len(row["prompt"]) - len(tail)].strip()
        row["prompt"] = "" if own.rstrip(".?").lower() == row["label"].lower() else own
    return f"{head.strip()} … {tail.strip()}".strip()


def _item_chart_label(row: dict, two_rounds: bool) -> str:
    label = f"{row['number']}. {row['label']}"
    return _("R%(round)s · %(label)s", round=row["item_round"], label=label) if two_rounds else label


def _charts(results: WorkshopResults, metrics: pd.DataFrame) -> dict:
    two_rounds = len({row["item_round"] for row in results.items}) > 1
    return {
        "egocentric": _histogram_chart(metrics, "b_own", EGOCENTRIC_EDGES, 1),
        "mae": _histogram_chart(metrics, "mae", MAE_EDGES, 0),
        "items": {
            # Whole labels: the charts wrap them onto several lines rather than cut them.
            "labels": [_item_chart_label(row, two_rounds) for row in results.items],
            "titles": [row["prompt"] or row["label"] for row in results.items],
            "truth": [row["truth"] for row in results.items],
            "prediction": [row["mean_prediction"] for row in results.items],
            "unit": results.items[0]["unit"] if results.items else "",
        },
        "conditions": [_mean_ci(row, row["label"]) for row in results.by_condition if row["round"] == 1],
        "rounds": [_mean_ci(row, _("Round %(round)s", round=row["round"])) for row in results.overall]
        if len(results.overall) > 1 else [],
    }
