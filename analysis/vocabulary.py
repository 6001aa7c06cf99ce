"""The words for the engine's numbers: one label, unit and help text per metric, one title per group test.

The feedback page, the trainer report and the ``analyze`` command all take
their wording from here, so a metric is called the same everywhere and a new
metric cannot be added to :data:`analysis.metrics.METRIC_COLUMNS` without its
words (``tests/analysis/test_vocabulary.py`` checks).  The minimum numbers of
items are those :mod:`analysis.metrics` computes with, never retyped.
Definitions: ``docs/methods.md``, sections 2 to 4.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.group import MIN_PERSONS
from analysis.metrics import (
    MIN_ITEMS_CORRELATION,
    MIN_ITEMS_REGRESSION,
    MIN_ITEMS_RESEARCH_MODEL,
    MIN_RESEARCH_ITEMS,
)
from analysis.wording import N_, Phrase

__all__ = [
    "GROUP_TESTS",
    "METRICS",
    "MIN_ITEMS_REGRESSION",
    "MIN_PERSONS",
    "GroupTest",
    "Metric",
    "in_words",
    "metric",
]

POINTS = N_("points of 0–100")
CORRELATION = "correlation"
SHARE = "share"
COUNT = "count"
WEIGHT = N_("weight per point")
P_VALUE = "p-value"
TWO_SIDED = "two-sided"


@dataclass(frozen=True)
class Metric:
    """Words for one per-person metric."""

    name: str
    label: str
    unit: str
    help: str
    min_items: int
    """Answered items the metric needs (for the with/without-research weights: items with/without research)."""
    sided: str | None = None
    """``"two-sided"`` (or ``"one-sided"``) for a p-value or confidence bound, ``None`` for everything else."""


@dataclass(frozen=True)
class GroupTest:
    """Words for one test of :func:`analysis.group_tests`: a title in words and the method behind it."""

    name: str
    title: str
    method: str
    """The metric, the test and which p is one- or two-sided."""

    @property
    def heading(self) -> str:
        """Title and method together, as the text report prints them."""
        return f"{self.title} — {self.method}"


def _inference(weight: Metric, se: str, se_help: str, ci_low: str, ci_high: str, p: str) -> tuple[Metric, ...]:
    """Standard error, two-sided 95% CI and two-sided p of a regression weight, labelled in whole phrases."""
    return (
        Metric(f"{weight.name}_se", se, weight.unit, se_help, weight.min_items),
        Metric(f"{weight.name}_ci_low", ci_low, weight.unit, N_("Lower end of its confidence interval (95%)."),
               weight.min_items, TWO_SIDED),
        Metric(f"{weight.name}_ci_high", ci_high, weight.unit, N_("Upper end of its confidence interval (95%)."),
               weight.min_items, TWO_SIDED),
        Metric(f"{weight.name}_p", p, P_VALUE,
               N_("Two-sided test that the weight is zero; it goes with the two-sided 95% CI "
                  "(p < .05 exactly when the CI excludes 0)."), weight.min_items, TWO_SIDED),
    )


def _alike(unit: str, min_items: int, *words: tuple[str, str, str]) -> tuple[Metric, ...]:
    """Metrics that share a unit and a minimum of items, from their ``(name, label, help)``."""
    return tuple(Metric(name, label, unit, help_text, min_items) for name, label, help_text in words)


_B_OWN = Metric(
    "b_own", N_("Egocentric weight"), WEIGHT,
    N_("Points your prediction moved per point of your own answer, holding the truth constant "
       "(both on 0–100 scales)."),
    MIN_ITEMS_REGRESSION,
)
_B_RESEARCH = Metric(
    "b_research", N_("Research weight"), WEIGHT,
    Phrase(N_("How far your prediction moved with the research estimate's deviation from the recorded value: "
              "0 = ignored, 1 = followed one-for-one (needs at least %(minimum)s items with research)."),
           minimum=MIN_RESEARCH_ITEMS),
    MIN_ITEMS_RESEARCH_MODEL,
)

METRICS: dict[str, Metric] = {
    entry.name: entry
    for entry in (
        *_alike(COUNT, 0, ("n_items", N_("Items answered"), N_("Items with both your own answer and a prediction."))),
        *_alike(
            POINTS, 1,
            ("mae", N_("Mean absolute error"), N_("Average distance between your prediction and the recorded value.")),
            ("rmse", N_("Root mean squared error"), N_("Like the mean absolute error, but large misses count more.")),
            ("mean_signed_error", N_("Mean signed error"),
             N_("Positive: you predicted too high on average; negative: too low.")),
        ),
        *_alike(
            CORRELATION, MIN_ITEMS_CORRELATION,
            ("accuracy_r", N_("Accuracy r(prediction, truth)"),
             N_("Did your predictions rank the items like the real values?")),
            ("projection_r", N_("Projection r(own, prediction)"),
             N_("How closely your predictions followed your own answers.")),
            ("similarity_r", N_("Similarity r(own, truth)"),
             N_("How similar your own answers are to the recorded customers.")),
            ("tfce_r", N_("Truly false consensus r(own, error)"),
             N_("Own answers that go with errors in their direction (Krueger & Clement 1994).")),
        ),
        _B_OWN,
        *_inference(
            _B_OWN, N_("Egocentric weight, standard error"),
            N_("How precisely these items pin down the egocentric weight."),
            N_("Egocentric weight, two-sided 95% CI low"), N_("Egocentric weight, two-sided 95% CI high"),
            N_("Egocentric weight, two-sided p-value"),
        ),
        *_alike(WEIGHT, MIN_ITEMS_REGRESSION,
                ("b_truth", N_("Weight on the truth"), N_("Points your prediction moved per point of the recorded value."))),
        *_alike(
            POINTS, MIN_ITEMS_REGRESSION,
            ("intercept", N_("Intercept"), N_("Prediction when truth and own answer are at the bottom of their ranges.")),
            ("mae_without_own_pull", N_("Error without the own-taste pull"),
             N_("Your mean absolute error with the estimated own-taste pull removed; only read when the 95% CI of the "
              "egocentric weight excludes 0.")),
        ),
        *_alike(CORRELATION, MIN_ITEMS_REGRESSION, ("partial_r_own", N_("Partial r(own, prediction | truth)"),
                                                    N_("Projection after removing what the truth explains."))),
        *_alike(COUNT, 0, ("n_intervals", N_("Ranges given (80%)"),
                           N_("Answered items with both ends of a range; the hit rate is out of these."))),
        *_alike(SHARE, 1, ("interval_hit_rate", N_("Interval hit rate"),
                           N_("Share of your ranges that contained the recorded value (target 80%, the level they were asked for)."))),
        *_alike(
            POINTS, 1,
            ("interval_mean_width", N_("Mean interval width"), N_("How wide your ranges were.")),
            ("interval_score", N_("Interval score"),
             N_("Width plus penalties for misses (Gneiting & Raftery 2007); lower is better.")),
        ),
        *_alike(COUNT, 0, ("n_research", N_("Items with market research"),
                           N_("Answered items on which you were shown a market-research estimate."))),
        _B_RESEARCH,
        *_inference(
            _B_RESEARCH, N_("Research weight, standard error"),
            N_("How precisely these items pin down the research weight."),
            N_("Research weight, two-sided 95% CI low"), N_("Research weight, two-sided 95% CI high"),
            N_("Research weight, two-sided p-value"),
        ),
        *_alike(
            WEIGHT, MIN_ITEMS_REGRESSION,
            ("b_own_with_research", N_("Egocentric weight with research"),
             N_("The egocentric weight on the items where you saw market research.")),
            ("b_own_without_research", N_("Egocentric weight without research"),
             N_("The egocentric weight on the items where you saw none.")),
        ),
    )
}
"""Every per-person metric of :data:`analysis.metrics.METRIC_COLUMNS`, plus ``n_items`` and the feedback page's
``n_intervals``, in reading order."""


def _weight_tests(prefix: str, weight: Metric, conditions: str, pairs: str, empathy: str) -> tuple[GroupTest, ...]:
    """The tests of a weight across conditions and against empathy, named ``<prefix>conditions`` etc."""
    return (
        GroupTest(f"{prefix}conditions", conditions, f"{weight.name} by condition"),
        GroupTest(f"{prefix}pairs", pairs, f"{weight.name}, {TWO_SIDED} p; diff and Hedges' g = A minus B"),
        GroupTest(f"{prefix}empathy", empathy,
                  f"Pearson r; OLS {weight.name} ~ empathy + condition; {TWO_SIDED} p, {TWO_SIDED} 95% CI"),
    )


def _greater_than_zero(weight: Metric, who: str) -> str:
    """Method of a one-sided one-sample test, and which bound goes with which p."""
    return (
        f"{weight.name} > 0{who}, one-sided t and Wilcoxon: p one-sided, with its 95% lower bound ci_one_sided_low "
        f"(p < .05 iff bound > 0); p_two_sided with the {TWO_SIDED} 95% CI ci_low..ci_high"
    )


GROUP_TESTS: dict[str, GroupTest] = {
    test.name: test
    for test in (
        GroupTest("egocentrism", N_("Did own taste pull the predictions?"), _greater_than_zero(_B_OWN, "")),
        *_weight_tests("", _B_OWN, N_("Welch ANOVA of the egocentric weight across conditions"),
                       N_("Games–Howell pairwise comparisons of the egocentric weight"),
                       N_("Empathy and the egocentric weight")),
        GroupTest("rounds", N_("Before and after personal feedback"),
                  f"round 2 minus round 1 (paired t, {TWO_SIDED} p)"),
        GroupTest("research", N_("How much the market research was used"),
                  _greater_than_zero(_B_RESEARCH, " for persons who saw research")),
        GroupTest("research_with_without", N_("Own-taste pull with and without research"),
                  f"{_B_OWN.name} on items with minus without research (paired t, {TWO_SIDED} p)"),
        *_weight_tests("research_", _B_RESEARCH, N_("Welch ANOVA of the research weight across conditions"),
                       N_("Games–Howell pairwise comparisons of the research weight"),
                       N_("Empathy and the research weight")),
    )
}
"""Words for every test of :func:`analysis.group_tests`, by its key."""

_SMALL_NUMBERS = (N_("zero"), N_("one"), N_("two"), N_("three"), N_("four"), N_("five"), N_("six"), N_("seven"),
                  N_("eight"), N_("nine"), N_("ten"))


def in_words(number: int) -> str:
    """A count as prose writes it: spelled out up to ten, digits above.

    Examples
    --------
    >>> f"at least {in_words(MIN_ITEMS_REGRESSION)} answered items"
    'at least four answered items'
    >>> in_words(12)
    '12'
    """
    return _SMALL_NUMBERS[number] if 0 <= number < len(_SMALL_NUMBERS) else str(number)


def metric(name: str) -> Metric:
    """The words for one per-person metric.

    Parameters
    ----------
    name : str
        A column of :func:`analysis.person_metrics` (one of
        :data:`analysis.METRIC_COLUMNS`, or ``n_items``), or ``n_intervals``.

    Returns
    -------
    Metric
        ``label``, ``unit``, one-sentence ``help``, ``min_items`` (answered
        items it needs) and, for p-values and confidence bounds, ``sided``.

    Raises
    ------
    KeyError
        For a name that is not a metric, saying which names are.

    Examples
    --------
    >>> b_own = metric("b_own")
    >>> b_own.label, b_own.unit, b_own.min_items
    ('Egocentric weight', 'weight per point', 4)
    >>> metric("b_own_p").sided
    'two-sided'
    >>> metric("mae").unit
    'points of 0–100'
    """
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a metric; metrics: {', '.join(METRICS)}") from None
