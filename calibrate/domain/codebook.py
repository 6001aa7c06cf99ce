"""The data dictionary of every exported table: each column's type, unit, allowed values and how it was computed.

One owner for column names, order and types: the export files (CSV, JSON,
Parquet), the zip, `calibrate export` and the JSON API all take their columns
from `TABLES`, and the codebook files (Markdown and JSON) are rendered from the
same objects, so a file cannot carry a column the codebook does not explain
(tests/domain/test_codebook.py checks every file).  Metric words come from
`analysis.vocabulary`; definitions are in docs/methods.md.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from analysis.group import (
    CONDITION_COLUMNS,
    EGOCENTRISM_COLUMNS,
    EMPATHY_COLUMNS,
    PAIR_COLUMNS,
    RESEARCH_PAIRED_COLUMNS,
    ROUND_COLUMNS,
    ROUND_METRICS,
)
from analysis.metrics import METRIC_COLUMNS
from analysis.units import VALUE_TYPES
from analysis.vocabulary import GROUP_TESTS, METRICS
from calibrate.domain.conditions import CONDITIONS

STRING, INTEGER, NUMBER, BOOLEAN, DATETIME = "string", "integer", "number", "boolean", "datetime"
ROUND_VALUES = ("1", "2")
CONDITION_VALUES = tuple(CONDITIONS)
POINTS_RAW = "the item's unit (items.unit)"
TIMESTAMP = "UTC, ISO 8601"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    unit: str = ""
    allowed: tuple[str, ...] = ()
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


def _c(name, type_, description, unit="", allowed=(), nullable=True) -> Column:
    return Column(name, type_, description, unit, tuple(allowed), nullable)


_PARTICIPANT = _c("participant_id", STRING, "The participant's number in this database (no name, no token).", nullable=False)
_WORKSHOP = _c("workshop", STRING, "Join code of the workshop; empty for a self-serve participant.")
_CONDITION = _c("condition", STRING, "Experimental condition the person was assigned to (docs/methods.md, section 0).",
                allowed=CONDITION_VALUES)
_ROUND = _c("round", INTEGER, "Round: 1, or 2 after personal feedback.", allowed=ROUND_VALUES, nullable=False)
_EXERCISE_VERSION = _c("exercise_version", INTEGER, "Version of the exercise answered; its items and truths never change "
                       "(items.exercise_version).", nullable=False)
_EMPATHY = _c("empathy", NUMBER, "Mean of the self-report empathy questionnaire; empty when it was not asked.",
              unit="scale points 1–5")

RESPONSES = Table(
    "responses",
    "Responses, long format",
    "One row per participant × item × round: the input of `calibrate analyze` and of analysis.person_metrics.",
    (
        _PARTICIPANT,
        _WORKSHOP,
        _CONDITION,
        _ROUND,
        _c("item_id", STRING, "The item's key within its exercise (items.item_id).", nullable=False),
        _c("own", NUMBER, "The person's own answer as a consumer; empty when the item's own answer is optional and was skipped.",
           unit="the item's own scale (own_min..own_max)"),
        _c("prediction", NUMBER, "The person's prediction of the recorded value.", unit=POINTS_RAW, nullable=False),
        _c("lower", NUMBER, "Low end of the person's 80% range; empty when no range was asked or given.", unit=POINTS_RAW),
        _c("upper", NUMBER, "High end of the person's 80% range; empty when no range was asked or given.", unit=POINTS_RAW),
        _c("research", NUMBER, "The market-research estimate shown with this item; empty when none was shown.", unit=POINTS_RAW),
        _c("truth", NUMBER, "The recorded value the person predicted (items.truth).", unit=POINTS_RAW, nullable=False),
        _c("item_min", NUMBER, "Bottom of the prediction scale; used to rescale to 0–100.", unit=POINTS_RAW, nullable=False),
        _c("item_max", NUMBER, "Top of the prediction scale; used to rescale to 0–100.", unit=POINTS_RAW, nullable=False),
        _c("own_min", NUMBER, "Bottom of the own-answer scale.", nullable=False),
        _c("own_max", NUMBER, "Top of the own-answer scale.", nullable=False),
        _EMPATHY,
        _c("answered_at", DATETIME, "When the answer was saved (a changed answer keeps its latest time).", unit=TIMESTAMP),
        _c("exercise", STRING, "Slug of the exercise answered (items.exercise).", nullable=False),
        _EXERCISE_VERSION,
        _c("value_type", STRING, "What prediction and truth are: percent, share, rating or money (docs/exercises.md).",
           allowed=tuple(VALUE_TYPES), nullable=False),
        _c("unit", STRING, "Unit of prediction and truth as shown to the person (items.unit).", nullable=False),
        _c("currency", STRING, "ISO 4217 code for money items; empty otherwise."),
    ),
)

PARTICIPANTS = Table(
    "participants",
    "Participants",
    "One row per participant: condition, empathy and timestamps. Only the optional pseudonym identifies a person; "
    "no token, contact detail or free text is exported.",
    (
        _PARTICIPANT,
        _c("exercise", STRING, "Slug of the exercise taken (items.exercise).", nullable=False),
        _EXERCISE_VERSION,
        _WORKSHOP,
        _c("pseudonym", STRING, "The optional name the person typed when joining; empty when none."),
        _CONDITION,
        _EMPATHY,
        _c("consented_at", DATETIME, "When the person consented and started.", unit=TIMESTAMP, nullable=False),
        _c("instructions_seen_at", DATETIME, "When the person read the condition's instructions.", unit=TIMESTAMP),
        _c("finished_round1_at", DATETIME, "When round 1 was finished; empty if not (yet).", unit=TIMESTAMP),
        _c("round2_started_at", DATETIME, "When round 2 was started; empty if not.", unit=TIMESTAMP),
        _c("finished_round2_at", DATETIME, "When round 2 was finished; empty if not.", unit=TIMESTAMP),
        _c("last_seen_at", DATETIME, "The person's last activity other than answering (joining, instructions, coming "
           "back, the questionnaire, finishing a round); each answer has its own time (responses.answered_at), and "
           "retention (`calibrate purge`) counts from the later of the two.",
           unit=TIMESTAMP, nullable=False),
    ),
)

ITEMS = Table(
    "items",
    "Items with provenance",
    "One row per item of every exercise in the export, with where its recorded value comes from "
    "(docs/exercises.md) and the exercise version it was answered in.",
    (
        _c("exercise", STRING, "Slug of the exercise.", nullable=False),
        _c("exercise_version", INTEGER, "Version of the exercise the item belongs to; a changed exercise with answers "
           "becomes its next version, so an item's truth never changes (docs/exercises.md).", nullable=False),
        _c("item_id", STRING, "The item's key within its exercise.", nullable=False),
        _c("position", INTEGER, "Order in the exercise, from 1.", nullable=False),
        _c("label", STRING, "Short name of the item.", nullable=False),
        _c("prompt", STRING, "The prediction question as shown.", nullable=False),
        _c("own_prompt", STRING, "The own-answer question as shown.", nullable=False),
        _c("own_min", NUMBER, "Bottom of the own-answer scale.", nullable=False),
        _c("own_max", NUMBER, "Top of the own-answer scale.", nullable=False),
        _c("own_step", NUMBER, "Step of the own-answer scale; empty for a free number."),
        _c("own_choices", STRING, "Labelled own-answer choices as value=label joined by |; empty for a scale."),
        _c("own_optional", BOOLEAN, "Whether the own answer could be skipped.", nullable=False),
        _c("unit", STRING, "Unit of prediction and truth.", nullable=False),
        _c("min", NUMBER, "Bottom of the prediction scale.", unit=POINTS_RAW, nullable=False),
        _c("max", NUMBER, "Top of the prediction scale.", unit=POINTS_RAW, nullable=False),
        _c("truth", NUMBER, "The recorded value for the population.", unit=POINTS_RAW, nullable=False),
        _c("n", INTEGER, "Observations the recorded value rests on.", nullable=False),
        _c("se", NUMBER, "Standard error of the recorded value.", unit=POINTS_RAW, nullable=False),
        _c("segment", STRING, "The customer segment the value describes; empty for the whole population."),
        _c("research_estimate", NUMBER, "Market-research cue: a pilot subsample's estimate of truth.", unit=POINTS_RAW),
        _c("research_low", NUMBER, "Low end of the cue's 95% CI.", unit=POINTS_RAW),
        _c("research_high", NUMBER, "High end of the cue's 95% CI.", unit=POINTS_RAW),
        _c("research_sample", STRING, "Who the pilot subsample was."),
        _c("population", STRING, "Population the recorded values describe."),
        _c("source", STRING, "Data source."),
        _c("citation", STRING, "Citation of the source."),
        _c("license", STRING, "Licence of the data."),
        _c("period", STRING, "When the data were collected."),
        _c("sample_size", STRING, "Sample size of the source, as stated by it."),
        _c("decision_kind", STRING, "Kind of marketing decision (Hattula et al. 2015)."),
    ),
)


def _metric_column(name: str) -> Column:
    words = METRICS[name]
    sided = f" ({words.sided})" if words.sided else ""
    computed = f"{words.help} Needs at least {words.min_items} answered items." if words.min_items else words.help
    return _c(name, INTEGER if words.unit == "count" else NUMBER, f"{words.label}{sided}. {computed} (docs/methods.md)",
              unit=words.unit)


METRICS_TABLE = Table(
    "metrics",
    "Per-person metrics",
    "One row per participant and round, computed by analysis.person_metrics from the responses file on 0–100 "
    "rescaled answers; the same numbers as the feedback page and the trainer report.",
    (
        _PARTICIPANT,
        _ROUND,
        _CONDITION,
        _WORKSHOP,
        _EMPATHY,
        _metric_column("n_items"),
        _metric_column("n_intervals"),
        *(_metric_column(name) for name in METRIC_COLUMNS),
        _c("note", STRING, "Why some metrics are empty, one clause per reason; empty when all are defined."),
    ),
)


def _union(*groups: tuple[str, ...]) -> list[str]:
    seen: list[str] = []
    for group in groups:
        seen += [name for name in group if name not in seen and name != "reason"]
    return seen


_GROUP_WORDS = {
    "n": (INTEGER, "Persons in the test (with a defined value)."),
    "mean": (NUMBER, "Mean of the tested weight (b_own, or b_research for research)."),
    "sd": (NUMBER, "Standard deviation of the tested weight."),
    "t": (NUMBER, "t statistic."),
    "df": (NUMBER, "Degrees of freedom of t (Welch-adjusted for pairs)."),
    "p": (NUMBER, "p-value: one-sided for egocentrism and research (weight > 0), two-sided for every other test."),
    "ci_one_sided_low": (NUMBER, "One-sided 95% lower confidence bound that goes with the one-sided p."),
    "p_two_sided": (NUMBER, "Two-sided p of the one-sample test; goes with ci_low..ci_high."),
    "ci_low": (NUMBER, "Two-sided 95% confidence interval, low end (of the mean, or of coef for empathy)."),
    "ci_high": (NUMBER, "Two-sided 95% confidence interval, high end."),
    "cohen_d": (NUMBER, "Cohen's d: mean (or mean difference) divided by its standard deviation."),
    "wilcoxon_w": (NUMBER, "Wilcoxon signed-rank W (sum of positive ranks)."),
    "wilcoxon_p": (NUMBER, "One-sided p of the Wilcoxon test."),
    "n_conditions": (INTEGER, "Conditions (or workshops) compared by the Welch ANOVA."),
    "F": (NUMBER, "Welch's F."),
    "df1": (NUMBER, "Numerator degrees of freedom of F."),
    "df2": (NUMBER, "Denominator degrees of freedom of F (Welch)."),
    "np2": (NUMBER, "Partial eta squared."),
    "A": (STRING, "First condition of a Games–Howell pair (a workshop code when by = between_workshops)."),
    "B": (STRING, "Second condition of a Games–Howell pair (a workshop code when by = between_workshops)."),
    "n_A": (INTEGER, "Persons in condition A."),
    "n_B": (INTEGER, "Persons in condition B."),
    "mean_A": (NUMBER, "Mean weight in condition A."),
    "mean_B": (NUMBER, "Mean weight in condition B."),
    "diff": (NUMBER, "mean_A minus mean_B."),
    "se": (NUMBER, "Standard error (of diff for pairs, of coef for empathy)."),
    "hedges_g": (NUMBER, "Hedges' g of A minus B."),
    "r": (NUMBER, "Pearson r of the weight and the empathy score."),
    "r_p": (NUMBER, "Two-sided p of r."),
    "term": (STRING, "Term of the OLS regression weight ~ empathy + condition."),
    "coef": (NUMBER, "OLS coefficient of term."),
    "metric": (STRING, "Metric compared between rounds.", ROUND_METRICS),
    "mean_round1": (NUMBER, "Mean in round 1 of the persons with both rounds."),
    "mean_round2": (NUMBER, "Mean in round 2 of the same persons."),
    "mean_diff": (NUMBER, "Paired mean difference (round 2 minus round 1; with minus without research)."),
    "mean_with": (NUMBER, "Mean b_own on items shown with research."),
    "mean_without": (NUMBER, "Mean b_own on items shown without research."),
}

GROUP_TEST_STATS = _union(
    EGOCENTRISM_COLUMNS, CONDITION_COLUMNS, PAIR_COLUMNS, EMPATHY_COLUMNS, ROUND_COLUMNS, RESEARCH_PAIRED_COLUMNS
)


def _group_column(name: str) -> Column:
    type_, description, *allowed = _GROUP_WORDS[name]
    return _c(name, type_, description, allowed=allowed[0] if allowed else ())


GROUP_TESTS_TABLE = Table(
    "group_tests",
    "Group tests",
    "Every test of analysis.group_tests on the per-person metrics, one row per test and stratum; a column a test "
    "does not have is empty. Tests and their methods: docs/methods.md, section 4.",
    (
        _c("test", STRING, "Which test: " + "; ".join(f"{key} = {test.title} ({test.method})" for key, test in GROUP_TESTS.items()),
           allowed=tuple(GROUP_TESTS), nullable=False),
        _c("by", STRING, "all = everyone in the selection; condition or workshop = one row per condition or workshop; "
           "between_workshops = the workshops compared with each other (Welch ANOVA and Games–Howell pairs of b_own, "
           "workshop in place of condition).",
           allowed=("all", "condition", "workshop", "between_workshops"), nullable=False),
        _WORKSHOP,
        _CONDITION,
        _c("round", INTEGER, "Round the test is about; empty for the before/after comparison.", allowed=ROUND_VALUES),
        *(_group_column(name) for name in GROUP_TEST_STATS),
        _c("reason", STRING, "Why the test could not run; empty when it ran."),
    ),
)

ITEM_STATS = Table(
    "item_stats",
    "Item statistics",
    "One row per item and round across the selected persons, in the item's raw unit (analysis.item_stats).",
    (
        _c("exercise", STRING, "Slug of the exercise.", nullable=False),
        _EXERCISE_VERSION,
        _c("item_id", STRING, "The item's key.", nullable=False),
        _ROUND,
        _c("n", INTEGER, "Answers with a prediction and a truth.", nullable=False),
        _c("mean_prediction", NUMBER, "Mean prediction.", unit=POINTS_RAW),
        _c("median_prediction", NUMBER, "Median prediction.", unit=POINTS_RAW),
        _c("truth", NUMBER, "The recorded value.", unit=POINTS_RAW),
        _c("mean_error", NUMBER, "Mean of prediction − truth.", unit=POINTS_RAW),
        _c("share_over", NUMBER, "Share of predictions above the truth.", unit="share"),
        _c("share_under", NUMBER, "Share of predictions below the truth.", unit="share"),
        _c("false_consensus_n", INTEGER, "Persons with both an own answer and a prediction."),
        _c("false_consensus_r", NUMBER, "False consensus: Pearson r(own, prediction) across persons (Ross et al. 1977); "
           "needs at least 3 persons.", unit="correlation"),
        _c("reason", STRING, "Why false_consensus_r is empty; empty when defined."),
    ),
)

TABLES: dict[str, Table] = {
    table.name: table for table in (RESPONSES, PARTICIPANTS, ITEMS, METRICS_TABLE, GROUP_TESTS_TABLE, ITEM_STATS)
}


def codebook_json() -> str:
    """The codebook as JSON: {"tables": [{"name", "title", "description", "columns": [...]}]}."""
    tables = [{**asdict(table), "columns": [asdict(column) for column in table.columns]} for table in TABLES.values()]
    return json.dumps({"tables": tables, "methods": "docs/methods.md"}, ensure_ascii=False, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_markdown() -> str:
    """The codebook as Markdown: one section per file with a table of its columns."""
    lines = [
        "# Calibrate export codebook",
        "",
        "Every file of an export, column by column. Files are UTF-8; empty cells (CSV) and null (JSON, Parquet) mean "
        "undefined or not asked. In CSV, a text cell that starts with =, +, -, @, tab or carriage return has a "
        "leading apostrophe so that spreadsheets do not run it as a formula. Definitions: docs/methods.md.",
    ]
    for table in TABLES.values():
        lines += ["", f"## {table.name} — {table.title}", "", table.description, "",
                  "| column | type | unit | allowed values | description |", "|---|---|---|---|---|"]
        lines += [
            f"| `{column.name}` | {column.type}{'' if column.nullable else ', required'} | {_cell(column.unit)} | "
            f"{_cell(', '.join(column.allowed))} | {_cell(column.description)} |"
            for column in table.columns
        ]
    return "\n".join(lines) + "\n"
