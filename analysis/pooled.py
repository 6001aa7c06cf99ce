"""Pooled mixed model of predictions, with shrunk per-person egocentric weights.

With few items per person the per-person OLS weight ``b_own`` of
:func:`analysis.person_metrics` is noisy (and undefined below 4 items).  A
linear mixed model fits everybody of a round at once.  For person i in
condition c(i) with centred empathy e_i and item j (all answers rescaled to
percent of the answer range),

    y_ij = (beta_0 + gamma_c(i) + eta e_i + u_0i) + beta_t t_ij
           + (beta_o + delta_c(i) + lambda e_i + u_oi) o_ij + eps_ij,
    (u_0i, u_oi) ~ N(0, G),  eps_ij ~ N(0, sigma^2),

with ``gamma``/``delta`` zero for the reference condition (``control`` when
present).  This is ``y ~ t + o + C(condition) * o + empathy_c * o`` with a
random intercept and own-slope per participant, fitted by REML with
statsmodels ``MixedLM``, one fit per round (rounds are different item sets).
A person's empirical-Bayes (BLUP) weight
``beta_o + delta_c(i) + lambda e_i + E[u_oi | data]`` pulls the noisy
individual estimate toward the mean of the person's *condition* (at the
person's empathy), not toward the grand mean, the more so the fewer items
the person answered.  Condition and empathy terms are included only when
their column exists and varies in the round.

The method, the diagnostics and the simulation benchmark
(``benchmarks/bench_pooled.py``) are described in ``docs/methods.md``,
section 5.  The fit is iterative, so it is meant for a workshop or a study,
not for 10,000 people at once.

References
----------
Laird, N. M., & Ware, J. H. (1982). Random-effects models for longitudinal
data. *Biometrics*, 38(4), 963-974.

Hattula, J. D., Herzog, W., Dahl, D. W., & Reinecke, S. (2015). Managerial
empathy facilitates egocentric predictions of consumer preferences. *Journal
of Marketing Research*, 52(2), 235-252.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLMParams
from statsmodels.tools.sm_exceptions import ModelWarning

from analysis.errors import ResponseDataError
from analysis.group import CONTROL
from analysis.metrics import prepare_responses

__all__ = ["pooled_model"]

MIN_PERSONS = 3
CONFIDENCE = 0.95
OPTIMIZERS = ("lbfgs", "powell", "lbfgs-restart")
"""Attempts, in order: L-BFGS and Powell from statsmodels' default start
(random-effects covariance equal to the residual variance), and L-BFGS again
from a start with a small slope variance.  Near the boundary a single
gradient fit often reports convergence at a point that is not the REML
optimum (in our simulations about one L-BFGS fit in ten), so attempts continue until two
converged ones agree (:data:`SAME_OPTIMUM`) or all have run, and the converged
fit with the highest REML log-likelihood is kept; ``diagnostics["optimizer"]``
names it."""

UNIT = 100.0
"""Truth and own answers enter the fit centred at the round's mean and divided
by 100 (0-1 instead of 0-100), so that the slope variance is on the scale of
the intercept variance and person intercepts are not extrapolated to an own
answer of 0.  The model is the same (a linear reparametrisation); every number
returned is converted back to the uncentred model per point of the 0-100
scale, except ``sd_intercept`` and ``corr_re`` (see ``pooled_model``)."""

SAME_OPTIMUM = 1e-3
"""Two converged attempts whose REML log-likelihoods differ by less than this
found the same optimum; the remaining attempts are skipped."""

_RESTART_COV_RE = np.diag([1.0, 0.01])
"""Start of the third attempt: random-effects covariance relative to the residual variance."""

BOUNDARY_RELIABILITY = 0.01
"""A random-effect variance counts as zero when it is below 1% of the total
variance of a typical person's own estimate: for the slope, when
``tau_o^2 / (tau_o^2 + sigma^2 / S_oo) < 0.01`` with ``S_oo`` the person's sum
of squared deviations of the own answers from their mean (median over
persons); for the intercept (the person's level at the round's mean own
answer), ``tau_0^2 / (tau_0^2 + sigma^2 / k) < 0.01`` with the median k.
Below that the shrunk values are the fixed part to within 1%: the fit is on
(or numerically at) the boundary of the parameter space."""

BOUNDARY_CORRELATION = 0.995
"""A random intercept-slope correlation counts as +/-1 above this in absolute value."""

FIXED_COLUMNS = ("term", "coef", "se", "z", "p", "ci_low", "ci_high", "round")
CONDITION_COLUMNS = (
    "round", "condition", "reference", "n_persons", "n_answers", "b_own", "se", "ci_low", "ci_high",
    "diff", "diff_se", "diff_z", "diff_p", "diff_ci_low", "diff_ci_high",
)
PERSON_COLUMNS = ("participant_id", "round", "condition", "n_items", "b_own_pooled", "intercept_pooled")
DIAGNOSTIC_COLUMNS = (
    "round", "converged", "boundary", "optimizer", "sd_b_own", "sd_intercept", "corr_re", "sd_residual",
    "reliability_b_own",
    "n_persons", "n_items", "n_answers", "n_excluded", "empathy_centre", "warnings", "warning",
)

WARNING_NOT_FITTED = (
    "The mixed model was not fitted for round {round}: it needs at least {minimum} participants "
    "with answers and has {n}."
)
WARNING_COLLINEAR = (
    "The mixed model was not fitted for round {round}: with these answers the recorded values, own answers "
    "and conditions cannot be told apart (for example, too few different items)."
)
WARNING_FAILED = (
    "The mixed model could not be fitted for round {round} (a numerical failure): "
    "use the per-person estimates and tests."
)
WARNING_NOT_CONVERGED = (
    "The mixed model did not converge (tried {optimizers}): do not report its numbers; "
    "use the per-person estimates and tests."
)
WARNING_SLOPE_ZERO = (
    "The mixed model's between-person spread of the egocentric weight is estimated at zero "
    "(boundary fit): treat its per-person weights as the condition means."
)
WARNING_CORRELATION = (
    "The mixed model estimates person intercepts and egocentric weights as perfectly correlated "
    "(boundary fit): its condition means stand, but read its per-person weights with caution."
)
WARNING_INTERCEPT_ZERO = (
    "The mixed model's between-person spread of the intercept is estimated at zero (boundary fit): "
    "its condition means stand, but read its per-person weights with caution."
)
WARNING_SINGULAR = (
    "The mixed model's random-effects covariance is singular (boundary fit): "
    "its condition means stand, but read its per-person weights with caution."
)


def pooled_model(responses: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Fit the mixed model of predictions per round; condition means and shrunk weights.

    Per round, ``y ~ t + o + C(condition) * o + empathy_c * o`` with a
    random intercept and own-slope per participant (REML, statsmodels
    ``MixedLM``); see the module docstring and ``docs/methods.md``,
    section 5.  The condition terms enter when a ``condition`` column exists
    and has at least two values among the round's participants (reference:
    ``control`` when present, else the first in sorted order); the empathy
    terms when ``empathy`` exists and varies.  Empathy is centred at the
    mean over the round's participants.  Participants who lack a condition or
    empathy that the model uses are left out of that round's fit (counted in
    ``n_excluded``).

    Parameters
    ----------
    responses : pandas.DataFrame
        Long-format responses as for :func:`analysis.person_metrics`.

    Returns
    -------
    dict of str to pandas.DataFrame
        Every frame has a ``round`` column.

        ``fixed``
            One row per fixed effect: ``term``, ``coef``, ``se``, ``z``,
            ``p`` and the 95% Wald interval ``ci_low``, ``ci_high``.  Terms:
            ``intercept``, ``b_truth``, ``b_own`` (the egocentric weight of
            the reference condition at mean empathy), ``condition[X]`` and
            ``b_own:condition[X]`` (intercept and weight of X minus those of
            the reference), ``empathy`` and ``b_own:empathy`` (change per
            point of empathy).
        ``conditions``
            One row per condition (without condition terms a single row whose
            ``condition`` is the round's one condition, or None without a
            ``condition`` column): ``reference``, ``n_persons``, ``n_answers``,
            the model's mean egocentric weight ``b_own`` at mean empathy with
            ``se``, ``ci_low``, ``ci_high``, and its difference from the
            reference ``diff``, ``diff_se``, ``diff_z``, ``diff_p``,
            ``diff_ci_low``, ``diff_ci_high`` (Wald, from the fixed-effects
            covariance; NaN for the reference itself).  Unlike the
            per-person tests these weight people by their number of items.
        ``persons``
            ``participant_id``, ``round``, ``condition``, ``n_items`` and the
            empirical-Bayes ``b_own_pooled`` (condition mean + empathy term +
            BLUP random slope) and ``intercept_pooled`` (the same for the
            intercept at t = o = 0), for every participant in the fit,
            including those with fewer than 4 items.
        ``diagnostics``
            One row per round: ``converged``; ``boundary`` (a random-effect
            variance of about zero, see :data:`BOUNDARY_RELIABILITY`, an
            intercept-slope correlation beyond +/-:data:`BOUNDARY_CORRELATION`,
            or statsmodels' singular-covariance or non-positive-definite
            Hessian message); ``optimizer`` (the attempt of
            :data:`OPTIMIZERS` that was kept, None when none converged);
            ``sd_b_own`` (between-person SD of the weight), ``sd_intercept``
            and ``corr_re`` (SD of the person level at the round's mean own
            answer and mean truth, and its correlation with the weight),
            ``sd_residual``; ``reliability_b_own`` (share of between-person
            variance in a typical person's OLS weight: the shrunk weight keeps
            about this share of the person's own deviation from the condition
            mean); ``n_persons``, ``n_items`` (distinct items), ``n_answers``,
            ``n_excluded``, ``empathy_centre``; ``warnings`` (statsmodels'
            messages, ``"; "``-joined) and ``warning``: one plain sentence for
            the report when the fit did not converge, is on the boundary or
            was not possible, else ``''``.  ``converged`` alone never says a
            fit is usable: read it with ``boundary`` and ``warning``.

    Raises
    ------
    ResponseDataError
        When no round has at least 3 participants with answers (and, where
        the model uses them, a condition and an empathy score).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> rows = []
    >>> for i in range(24):
    ...     condition = "control" if i % 2 else "perspective"
    ...     b_own = rng.normal(0.2 if condition == "control" else 0.4, 0.05)
    ...     t, o = rng.uniform(0, 100, 8), rng.uniform(0, 100, 8)
    ...     y = 10 + 0.6 * t + b_own * o + rng.normal(0, 5, 8)
    ...     rows += [{"participant_id": f"p{i}", "item_id": j, "own": o[j], "prediction": y[j],
    ...               "truth": t[j], "condition": condition} for j in range(8)]
    >>> fit = pooled_model(pd.DataFrame(rows))
    >>> sorted(fit)
    ['conditions', 'diagnostics', 'fixed', 'persons']
    >>> list(fit["fixed"]["term"])
    ['intercept', 'b_truth', 'b_own', 'condition[perspective]', 'b_own:condition[perspective]']
    >>> row = fit["conditions"].set_index("condition").loc["perspective"]
    >>> bool(0.1 < row["diff"] < 0.3), bool(row["diff_p"] < 0.001)
    (True, True)
    >>> len(fit["persons"]), bool(fit["diagnostics"].loc[0, "converged"])
    (24, True)
    """
    data = prepare_responses(responses)
    item_ids = _item_ids(responses)
    answered = data[["own", "prediction", "truth"]].notna().all(axis=1).to_numpy()
    data = data.assign(item_id=item_ids)[answered]
    if data.empty:
        raise ResponseDataError(f"the pooled model needs at least {MIN_PERSONS} participants with answers (has 0)")

    results = [_fit_round(round_, rows) for round_, rows in data.groupby("round", sort=True)]
    most = max(r.n_persons for r in results)
    if most < MIN_PERSONS:
        raise ResponseDataError(
            f"the pooled model needs at least {MIN_PERSONS} participants with answers in a round (has {most})"
        )
    return {
        "fixed": _concat([r.fixed for r in results], FIXED_COLUMNS),
        "conditions": _concat([r.conditions for r in results], CONDITION_COLUMNS),
        "persons": _concat([r.persons for r in results], PERSON_COLUMNS),
        "diagnostics": pd.DataFrame([r.diagnostics for r in results], columns=list(DIAGNOSTIC_COLUMNS)),
    }


# --------------------------------------------------------------------------
# Data


def _item_ids(responses: pd.DataFrame) -> np.ndarray:
    """``item_id`` aligned with :func:`prepare_responses` (rows with a participant)."""
    has_id = responses["participant_id"].notna().to_numpy()
    return responses["item_id"].to_numpy()[has_id]


@dataclass
class _Design:
    """One round's model: the persons and rows used, the fitted design and how to convert back."""

    persons: pd.DataFrame  # index participant_id; n_items, condition, empathy, empathy_c
    rows: pd.DataFrame  # answered rows of the persons in the fit
    exog: pd.DataFrame  # fixed-effects design with centred o and t divided by UNIT
    exog_re: pd.DataFrame  # random-effects design: intercept, centred own / UNIT
    to_original: np.ndarray  # A with coef = A @ coef_fitted (uncentred, per point)
    levels: list  # condition levels, reference first; [] without condition terms
    single_condition: object  # the round's one condition when there is no condition term
    own_centre: float
    empathy_centre: float
    n_excluded: int


def _design(rows: pd.DataFrame) -> _Design:
    per_person = rows.groupby("participant_id", sort=True)
    persons = pd.DataFrame({"n_items": per_person.size()})
    persons["condition"] = per_person["condition"].first() if "condition" in rows else None
    persons["empathy"] = per_person["empathy"].first() if "empathy" in rows else np.nan
    persons["condition"] = persons["condition"].map(lambda c: c if pd.isna(c) else str(c))

    use_condition = persons["condition"].dropna().nunique() > 1
    use_empathy = persons["empathy"].dropna().nunique() > 1
    keep = np.ones(len(persons), dtype=bool)
    if use_condition:
        keep &= persons["condition"].notna().to_numpy()
    if use_empathy:
        keep &= persons["empathy"].notna().to_numpy()
    n_excluded = int((~keep).sum())
    persons = persons[keep].copy()
    empathy_centre = float(persons["empathy"].mean()) if use_empathy else np.nan
    persons["empathy_c"] = persons["empathy"] - empathy_centre if use_empathy else 0.0

    rows = rows[rows["participant_id"].isin(persons.index)]
    own_centre, truth_centre = float(rows["own"].mean()), float(rows["truth"].mean())
    o = (rows["own"].to_numpy() - own_centre) / UNIT
    t = (rows["truth"].to_numpy() - truth_centre) / UNIT
    condition = persons["condition"].reindex(rows["participant_id"]).to_numpy()
    empathy_c = persons["empathy_c"].reindex(rows["participant_id"]).to_numpy(dtype=float)

    levels: list = []
    single = None
    if use_condition:
        found = sorted(persons["condition"].unique())
        reference = CONTROL if CONTROL in found else found[0]
        levels = [reference] + [c for c in found if c != reference]
    elif persons["condition"].notna().any():
        single = persons["condition"].dropna().iloc[0]

    # Each slope term: (its column, the intercept-type term that absorbs its centring).
    columns = {"intercept": np.ones(len(rows)), "b_truth": t, "b_own": o}
    slopes = {"b_truth": ("intercept", truth_centre), "b_own": ("intercept", own_centre)}
    for level in levels[1:]:
        columns[f"condition[{level}]"] = (condition == level).astype(float)
    if use_empathy:
        columns["empathy"] = empathy_c
    for level in levels[1:]:
        columns[f"b_own:condition[{level}]"] = (condition == level) * o
        slopes[f"b_own:condition[{level}]"] = (f"condition[{level}]", own_centre)
    if use_empathy:
        columns["b_own:empathy"] = empathy_c * o
        slopes["b_own:empathy"] = ("empathy", own_centre)
    exog = pd.DataFrame(columns, index=rows.index)

    # coef_fitted multiplies (x - centre) / UNIT; per point and uncentred the
    # slope is coef_fitted / UNIT and the absorbing term loses centre * slope.
    names = list(exog.columns)
    to_original = np.eye(len(names))
    for name, (absorbing, centre) in slopes.items():
        j = names.index(name)
        to_original[j, j] = 1 / UNIT
        to_original[names.index(absorbing), j] = -centre / UNIT
    exog_re = pd.DataFrame({"intercept": 1.0, "own": o}, index=rows.index)
    return _Design(
        persons, rows, exog, exog_re, to_original, levels, single, own_centre, empathy_centre, n_excluded
    )


# --------------------------------------------------------------------------
# Fitting


@dataclass
class _RoundResult:
    fitted: bool
    n_persons: int
    diagnostics: dict
    fixed: pd.DataFrame | None = None
    conditions: pd.DataFrame | None = None
    persons: pd.DataFrame | None = None


@dataclass
class _Best:
    """The fit kept among the attempts, with its statsmodels messages."""

    fit: object = None
    converged: bool = False
    llf: float = -np.inf
    optimizer: str | None = None
    messages: list = field(default_factory=list)
    errors: list = field(default_factory=list)


_SINGULAR_MESSAGES = (
    "The random effects covariance matrix is singular.",
    "The Hessian matrix at the estimated parameter values is not positive definite.",
)
_DROPPED_MESSAGES = (
    # Tests variances against 0.01 in absolute terms, which depends on the
    # units; the scale-free test of BOUNDARY_RELIABILITY replaces it.
    "The MLE may be on the boundary of the parameter space.",
    # Raised while the optimizer passes through singular points, not about the result.
    "Random effects covariance is singular",
)


def _fit_round(round_, rows: pd.DataFrame) -> _RoundResult:
    design = _design(rows)
    n_persons = len(design.persons)
    base = {
        "round": round_,
        "n_persons": n_persons,
        "n_items": int(design.rows["item_id"].nunique()),
        "n_answers": len(design.rows),
        "n_excluded": design.n_excluded,
        "empathy_centre": design.empathy_centre,
        "optimizer": None,
        "converged": False,
        "boundary": False,
        "sd_b_own": np.nan,
        "sd_intercept": np.nan,
        "corr_re": np.nan,
        "sd_residual": np.nan,
        "reliability_b_own": np.nan,
        "warnings": "",
    }
    if n_persons < MIN_PERSONS:
        warning = WARNING_NOT_FITTED.format(round=round_, minimum=MIN_PERSONS, n=n_persons)
        return _RoundResult(False, n_persons, {**base, "warning": warning})

    if np.linalg.matrix_rank(design.exog.to_numpy()) < design.exog.shape[1]:
        return _RoundResult(False, n_persons, {**base, "warning": WARNING_COLLINEAR.format(round=round_)})
    best = _optimize(design)
    if best.fit is None:
        warning = WARNING_FAILED.format(round=round_)
        return _RoundResult(False, n_persons, {**base, "warnings": "; ".join(best.errors), "warning": warning})

    fit = best.fit
    cov_re = np.asarray(fit.cov_re, dtype=float)  # centred parametrisation, own / UNIT
    scale = float(fit.scale)
    sd_re = np.sqrt(np.clip(np.diag(cov_re), 0.0, None))
    corr = float(cov_re[0, 1] / (sd_re[0] * sd_re[1])) if sd_re.all() else np.nan
    s_oo = _median_within_sum_of_squares(design.rows["participant_id"], design.exog_re["own"].to_numpy())
    reliability_slope = _reliability(cov_re[1, 1], scale / s_oo if s_oo > 0 else np.inf)
    reliability_intercept = _reliability(cov_re[0, 0], scale / float(design.persons["n_items"].median()))
    slope_zero = reliability_slope < BOUNDARY_RELIABILITY
    intercept_zero = reliability_intercept < BOUNDARY_RELIABILITY
    correlation_one = bool(np.isfinite(corr) and abs(corr) > BOUNDARY_CORRELATION)
    singular = any(m in _SINGULAR_MESSAGES for m in best.messages)
    converged = bool(fit.converged)
    boundary = bool(slope_zero or intercept_zero or correlation_one or singular)
    if not converged:
        warning = WARNING_NOT_CONVERGED.format(optimizers=", ".join(OPTIMIZERS))
    elif slope_zero:
        warning = WARNING_SLOPE_ZERO
    elif correlation_one:
        warning = WARNING_CORRELATION
    elif intercept_zero:
        warning = WARNING_INTERCEPT_ZERO
    elif singular:
        warning = WARNING_SINGULAR
    else:
        warning = ""
    diagnostics = {
        **base,
        "optimizer": best.optimizer,
        "converged": converged,
        "boundary": boundary,
        "sd_b_own": float(sd_re[1] / UNIT),
        "sd_intercept": float(sd_re[0]),
        "corr_re": corr,
        "sd_residual": float(np.sqrt(scale)),
        "reliability_b_own": reliability_slope,
        "warnings": "; ".join(best.errors + best.messages),
        "warning": warning,
    }
    coef, cov = _fixed_original(fit, design)
    return _RoundResult(
        True,
        n_persons,
        diagnostics,
        fixed=_fixed_table(coef, cov, round_),
        conditions=_condition_table(coef, cov, design, round_),
        persons=_person_table(fit, coef, design, round_),
    )


def _optimize(design: _Design) -> _Best:
    """Run every attempt of :data:`OPTIMIZERS`; keep the converged fit with the highest REML likelihood."""
    model = sm.MixedLM(
        design.rows["prediction"].to_numpy(),
        design.exog,
        groups=design.rows["participant_id"].to_numpy(),
        exog_re=design.exog_re,
    )
    restart = MixedLMParams.from_components(fe_params=np.zeros(design.exog.shape[1]), cov_re=_RESTART_COV_RE)
    best = _Best()
    for name in OPTIMIZERS:
        method, start = (name, None) if name != "lbfgs-restart" else ("lbfgs", restart)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore")  # numerical noise of the optimizers' trial points
            warnings.simplefilter("always", ModelWarning)
            try:
                fit = model.fit(reml=True, method=method, start_params=start)
            except (np.linalg.LinAlgError, ValueError) as error:
                best.errors.append(f"{name}: {error}")
                continue
        converged = bool(fit.converged)
        llf = float(fit.llf) if np.isfinite(fit.llf) else -np.inf
        agree = best.converged and converged and abs(llf - best.llf) < SAME_OPTIMUM
        if best.fit is None or (converged, llf) > (best.converged, best.llf):
            messages = [str(w.message) for w in caught if issubclass(w.category, ModelWarning)]
            best.messages = [m for m in dict.fromkeys(messages) if not m.startswith(_DROPPED_MESSAGES)]
            best.fit, best.converged, best.llf = fit, converged, llf
            best.optimizer = name if converged else None
        if agree:
            break
    return best


def _median_within_sum_of_squares(groups: pd.Series, values: np.ndarray) -> float:
    """Median over persons of the sum of squared deviations of ``values`` from the person's mean."""
    by_person = pd.Series(values, index=groups.index).groupby(groups.to_numpy())
    return float((by_person.var(ddof=0) * by_person.size()).median())


def _reliability(variance: float, sampling_variance: float) -> float:
    """Share of between-person variance in the variance of one person's own estimate."""
    variance = max(float(variance), 0.0)
    if not np.isfinite(sampling_variance):
        return 0.0 if variance == 0 else 1.0
    total = variance + sampling_variance
    return variance / total if total > 0 else 0.0


def _fixed_original(fit, design: _Design) -> tuple[pd.Series, pd.DataFrame]:
    """Fixed effects and their covariance in the uncentred model, per point of the 0-100 scale."""
    names = list(design.exog.columns)
    a = design.to_original
    coef = pd.Series(a @ np.asarray(fit.fe_params, dtype=float), index=names)
    cov = np.asarray(fit.cov_params(), dtype=float)[: len(names), : len(names)]
    return coef, pd.DataFrame(a @ cov @ a.T, index=names, columns=names)


def _wald(estimate: float, variance: float) -> dict:
    se = float(np.sqrt(variance)) if variance >= 0 else np.nan
    z = estimate / se if se > 0 else np.nan
    critical = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    return {
        "se": se,
        "z": z,
        "p": float(2 * stats.norm.sf(abs(z))),
        "ci_low": estimate - critical * se,
        "ci_high": estimate + critical * se,
    }


def _fixed_table(coef: pd.Series, cov: pd.DataFrame, round_) -> pd.DataFrame:
    rows = [{"term": name, "coef": coef[name], **_wald(coef[name], cov.loc[name, name])} for name in coef.index]
    return pd.DataFrame(rows).assign(round=round_)[list(FIXED_COLUMNS)]


def _condition_table(coef: pd.Series, cov: pd.DataFrame, design: _Design, round_) -> pd.DataFrame:
    """Mean egocentric weight per condition at mean empathy, and its difference from the reference."""
    persons = design.persons
    levels = design.levels or [design.single_condition]
    out = []
    for level in levels:
        contrast = f"b_own:condition[{level}]"
        names = ["b_own", contrast] if contrast in coef.index else ["b_own"]
        estimate = float(coef[names].sum())
        variance = float(cov.loc[names, names].to_numpy().sum())  # Var of a sum: 1' V 1
        members = (persons["condition"] == level) if design.levels else np.ones(len(persons), dtype=bool)
        wald = _wald(estimate, variance)
        row = {
            "round": round_,
            "condition": level,
            "reference": design.levels[0] if design.levels else None,
            "n_persons": int(np.sum(members)),
            "n_answers": int(persons["n_items"][members].sum()),
            "b_own": estimate,
            "se": wald["se"],
            "ci_low": wald["ci_low"],
            "ci_high": wald["ci_high"],
        }
        if contrast in coef.index:
            diff = _wald(float(coef[contrast]), float(cov.loc[contrast, contrast]))
            row.update({"diff": float(coef[contrast]), **{f"diff_{k}": v for k, v in diff.items()}})
        out.append(row)
    return pd.DataFrame(out, columns=list(CONDITION_COLUMNS))


def _person_table(fit, coef: pd.Series, design: _Design, round_) -> pd.DataFrame:
    """Fixed part for the person's condition and empathy plus the BLUP, in the uncentred model."""
    persons = design.persons
    random = pd.DataFrame(fit.random_effects).T.reindex(persons.index)
    u_own = random["own"].to_numpy() / UNIT
    u_level = random["intercept"].to_numpy()  # at the round's mean own answer
    slope = np.full(len(persons), coef["b_own"])
    intercept = np.full(len(persons), coef["intercept"])
    for level in design.levels[1:]:
        member = (persons["condition"] == level).to_numpy()
        slope += member * coef[f"b_own:condition[{level}]"]
        intercept += member * coef[f"condition[{level}]"]
    if "empathy" in coef.index:
        empathy_c = persons["empathy_c"].to_numpy(dtype=float)
        slope += empathy_c * coef["b_own:empathy"]
        intercept += empathy_c * coef["empathy"]
    return pd.DataFrame(
        {
            "participant_id": persons.index.to_numpy(),
            "round": round_,
            "condition": persons["condition"].to_numpy(),
            "n_items": persons["n_items"].to_numpy(),
            "b_own_pooled": slope + u_own,
            "intercept_pooled": intercept + u_level - design.own_centre * u_own,
        }
    )


def _concat(frames: list, columns) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame(columns=list(columns))
    return pd.concat(frames, ignore_index=True)[list(columns)]
