"""Statistical power of comparing conditions on the egocentric weight ``b_own``.

How likely is a workshop to *detect* a real difference ``delta`` in the mean
egocentric weight between two conditions, with ``n_a`` and ``n_b`` people
and ``k`` answered items per person and round, by a two-sided Welch t test
at alpha = 0.05?  The answer decides whether "no significant difference"
in the report means "no effect" or merely "too few people to tell"
(docs/methods.md, section 6).

Model
-----
Person ``i`` in condition ``c`` has a true pull ``beta_i ~ N(mu_c, tau^2)``
and answers ``k`` items with ``y = a_i + b_t t + beta_i o + u``,
``u ~ N(0, sigma^2)``, on answers rescaled to 0-100 (the OLS of
:func:`analysis.person_metrics`).  The person's estimate is
``b_own_i = beta_i + e_i`` with, conditionally on the answers,
``Var(e_i) = sigma^2 / S``, where ``S = sum (o - o_hat(t))^2`` is the spread
of the own answers left after regressing them on the truth (with intercept).
If the own answers scatter around their regression on the truth with SD
``s`` (``s`` = :data:`OWN_SD_GIVEN_TRUTH`), ``S ~ s^2 chi^2_{k-2}``, so
``E[S] = (k - 2) s^2`` and ``E[1/S] = 1 / ((k - 4) s^2)`` (the mean of an
inverse chi-square; the scalar case of the inverse-Wishart mean used for OLS
with random regressors).  Averaged over people::

    V(k) = Var(b_own_i) = tau^2 + sigma^2 / ((k - 4) s^2)        (k >= 5)

With equal variances ``V`` in both conditions the Welch statistic is
approximately noncentral t with noncentrality
``delta / sqrt(V / n_a + V / n_b)`` and the Welch-Satterthwaite degrees of
freedom ``(1/n_a + 1/n_b)^2 / (1/(n_a^2 (n_a - 1)) + 1/(n_b^2 (n_b - 1)))``;
the power is ``P(|T| > t_{1 - alpha/2, df})`` under that noncentral t.
With three or more conditions the report compares pairs by Games-Howell,
whose critical value is ``q_{1 - alpha}(groups, df) / sqrt(2)`` (studentized
range); pass ``groups`` to get the power of such a pair.

The estimation error is a scale mixture (heavy-tailed for small ``k``), so
the noncentral t is an approximation; ``tests/analysis/test_power.py``
checks it against simulated workshops run through the real engine.  With 4
or fewer items per round ``E[1/S]`` is infinite: a few people whose own
answers barely vary beyond the truth get wild weights, and the mean
comparison has no usable power; :func:`welch_power` returns 0 there
(simulated rejection rates are 6-11%, barely above the 5% false alarms).

Assumptions
-----------
The defaults below are assumptions, not estimates from any particular
workshop; they are values typical of the simulations used for Calibrate's
own tests and of answers on a 0-100 scale.  Change them by keyword when
better values are known (e.g. from a pilot's ``pooled_model`` fit, whose
``diagnostics`` table reports ``sd_b_own`` and ``sd_residual``).

The computations behind the public functions are cached
(:func:`functools.lru_cache`): the workshop form asks for the same few
combinations again and again, and :func:`people_needed` bisects over them.

References
----------
Welch, B. L. (1947). The generalization of "Student's" problem when several
different population variances are involved. *Biometrika*, 34, 28-35.

Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison
procedures with unequal n's and/or variances. *Journal of Educational
Statistics*, 1(2), 113-125.

Hattula, J. D., Herzog, W., Dahl, D. W., & Reinecke, S. (2015). Managerial
empathy facilitates egocentric predictions of consumer preferences. *Journal
of Marketing Research*, 52(2), 235-252.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from scipy import stats

__all__ = [
    "ALPHA",
    "DELTA",
    "MAX_PEOPLE",
    "MIN_ITEMS",
    "OWN_SD_GIVEN_TRUTH",
    "PULL_SD",
    "RESIDUAL_SD",
    "TARGET_POWER",
    "ComparisonPower",
    "Recommendation",
    "about",
    "b_own_sd",
    "comparison_power",
    "critical_value",
    "items_needed",
    "people_needed",
    "percent",
    "recommend",
    "welch_power",
]

DELTA = 0.10
"""The difference in mean egocentric weight worth detecting (a choice, not an
estimate): 0.10 more weight means 10 more points of every 100-point
difference in own taste end up in the prediction, a change a trainer would
want to see, e.g. perspective taking against control."""

ALPHA = 0.05
"""Two-sided significance level of the Welch test, as in the report."""

TARGET_POWER = 0.80
"""Conventional power a comparison should reach before a non-significant
result is read as evidence of "no (large) difference"."""

PULL_SD = 0.15
"""tau: between-person SD of the *true* egocentric weight (assumption).
People differ in how much their own taste pulls them; our simulations use
0.10-0.15.  The larger value is the cautious choice: it makes the panel
recommend more people, never fewer."""

RESIDUAL_SD = 15.0
"""sigma: residual SD of predictions around ``a + b_t t + b_own o``, in
points of the 0-100 range (assumption).  Predictions of a recorded share are
typically off by 10-20 points beyond what truth and own taste explain."""

OWN_SD_GIVEN_TRUTH = 25.0
"""s_{o|t}: SD of a person's own answers (rescaled to 0-100) around their
regression on the truth (assumption).  Own answers spread with SD ~25-28
points over an exercise; they correlate only weakly with the recorded values
(r ~0.2-0.4, Hoch 1987), which removes little of that spread: 26-27 x
sqrt(1 - 0.3^2) ~ 25."""

MIN_ITEMS = 5
"""Fewest items per round for which the model gives a finite error variance."""

MAX_PEOPLE = 100_000
"""Search limit of :func:`people_needed` (per condition)."""


def b_own_sd(
    items: int,
    *,
    tau: float = PULL_SD,
    sigma: float = RESIDUAL_SD,
    own_sd: float = OWN_SD_GIVEN_TRUTH,
) -> float:
    """SD of one person's estimated egocentric weight with ``items`` items.

    ``sqrt(tau^2 + sigma^2 / ((items - 4) own_sd^2))``: the spread of true
    weights plus the OLS estimation error averaged over answer patterns.
    Infinite below :data:`MIN_ITEMS` items.

    Examples
    --------
    >>> round(b_own_sd(12), 3)
    0.26
    >>> b_own_sd(4)
    inf
    """
    return _b_own_sd(int(items), float(tau), float(sigma), float(own_sd))


@lru_cache(maxsize=1024)
def _b_own_sd(items: int, tau: float, sigma: float, own_sd: float) -> float:
    if items < MIN_ITEMS:
        return math.inf
    return math.sqrt(tau**2 + sigma**2 / ((items - 4) * own_sd**2))


def welch_power(
    n_a: float,
    n_b: float,
    items: int,
    delta: float = DELTA,
    *,
    alpha: float = ALPHA,
    groups: int = 2,
    tau: float = PULL_SD,
    sigma: float = RESIDUAL_SD,
    own_sd: float = OWN_SD_GIVEN_TRUTH,
    sd: float | None = None,
) -> float:
    """Chance that a two-sided Welch t test detects a difference ``delta`` in mean ``b_own``.

    Parameters
    ----------
    n_a, n_b : float
        People with a usable weight in each of the two conditions.
    items : int
        Answered items per person and round (the ``k`` of the per-person OLS).
    delta : float
        True difference in mean egocentric weight (default 0.10).
    alpha : float
        Two-sided significance level (default 0.05).
    groups : int
        Conditions in the workshop.  With 2 (the default) the test is
        Welch's t test; with more, the report compares pairs by Games-Howell,
        which adjusts for the number of pairs: the critical value becomes
        ``q_{1-alpha}(groups, df) / sqrt(2)`` (studentized range) instead of
        ``t_{1-alpha/2, df}``, and the power of each pair is lower.
    tau, sigma, own_sd : float
        The model's assumptions (see the module docstring): between-person
        SD of the true weight, residual SD of predictions and SD of own
        answers given the truth, the last two in points of 0-100.
    sd : float, optional
        The SD of the estimated weights across people, when it is known:
        after a workshop, the pooled SD the comparison actually had.  It
        replaces the assumptions (and ``items``) -- still for the planned
        ``delta``, never for the observed difference.

    Returns
    -------
    float
        Power in [0, 1]; 0 when a group has fewer than 2 people or there
        are fewer than :data:`MIN_ITEMS` items (no usable comparison).

    Examples
    --------
    >>> round(welch_power(30, 30, 12), 2)
    0.31
    >>> round(welch_power(60, 60, 12), 2)
    0.55
    >>> round(welch_power(30, 30, 12, groups=4), 2)
    0.13
    >>> welch_power(30, 30, 4)
    0.0
    >>> round(welch_power(22, 22, 6, sd=0.11), 2)  # a workshop whose weights spread less than assumed
    0.84
    """
    spread = _b_own_sd(int(items), float(tau), float(sigma), float(own_sd)) if sd is None else float(sd)
    return _power(float(n_a), float(n_b), spread, float(delta), float(alpha), int(groups))


@lru_cache(maxsize=65536)
def _power(n_a, n_b, sd, delta, alpha, groups) -> float:
    if n_a < 2 or n_b < 2 or not math.isfinite(sd) or sd <= 0:
        return 0.0
    variance = sd**2
    se = math.sqrt(variance / n_a + variance / n_b)
    df = (1 / n_a + 1 / n_b) ** 2 / (1 / (n_a**2 * (n_a - 1)) + 1 / (n_b**2 * (n_b - 1)))
    critical = critical_value(df, groups, alpha)
    ncp = abs(delta) / se
    # The far tail cdf(-critical) is negligible next to sf(critical), and SciPy's noncentral t can return NaN
    # for it at large noncentrality; a missing tail counts as zero, never as an unknown power.
    far = stats.nct.cdf(-critical, df, ncp)
    return float(min(1.0, stats.nct.sf(critical, df, ncp) + (far if math.isfinite(far) else 0.0)))


_Q_DF = (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 40, 60, 120, math.inf)
_Q_95 = {
    3: (8.3308, 5.9096, 5.0402, 4.6017, 4.3392, 4.041, 3.8768, 3.7729, 3.6734, 3.5779, 3.4864, 3.4421, 3.3987, 3.3561, 3.3145),
    4: (9.798, 6.8245, 5.7571, 5.2183, 4.8956, 4.5288, 4.3266, 4.1987, 4.076, 3.9583, 3.8454, 3.7907, 3.7371, 3.6846, 3.6332),
    5: (10.8811, 7.5017, 6.287, 5.6731, 5.3049, 4.8858, 4.6543, 4.5077, 4.367, 4.2319, 4.1021, 4.0391, 3.9774, 3.9169, 3.8577),
    6: (11.7343, 8.0371, 6.7064, 6.0329, 5.6284, 5.1672, 4.912, 4.7502, 4.5947, 4.4452, 4.3015, 4.2316, 4.1632, 4.096, 4.0301),
}
"""95% points of the studentized range q(groups, df) at the degrees of freedom
``_Q_DF``, from ``scipy.stats.studentized_range.ppf`` (which takes about 0.25 s
per value, too slow for a form that updates as one types).  Between table
points q is interpolated linearly in 1/df, the classical rule for Tukey tables;
the tests check it against SciPy."""


def critical_value(df: float, groups: int = 2, alpha: float = ALPHA) -> float:
    """Critical |t| of one pair: Welch's ``t_{1-alpha/2, df}``, or Games-Howell's ``q_{1-alpha}(groups, df)/sqrt(2)``.

    Examples
    --------
    >>> round(critical_value(58), 3), round(critical_value(58, groups=3), 3), round(critical_value(58, groups=4), 3)
    (2.002, 2.405, 2.645)
    """
    if groups <= 2:
        return float(stats.t.ppf(1 - alpha / 2, df))
    if alpha == ALPHA and groups in _Q_95 and df >= _Q_DF[0]:
        inverse = [1 / value for value in _Q_DF]  # decreasing, ending at 0 for df = inf
        x = 1 / df
        for i in range(len(_Q_DF) - 1):
            if inverse[i + 1] <= x <= inverse[i]:
                share = (inverse[i] - x) / (inverse[i] - inverse[i + 1])
                q = _Q_95[groups][i] + share * (_Q_95[groups][i + 1] - _Q_95[groups][i])
                return q / math.sqrt(2)
    return _studentized_range_critical(float(df), int(groups), float(alpha))


@lru_cache(maxsize=256)
def _studentized_range_critical(df: float, groups: int, alpha: float) -> float:
    return float(stats.studentized_range.ppf(1 - alpha, groups, df)) / math.sqrt(2)


def people_needed(
    items: int,
    delta: float = DELTA,
    *,
    ratio: float = 1.0,
    target: float = TARGET_POWER,
    **assumptions: float,
) -> int | None:
    """Smallest number of people in condition A for ``target`` power; B gets ``ratio`` times as many.

    With ``ratio=1`` (the default) this is the number of people *per
    condition*.  With unequal allocation weights pass
    ``ratio = weight_B / weight_A``; B's count is ``ratio * n`` (not rounded,
    an expectation).  ``assumptions`` (``tau``, ``sigma``, ``own_sd``,
    ``alpha``, ``groups``) are passed to :func:`welch_power`.

    Returns ``None`` when no number of people up to :data:`MAX_PEOPLE`
    reaches the target (in particular with fewer than :data:`MIN_ITEMS` items).

    Examples
    --------
    >>> people_needed(12)
    107
    >>> people_needed(20)
    72
    >>> people_needed(4) is None
    True
    """
    return _people_needed(int(items), float(delta), float(ratio), float(target), tuple(sorted(assumptions.items())))


@lru_cache(maxsize=4096)
def _people_needed(items, delta, ratio, target, assumptions) -> int | None:
    options = dict(assumptions)

    def enough(n: int) -> bool:
        return welch_power(n, ratio * n, items, delta, **options) >= target

    low, high = 2, 2
    while not enough(high):
        if high >= MAX_PEOPLE:
            return None
        low, high = high, min(2 * high, MAX_PEOPLE)
    while low < high:  # power grows with n: bisect for the first n that is enough
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle + 1
    return high


def items_needed(
    n_a: float,
    n_b: float,
    delta: float = DELTA,
    *,
    max_items: int,
    target: float = TARGET_POWER,
    **assumptions: float,
) -> int | None:
    """Smallest number of items per round, up to ``max_items``, that gives ``target`` power.

    ``None`` when even ``max_items`` items are not enough for these groups.
    ``assumptions`` are passed to :func:`welch_power`.

    Examples
    --------
    >>> items_needed(100, 100, max_items=25)
    13
    >>> items_needed(30, 30, max_items=25) is None
    True
    """
    for items in range(MIN_ITEMS, int(max_items) + 1):
        if welch_power(n_a, n_b, items, delta, **assumptions) >= target:
            return items
    return None


@dataclass(frozen=True)
class Recommendation:
    """What a planned comparison of two equal conditions can detect, and what would make it enough.

    ``items_needed`` is the fewest items per round (up to what the exercise
    has) that reach the target with ``n_per_condition`` people; ``people_needed``
    the people per condition that reach it with ``items`` items per round.

    Examples
    --------
    Usually made by :func:`recommend`:

    >>> advice = recommend(120, 12)
    >>> advice.enough, round(advice.power, 2), advice.items_needed, advice.people_needed
    (True, 0.84, 11, 107)
    """

    n_per_condition: int
    items: int
    available_items: int
    delta: float
    target: float
    power: float
    items_needed: int | None
    people_needed: int | None

    @property
    def enough(self) -> bool:
        return self.power >= self.target

    @property
    def text(self) -> str:
        """The recommendation in plain words."""
        start = (
            f"With {self.n_per_condition} per condition and {self.items} items per round the chance of detecting "
            f"a difference of {self.delta:.2f} in egocentric weight is {percent(self.power)}"
        )
        if self.enough:
            return f"{start}: enough."
        options = []
        if self.people_needed is not None:
            options.append(f"plan for about {about(self.people_needed)} per condition")
        if self.items_needed is not None and self.items_needed > self.items:
            options.append(f"use {self.items_needed} items in one round")
        if not options:
            return f"{start}: use an exercise with at least {MIN_ITEMS} items per round."
        return f"{start}: " + ", or ".join(options) + "."


def recommend(
    n_per_condition: int,
    available_items: int,
    delta: float = DELTA,
    *,
    items: int | None = None,
    target: float = TARGET_POWER,
    **assumptions: float,
) -> Recommendation:
    """Power of a planned comparison of two conditions and what would reach ``target``.

    Parameters
    ----------
    n_per_condition : int
        Expected people in each of the two conditions.
    available_items : int
        Items the exercise has, i.e. the most one round could use.
    items : int, optional
        Items per round as planned (e.g. about half of them when a round 2
        follows); default all ``available_items``.
    target : float
        Power to reach (default 0.80).
    **assumptions
        ``tau``, ``sigma``, ``own_sd``, ``alpha``, ``groups``, passed to
        :func:`welch_power`.

    Returns
    -------
    Recommendation
        With the power as planned, the smallest item count up to
        ``available_items`` that reaches ``target`` with these people, and
        the people per condition needed at the planned item count.

    Examples
    --------
    >>> advice = recommend(15, 20, items=6)
    >>> round(advice.power, 2), advice.items_needed, advice.people_needed
    (0.09, None, 319)
    >>> advice.text
    'With 15 per condition and 6 items per round the chance of detecting a difference of 0.10 in egocentric weight is 9%: plan for about 320 per condition.'
    >>> recommend(120, 12, items=6).text
    'With 120 per condition and 6 items per round the chance of detecting a difference of 0.10 in egocentric weight is 40%: plan for about 320 per condition, or use 11 items in one round.'
    >>> recommend(120, 12).text
    'With 120 per condition and 12 items per round the chance of detecting a difference of 0.10 in egocentric weight is 84%: enough.'
    """
    planned = int(available_items if items is None else items)
    n = int(n_per_condition)
    return Recommendation(
        n_per_condition=n,
        items=planned,
        available_items=int(available_items),
        delta=float(delta),
        target=float(target),
        power=welch_power(n, n, planned, delta, **assumptions),
        items_needed=items_needed(n, n, delta, max_items=available_items, target=target, **assumptions),
        people_needed=people_needed(planned, delta, target=target, **assumptions),
    )


@dataclass(frozen=True)
class ComparisonPower:
    """Power of an observed comparison, for wording its result (docs/methods.md, section 6).

    ``adequate`` is False when the comparison had less than ``target`` power:
    a non-significant difference then means "inconclusive with this many
    people", not "no effect".  ``people_needed`` is the number per condition
    (equal groups) that would have reached the target with these items.

    Examples
    --------
    Usually made by :func:`comparison_power`:

    >>> check = comparison_power(12, 14, 12)
    >>> check.adequate, round(check.power, 2), check.target, check.people_needed
    (False, 0.16, 0.8, 107)
    """

    n_a: int
    n_b: int
    items: int
    delta: float
    groups: int
    power: float
    target: float
    people_needed: int | None

    @property
    def adequate(self) -> bool:
        return self.power >= self.target


def comparison_power(
    n_a: int,
    n_b: int,
    items: int,
    delta: float = DELTA,
    *,
    groups: int = 2,
    target: float = TARGET_POWER,
    **assumptions: float,
) -> ComparisonPower:
    """Power of a comparison that was run, with the actual group sizes and items per round.

    For the report: pass the number of people with a defined ``b_own`` in
    each of the two conditions, the items they answered in that round (the
    median ``n_items`` when it varies) and the number of conditions compared
    (``groups``; with 3 or more the pair is a Games-Howell comparison, see
    :func:`welch_power`).  ``assumptions`` (``tau``, ``sigma``, ``own_sd``,
    ``alpha``, or the observed spread ``sd`` that replaces the first three)
    are passed on.

    Examples
    --------
    >>> check = comparison_power(12, 14, 12)
    >>> round(check.power, 2), check.adequate, check.people_needed
    (0.16, False, 107)
    >>> comparison_power(150, 150, 12).adequate
    True
    >>> comparison_power(150, 150, 12, groups=4).adequate
    False
    """
    return ComparisonPower(
        n_a=int(n_a),
        n_b=int(n_b),
        items=int(items),
        delta=float(delta),
        groups=int(groups),
        power=welch_power(n_a, n_b, items, delta, groups=groups, **assumptions),
        target=float(target),
        people_needed=people_needed(items, delta, target=target, groups=groups, **assumptions),
    )


def about(people: int) -> int:
    """A number of people to plan for, rounded *up* to a round number (5s from 20, 10s from 100).

    >>> about(17), about(43), about(107), about(319)
    (17, 45, 110, 320)
    """
    step = 10 if people >= 100 else 5 if people >= 20 else 1
    return -(-int(people) // step) * step


def percent(value: float) -> str:
    """A power as a whole percentage, never rounded up to a promise of 100% or down to 0%.

    >>> percent(0.3114), percent(0.001), percent(0.9996), percent(0.0)
    ('31%', 'under 1%', 'over 99%', '0%')
    """
    whole = round(100 * value)
    if value > 0 and whole == 0:
        return "under 1%"
    if value < 1 and whole == 100:
        return "over 99%"
    return f"{whole}%"
