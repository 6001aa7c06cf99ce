"""The statistics workspace: the engine's results for a selection of workshops, conditions and rounds.

Everything is computed from the same `Export` the download offers, so each
table on the page is exactly the CSV one click away, and the numbers equal the
trainer report's for a single workshop (the same `analysis` calls on the same
rows).  Nothing here knows about requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select

from analysis import ResponseDataError, plain_records
from analysis.vocabulary import GROUP_TESTS
from calibrate.domain.conditions import condition_text, with_condition_labels
from calibrate.domain.exports import BETWEEN_WORKSHOPS, Export
from calibrate.domain.long_format import long_frame
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item, Workshop
from calibrate.trainer.results import EGOCENTRIC_EDGES, comparison_reading, histogram, pooled_reading

POOLED_MAX_PEOPLE = 3000
"""The mixed model is an iterative fit; above this many people the page offers the export instead of waiting."""


@dataclass
class Workspace:
    people: int
    rounds: list[int]
    tests: dict[str, list[dict]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    pooled: list[dict] = field(default_factory=list)
    pooled_note: str = ""
    items: list[dict] = field(default_factory=list)
    charts: dict = field(default_factory=dict)

    def rows(self, test: str, by: str = "all") -> list[dict]:
        return [row for row in self.tests.get(test, []) if row["by"] == by]


def workspace(export: Export, workshops: list[Workshop]) -> Workspace:
    """Group tests (everyone, per condition, per workshop), pooled model, items and chart data for the selection."""
    metrics = export.metrics()
    if metrics.empty:
        return Workspace(people=0, rounds=[])
    tests = export.frame("group_tests")
    result = Workspace(people=int(metrics["participant_id"].nunique()), rounds=sorted(int(r) for r in metrics["round"].unique()))
    titles = {w.code: f"{w.title} ({w.code})" for w in workshops}
    for row in plain_records(tests):
        labelled = {**row, "reason": with_condition_labels(row["reason"]) if row["reason"] else ""}
        if row["condition"]:
            labelled["condition_label"] = condition_text(row["condition"]).label
        for side in ("A", "B"):
            if row[side]:
                labelled[f"label_{side}"] = titles.get(row[side], row[side]) if row["by"] == BETWEEN_WORKSHOPS else condition_text(row[side]).label
        result.tests.setdefault(row["test"], []).append(labelled)
    _add_readings(result, items=int(metrics["n_items"].median()))
    for name in GROUP_TESTS:
        rows = [row for row in result.tests.get(name, []) if row["by"] == "all"]
        if rows and all(row["n"] is None and row["reason"] for row in rows):
            result.reasons[name] = rows[0]["reason"]
    _add_pooled(result, export)
    result.items = _items(export)
    result.charts = _charts(result, metrics, workshops)
    return result


def _add_readings(result: Workspace, items: int) -> None:
    """Each pairwise comparison's reading, judged by its power as on the trainer report (docs/methods.md, section 6)."""
    for pair in result.tests.get("pairs", []):
        anova = next(
            (row for row in result.tests.get("conditions", []) if row["by"] == pair["by"] and row["round"] == pair["round"]), {}
        )
        pair.update(comparison_reading(pair, items=items, groups=int(anova.get("n_conditions") or 2)))


def _add_pooled(result: Workspace, export: Export) -> None:
    """Condition means of the egocentric weight from the mixed model (docs/methods.md, section 5)."""
    if result.people > POOLED_MAX_PEOPLE:
        result.pooled_note = (
            f"The mixed model is fitted for up to {POOLED_MAX_PEOPLE} people; this selection has {result.people}. "
            "Download the responses and run analysis.pooled_model (docs/analysts.md)."
        )
        return
    long = long_frame(participant_ids=export.people())
    if export.selection.rounds:
        long = long[long["round"].isin(export.selection.rounds)]
    try:
        result.pooled, warnings = pooled_reading(long)
    except ResponseDataError as error:
        result.pooled_note = with_condition_labels(str(error))
        return
    result.pooled_note = " ".join(warnings)


def _translations(slugs) -> dict[tuple[str, str], dict]:
    """Each item's other languages by (exercise slug, item key), so the table shows labels through `localised`."""
    rows = db.session.execute(
        select(Exercise.slug, Item.item_key, Item.translations).join(Item.exercise).where(Exercise.slug.in_(list(slugs)))
    )
    return {(slug, key): translations or {} for slug, key, translations in rows}


def _items(export: Export) -> list[dict]:
    stats = export.frame("item_stats")
    labels = export.frame("items").set_index(["exercise", "item_id"])
    translations = _translations(set(stats["exercise"])) if len(stats) else {}
    rows = []
    for row in plain_records(stats):
        item = labels.loc[(row["exercise"], row["item_id"])]
        rows.append({**row, "number": int(item["position"]), "label": item["label"], "unit": item["unit"],
                     "translations": translations.get((row["exercise"], row["item_id"]), {})})
    return sorted(rows, key=lambda row: (row["exercise"], row["round"], row["number"]))


def _mean_ci(row: dict, label: str) -> dict:
    return {"label": label, "mean": row["mean"], "low": row["ci_low"], "high": row["ci_high"], "n": row["n"]}


def _charts(result: Workspace, metrics: pd.DataFrame, workshops: list[Workshop]) -> dict:
    first = result.rounds[0]
    by_round = metrics[metrics["round"] == first]
    distribution = {"labels": [], "series": []}
    for condition, part in by_round.groupby("condition", sort=True):
        distribution["labels"], counts = histogram(part["b_own"], EGOCENTRIC_EDGES, 1)
        distribution["series"].append({"label": condition_text(condition).label, "counts": counts})
    titles = {w.code: w.title for w in workshops}
    empathy = by_round.dropna(subset=["empathy", "b_own"]) if "empathy" in by_round else by_round.iloc[0:0]
    return {
        "round": first,
        "distribution": distribution,
        "conditions": [
            _mean_ci(row, row["condition_label"]) for row in result.rows("egocentrism", "condition") if row["round"] in (first, None)
        ],
        "workshops": [
            _mean_ci(row, f"{titles.get(row['workshop'], row['workshop'])} ({row['workshop']})")
            for row in result.rows("egocentrism", "workshop") if row["round"] in (first, None)
        ],
        "empathy": [
            {"label": condition_text(condition).label,
             "points": [{"x": float(x), "y": float(y)} for x, y in zip(part["empathy"], part["b_own"])]}
            for condition, part in empathy.groupby("condition", sort=True)
        ],
        "rounds": [_mean_ci(row, f"Round {row['round']}") for row in result.rows("egocentrism")] if len(result.rounds) > 1 else [],
    }
