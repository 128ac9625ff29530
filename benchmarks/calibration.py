"""Calibration of StabilitySelection's edge confidence on simulated data.

Usage:
    python benchmarks/calibration.py --output results/calibration
    python benchmarks/calibration.py --output results/calibration-quick --quick

For each condition, one data set (``random_state=seed``) and two fits:

    stability   StabilitySelection(DASHRegulatoryEstimator(prior, ...), n_estimators, subsample 0.5
                of the trajectories without replacement, random_state=seed): confidence_ is the
                fraction of members whose adjacency_ holds the edge, edge_scores_ the ranking.
    single      one DASHRegulatoryEstimator with the same settings on all the data
                (random_state=seed): the baseline the confidence must beat.

Conditions:

    sim350-exact       make_sim350(noise=0.05), the exact prior
    sim350-corrupt20   the same data, 20% of the prior's edges moved (skdash.datasets.corrupt_prior)
    sim350-corrupt40   the same data, 40% moved
    sim350-noprior     the same data, no prior (magnitude pruning)
    random-network     make_regulatory_network(n_genes, noise=0.05), no prior
    harissa-exact, harissa-corrupt20, harissa-corrupt40, harissa-noprior
                       the independent harissa simulator (350 genes, 5% noise), as drawn by
                       benchmarks/network.py (needs the benchmarks extra), with the same priors

Reported per condition and method (runs.csv, summary.md): the AUPR of the ranking of all off-diagonal
pairs (stability: edge_scores_; single: the same member score StabilitySelection uses,
``skdash._stability._member_edge_scores``); precision, recall and F1 of the reported network (stability:
confidence >= 0.5; single: its adjacency_); for stability the expected calibration error (ECE, 10 bins,
skdash.metrics.expected_calibration_error) and the per-bin calibration table (calibration.csv).
calibration.png shows observed precision against confidence, one panel per condition.

Confidence is stability under resampling, not a probability: a gap between precision and confidence is
what this benchmark measures, not a bug.

Full run: n_estimators 20, max_epochs 200, sparsity 0.95, SIM350 with 150 trajectories (hours on 2
cores).  ``--quick``: a smoke configuration that is NOT comparable with the full run: n_estimators 4,
30 SIM350 trajectories, 30 genes and 30 trajectories for the random network, max_epochs 24 with pruning
every epoch (sparsity 0.95 at epoch 21).
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.metrics import precision_recall_fscore_support

import skdash
from skdash import DASHRegulatoryEstimator, StabilitySelection
from skdash._stability import _member_edge_scores
from skdash.datasets import corrupt_prior, make_regulatory_network, make_sim350
from skdash.metrics import confidence_calibration, edge_aupr, expected_calibration_error
from skdash.pruning import PruningSchedule

CONDITIONS = ["sim350-exact", "sim350-corrupt20", "sim350-corrupt40", "sim350-noprior", "random-network",
              "harissa-exact", "harissa-corrupt20", "harissa-corrupt40", "harissa-noprior"]
#: Prior of each harissa condition, in the names of benchmarks/network.py.
HARISSA_PRIORS = {"harissa-exact": "exact", "harissa-corrupt20": "corrupt20", "harissa-corrupt40": "corrupt40",
                  "harissa-noprior": "none"}
N_BINS = 10


def settings(quick, n_estimators, jobs):
    if quick:
        return dict(quick=True, n_estimators=n_estimators or 4, max_epochs=24, sparsity=0.95, pruning_interval=1,
                    n_trajectories=30, random_genes=30, jobs=jobs)
    return dict(quick=False, n_estimators=n_estimators or 20, max_epochs=200, sparsity=0.95, pruning_interval=10,
                n_trajectories=150, random_genes=100, jobs=jobs)


def condition_data(condition, config, seed, cache_dir):
    """X, t, trajectory, prior (or None) and the true network of one condition."""
    if condition in HARISSA_PRIORS:
        # the independent simulator, exactly as benchmarks/network.py draws it (needs the benchmarks extra)
        try:
            import network
        except ImportError as error:
            raise SystemExit(f"The harissa conditions need the benchmarks extra (pip install -e '.[benchmarks]'): "
                             f"{error}. Or leave them out with --conditions.") from None
        settings = network.Settings(config["quick"], config["n_trajectories"], config["max_epochs"], {}, 0, 0, 0)
        cache_dir.mkdir(parents=True, exist_ok=True)
        data = network.load_data("harissa350", "noise5", HARISSA_PRIORS[condition], seed, settings, cache_dir)
        return data, data.prior
    if condition == "random-network":
        data = make_regulatory_network(config["random_genes"], n_trajectories=config["n_trajectories"],
                                       n_test_trajectories=0, noise=0.05, sparse=False,
                                       random_state=seed, as_frame=False)
        return data, None
    data = make_sim350(noise=0.05, n_trajectories=config["n_trajectories"], n_test_trajectories=0,
                       random_state=seed, as_frame=False)
    prior = {"sim350-exact": data.prior, "sim350-noprior": None,
             "sim350-corrupt20": corrupt_prior(data.prior, 0.2, random_state=seed),
             "sim350-corrupt40": corrupt_prior(data.prior, 0.4, random_state=seed)}[condition]
    return data, prior


def network_quality(true_network, adjacency):
    off_diagonal = ~np.eye(true_network.shape[0], dtype=bool)
    precision, recall, f1, _ = precision_recall_fscore_support(
        np.asarray(true_network)[off_diagonal] != 0, np.asarray(adjacency)[off_diagonal], average="binary",
        zero_division=0.0)
    return dict(precision=precision, recall=recall, f1=f1, n_edges=int(np.asarray(adjacency)[off_diagonal].sum()))


def run_condition(condition, config, seed, cache_dir):
    data, prior = condition_data(condition, config, seed, cache_dir)
    base = DASHRegulatoryEstimator(prior, sparsity=config["sparsity"], max_epochs=config["max_epochs"],
                                   pruning=PruningSchedule(interval=config["pruning_interval"]), n_threads=1,
                                   random_state=seed)
    fit = dict(t=data.t, trajectory=data.trajectory)
    rows, truth = [], np.asarray(data.network)

    start = time.perf_counter()
    stability = StabilitySelection(base, n_estimators=config["n_estimators"], n_jobs=config["jobs"],
                                   random_state=seed, verbose=1).fit(data.X, **fit)
    seconds = time.perf_counter() - start
    rows.append(dict(condition=condition, method="stability", seed=seed, seconds=seconds,
                     aupr=edge_aupr(truth, stability.edge_scores_),
                     ece=expected_calibration_error(truth, stability.confidence_, n_bins=N_BINS),
                     **network_quality(truth, stability.adjacency_)))
    table = confidence_calibration(truth, stability.confidence_, n_bins=N_BINS)
    table.insert(0, "condition", condition)
    table.insert(1, "seed", seed)

    start = time.perf_counter()
    single = base.fit(data.X, **fit)
    rows.append(dict(condition=condition, method="single", seed=seed, seconds=time.perf_counter() - start,
                     aupr=edge_aupr(truth, _member_edge_scores(single)), ece=np.nan,
                     **network_quality(truth, single.adjacency_)))
    chance = float(truth[~np.eye(truth.shape[0], dtype=bool)].mean())
    for row in rows:
        row["aupr_chance"] = chance
    return rows, table, stability.confidence_, truth


def write_markdown(path, runs, config):
    columns = ["condition", "method", "aupr", "aupr_chance", "ece", "precision", "recall", "f1", "n_edges",
               "seconds"]
    lines = [f"# Edge-confidence calibration ({'QUICK smoke run, not comparable' if config['quick'] else 'full'})",
             "", f"Settings: `{json.dumps(config)}`", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in runs[columns].itertuples(index=False):
        cells = [f"{v:.4f}" if isinstance(v, float) and not np.isnan(v) else ("" if isinstance(v, float) else str(v))
                 for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    Path(path).write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, required=True, help="results folder (created)")
    parser.add_argument("--quick", action="store_true", help="small smoke configuration (see above)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-estimators", type=int, default=None, help="default 20 (4 with --quick)")
    parser.add_argument("--jobs", type=int, default=1, help="members fitted in parallel, one torch thread each")
    parser.add_argument("--conditions", nargs="+", default=CONDITIONS, choices=CONDITIONS)
    args = parser.parse_args(argv)
    config = settings(args.quick, args.n_estimators, args.jobs)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "settings.json").write_text(json.dumps(
        {**config, "seed": args.seed, "skdash": skdash.__version__, "torch": torch.__version__,
         "sklearn": sklearn.__version__, "python": platform.python_version()}, indent=2))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skdash.plotting import plot_calibration

    figure, axes = plt.subplots(1, len(args.conditions), figsize=(4 * len(args.conditions), 4.2),
                                layout="constrained", squeeze=False)
    runs, tables = [], []
    for ax, condition in zip(axes[0], args.conditions):
        print(f"== {condition}", flush=True)
        rows, table, confidence, truth = run_condition(condition, config, args.seed, args.output / "cache")
        runs.extend(rows)
        tables.append(table)
        plot_calibration(confidence, truth, n_bins=N_BINS, ax=ax)
        ax.set_title(f"{condition}\n{ax.get_title()}", fontsize="small")
        pd.DataFrame(runs).to_csv(args.output / "runs.csv", index=False)
        pd.concat(tables).to_csv(args.output / "calibration.csv", index=False)
    figure.savefig(args.output / "calibration.png", dpi=120)
    runs = pd.DataFrame(runs)
    write_markdown(args.output / "summary.md", runs, config)
    print((args.output / "summary.md").read_text())


if __name__ == "__main__":
    main()
