"""Frozen reference values for the group tests of :mod:`analysis.group`.

A fixed, small, made-up data set (per-person egocentric weights ``b_own`` of 18
persons in three conditions, their empathy scores, a second round, and one
sample with ties and a zero) is written out as literals below, together with the
expected test results, so that the expectations cannot drift with our code or
with a library upgrade (statsmodels keeps such values in its ``tests/results``
modules).

How the values were obtained
----------------------------
R was not available when they were frozen (CRAN was unreachable), so every value
was computed **once with the Python implementation named in the comment of its
block**, none of which is :mod:`analysis.group`, and, where a second
implementation exists, cross-checked with it (to 1e-10 relative or better) before
it was written here with all the digits of Python's ``repr``.  The R call in each
comment is what should reproduce the block and is given for re-verification
only: **it has not been run**.

``tests/analysis/test_group_reference.py`` compares :mod:`analysis.group` with
these values at ``rtol=1e-9``.  If a value here ever has to change, recompute it
with the named implementation (or R) and explain why; never copy it from
:mod:`analysis.group`'s output.

The data in R, for the calls below::

    condition <- c(rep("control", 6), rep("market_research", 5), rep("perspective", 7))
    empathy <- c(5.9, 2.7, 4.3, 2.7, 2.2, 2.4, 2.9, 4.0, 4.5, 3.5, 4.2, 5.9, 5.8, 2.7, 4.7, 2.9, 4.7, 4.4)
    b_own_1 <- c(0.341, 0.16, -0.022, -0.04, 0.209, 0.151, 0.028, 0.215, 0.174, 0.112, 0.107,
                 0.641, 0.472, 0.466, 0.289, 0.145, 0.649, 0.422)
    b_own_2 <- c(0.143, 0.013, -0.132, -0.175, 0.124, 0.06, 0.082, 0.223, 0.176, 0.18, 0.104,
                 0.506, 0.374, 0.56, 0.25, 0.128, 0.567, 0.368)
    tied <- c(0.12, -0.05, 0.2, 0.12, 0.0, 0.31, -0.12, 0.08, 0.2, 0.15, 0.05, 0.27, 0.12, -0.08, 0.18, 0.09)
"""

# --------------------------------------------------------------------------
# Data (person i is the i-th entry of every list)

CONDITION = ["control"] * 6 + ["market_research"] * 5 + ["perspective"] * 7
EMPATHY = [5.9, 2.7, 4.3, 2.7, 2.2, 2.4, 2.9, 4.0, 4.5, 3.5, 4.2, 5.9, 5.8, 2.7, 4.7, 2.9, 4.7, 4.4]
B_OWN_ROUND1 = [
    0.341, 0.16, -0.022, -0.04, 0.209, 0.151, 0.028, 0.215, 0.174, 0.112, 0.107,
    0.641, 0.472, 0.466, 0.289, 0.145, 0.649, 0.422,
]
"""Round-1 weights: no zeros and no ties in |b_own|, so the Wilcoxon test is exact."""
B_OWN_ROUND2 = [
    0.143, 0.013, -0.132, -0.175, 0.124, 0.06, 0.082, 0.223, 0.176, 0.18, 0.104,
    0.506, 0.374, 0.56, 0.25, 0.128, 0.567, 0.368,
]
TIED = [0.12, -0.05, 0.2, 0.12, 0.0, 0.31, -0.12, 0.08, 0.2, 0.15, 0.05, 0.27, 0.12, -0.08, 0.18, 0.09]
"""16 weights with a zero and tied |b_own|: the Wilcoxon test uses the normal approximation."""

# --------------------------------------------------------------------------
# One-sample t test of b_own_1 > 0.
# Python: scipy.stats.ttest_1samp(b_own_1, 0, alternative="greater") for t, df, p and
#   .confidence_interval(0.95).low; scipy.stats.ttest_1samp(b_own_1, 0) for p_two_sided and
#   .confidence_interval(0.95); mean and sd with NumPy (ddof=1).  Cross-checked with
#   statsmodels DescrStatsW(b_own_1).ttest_mean(0, alternative="larger") and .tconfint_mean().
# R: t.test(b_own_1, alternative = "greater")   # t, df, p-value, lower end of conf.int
#    t.test(b_own_1)                            # two-sided p-value and 95% conf.int

ONE_SAMPLE = {
    "n": 18,
    "mean": 0.25105555555555553,
    "sd": 0.20748592361105375,
    "t": 5.133545910921694,
    "df": 17,
    "p": 4.147248694904024e-05,
    "ci_one_sided_low": 0.16598026049804138,
    "p_two_sided": 8.294497389808048e-05,
    "ci_low": 0.14787523318115064,
    "ci_high": 0.3542358779299604,
}

# --------------------------------------------------------------------------
# Wilcoxon signed-rank test of b_own_1 > 0, exact (no zeros, no ties, n = 18).
# Python: enumeration of all 2^18 sign patterns of the ranks 1..18 (a counting recursion over
#   the ranks, written for this file): p = #(W+ >= 167) / 2^18 = 7 / 262144.  Cross-checked with
#   scipy.stats.wilcoxon(b_own_1, alternative="greater"), whose automatic method is exact here.
# R: wilcox.test(b_own_1, alternative = "greater", exact = TRUE)   # V = 167

WILCOXON_EXACT = {
    "w": 167.0,
    "p": 2.6702880859375e-05,
}

# --------------------------------------------------------------------------
# Wilcoxon signed-rank test of tied > 0: the zero dropped (15 values left), average ranks for
# ties, normal approximation with tie-corrected variance and continuity correction 0.5.
# Python: the textbook formula written for this file, z = (W+ - n(n+1)/4 - 0.5) /
#   sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48), p = scipy.stats.norm.sf(z).  Cross-checked with
#   scipy.stats.wilcoxon(tied, alternative="greater", correction=True), which falls back to the
#   normal approximation for ties with more than 13 values.
# R: wilcox.test(tied, alternative = "greater", correct = TRUE, exact = FALSE)   # V = 107.5

WILCOXON_APPROX = {
    "n_nonzero": 15,
    "w": 107.5,
    "z": 2.676444713272118,
    "p": 0.003720392044710157,
}

# --------------------------------------------------------------------------
# Welch ANOVA of b_own_1 across the three conditions.
# Python: statsmodels.stats.oneway.anova_oneway(b_own_1, groups=condition, use_var="unequal",
#   welch_correction=True): statistic, df, pvalue.  Cross-checked with pingouin.welch_anova.
# R: oneway.test(b_own_1 ~ condition, var.equal = FALSE)

WELCH_ANOVA = {
    "F": 8.346068509944889,
    "df1": 2,
    "df2": 9.506253828209386,
    "p": 0.008079111049077287,
}

# --------------------------------------------------------------------------
# Games-Howell pairs of b_own_1 by condition, in pingouin's orientation: labels sorted,
# diff = mean_A - mean_B (analysis.group always puts control as B, so its diff and t of the
# pairs with control have the opposite sign).
# Python: pingouin.pairwise_gameshowell(data, dv="b_own", between="condition") (pingouin 0.7.0):
#   mean(A), mean(B), diff, se, T, df, pval.
# R: rstatix::games_howell_test(data.frame(b_own = b_own_1, condition), b_own ~ condition)
#      # its estimate is mean(group2) - mean(group1), i.e. -diff; p.adj is p
#    PMCMRplus::gamesHowellTest(b_own_1 ~ factor(condition))   # p values only

GAMES_HOWELL = [
    {
        "A": "control", "B": "market_research",
        "mean_A": 0.13316666666666666,
        "mean_B": 0.1272,
        "diff": 0.005966666666666648,
        "se": 0.06698632530433192,
        "t": 0.08907290614254357,
        "df": 7.554429987117442,
        "p": 0.995637931098797,
    },
    {
        "A": "control", "B": "perspective",
        "mean_A": 0.13316666666666666,
        "mean_B": 0.44057142857142856,
        "diff": -0.3074047619047619,
        "se": 0.09018437212209603,
        "t": -3.4086256262734995,
        "df": 10.965033954419251,
        "p": 0.01488934002651554,
    },
    {
        "A": "market_research", "B": "perspective",
        "mean_A": 0.1272,
        "mean_B": 0.44057142857142856,
        "diff": -0.3133714285714285,
        "se": 0.07539186426451407,
        "t": -4.156568240201062,
        "df": 8.312460236671848,
        "p": 0.007332334409327124,
    },
]

# --------------------------------------------------------------------------
# Paired t test of round 2 against round 1 (two-sided), with Cohen's d_av.
# Python: scipy.stats.ttest_rel(b_own_2, b_own_1): statistic, df, pvalue; cross-checked with
#   statsmodels DescrStatsW(b_own_2 - b_own_1).ttest_mean(0).  cohen_d from
#   pingouin.compute_effsize(b_own_2, b_own_1, paired=True, eftype="cohen") (d_av, Cumming 2012).
# R: t.test(b_own_2, b_own_1, paired = TRUE)
#    (mean(b_own_2) - mean(b_own_1)) / sqrt((var(b_own_1) + var(b_own_2)) / 2)   # cohen_d

PAIRED = {
    "n": 18,
    "mean_round1": 0.25105555555555553,
    "mean_round2": 0.19727777777777777,
    "mean_diff": -0.05377777777777778,
    "t": -2.832293062003669,
    "df": 17,
    "p": 0.011495981320623513,
    "cohen_d": -0.2564680406575282,
}

# --------------------------------------------------------------------------
# Empathy: Pearson r of empathy and b_own_1, and the OLS b_own_1 ~ 1 + empathy + condition
# dummies (treatment coding, control the reference) with classical standard errors.
# Python: scipy.stats.pearsonr(empathy, b_own_1); statsmodels.api.OLS(b_own_1, X).fit() with
#   X = [1, empathy, market_research, perspective]: params, bse, tvalues, pvalues,
#   conf_int(0.05).  Coefficients and SEs cross-checked with pingouin.linear_regression.
# R: cor.test(empathy, b_own_1)
#    fit <- lm(b_own_1 ~ empathy + relevel(factor(condition), ref = "control"))
#    summary(fit); confint(fit)

EMPATHY_R = {
    "n": 18,
    "r": 0.5611594032509046,
    "r_p": 0.015392956135578112,
}

EMPATHY_DF_RESID = 14

EMPATHY_OLS = {
    "Intercept": {
        "coef": -0.0652032757509691,
        "se": 0.1101388183193657,
        "t": -0.5920099447762498,
        "p": 0.5632830953328402,
        "ci_low": -0.3014275471053422,
        "ci_high": 0.171020995603404,
    },
    "empathy": {
        "coef": 0.05892176507454521,
        "se": 0.028503490245816318,
        "t": 2.0671771971221533,
        "p": 0.05772660241237337,
        "ci_low": -0.0022121413638766033,
        "ci_high": 0.12005567151296703,
    },
    "condition[market_research]": {
        "coef": -0.032677866833793735,
        "se": 0.08121053578208501,
        "t": -0.4023845738621817,
        "p": 0.6934776008699209,
        "ci_low": -0.20685714289788212,
        "ci_high": 0.14150140923029467,
    },
    "condition[perspective]": {
        "coef": 0.24399371949120388,
        "se": 0.07979571360615126,
        "t": 3.057729650686337,
        "p": 0.008518124404596981,
        "ci_low": 0.07284893519582908,
        "ci_high": 0.4151385037865787,
    },
}
