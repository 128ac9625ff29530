"""Network benchmark: skdash beside the field's peers, on SIM350 and on an independent simulator.

Usage (peers and simulator come with the ``benchmarks`` extra; keep them out of the shared venv):
    python3 -m venv /work/venv-bench && /work/venv-bench/bin/pip install torch==2.13.0
    /work/venv-bench/bin/pip install -e ".[test,benchmarks]"
    /work/venv-bench/bin/python benchmarks/network.py --output results/network-quick --quick
    /work/venv-bench/bin/python benchmarks/network.py --output results/network --seeds 0 1 2
    # what fitted in a session on 2 shared cores: one noise level, fewer trajectories, 1 bootstrap
    /work/venv-bench/bin/python benchmarks/network.py --output results/network --seeds 0 --noises noise5 \
        --priors exact none corrupt40 corrupt20 --trajectories 100 --bootstraps 1

Data (``--datasets``; noise ``--noises`` noise5 / noise10, Gaussian sd 0.025 / 0.05, the
convention of ``make_sim350``; prior ``--priors`` exact / corrupt20 / corrupt40 / none, where
corruptNN moves NN% of the true edges to wrong places with ``skdash.datasets.corrupt_prior``):

    sim350       ``make_sim350``: skdash's own Hill-ODE benchmark, 350 genes, 550 edges,
                 sampled at t = 0, 2, 3, 7, 9.
    harissa350   harissa (PyPI ``harissa``), an INDEPENDENT simulator: a bursty stochastic
    harissa1000  process (promoter switching, mRNA bursts, proteins) of a random signed network
                 drawn here (see benchmarks/_harissa.py), sampled at t = 0, 2, 4, 7, 10;
                 expression = protein level scaled to [0, 1] per gene.  Chosen because it
                 installs cleanly from PyPI with numpy 2 / scipy / numba wheels, takes a signed
                 network matrix as input and returns time courses of every gene; the other
                 candidates were not needed (grins and sergio-scsim simulate snapshots or
                 steady states rather than time courses of one network; tellurium would need an
                 SBML model written for each network).  The stochastic bursts make it a harder
                 and different kind of data than SIM350's deterministic ODE.  harissa1000 costs
                 about 27x harissa350 per trajectory (jumps x genes^2): about an hour for 150
                 trajectories on one core, so it is offered but not in the default grid.

Methods (all rank every off-diagonal pair; rows = regulators, columns = targets):

    skdash       ``DASHRegulatoryEstimator(prior, n_threads=1, random_state=seed,
                 max_epochs=...)``, otherwise the package defaults (sparsity="auto").  Pairs are
                 ranked by ``_skdash_scores(est)``; the reported network is ``est.adjacency_``.
                 With no prior it prunes by weight magnitude alone.
    skdash-s95   the same with sparsity=0.95, the DASH paper's headline sparsity (reached at
                 epoch 183 of 200 by the default schedule): added because "auto" may keep an
                 almost unpruned model when pruning raises the validation loss.
    genie3       arboreto's GENIE3 (RandomForest, max_features="sqrt"), static expression.
    grnboost2    arboreto's GRNBoost2 (stochastic gradient boosting with early stopping).
    inferelator  Inferelator 3 TFA-BBSR (``inferelator_workflow(regression="bbsr",
                 workflow="tfa")``) from temporary TSV files, with the same prior, time-course
                 metadata (prevCol / del.t) and the time-series design-response driver, tau =
                 1 / median decay rate estimated from the data (the estimator of dyngenie3),
                 no gold standard.  Its confidences rank the pairs.  With no prior TFA has no
                 targets to read activities from, so it is run with ``use_no_prior``.
    dyngenie3    a dynGENIE3-style baseline written here: one ExtraTrees forest per target
                 predicting (x_j(t_k+1) - x_j(t_k)) / dt + alpha_j x_j(t_k) from x(t_k), alpha_j
                 estimated from the data (benchmarks/_genie3.py).
    prior        the prior itself (|prior| as scores, prior != 0 as the network).

arboreto note: ``arboreto.algo.genie3`` / ``grnboost2`` (0.1.6, the last release) fail with the
current dask (2026.8): ``create_graph`` always calls ``dask.dataframe.from_delayed`` on the list
of per-target meta frames, which is empty unless include_meta=True, and dask-expr's
``from_delayed`` raises "TypeError: Must supply at least one delayed object" (the legacy
dask.dataframe accepted an empty list).  So the benchmark calls ``arboreto.core.
infer_partial_network``, the per-target function those two dispatch to dask, with arboreto's
own regressor settings (RF_KWARGS, SGBM_KWARGS and its early-stopping window), target by
target in the worker process.

Reported networks: skdash's ``adjacency_`` and the prior's edges; genie3, grnboost2,
inferelator and dyngenie3 report no network of their own here (Inferelator's thresholded
network needs a gold standard to set its cut), so they report their top k pairs, k = the
number of edges of the prior, which equals the number of true edges in every condition
(corrupt_prior moves edges without changing their count; checked at run time); with no prior,
k = the number of true edges.

Scores per run: AUPR and AUROC of the ranking of all off-diagonal pairs (``skdash.metrics.
edge_aupr`` / ``edge_auroc``), precision / recall / F1 of the reported network on off-diagonal
pairs (scikit-learn), wall seconds, and for skdash the prior-loss weight
its fit used.  genie3, grnboost2 and dyngenie3 do not look at the
prior and the data do not change with it, so their corrupt20 / corrupt40 / none rows are
copies of the exact-prior run (column ``reused_from``).

Outputs in --output: ``runs.csv`` (appended run by run; a restarted study skips what is there),
``summary.csv``, ``summary.md`` (mean ± sd over seeds per condition, and the ratio of skdash
to the best peer), ``network.png``, ``settings.json``, and ``cache/`` (simulated harissa
time courses, reused by later calls).  Every run is one job of a joblib (loky) worker process.
``--summarize-only`` rewrites the summaries from runs.csv of a study cut short.

``--quick``: 30 trajectories, max_epochs=30 with pruning every epoch, 20 trees, 2 bootstraps,
by default noise5 with the exact prior and none, seed 0: a smoke test of the pipeline in
minutes, NOT comparable with the full configuration (150 trajectories, 200 epochs, 100 trees
for genie3 and dyngenie3, at most 300 boosting rounds for grnboost2, 2 Inferelator bootstraps, its
default: one BBSR bootstrap over 350 genes takes minutes on a loaded core).
"""

import argparse
import dataclasses
import os
import platform
from importlib.metadata import PackageNotFoundError, version
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from joblib import Parallel, delayed
from sklearn.metrics import f1_score, precision_score, recall_score

import skdash
from _genie3 import estimate_decay_rates, genie3_scores, top_k_adjacency
from _harissa import make_harissa_dataset, simulate_harissa
from accuracy import check_settings, cpu_name, mean_sd
from skdash import DASHRegulatoryEstimator
from skdash.datasets import make_sim350
from skdash.metrics import edge_aupr, edge_auroc
from skdash.pruning import PruningSchedule

DATASETS = {
    "sim350": dict(simulator="sim350", n_genes=350),
    "harissa350": dict(simulator="harissa", n_genes=350),
    "harissa1000": dict(simulator="harissa", n_genes=1000),
}
NOISES = {"noise5": 0.05, "noise10": 0.1}
PRIORS = {"exact": 0.0, "corrupt20": 0.2, "corrupt40": 0.4, "none": None}
HARISSA_TIMES = (0.0, 2.0, 4.0, 7.0, 10.0)


@dataclasses.dataclass(frozen=True)
class Method:
    uses_prior: bool
    relative_cost: float   # to start the longest jobs first
    params: dict = dataclasses.field(default_factory=dict)   # skdash only


METHODS = {
    "skdash": Method(True, 3.0),
    "skdash-s95": Method(True, 3.0, dict(sparsity=0.95)),
    "genie3": Method(False, 2.0),
    "grnboost2": Method(False, 1.0),
    "inferelator": Method(True, 1.5),
    "dyngenie3": Method(False, 1.0),
    "prior": Method(True, 0.0),
}
PEERS = ["genie3", "grnboost2", "inferelator", "dyngenie3"]
SKDASH = [name for name in METHODS if name.startswith("skdash")]

METRICS = ["aupr", "auroc", "precision", "recall", "f1", "seconds"]
LABELS = {"aupr": "AUPR", "auroc": "AUROC", "precision": "precision", "recall": "recall", "f1": "F1",
          "seconds": "seconds"}
KEY = ["method", "dataset", "noise", "prior", "seed"]
#: prior_loss_weight: the weight skdash's fit used (its "auto" search's choice); NaN for the others.
COLUMNS = (KEY + ["n_genes", "reused_from"] + METRICS
           + ["n_predicted_edges", "n_true_edges", "network_from", "prior_loss_weight"])


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that makes two runs comparable; stored in settings.json."""
    quick: bool
    n_trajectories: int
    max_epochs: int
    schedule: dict
    trees: int
    boosting_rounds: int
    inferelator_bootstraps: int

    @classmethod
    def from_args(cls, args):
        if args.quick:
            return cls(True, args.trajectories or 30, 30, dict(interval=1), args.trees or 20, 60,
                       args.bootstraps or 2)
        return cls(False, args.trajectories or 150, 200, {}, args.trees or 100, 300, args.bootstraps or 2)


# ---------------------------------------------------------------------------- data

def harissa_cache(cache_dir, n_genes, seed, settings):
    return Path(cache_dir) / f"harissa{n_genes}-traj{settings.n_trajectories}-seed{seed}.npz"


def simulate_harissa_cached(cache_dir, n_genes, seed, settings):
    """The clean harissa time courses of one size and seed, simulated once per results folder."""
    path = harissa_cache(cache_dir, n_genes, seed, settings)
    if not path.exists():
        started = time.perf_counter()
        clean = simulate_harissa(n_genes, n_trajectories=settings.n_trajectories, times=HARISSA_TIMES,
                                 random_state=seed)
        partial = path.with_suffix(".partial.npz")
        np.savez_compressed(partial, **{k: np.asarray(v) for k, v in clean.items()})
        partial.rename(path)
        print(f"simulated harissa {n_genes} genes, seed {seed}: {time.perf_counter() - started:.0f} s", flush=True)
    with np.load(path) as stored:
        clean = {key: stored[key] for key in stored.files}
    clean["gene_names"] = [str(name) for name in clean["gene_names"]]
    return clean


def load_data(dataset, noise, prior, seed, settings, cache_dir):
    """One data set; ``prior`` is None for the no-prior condition."""
    corruption = PRIORS[prior] or 0.0
    spec = DATASETS[dataset]
    if spec["simulator"] == "sim350":
        data = make_sim350(noise=NOISES[noise], prior_corruption=corruption, n_trajectories=settings.n_trajectories,
                           n_test_trajectories=0, random_state=seed, as_frame=False)
    else:
        from sklearn.utils import Bunch
        clean = Bunch(**simulate_harissa_cached(cache_dir, spec["n_genes"], seed, settings))
        data = make_harissa_dataset(clean, noise=NOISES[noise], prior_corruption=corruption, random_state=seed)
    if PRIORS[prior] is None:
        data.prior = None
    return data


# ---------------------------------------------------------------------------- methods

def _skdash_scores(est):
    """Evidence for every pair from a fitted estimator, the one place the benchmark reads it."""
    return np.asarray(est.edge_scores_, dtype=np.float64)


def run_skdash(method, data, seed, settings):
    est = DASHRegulatoryEstimator(prior=data.prior, n_threads=1, random_state=seed, max_epochs=settings.max_epochs,
                                  pruning=PruningSchedule(**settings.schedule), **METHODS[method].params)
    est.fit(data.X, t=data.t, trajectory=data.trajectory)
    return _skdash_scores(est), np.asarray(est.adjacency_, dtype=bool), "adjacency_", est.prior_loss_weight_


def arboreto_scores(X, gene_names, regressor, settings, seed):
    """arboreto's per-target GENIE3 / GRNBoost2 regressions, run in a loop (see the module docstring)."""
    from arboreto.core import EARLY_STOP_WINDOW_LENGTH, RF_KWARGS, SGBM_KWARGS, infer_partial_network

    if regressor == "RF":
        kwargs = dict(RF_KWARGS, n_estimators=settings.trees)
    else:
        kwargs = dict(SGBM_KWARGS, n_estimators=settings.boosting_rounds)
    index = {name: i for i, name in enumerate(gene_names)}
    scores = np.zeros((len(gene_names), len(gene_names)))
    for target, name in enumerate(gene_names):
        links = infer_partial_network(regressor, kwargs, X, gene_names, name, X[:, target], include_meta=False,
                                      early_stop_window_length=EARLY_STOP_WINDOW_LENGTH, seed=seed)
        # arboreto swallows a failed regression and returns an empty frame; do not let that pass as "no edges"
        if links.empty and np.ptp(X[:, target]) > 0:
            raise RuntimeError(f"arboreto's {regressor} regression returned nothing for target {name}.")
        scores[[index[tf] for tf in links["TF"]], target] = links["importance"].to_numpy()
    np.fill_diagonal(scores, 0.0)
    return scores


def inferelator_metadata(t, trajectory, names):
    """Inferelator's time-course metadata: each sample's previous sample in its trajectory and the gap."""
    first = np.r_[True, trajectory[1:] != trajectory[:-1]]
    last = np.r_[trajectory[1:] != trajectory[:-1], True]
    return pd.DataFrame({
        "isTs": True,
        "is1stLast": np.where(first, "f", np.where(last, "l", "m")),
        "prevCol": [None if f else names[i - 1] for i, f in enumerate(first)],
        "del.t": [np.nan if f else t[i] - t[i - 1] for i, f in enumerate(first)],
        "condName": names,
    })


def inferelator_scores(data, seed, settings):
    from inferelator import inferelator_workflow
    from inferelator.distributed.inferelator_mp import MPControl
    from inferelator.utils import Debug

    Debug.set_verbose_level(-1)
    # Inferelator's default engine starts its own joblib workers; the benchmark gives every run one core
    MPControl.set_multiprocess_engine("local")
    MPControl.connect()
    order = np.lexsort((data.t, data.trajectory))   # Inferelator walks each time course in order
    X, t, trajectory = data.X[order], data.t[order], data.trajectory[order]
    genes = list(data.gene_names)
    names = [f"s{i}" for i in range(len(t))]
    decay = estimate_decay_rates(X, t, trajectory)
    if not np.any(decay > 0):
        raise RuntimeError("No gene decays in these data; cannot set Inferelator's tau.")
    tau = 1.0 / np.median(decay[decay > 0])
    with tempfile.TemporaryDirectory() as folder:
        pd.DataFrame(X, index=names, columns=genes).to_csv(os.path.join(folder, "expression.tsv"), sep="\t")
        inferelator_metadata(t, trajectory, names).to_csv(os.path.join(folder, "meta.tsv"), sep="\t", index=False,
                                                          na_rep="NA")
        pd.Series(genes).to_csv(os.path.join(folder, "tfs.tsv"), sep="\t", index=False, header=False)
        files = dict(expression_matrix_file="expression.tsv", meta_data_file="meta.tsv", tf_names_file="tfs.tsv")
        if data.prior is not None:
            # Inferelator's priors are genes x regulators: skdash's transposed
            pd.DataFrame(np.asarray(data.prior).T, index=genes, columns=genes).to_csv(
                os.path.join(folder, "prior.tsv"), sep="\t")
            files["priors_file"] = "prior.tsv"
        workflow = inferelator_workflow(regression="bbsr", workflow="tfa")
        workflow.set_file_paths(input_dir=folder, output_dir=os.path.join(folder, "out"), **files)
        workflow.set_file_properties(expression_matrix_columns_are_genes=True)
        workflow.set_network_data_flags(use_no_gold_standard=True, use_no_prior=data.prior is None)
        workflow.set_design_settings(timecourse_response_driver=True, delTmin=0, delTmax=float(np.ptp(t)), tau=tau)
        workflow.set_run_parameters(num_bootstraps=settings.inferelator_bootstraps, random_seed=seed)
        workflow.set_output_file_names(network_file_name=None, confidence_file_name=None,
                                       nonzero_coefficient_file_name=None, pdf_curve_file_name=None,
                                       curve_data_file_name=None)
        result = workflow.run()
    confidences = result.combined_confidences.reindex(index=genes, columns=genes)   # targets x regulators
    if confidences.isna().all().all():
        raise RuntimeError("Inferelator returned confidences for none of the genes.")
    scores = confidences.fillna(0.0).to_numpy().T
    np.fill_diagonal(scores, 0.0)
    return scores


def peer_scores(method, data, seed, settings):
    X = np.asarray(data.X, dtype=float)
    if method == "genie3":
        return arboreto_scores(X, list(data.gene_names), "RF", settings, seed)
    if method == "grnboost2":
        return arboreto_scores(X, list(data.gene_names), "GBM", settings, seed)
    if method == "inferelator":
        return inferelator_scores(data, seed, settings)
    if method == "dyngenie3":
        decay = estimate_decay_rates(X, data.t, data.trajectory)
        return genie3_scores(X, data.t, data.trajectory, response="rate", decay=decay, n_estimators=settings.trees,
                             random_state=seed)
    raise ValueError(f"Unknown peer {method!r}.")


# ---------------------------------------------------------------------------- one run

def off_diagonal(matrix):
    return matrix[~np.eye(matrix.shape[0], dtype=bool)]


def score_run(network, scores, adjacency):
    truth, predicted = off_diagonal(np.asarray(network) != 0), off_diagonal(np.asarray(adjacency, dtype=bool))
    return dict(
        aupr=edge_aupr(network, scores), auroc=edge_auroc(network, scores),
        precision=precision_score(truth, predicted, zero_division=0.0),
        recall=recall_score(truth, predicted, zero_division=0.0),
        f1=f1_score(truth, predicted, zero_division=0.0),
        n_predicted_edges=int(predicted.sum()), n_true_edges=int(truth.sum()),
    )


def run_one(method, dataset, noise, prior, seed, settings, cache_dir):
    """Fit (or score) one method on one data set; return its runs.csv row."""
    data = load_data(dataset, noise, prior, seed, settings, cache_dir)
    n_true = int(off_diagonal(data.network != 0).sum())
    if data.prior is not None and int(off_diagonal(np.asarray(data.prior) != 0).sum()) != n_true:
        raise RuntimeError(f"{dataset}: the prior's edge count differs from the truth's; the peers' top-k "
                           "and the reuse of prior-free runs assume they match.")
    started = time.perf_counter()
    prior_loss_weight = np.nan
    if method == "prior":
        if data.prior is None:
            return None   # nothing to score
        prior_matrix = np.asarray(data.prior, dtype=float)
        scores, adjacency, network_from = np.abs(prior_matrix), prior_matrix != 0, "prior edges"
    elif method in SKDASH:
        scores, adjacency, network_from, prior_loss_weight = run_skdash(method, data, seed, settings)
    else:
        scores = peer_scores(method, data, seed, settings)
        adjacency, network_from = top_k_adjacency(scores, n_true), f"top {n_true}"
    seconds = time.perf_counter() - started
    row = score_run(data.network, scores, adjacency)
    row.update(method=method, dataset=dataset, noise=noise, prior=prior, seed=seed,
               n_genes=DATASETS[dataset]["n_genes"], reused_from="", network_from=network_from,
               seconds=seconds if method != "prior" else np.nan, prior_loss_weight=prior_loss_weight)
    return {column: row.get(column, np.nan) for column in COLUMNS}


# ---------------------------------------------------------------------------- planning and results

def source_prior(method, prior):
    return prior if METHODS[method].uses_prior else "exact"


def plan(methods, datasets, noises, priors, seeds, done):
    """Runs to compute, and the copies each prior-free run fills in."""
    to_run, copies = [], {}
    for method in methods:
        for dataset in datasets:
            for noise in noises:
                for prior in priors:
                    if method == "prior" and prior == "none":
                        continue
                    for seed in seeds:
                        if (method, dataset, noise, prior, seed) in done:
                            continue
                        key = (method, dataset, noise, source_prior(method, prior), seed)
                        if key[3] != prior:
                            copies.setdefault(key, []).append(prior)
                        if key not in done and key not in to_run:
                            to_run.append(key)
    # priors in the order asked for (a study cut short has the first ones complete), longest jobs first
    to_run.sort(key=lambda key: (priors.index(key[3]), -METHODS[key[0]].relative_cost * DATASETS[key[1]]["n_genes"]))
    return to_run, copies


def read_runs(path):
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    runs = pd.read_csv(path, keep_default_na=False, na_values=[""]).reindex(columns=COLUMNS)
    text = ["reused_from", "network_from"]
    runs[text] = runs[text].fillna("").astype(str)
    return runs


def append_row(path, row):
    if path.exists() and pd.read_csv(path, nrows=0).columns.tolist() != COLUMNS:
        # a runs.csv of an earlier version of this script: rewritten once with today's columns
        pd.concat([read_runs(path), pd.DataFrame([row], columns=COLUMNS)]).to_csv(path, index=False)
        return
    pd.DataFrame([row], columns=COLUMNS).to_csv(path, mode="a", header=not path.exists(), index=False)


def reused_row(row, prior):
    return dict(row, prior=prior, reused_from=row["prior"])


def run_study(output, methods, datasets, noises, priors, seeds, settings, jobs):
    path = output / "runs.csv"
    runs = read_runs(path)
    done = set(zip(runs["method"], runs["dataset"], runs["noise"], runs["prior"], runs["seed"].astype(int)))
    to_run, copies = plan(methods, datasets, noises, priors, seeds, done)
    finished = {tuple(r[k] for k in KEY): r for r in runs.to_dict("records")}
    for key, targets in copies.items():
        if key in finished:
            for prior in targets:
                append_row(path, reused_row(finished[key], prior))
    cache_dir = output / "cache"
    cache_dir.mkdir(exist_ok=True)
    # simulate each harissa data set once, here, before the workers need it
    for dataset, seed in sorted({(key[1], key[4]) for key in to_run}):
        if DATASETS[dataset]["simulator"] == "harissa":
            simulate_harissa_cached(cache_dir, DATASETS[dataset]["n_genes"], seed, settings)
    print(f"{len(done)} runs already in {path}; {len(to_run)} to run with {jobs} jobs.", flush=True)
    results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(run_one)(*key, settings, cache_dir) for key in to_run)
    for count, row in enumerate(results, 1):
        if row is None:
            continue
        append_row(path, row)
        for prior in copies.get(tuple(row[k] for k in KEY), []):
            append_row(path, reused_row(row, prior))
        seconds = "" if np.isnan(row["seconds"]) else f", {row['seconds']:.0f} s"
        print(f"[{count}/{len(to_run)}] {row['method']:<11} {row['dataset']:<11} {row['noise']:<7} "
              f"{row['prior']:<9} seed {row['seed']}: AUPR {row['aupr']:.3f}, AUROC {row['auroc']:.3f}, "
              f"F1 {row['f1']:.3f}{seconds}", flush=True)
    return read_runs(path)


# ---------------------------------------------------------------------------- summary

CONDITION = ["dataset", "noise", "prior"]


def ordered(frame, extra=()):
    orders = {"dataset": list(DATASETS), "noise": list(NOISES), "prior": list(PRIORS), "method": list(METHODS)}
    columns = CONDITION + list(extra)
    return frame.sort_values(columns, key=lambda s: s.map({v: i for i, v in enumerate(orders[s.name])}))


def summarize(runs):
    """Mean and sd over seeds per condition and method."""
    runs = runs.copy()
    runs[METRICS] = runs[METRICS].astype(float)
    grouped = runs.groupby(CONDITION + ["method"], sort=False)
    summary = grouped[METRICS].agg(["mean", "std"])
    summary.columns = [f"{metric}_{stat.replace('std', 'sd')}" for metric, stat in summary.columns]
    summary.insert(0, "n_seeds", grouped.size())
    summary.insert(1, "reused_from", grouped["reused_from"].agg(lambda s: ",".join(sorted(set(s) - {""}))))
    summary.insert(2, "network_from", grouped["network_from"].agg(lambda s: ",".join(sorted(set(s)))))
    return ordered(summary.reset_index(), ["method"]).reset_index(drop=True)


def ratios(summary, metric, method="skdash"):
    """Per condition: the skdash variant's mean over the best peer's mean (peers: PEERS, not the prior)."""
    rows = []
    for condition, group in summary.groupby(CONDITION, sort=False):
        by_method = group.set_index("method")[f"{metric}_mean"]
        peers = by_method.reindex(PEERS).dropna()
        if method not in by_method or peers.empty:
            continue
        best = peers.idxmax()
        rows.append(dict(zip(CONDITION, condition), skdash=by_method[method], best_peer=best,
                         best_peer_value=peers[best], ratio=by_method[method] / peers[best]))
    return pd.DataFrame(rows, columns=CONDITION + ["skdash", "best_peer", "best_peer_value", "ratio"])


def markdown_table(summary):
    header = ["dataset", "noise", "prior", "method"] + [LABELS[m] for m in METRICS] + ["seeds", "network", "reused"]
    align = ["---"] * 4 + ["---:"] * (len(METRICS) + 1) + ["---"] * 2
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for row in summary.to_dict("records"):
        cells = [row["dataset"], row["noise"], row["prior"], row["method"]]
        cells += [mean_sd(row[f"{m}_mean"], row[f"{m}_sd"], m) for m in METRICS]
        cells += [str(row["n_seeds"]), row["network_from"], f"from {row['reused_from']}" if row["reused_from"] else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio_table(summary, method):
    aupr, f1 = ratios(summary, "aupr", method), ratios(summary, "f1", method)
    lines = [f"| dataset | noise | prior | {method} AUPR | best peer (AUPR) | ratio "
             f"| {method} F1 | best peer (F1) | ratio |", "|---|---|---|---:|---|---:|---:|---|---:|"]
    merged = aupr.merge(f1, on=CONDITION, suffixes=("_aupr", "_f1"))
    for row in merged.to_dict("records"):
        lines.append(f"| {row['dataset']} | {row['noise']} | {row['prior']} | {row['skdash_aupr']:.3f} | "
                     f"{row['best_peer_aupr']} {row['best_peer_value_aupr']:.3f} | {row['ratio_aupr']:.2f} | "
                     f"{row['skdash_f1']:.3f} | {row['best_peer_f1']} {row['best_peer_value_f1']:.3f} | "
                     f"{row['ratio_f1']:.2f} |")
    return "\n".join(lines)


def describe_setup(settings, jobs):
    config = ("QUICK smoke configuration (not comparable with the full one)" if settings.quick
              else "full configuration")
    return "\n".join([
        f"- Configuration: {config}: {settings.n_trajectories} trajectories per data set, skdash "
        f"max_epochs={settings.max_epochs}, schedule overrides {settings.schedule or 'none'}; "
        f"few trees for the peers, to fit the compute: {settings.trees} trees per forest (genie3, dyngenie3), "
        f"at most {settings.boosting_rounds} boosting rounds with arboreto's early stopping (grnboost2), "
        f"{settings.inferelator_bootstraps} Inferelator bootstraps.",
        "- Reported networks: skdash `adjacency_`; the prior's edges; peers their top k pairs, k = number of "
        "prior edges (= true edges in every condition here; with no prior, the true edges).",
        "- Ratios: skdash's mean over the best peer's mean (peers: genie3, grnboost2, inferelator, dyngenie3; "
        "the prior is not a peer).",
        f"- Machine: {cpu_name()} ({platform.machine()}), os.cpu_count()={os.cpu_count()}, shared with other "
        f"work; {jobs} parallel jobs, one thread each (wall times are under that load).",
        f"- Versions: skdash {skdash.__version__}, torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
        + ", ".join(f"{name} {installed_version(name)}" for name in ("harissa", "arboreto", "inferelator", "dask"))
        + f", Python {platform.python_version()}.",
    ])


def installed_version(package):
    """The package's version, or "not installed" (a study of skdash alone needs no peer)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def write_summary(output, summary, settings, jobs):
    summary.to_csv(output / "summary.csv", index=False)
    ratio_text = "\n\n".join(f"## {method} / best peer (means over seeds)\n\n{ratio_table(summary, method)}"
                             for method in SKDASH if method in set(summary["method"]))
    text = (f"# Network benchmark: skdash and peers\n\n{describe_setup(settings, jobs)}\n\n{ratio_text}\n\n"
            f"## All methods (mean ± sd over seeds)\n\n{markdown_table(summary)}\n")
    (output / "summary.md").write_text(text)
    return text


def plot_summary(output, summary, settings):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conditions = list(dict.fromkeys(zip(*(summary[c] for c in CONDITION))))
    methods = [m for m in METHODS if m in set(summary["method"])]
    fig, axes = plt.subplots(2, 1, figsize=(max(8, 1.3 * len(conditions) + 3), 8), sharex=True)
    width = 0.8 / len(methods)
    colors = plt.get_cmap("tab10").colors
    indexed = summary.set_index(CONDITION + ["method"])
    for ax, metric in zip(axes, ["aupr", "f1"]):
        for i, method in enumerate(methods):
            rows = indexed.reindex([c + (method,) for c in conditions])
            x = np.arange(len(conditions)) + (i - (len(methods) - 1) / 2) * width
            ax.bar(x, rows[f"{metric}_mean"], width, yerr=rows[f"{metric}_sd"].fillna(0), capsize=2,
                   label=method, color=colors[i % len(colors)])
        ax.set_ylabel(LABELS[metric])
        ax.set_ylim(0, 1)
        ax.grid(axis="y", alpha=0.3)
    ratio = ratios(summary, "aupr").set_index(CONDITION)["ratio"]
    labels = [f"{d}\n{n}\n{p}" + (f"\nx{ratio[(d, n, p)]:.2f}" if (d, n, p) in ratio.index else "")
              for d, n, p in conditions]
    axes[-1].set_xticks(np.arange(len(conditions)), labels, fontsize="small")
    axes[0].legend(ncol=min(6, len(methods)), fontsize="small", loc="lower left", bbox_to_anchor=(0, 1.02))
    config = "QUICK smoke configuration" if settings.quick else "full configuration"
    axes[0].set_title(f"{config}: mean ± sd over seeds; x = skdash AUPR / best peer AUPR", pad=30)
    fig.tight_layout()
    fig.savefig(output / "network.png", dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, required=True, help="results folder (created)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default 0 1 2 (0 with --quick)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--datasets", nargs="+", default=["sim350", "harissa350"], choices=list(DATASETS))
    parser.add_argument("--noises", nargs="+", default=None, choices=list(NOISES),
                        help="default both (noise5 with --quick)")
    parser.add_argument("--priors", nargs="+", default=None, choices=list(PRIORS),
                        help="default all (exact and none with --quick), run in this order")
    parser.add_argument("--jobs", type=int, default=2, help="parallel worker processes, one thread each")
    parser.add_argument("--trees", type=int, default=None, help="trees per forest; default 100 (20 with --quick)")
    parser.add_argument("--trajectories", type=int, default=None, help="per data set; default 150 (30 with --quick)")
    parser.add_argument("--bootstraps", type=int, default=None, help="Inferelator bootstraps; default 2")
    parser.add_argument("--quick", action="store_true", help="small smoke configuration (see above)")
    parser.add_argument("--summarize-only", action="store_true",
                        help="run nothing: rewrite summary.csv, summary.md and the PNG from runs.csv")
    args = parser.parse_args(argv)
    if args.seeds is None:
        args.seeds = [0] if args.quick else [0, 1, 2]
    if args.noises is None:
        args.noises = ["noise5"] if args.quick else list(NOISES)
    if args.priors is None:
        args.priors = ["exact", "none"] if args.quick else list(PRIORS)
    for name in ("jobs", "trajectories", "bootstraps", "trees"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    settings = Settings.from_args(args)
    args.output.mkdir(parents=True, exist_ok=True)
    check_settings(args.output, settings)
    started = time.perf_counter()
    if args.summarize_only:
        runs = read_runs(args.output / "runs.csv")
    else:
        runs = run_study(args.output, args.methods, args.datasets, args.noises, args.priors, args.seeds, settings,
                         args.jobs)
    if runs.empty:
        raise SystemExit("No runs to summarise.")
    summary = summarize(runs)
    text = write_summary(args.output, summary, settings, args.jobs)
    plot_summary(args.output, summary, settings)
    print(f"\n{text}\nWrote runs.csv, summary.csv, summary.md and network.png to {args.output} "
          f"in {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
