"""Pooled mixed model of predictions, with shrunk per-person egocentric weights.

With few items per person the per-person OLS weight ``b_own`` of
:func:`analysis.person_metrics` is noisy (and undefined below 4 items).  A
linear mixed model fits everybody at once,

    y_ij = (beta_0 + u_0i) + beta_t t_ij + (beta_o + u_oi) o_ij + e_ij,
    (u_0i, u_oi) ~ N(0, G),  e_ij ~ N(0, sigma^2),

on the rescaled answers (percent of range).  ``beta_o`` is the average
egocentric weight; the empirical-Bayes (BLUP) weight of a person,
``beta_o + E[u_oi | data]``, pulls a noisy individual estimate toward the
group mean, the more so the fewer items the person answered.  That makes it
the better number to show for short exercises, and it exists for persons
with 1-3 items too.  It is slow compared with the closed-form engine
(an iterative REML fit), so it is meant for a workshop or a study, not for
10,000 people at once.

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

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from analysis.errors import ResponseDataError
from analysis.metrics import prepare_responses

__all__ = ["pooled_model"]

MIN_PERSONS = 3
TERMS = {"Intercept": "intercept", "t": "b_truth", "o": "b_own"}
OPTIMIZERS = ("lbfgs", "bfgs", "powell")
"""Tried in turn until one converges.  When persons barely differ in their
intercepts the REML optimum lies on the boundary (a singular random-effects
covariance) and gradient methods alone often stop short; in simulations this
sequence converged every time, statsmodels' default did not."""


def pooled_model(responses: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Fit ``prediction ~ truth + own`` with a random intercept and own-slope per person.

    Each participant-round is one group (a person's two rounds are separate
    exercises).  Fitted by REML with statsmodels ``MixedLM``.

    Parameters
    ----------
    responses : pandas.DataFrame
        Long-format responses as for :func:`analysis.person_metrics`.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``fixed``: one row per term (``intercept``, ``b_truth``, ``b_own``)
        with ``coef``, ``se``, ``z``, ``p`` and the 95% Wald CI.
        ``persons``: ``participant_id``, ``round``, ``n_items`` and the
        empirical-Bayes ``b_own_pooled`` and ``intercept_pooled``.
        ``fixed.attrs`` holds ``converged`` (bool), ``sd_b_own`` (the
        between-person SD of the weight), ``sd_residual`` and ``warnings``
        (statsmodels' convergence messages, e.g. a singular random-effects
        covariance when persons barely differ in their intercepts).

    Raises
    ------
    ResponseDataError
        With fewer than 3 participant-rounds with answers: no variance
        between persons can be estimated.
    """
    data = prepare_responses(responses).dropna(subset=["own", "prediction", "truth"])
    data = data.assign(group=data["participant_id"] + "\x1f" + data["round"].astype(str))
    if data["group"].nunique() < MIN_PERSONS:
        raise ResponseDataError(f"the pooled model needs at least {MIN_PERSONS} participants with answers")
    frame = pd.DataFrame({"y": data["prediction"], "t": data["truth"], "o": data["own"], "group": data["group"]})
    model = smf.mixedlm("y ~ t + o", frame, groups=frame["group"], re_formula="~o")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fit = model.fit(reml=True, method=list(OPTIMIZERS))
    fixed = _fixed_effects(fit)
    fixed.attrs["warnings"] = sorted({str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)})
    return {"fixed": fixed, "persons": _person_effects(fit, data)}


def _fixed_effects(fit) -> pd.DataFrame:
    names = list(TERMS)
    ci = fit.conf_int().loc[names]
    fixed = pd.DataFrame(
        {
            "term": [TERMS[n] for n in names],
            "coef": fit.fe_params[names].to_numpy(),
            "se": fit.bse_fe[names].to_numpy(),
            "z": fit.tvalues[names].to_numpy(),
            "p": fit.pvalues[names].to_numpy(),
            "ci_low": ci[0].to_numpy(),
            "ci_high": ci[1].to_numpy(),
        }
    )
    fixed.attrs.update(
        converged=bool(fit.converged),
        sd_b_own=float(np.sqrt(fit.cov_re.loc["o", "o"])),
        sd_residual=float(np.sqrt(fit.scale)),
    )
    return fixed


def _person_effects(fit, data: pd.DataFrame) -> pd.DataFrame:
    random = pd.DataFrame(fit.random_effects).T
    keys = data.groupby("group", sort=True).agg(
        participant_id=("participant_id", "first"), round=("round", "first"), n_items=("own", "size")
    )
    return pd.DataFrame(
        {
            "participant_id": keys["participant_id"].to_numpy(),
            "round": keys["round"].to_numpy(),
            "n_items": keys["n_items"].to_numpy(),
            "b_own_pooled": fit.fe_params["o"] + random.loc[keys.index, "o"].to_numpy(),
            "intercept_pooled": fit.fe_params["Intercept"] + random.loc[keys.index, "Group"].to_numpy(),
        }
    )
