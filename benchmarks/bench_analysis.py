"""Benchmark: vectorised person_metrics against a per-person pingouin loop.

Run from the repository root::

    .venv/bin/python benchmarks/bench_analysis.py

Simulates an exercise with known parameters (truth uniform on 0-100, own
answers on a 1-7 scale correlated with the truth, predictions
``a + b_truth t + b_own o + noise`` with a person-specific ``b_own``, 80%
ranges around the prediction), times :func:`analysis.person_metrics` for all
persons (best of several runs), times the per-person pingouin loop
(``linear_regression``, ``partial_corr`` and four ``corr`` calls, as an
analyst would write it) on a random subsample and scales it up to all
persons, checks that both give the same numbers, and prints the peak memory.
The last line is machine-readable::

    speedup=<loop / engine> engine_s=<seconds> max_abs_diff=<largest difference>

The quality bar (docs/performance.md) is at least 100x and well under a second for
10,000 participants x 30 items, equal within 1e-9.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import person_metrics  # noqa: E402

TRUE_B_TRUTH = 0.6
TRUE_B_OWN_MEAN, TRUE_B_OWN_SD = 0.25, 0.15
TOLERANCE = 1e-9
COMPARED = (
    "b_own", "b_truth", "intercept", "b_own_se", "b_own_ci_low", "b_own_ci_high", "b_own_p",
    "partial_r_own", "accuracy_r", "projection_r", "similarity_r", "tfce_r", "mae", "rmse",
    "mean_signed_error", "mae_without_own_pull", "interval_hit_rate", "interval_mean_width", "interval_score",
)


def simulate(n_persons: int, n_items: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Long-format responses and each person's true b_own (per point of the 0-100 scale)."""
    rng = np.random.default_rng(seed)
    rows = n_persons * n_items
    truth = rng.uniform(0, 100, rows)
    own_rating = np.clip(np.round(1 + 6 * (0.5 * truth / 100 + 0.5 * rng.uniform(0, 1, rows))), 1, 7)
    own_percent = 100 * (own_rating - 1) / 6
    b_own = rng.normal(TRUE_B_OWN_MEAN, TRUE_B_OWN_SD, n_persons)
    intercept = rng.normal(10, 3, n_persons)
    person = np.repeat(np.arange(n_persons), n_items)
    prediction = intercept[person] + TRUE_B_TRUTH * truth + b_own[person] * own_percent + rng.normal(0, 8, rows)
    half_width = rng.uniform(5, 25, rows)
    responses = pd.DataFrame(
        {
            "participant_id": np.char.add("p", person.astype(str)),
            "item_id": np.tile(np.arange(n_items), n_persons),
            "own": own_rating,
            "prediction": prediction,
            "lower": prediction - half_width,
            "upper": prediction + half_width,
            "truth": truth,
            "item_min": 0.0,
            "item_max": 100.0,
            "own_min": 1.0,
            "own_max": 7.0,
        }
    )
    return responses, b_own


def time_engine(responses: pd.DataFrame, repeats: int) -> tuple[float, pd.DataFrame]:
    """Best wall time of several full runs of person_metrics."""
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = person_metrics(responses)
        best = min(best, time.perf_counter() - start)
    return best, result


def pingouin_person(d: pd.DataFrame) -> dict:
    """All metrics of one person the way a per-person analysis script computes them."""
    o = 100 * (d["own"].to_numpy() - d["own_min"].to_numpy()) / (d["own_max"].to_numpy() - d["own_min"].to_numpy())
    scale = d["item_max"].to_numpy() - d["item_min"].to_numpy()

    def rescale(column):
        return 100 * (d[column].to_numpy() - d["item_min"].to_numpy()) / scale

    y, t, lo, hi = rescale("prediction"), rescale("truth"), rescale("lower"), rescale("upper")
    e = y - t
    frame = pd.DataFrame({"o": o, "y": y, "t": t, "e": e})
    fit = pg.linear_regression(frame[["t", "o"]], frame["y"]).set_index("names")
    return {
        "b_own": fit.loc["o", "coef"],
        "b_truth": fit.loc["t", "coef"],
        "intercept": fit.loc["Intercept", "coef"],
        "b_own_se": fit.loc["o", "se"],
        "b_own_ci_low": fit.loc["o", "CI2.5"],
        "b_own_ci_high": fit.loc["o", "CI97.5"],
        "b_own_p": fit.loc["o", "pval"],
        "partial_r_own": pg.partial_corr(frame, x="o", y="y", covar="t")["r"].iloc[0],
        "accuracy_r": pg.corr(frame["y"], frame["t"])["r"].iloc[0],
        "projection_r": pg.corr(frame["o"], frame["y"])["r"].iloc[0],
        "similarity_r": pg.corr(frame["o"], frame["t"])["r"].iloc[0],
        "tfce_r": pg.corr(frame["o"], frame["e"])["r"].iloc[0],
        "mae": np.mean(np.abs(e)),
        "rmse": np.sqrt(np.mean(e**2)),
        "mean_signed_error": e.mean(),
        "mae_without_own_pull": np.mean(np.abs(e - fit.loc["o", "coef"] * (o - o.mean()))),
        "interval_hit_rate": np.mean((lo <= t) & (t <= hi)),
        "interval_mean_width": np.mean(hi - lo),
        "interval_score": np.mean((hi - lo) + 10 * (lo - t) * (t < lo) + 10 * (t - hi) * (t > hi)),
    }


def time_pingouin_loop(responses: pd.DataFrame, persons: np.ndarray, repeats: int) -> tuple[float, pd.DataFrame]:
    """Best wall time of the per-person loop over the sampled persons (grouping included).

    Best-of, like the engine, so that a busy machine does not inflate the speedup.
    """
    sample = responses[responses["participant_id"].isin(persons)]
    best, rows = np.inf, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):
            start = time.perf_counter()
            rows = {pid: pingouin_person(d) for pid, d in sample.groupby("participant_id")}
            best = min(best, time.perf_counter() - start)
    return best, pd.DataFrame.from_dict(rows, orient="index")


def peak_memory(responses: pd.DataFrame) -> float:
    """Peak Python-allocated memory (MiB) of one person_metrics call, via tracemalloc."""
    tracemalloc.start()
    person_metrics(responses)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--sample", type=int, default=200, help="persons in the timed pingouin loop")
    parser.add_argument("--repeats", type=int, default=7, help="engine runs; the best is reported")
    parser.add_argument("--loop-repeats", type=int, default=2, help="pingouin loop runs; the best is reported")
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args()

    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, pingouin {pg.__version__}")
    responses, true_b_own = simulate(args.persons, args.items, args.seed)
    print(f"data: {args.persons:,} participants x {args.items} items = {len(responses):,} rows")

    engine_s, metrics = time_engine(responses, args.repeats)
    print(f"engine: person_metrics for all {args.persons:,} participants, best of {args.repeats}: {engine_s:.3f} s")

    rng = np.random.default_rng(args.seed)
    sample = rng.choice(metrics["participant_id"].to_numpy(), size=min(args.sample, args.persons), replace=False)
    loop_s, reference = time_pingouin_loop(responses, sample, args.loop_repeats)
    loop_all_s = loop_s * args.persons / len(sample)
    print(f"pingouin loop: {len(sample)} participants, best of {args.loop_repeats}: {loop_s:.2f} s "
          f"({1000 * loop_s / len(sample):.1f} ms each) -> {loop_all_s:.1f} s scaled to {args.persons:,}")

    ours = metrics.set_index("participant_id").loc[reference.index, list(COMPARED)]
    diff = (ours - reference[list(COMPARED)]).abs()
    max_abs_diff = float(diff.to_numpy().max())
    worst = diff.max().idxmax()
    print(f"agreement on {len(sample)} participants x {len(COMPARED)} metrics: max |diff| = {max_abs_diff:.2e} "
          f"(largest in {worst}) -> {'OK' if max_abs_diff <= TOLERANCE else 'MISMATCH'} at {TOLERANCE:g}")

    ids = np.char.add("p", np.arange(args.persons).astype(str))  # persons in simulation order
    estimated = metrics.set_index("participant_id").loc[ids, "b_own"].to_numpy()
    print(f"recovery: mean b_own {np.nanmean(estimated):.4f} (true {true_b_own.mean():.4f}), "
          f"r(estimated, true) = {np.corrcoef(estimated, true_b_own)[0, 1]:.3f}")

    peak = peak_memory(responses)
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: peak traced during person_metrics {peak:.0f} MiB; process max RSS {max_rss:.0f} MiB")

    speedup = loop_all_s / engine_s
    goals = speedup >= 100 and engine_s < 1 and max_abs_diff <= TOLERANCE
    print(f"goals (>=100x, < 1 s, <= {TOLERANCE:g}): {'met' if goals else 'NOT met'}")
    print(f"speedup={speedup:.0f} engine_s={engine_s:.3f} max_abs_diff={max_abs_diff:.2e}")
    return 0 if max_abs_diff <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
