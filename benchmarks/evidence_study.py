"""Evidence study on SIM350: how well ``edge_scores_`` ranks and ``adjacency_`` reports the network.

Usage:
    python benchmarks/evidence_study.py --output results/evidence --seeds 0 1 --methods dense-prior-reg
    python benchmarks/evidence_study.py --conditions exact corrupt20 --methods dash-0.95 --seeds 0

Data: ``make_sim350(noise=noise, prior_corruption=c, random_state=seed)``, 150
training trajectories (``--noise``, default 0.05: noise sd 0.025).  Conditions: ``exact`` (the true network
as prior), ``corrupt20``/``corrupt40`` (20%/40% of the prior's edges moved to random
non-edges, signs kept), ``none`` (no prior given).

Methods (every fit: ``n_threads=1, random_state=seed``, otherwise the package
defaults, which the ``default`` row shows as they are):

    default           DASHRegulatoryEstimator defaults.
    auto-prior-reg    sparsity="auto", prior_loss_weight=0.05 when a prior is given.
    dense-prior-reg   sparsity=0 (no pruning), prior_loss_weight=0.05 when a prior is given.
    dash-0.95         sparsity=0.95 (the paper's headline), reference lambda, no prior loss.
    dash-0.95-prior-reg  the same with prior_loss_weight=0.05.
    late-pruning      prior_loss_weight=0.05, a 100-epoch dense phase (pruning=PruningSchedule(
                      start=100, initial=0.5)), sparsity "auto".

For each fit: AUPR and AUROC of ``edge_scores_`` (all off-diagonal pairs), precision,
recall and F1 of ``adjacency_``, its size, the sparsity and the fit's wall time; and
the prior's own AUPR and F1 (|prior| as scores, prior != 0 as network); and, as
the alternative read-out, AUPR and F1 of the weight products |E| (``effect_matrix``)
sized by the same per-target rule.  One CSV row
per fit in ``<output>/evidence.csv``.  The truth is ``data.network``; it is used only
for scoring.
"""

import argparse
import os
import time

import numpy as np
import pandas as pd

from skdash import DASHRegulatoryEstimator
from skdash._evidence import select_edges
from skdash.datasets import make_sim350
from skdash.metrics import network_scores
from skdash.pruning import PruningSchedule

CONDITIONS = {"exact": 0.0, "corrupt20": 0.2, "corrupt40": 0.4, "none": None}
METHODS = {
    "default": {},
    "auto-prior-reg": {"sparsity": "auto", "prior_loss_weight": 0.05},
    "dense-prior-reg": {"sparsity": 0.0, "prior_loss_weight": 0.05},
    "dash-0.95": {"sparsity": 0.95, "prior_loss_weight": 0.0},
    "dash-0.95-prior-reg": {"sparsity": 0.95, "prior_loss_weight": 0.05},
    "late-pruning": {"prior_loss_weight": 0.05, "pruning": PruningSchedule(start=100, initial=0.5)},
}


def fit_one(condition, method, seed, noise=0.05):
    corruption = CONDITIONS[condition]
    data = make_sim350(noise=noise, prior_corruption=corruption or 0.0, n_test_trajectories=0,
                       random_state=seed, as_frame=False)
    params = dict(METHODS[method])
    if corruption is None:
        params.pop("prior_loss_weight", None)
    est = DASHRegulatoryEstimator(prior=None if corruption is None else data.prior, n_threads=1,
                                  random_state=seed, **params)
    started = time.perf_counter()
    est.fit(data.X, t=data.t, trajectory=data.trajectory)
    seconds = time.perf_counter() - started
    scores = network_scores(data.network, est.edge_scores_, est.adjacency_)
    # the alternative read-out: |E|, the products of the weights (no data), sized by the same rule
    weight_product = np.abs(est.module_.effect_matrix()[0].double().numpy())
    product_scores = network_scores(data.network, weight_product, select_edges(weight_product, weight_product))
    prior_scores = network_scores(data.network, np.abs(data.prior))
    return {
        "condition": condition, "method": method, "seed": seed, "noise": noise,
        "aupr": scores["aupr"], "auroc": scores["auroc"], "precision": scores["precision"],
        "recall": scores["recall"], "f1": scores["f1"], "n_edges": scores["n_predicted_edges"],
        "n_path_pairs": int(est.path_adjacency_.sum()), "sparsity": est.sparsity_,
        "aupr_weight_product": product_scores["aupr"], "f1_weight_product": product_scores["f1"],
        "prior_aupr": np.nan if corruption is None else prior_scores["aupr"],
        "prior_f1": np.nan if corruption is None else prior_scores["f1"],
        "epochs": est.n_iter_, "best_epoch": est.best_epoch_, "seconds": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="results/evidence")
    parser.add_argument("--conditions", nargs="+", default=list(CONDITIONS), choices=list(CONDITIONS))
    parser.add_argument("--methods", nargs="+", default=["default"], choices=list(METHODS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--noise", type=float, default=0.05, help="make_sim350's noise level (default 0.05)")
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "evidence.csv")
    rows = []
    for seed in args.seeds:
        for method in args.methods:
            for condition in args.conditions:
                rows.append(fit_one(condition, method, seed, args.noise))
                print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1,
                                                        float_format="%.3f"), flush=True)
                pd.DataFrame(rows).to_csv(path, index=False)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
