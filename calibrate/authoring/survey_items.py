"""From a trainer's survey table and their item choices to validated exercise items.

Each item names a question (column), the recorded statistic and, where needed, the
option counted, the segment it is restricted to, the scale of a rating or the currency
of an amount. The truth, its standard error and the research cue come from
analysis.survey (weighted and cluster-robust where the draft names weight and cluster
columns). The items are then written as items.csv rows and checked by the loader's own
validator (calibrate.domain.exercises), so an uploaded survey and an uploaded items.csv
must pass exactly the same checks (docs/exercises.md, section 5).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from analysis import survey
from calibrate.domain.exercises import (
    ITEM_COLUMNS,
    ExerciseDefinition,
    at_column,
    check_meta,
    problem,
    validate_items_text,
)

STATISTICS = {
    "share": _l("Share choosing an option"),
    "share_segment": _l("Share choosing an option, within a segment"),
    "mean": _l("Mean rating on a stated scale"),
    "median": _l("Median amount of money"),
}
"""The recorded statistics a trainer can pick, and their names on the form."""
VALUE_TYPE = {"share": "share", "share_segment": "share", "mean": "rating", "median": "money"}
ITEM_SOURCE = _l("Item list")
"""How the validator's messages name the generated items.csv."""
SHOWN_ROWS = 5


@dataclass
class ComputedItem:
    """One item's items.csv row (text, as the validator reads it) and what it rests on."""

    number: int
    row: dict[str, str]
    respondents: int = 0
    cue: bool = False
    computed: bool = False


@dataclass
class DraftResult:
    """Everything the draft page shows: the computed items and every problem, in the order found."""

    items: list[ComputedItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    parsed: list[dict] = field(default_factory=list)
    """The items as the validator read them (numbers converted), for the preview of each computed item."""
    definition: ExerciseDefinition | None = None


def _rows_text(index: pd.Index) -> str:
    rows = ", ".join(str(position + 2) for position in index[:SHOWN_ROWS])
    if len(index) > SHOWN_ROWS:
        return _("%(rows)s and %(count)s more", rows=rows, count=len(index) - SHOWN_ROWS)
    return rows


def _numbers(frame: pd.DataFrame, column: str, where: str, problems: list[str]) -> pd.Series | None:
    """The column as numbers (empty cells NaN); None after naming the rows that are not numbers."""
    text = frame[column].str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    bad = frame.index[(text != "") & ~np.isfinite(values.fillna(0.0))]
    bad = bad.union(frame.index[(text != "") & values.isna()])
    if len(bad):
        problems.append(problem(at_column(where, column),
                                _("is not a number in data rows %(rows)s", rows=_rows_text(bad)),
                                _("write plain numbers (e.g. 3 or 12.50), or leave the cell empty when not answered")))
        return None
    return values


def _design(frame: pd.DataFrame, design: dict, name: str, problems: list[str]):
    """The weight and cluster columns, checked; (weights or None, clusters or None)."""
    weights = clusters = None
    weight_column, cluster_column = design.get("weight") or "", design.get("cluster") or ""
    if weight_column:
        if weight_column not in frame.columns:
            problems.append(problem(_("%(file)s, weight column", file=name),
                                    _("'%(column)s' is not a column of the file", column=weight_column),
                                    _("choose one of its columns, or none")))
        else:
            weights = _numbers(frame, weight_column, name, problems)
            if weights is not None:
                bad = frame.index[weights.isna() | (weights < 0)]
                if len(bad):
                    problems.append(problem(at_column(name, weight_column),
                                            _("has empty or negative weights in data rows %(rows)s",
                                              rows=_rows_text(bad)),
                                            _("give every row a weight of 0 or more")))
                    weights = None
    if cluster_column:
        if cluster_column not in frame.columns:
            problems.append(problem(_("%(file)s, cluster column", file=name),
                                    _("'%(column)s' is not a column of the file", column=cluster_column),
                                    _("choose one of its columns, or none")))
        else:
            clusters = frame[cluster_column]
            bad = frame.index[clusters == ""]
            if len(bad):
                problems.append(problem(at_column(name, cluster_column),
                                        _("is empty in data rows %(rows)s", rows=_rows_text(bad)),
                                        _("give every row its respondent or cluster id")))
                clusters = None
    return weights, clusters


def _fmt(value: float, digits: int) -> str:
    return f"{round(float(value), digits):.{digits}f}".rstrip("0").rstrip(".")


def _compute(frame, spec: dict, number: int, weights, clusters, seed: str, problems: list[str]) -> ComputedItem:
    """One item: its statistic, truth, SE and cue from the rows that answered its question."""
    where = _item(number)
    statistic = spec.get("statistic", "")
    column = spec.get("column", "")
    value_type = VALUE_TYPE.get(statistic, "")
    row = {name: "" for name in ITEM_COLUMNS}
    row.update({name: (spec.get(name) or "").strip() for name in (
        "item_id", "prompt", "own_prompt", "own_min", "own_max", "unit")})
    row["label"] = (spec.get("report_label") or "").strip()
    row.update(value_type=value_type, currency=(spec.get("currency") or "").strip().upper() if statistic == "median" else "")
    result = ComputedItem(number, row)
    if statistic not in STATISTICS:
        problems.append(problem(_("Item %(number)s, statistic", number=number), _("is not chosen"),
                                _("pick one of: %(statistics)s", statistics=", ".join(map(str, STATISTICS.values())))))
        return result
    if column not in frame.columns:
        problems.append(problem(_("Item %(number)s, question", number=number), _("is not chosen") if not column
                                else _("'%(column)s' is not a column", column=column),
                                _("pick the column that holds the answers to this question")))
        return result
    answered = frame[column] != ""
    if statistic == "share_segment":
        segment_column, segment_value = spec.get("segment_column", ""), (spec.get("segment_value") or "").strip()
        if segment_column not in frame.columns or not segment_value:
            problems.append(problem(_("Item %(number)s, segment", number=number),
                                    _("needs a segment column and the value of the segment"),
                                    _("pick the column (e.g. age group) and type the value the rows of this segment "
                                      "have")))
            return result
        answered &= frame[segment_column] == segment_value
        row["segment"] = row["segment"] or f"{segment_column} = {segment_value}"
    if weights is not None:
        answered &= weights.notna()
    if not answered.any():
        problems.append(problem(_("Item %(number)s, question '%(column)s'", number=number, column=column),
                                _("has no answered rows in this segment") if statistic == "share_segment"
                                else _("has no answered rows"),
                                _("check the column, the option and the segment value")))
        return result
    rows = frame.index[answered]
    w = None if weights is None else weights[rows].to_numpy()
    g = None if clusters is None else clusters[rows].to_numpy()
    if statistic in ("share", "share_segment"):
        option = (spec.get("option") or "").strip()
        present = sorted(frame.loc[rows, column].unique())
        if option not in present:
            shown = ", ".join(f"'{value}'" for value in present[:10]) + (" ..." if len(present) > 10 else "")
            problems.append(problem(_("Item %(number)s, option", number=number),
                                    _("'%(option)s' is not an answer in column '%(column)s'", option=option,
                                      column=column) if option else _("is empty"),
                                    _("type one of the answers: %(answers)s", answers=shown)))
            return result
        values = (frame.loc[rows, column] == option).to_numpy()
        estimate = survey.weighted_share(values, w, g)
        row.update(min="0", max="100")
        cue_statistic = "share"
    else:
        numbers = _numbers(frame.loc[rows], column, where, problems)
        if numbers is None:
            return result
        values = numbers.to_numpy()
        estimate = (survey.weighted_mean if statistic == "mean" else survey.weighted_median)(values, w, g)
        row.update(min=(spec.get("low") or "").strip(), max=(spec.get("high") or "").strip())
        if not row["min"] or not row["max"]:
            problems.append(problem(_("Item %(number)s, scale", number=number),
                                    _("needs its lowest and highest value"),
                                    _("give the rating scale (e.g. 1 to 5) or the range of amounts participants "
                                      "may predict (e.g. 0 to 200)")))
        cue_statistic = statistic
    result.respondents, result.computed = estimate.clusters, True
    row.update(truth=_fmt(estimate.estimate, 2), se=_fmt(estimate.se if np.isfinite(estimate.se) else 0.0, 2),
               n=str(estimate.clusters))
    cue = survey.pilot_cue(values, cue_statistic, f"{seed}:{row['item_id']}", w, g)
    if cue is not None:
        low, high = cue.low, cue.high
        try:
            low, high = max(low, float(row["min"])), min(high, float(row["max"]))
        except ValueError:
            pass  # the missing or bad scale is reported above and by the validator
        row.update(research_estimate=_fmt(cue.estimate, 1), research_low=_fmt(low, 1), research_high=_fmt(high, 1),
                   research_sample=f"{cue.pilot} of the {cue.clusters} respondents")
        result.cue = True
    return result


def _item(number: int) -> str:
    return _("Item %(number)s", number=number)


def _item_of_row(line: int) -> str:
    """The validator counts rows as a spreadsheet does (item 1 is row 2); the form numbers items."""
    return _item(line - 1)


def _items_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ITEM_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def meta_from_settings(settings: dict) -> dict:
    """The exercise.toml keys from the draft's description fields."""
    given = settings.get("meta") or {}
    meta = {key: str(value or "").strip() for key, value in given.items() if key not in ("minutes", "public")}
    meta["public"] = bool(given.get("public"))
    minutes = given.get("minutes")
    if minutes not in (None, ""):
        meta["minutes"] = int(minutes) if str(minutes).isdigit() else minutes
    if not meta.get("decision_kind"):
        meta.pop("decision_kind", None)
    return meta


def new_slug(title: str) -> str:
    """An address for an uploaded exercise: its title in plain letters plus a random tail, so it never collides."""
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "exercise"
    return f"{stem}-{secrets.token_hex(3)}"


def compute_draft(frame: pd.DataFrame, settings: dict, filename: str, seed: str) -> DraftResult:
    """Compute every item, then validate items and description together; a definition only when all is valid."""
    result = DraftResult()
    weights, clusters = _design(frame, settings.get("design") or {}, filename, result.problems)
    specs = [spec for spec in settings.get("items") or [] if any((spec.get(key) or "").strip() for key in
                                                                 ("item_id", "column", "prompt"))]
    if not specs:
        result.problems.append(problem(_("Items"), _("none are defined"),
                                       _("fill in at least the first rows of the item table")))
    for number, spec in enumerate(specs, start=1):
        result.items.append(_compute(frame, spec, number, weights, clusters, seed, result.problems))
    meta = meta_from_settings(settings)
    result.problems.extend(check_meta(meta, _("Description")))
    text = _items_csv([item.row for item in result.items])
    items, item_problems = validate_items_text(str(ITEM_SOURCE), text, row_name=_item_of_row)
    result.parsed = items
    # An item that could not be computed has its reason listed already; its empty truth, SE and range
    # would only repeat it, so the validator's row messages for it are left out (exercise-level ones stay).
    failed = {item.number + 1 for item in result.items if not item.computed}
    result.problems.extend(line for line in item_problems if getattr(line, "row", None) not in failed)
    if not result.problems:
        digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode() + text.encode()).hexdigest()
        result.definition = ExerciseDefinition(slug=new_slug(meta["title"]), meta=meta, items=items,
                                               content_hash=digest)
    return result
