"""Benchmark: shrunk per-person egocentric weights of the mixed model against per-person OLS.

Run from the repository root::

    .venv/bin/python benchmarks/bench_pooled.py              # 12 settings x 40 workshops
    .venv/bin/python benchmarks/bench_pooled.py --reps 10    # quicker, noisier

Simulates workshops with known truth: 4 conditions (``control`` with a mean
egocentric weight of 0.20 and three others 0.10, 0.15 and 0.17 higher),
10 or 30 participants per condition, 6, 12 or 20 items shared by everyone
(recorded value uniform on 0-100), own answers on a 1-7 scale correlated
with the recorded value, and predictions

    y = a_i + b_truth_i t + b_own_i o + noise,   o = own answer in percent of the 1-7 range,

with ``a_i ~ N(10, 5)``, ``b_truth_i ~ N(0.6, 0.1)``, ``b_own_i ~ N(condition
mean, SD)`` for a between-person SD of 0.05 or 0.15 and noise ``N(0, 12)``
points.  For every setting it prints, over all simulated participants, the
mean squared error against the true ``b_own_i`` of (a) the per-person OLS
``b_own`` of :func:`analysis.person_metrics` and (b) ``b_own_pooled`` of
:func:`analysis.pooled_model`, their ratio, the mean estimated condition
differences (model, Wald) against the true 0.10/0.15/0.17 and how much they
vary between workshops compared with the difference of per-person OLS means,
the coverage of the model's 95% intervals, how often the fit was flagged as
on the boundary, the MSE ratio within those boundary fits, and the mean
seconds per fit.
The last line is machine-readable (unweighted means over the settings)::

    mse_ols=<x> mse_pooled=<y> ratio=<y/x>

Results and the decision they support: ``docs/methods.md``, section 5.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import person_metrics, pooled_model

CONDITIONS = {"control": 0.20, "perspective": 0.30, "story": 0.35, "persona": 0.37}
PERSONS_PER_CONDITION = (10, 30)
ITEMS = (6, 12, 20)
SD_B_OWN = (0.05, 0.15)
B_TRUTH, SD_B_TRUTH = 0.6, 0.1
INTERCEPT, SD_INTERCEPT = 10.0, 5.0
NOISE_SD = 12.0


def simulate(n_per_condition: int, n_items: int, sd_b_own: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long-format responses of one workshop and each participant's true b_own."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0, 100, n_items)  # the same items for everybody
    persons = pd.DataFrame(
        {
            "participant_id": [f"p{i:03d}" for i in range(n_per_condition * len(CONDITIONS))],
            "condition": np.repeat(list(CONDITIONS), n_per_condition),
        }
    )
    n = len(persons)
    persons["b_true"] = persons["condition"].map(CONDITIONS).to_numpy() + rng.normal(0, sd_b_own, n)
    b_truth = rng.normal(B_TRUTH, SD_B_TRUTH, n)
    intercept = rng.normal(INTERCEPT, SD_INTERCEPT, n)
    own = np.clip(np.round(1 + 6 * (0.5 * truth / 100 + 0.5 * rng.uniform(0, 1, (n, n_items)))), 1, 7)
    own_percent = 100 * (own - 1) / 6
    prediction = (
        intercept[:, None] + b_truth[:, None] * truth + persons["b_true"].to_numpy()[:, None] * own_percent
        + rng.normal(0, NOISE_SD, (n, n_items))
    )
    responses = pd.DataFrame(
        {
            "participant_id": np.repeat(persons["participant_id"].to_numpy(), n_items),
            "condition": np.repeat(persons["condition"].to_numpy(), n_items),
            "item_id": np.tile(np.arange(n_items), n),
            "own": own.ravel(),
            "prediction": prediction.ravel(),
            "truth": np.tile(truth, n),
            "item_min": 0.0,
            "item_max": 100.0,
            "own_min": 1.0,
            "own_max": 7.0,
        }
    )
    return responses, persons


def run_workshop(args: tuple[int, int, float, int]) -> dict:
    """Fit one simulated workshop both ways; squared errors and the condition contrasts."""
    n_per_condition, n_items, sd_b_own, seed = args
    responses, truth = simulate(n_per_condition, n_items, sd_b_own, seed)
    start = time.perf_counter()
    fit = pooled_model(responses)
    seconds = time.perf_counter() - start
    ols = person_metrics(responses)[["participant_id", "b_own"]]
    persons = truth.merge(ols, on="participant_id").merge(
        fit["persons"][["participant_id", "b_own_pooled"]], on="participant_id"
    )
    persons = persons[np.isfinite(persons["b_own"])]
    contrasts = fit["conditions"].dropna(subset=["diff"]).set_index("condition")
    true_diff = {c: m - CONDITIONS["control"] for c, m in CONDITIONS.items() if c != "control"}
    diagnostics = fit["diagnostics"].iloc[0]
    return {
        "se_ols": ((persons["b_own"] - persons["b_true"]) ** 2).to_numpy(),
        "se_pooled": ((persons["b_own_pooled"] - persons["b_true"]) ** 2).to_numpy(),
        "diff": {c: float(contrasts.loc[c, "diff"]) for c in true_diff},
        "covered": [
            bool(contrasts.loc[c, "diff_ci_low"] <= d <= contrasts.loc[c, "diff_ci_high"]) for c, d in true_diff.items()
        ],
        "ols_diff": {
            c: float(persons.loc[persons["condition"] == c, "b_own"].mean()
                     - persons.loc[persons["condition"] == "control", "b_own"].mean())
            for c in true_diff
        },
        "boundary": bool(diagnostics["boundary"]),
        "converged": bool(diagnostics["converged"]),
        "seconds": seconds,
    }


def summarise(results: list[dict]) -> dict:
    se_ols = np.concatenate([r["se_ols"] for r in results])
    se_pooled = np.concatenate([r["se_pooled"] for r in results])
    on_boundary = [r for r in results if r["boundary"]]
    boundary_ratio = (
        np.concatenate([r["se_pooled"] for r in on_boundary]).mean()
        / np.concatenate([r["se_ols"] for r in on_boundary]).mean()
        if on_boundary else np.nan
    )
    contrasts = [c for c in CONDITIONS if c != "control"]
    return {
        "mse_ols": se_ols.mean(),
        "mse_pooled": se_pooled.mean(),
        "diff": {c: np.mean([r["diff"][c] for r in results]) for c in contrasts},
        "ols_diff": {c: np.mean([r["ols_diff"][c] for r in results]) for c in contrasts},
        "sd_ratio": np.mean([
            np.std([r["diff"][c] for r in results], ddof=1) / np.std([r["ols_diff"][c] for r in results], ddof=1)
            for c in contrasts
        ]) if len(results) > 1 else np.nan,
        "coverage": np.mean([x for r in results for x in r["covered"]]),
        "boundary": np.mean([r["boundary"] for r in results]),
        "boundary_ratio": boundary_ratio,
        "not_converged": sum(not r["converged"] for r in results),
        "seconds": np.mean([r["seconds"] for r in results]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=40, help="simulated workshops per setting")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args()

    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"statsmodels {statsmodels.__version__}")
    true_diffs = " ".join(f"{m - CONDITIONS['control']:.2f}" for c, m in CONDITIONS.items() if c != "control")
    print(f"conditions: {', '.join(f'{c} {m:.2f}' for c, m in CONDITIONS.items())} (true differences {true_diffs}); "
          f"noise SD {NOISE_SD:g} points; {args.reps} workshops per setting")
    print(f"{'persons':>7} {'items':>5} {'sd':>5} {'mse_ols':>9} {'mse_pooled':>10} {'ratio':>6}  "
          f"{'diff model (OLS means)':<40} {'sd_r':>5} {'cover':>5} {'bound':>5} {'ratio_b':>7} {'s/fit':>5}")

    settings = list(itertools.product(PERSONS_PER_CONDITION, ITEMS, SD_B_OWN))
    tasks = [(n, k, sd, args.seed + 1000 * i + r) for i, (n, k, sd) in enumerate(settings) for r in range(args.reps)]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(run_workshop, tasks, chunksize=4))
    else:
        results = [run_workshop(task) for task in tasks]

    mse_ols, mse_pooled = [], []
    for i, (n, k, sd) in enumerate(settings):
        s = summarise(results[i * args.reps:(i + 1) * args.reps])
        mse_ols.append(s["mse_ols"])
        mse_pooled.append(s["mse_pooled"])
        diffs = " ".join(f"{s['diff'][c]:.3f}({s['ols_diff'][c]:.3f})" for c in s["diff"])
        flag = "" if s["not_converged"] == 0 else f"  not converged: {s['not_converged']}"
        print(f"{4 * n:>7} {k:>5} {sd:>5.2f} {s['mse_ols']:>9.5f} {s['mse_pooled']:>10.5f} "
              f"{s['mse_pooled'] / s['mse_ols']:>6.3f}  {diffs:<40} {s['sd_ratio']:>5.2f} "
              f"{s['coverage']:>5.2f} {s['boundary']:>5.2f} {s['boundary_ratio']:>7.3f} {s['seconds']:>5.2f}{flag}")
    ols, pooled = float(np.mean(mse_ols)), float(np.mean(mse_pooled))
    print(f"mse_ols={ols:.5f} mse_pooled={pooled:.5f} ratio={pooled / ols:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
