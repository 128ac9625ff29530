"""Small networks without a prior: few short time courses with a hidden pulse, skdash beside tree ensembles.

Usage (harissa comes with the ``benchmarks`` extra):
    python benchmarks/small_networks.py --output results/small
    python benchmarks/small_networks.py --output results/small-20 --genes 20 --seeds 0 1 2 3 4

The design of the field's standard small no-prior benchmarks, simulated by harissa (an
independent simulator, see benchmarks/_harissa.py ``simulate_harissa_pulses``): ``--genes``
genes (default 10), ``--trajectories`` courses (5) of ``--times`` evenly spaced samples (21) over
``--horizon`` time units (20, about 3 to 6 protein half-lives), each course starting near the
steady state; during the first half an unobserved stimulus pushes ``--stimulated`` random genes
(3) up or down, a different set in each course, and the second half shows the release.  Gaussian
noise of sd ``0.5 * --noise`` (the convention of ``make_sim350``) on the [0, 1]-scaled protein.
One network per seed.

Methods (no prior anywhere; all rank every off-diagonal pair):

    skdash        ``DASHRegulatoryEstimator(random_state=seed, n_threads=1)``, the package
                  defaults; ranked by ``edge_scores_``, network ``adjacency_``.
    skdash-dense  the same with ``sparsity=0`` (no pruning).
    dyngenie3     one ExtraTrees forest per target on the finite-difference rate plus the
                  estimated decay (benchmarks/_genie3.py), 300 trees.
    genie3-lag    time-lagged GENIE3: the next value as the response, 300 trees.
    chance        the expected AUPR of a random ranking (the density of true edges), AUROC 0.5.

Reported networks of the tree ensembles: their top k pairs, k the number of true edges.  Scores
per run: AUPR / AUROC of the ranking, precision / recall / F1 of the network, seconds.
Outputs: ``runs.csv`` and ``summary.md`` (mean ± sd over seeds, and skdash's ratio to the best
peer) in ``--output``.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from _genie3 import estimate_decay_rates, genie3_scores, top_k_adjacency
from _harissa import make_harissa_dataset, simulate_harissa_pulses
from accuracy import cpu_name, mean_sd
from network import off_diagonal, score_run
from skdash import DASHRegulatoryEstimator
from skdash.exceptions import UnreliableFitWarning

METHODS = ["skdash", "skdash-dense", "dyngenie3", "genie3-lag"]
PEERS = ["dyngenie3", "genie3-lag"]
METRICS = ["aupr", "auroc", "precision", "recall", "f1", "seconds"]


def make_data(args, seed):
    clean = simulate_harissa_pulses(args.genes, n_trajectories=args.trajectories,
                                    times=np.linspace(0.0, args.horizon, args.times),
                                    n_stimulated=args.stimulated, random_state=seed)
    data = make_harissa_dataset(clean, noise=args.noise, prior_corruption=0.0, random_state=seed)
    return data.X, data.t, data.trajectory, data.network


def run_method(method, X, t, trajectory, n_edges, seed):
    """Scores of all pairs and the reported network of one method."""
    if method.startswith("skdash"):
        params = dict(sparsity=0.0) if method == "skdash-dense" else {}
        with warnings.catch_warnings():
            # the small data sets are exactly where the reliability warning is expected
            warnings.simplefilter("ignore", UnreliableFitWarning)
            est = DASHRegulatoryEstimator(random_state=seed, n_threads=1, **params).fit(
                X, t=t, trajectory=trajectory)
        return est.edge_scores_, est.adjacency_
    if method == "dyngenie3":
        scores = genie3_scores(X, t, trajectory, response="rate", decay=estimate_decay_rates(X, t, trajectory),
                               n_estimators=300, random_state=seed)
    else:
        scores = genie3_scores(X, t, trajectory, response="next", n_estimators=300, random_state=seed)
    return scores, top_k_adjacency(scores, n_edges)


def run_seed(args, seed):
    X, t, trajectory, truth = make_data(args, seed)
    true_pairs = off_diagonal(truth)
    rows = []
    for method in METHODS:
        started = time.perf_counter()
        scores, adjacency = run_method(method, X, t, trajectory, int(true_pairs.sum()), seed)
        seconds = time.perf_counter() - started
        rows.append(dict(method=method, seed=seed, seconds=seconds, **score_run(truth, scores, adjacency)))
    rows.append(dict(method="chance", seed=seed, aupr=float(true_pairs.mean()), auroc=0.5,
                     n_true_edges=int(true_pairs.sum())))
    return rows


def summarize(runs):
    grouped = runs.groupby("method", sort=False)[METRICS]
    mean, sd = grouped.mean(), grouped.std()
    lines = ["| method | " + " | ".join(METRICS) + " |", "|---" * (len(METRICS) + 1) + "|"]
    for method in mean.index:
        cells = [mean_sd(mean.loc[method, m], sd.loc[method, m], m) for m in METRICS]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    best = mean.loc[PEERS, ["aupr", "auroc", "f1"]].max()
    ratios = mean.loc["skdash", ["aupr", "auroc", "f1"]] / best
    lines += ["", "skdash / best peer: " + ", ".join(f"{m} {ratios[m]:.2f}" for m in ratios.index)]
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, required=True, help="results folder (created)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)), help="one network each")
    parser.add_argument("--genes", type=int, default=10)
    parser.add_argument("--trajectories", type=int, default=5)
    parser.add_argument("--times", type=int, default=21, help="samples per course")
    parser.add_argument("--horizon", type=float, default=20.0, help="length of a course")
    parser.add_argument("--stimulated", type=int, default=3, help="genes the hidden pulse hits per course")
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--jobs", type=int, default=2, help="parallel worker processes")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    per_seed = Parallel(n_jobs=args.jobs)(delayed(run_seed)(args, seed) for seed in args.seeds)
    runs = pd.DataFrame([row for rows in per_seed for row in rows])
    runs.to_csv(args.output / "runs.csv", index=False)
    setup = (f"{args.genes} genes, {args.trajectories} courses x {args.times} samples over {args.horizon:g}, "
             f"pulse on {args.stimulated} genes, noise {args.noise:g}, seeds {args.seeds}; {cpu_name()}, "
             f"{args.jobs} jobs")
    text = f"# Small networks without a prior\n\n{setup}\n\n{summarize(runs)}\n"
    (args.output / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
