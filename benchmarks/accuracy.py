"""Accuracy study on SIM350: DASH against its ablations, PHOENIX's prior regulariser and GENIE3.

Usage:
    python benchmarks/accuracy.py --output results/accuracy
    python benchmarks/accuracy.py --output results/accuracy-quick --quick --seeds 0 --jobs 1

Data: ``make_sim350(noise, prior_corruption, random_state=seed)`` (150 training
and 50 noise-free test trajectories), one data set per condition and seed:

    noise0      noise 0    (sd 0),     exact prior
    noise5      noise 0.05 (sd 0.025), exact prior
    noise10     noise 0.1  (sd 0.05),  exact prior
    corrupt20   noise 0,   20% of the prior's edges moved to random non-edges
    corrupt40   noise 0,   40% of the prior's edges moved

Methods (every neural fit: ``DASHRegulatoryEstimator(random_state=seed,
n_threads=1, solver=RK4(max_step=1.5), max_epochs=200)``, otherwise defaults; pruned methods stop at the
paper's headline sparsity 0.95, reached at epoch 183 by the default schedule):

    unpruned            sparsity=0, no prior given: the dense PHOENIX model.
    unpruned-prior-reg  sparsity=0, PHOENIX's prior regularisation with
                        prior_loss_weight=0.05 (loss = 0.95 data MSE + 0.05 prior
                        penalty); the package documents no recommended value, 0.05
                        is a light pull towards the prior.  No pruning.
    imp                 sparsity=0.95, prior_weight=0, no prior given: iterative
                        magnitude pruning.
    prior-only          sparsity=0.95, prior_weight=1: pruning decided by the prior
                        alone (the data still train the surviving weights).
    dash                sparsity=0.95, the reference lambda (0.5, 0.05).
    dash-cv             sparsity=0.95, lambda chosen by GridSearchCV among
                        (0.2, 0.02), (0.5, 0.05), (0.8, 0.2) with the estimator's own
                        score (R^2 of one-step forecasts) on 20% held-out
                        trajectories (GroupShuffleSplit, groups = trajectory,
                        scikit-learn metadata routing on), then refitted on all
                        the data.  The true network is never used; the chosen
                        lambda is in the ``prior_weight`` column, the validation
                        scores in ``cv_scores``.
    genie3              GENIE3 (one ExtraTreesRegressor per target gene, 100 trees,
                        max_features="sqrt"): each gene's finite-difference rate
                        (x(t_k+1) - x(t_k)) / (t_k+1 - t_k), consecutive snapshots of
                        one trajectory only, regressed on all genes at t_k; feature
                        importances are the edge scores, self-edges zeroed.
    genie3-lagged       the same forests regressing x_j(t_k+1) itself on x(t_k)
                        (time-lagged GENIE3).  Added because SIM350 is sampled
                        at t = 0, 2, 3, 7, 9 while genes relax at rate ~1: finite
                        differences over such gaps carry little regulatory signal
                        and the rate variant ranks edges near chance.
    prior               the prior network itself as a predictor (|prior| as scores,
                        prior != 0 as the network): what the prior alone gets right.

GENIE3 has no structure of its own; its binary network (for balanced accuracy)
keeps the top 5% of off-diagonal pairs by score, the fraction matching the 0.95
sparsity of the pruned models (the weight sparsity of a model is not its network
density: compare ``n_predicted_edges``).  AUROC, AUPR and early precision do not
depend on that cut.  Sparsity, test MSE and epochs do not apply to GENIE3 or to
the prior and are NaN.

Reuse: unpruned, imp, genie3 and genie3-lagged do not look at the prior, and
``make_sim350`` draws the same training and test data for every prior corruption
(independent random streams), so their corrupt20/corrupt40 rows are copies of the
noise0 run of the same seed (column ``reused_from``), not refits.

Outputs in --output: ``runs.csv`` (one row per method x condition x seed, appended
as runs finish; a restarted study skips the rows already there, so a study can
also be built up by several calls with different --methods/--conditions/--seeds),
``summary.csv`` and ``summary.md`` (mean and sd over seeds of every run in
runs.csv), ``accuracy.png`` (balanced accuracy and AUROC per condition), and
``settings.json`` (a study is resumed only with the same settings).  A reused
row repeats its source's wall time.

Fits run in parallel (``--jobs``, default 2) with one torch thread each.  The
full study is 123 neural fits (dash-cv counts four; reused rows cost nothing)
and 18 GENIE3 runs, each about 0.5-2 minutes on one core: one to two hours with
--jobs 2 on two cores.

``--quick`` runs a small, clearly labelled configuration to test the pipeline in
minutes, NOT comparable with the full study: 30 training and 10 test
trajectories, max_epochs=30, a pruning interval of 1 epoch (0.95 reached at epoch 21),
20 trees per GENIE3 forest.
"""

import argparse
import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from joblib import Parallel, delayed
from sklearn import config_context
from sklearn.model_selection import GridSearchCV, GroupShuffleSplit

import skdash
from _genie3 import genie3_scores, top_fraction_adjacency
from skdash import DASHRegulatoryEstimator
from skdash.datasets import make_sim350
from skdash.metrics import forecast_mse, network_scores
from skdash.pruning import PruningSchedule
from skdash.solvers import RK4

CONDITIONS = {
    "noise0": dict(noise=0.0, prior_corruption=0.0),
    "noise5": dict(noise=0.05, prior_corruption=0.0),
    "noise10": dict(noise=0.1, prior_corruption=0.0),
    "corrupt20": dict(noise=0.0, prior_corruption=0.2),
    "corrupt40": dict(noise=0.0, prior_corruption=0.4),
}

TARGET_SPARSITY = 0.95
CV_GRID = [(0.2, 0.02), (0.5, 0.05), (0.8, 0.2)]


@dataclasses.dataclass(frozen=True)
class Method:
    kind: str            # "fit", "search", "genie3" or "prior"
    uses_prior: bool
    params: dict = dataclasses.field(default_factory=dict)
    relative_cost: float = 1.0   # to start the longest jobs first


METHODS = {
    "unpruned": Method("fit", False, dict(sparsity=0.0)),
    "unpruned-prior-reg": Method("fit", True, dict(sparsity=0.0, prior_loss_weight=0.05)),
    "imp": Method("fit", False, dict(sparsity=TARGET_SPARSITY, prior_weight=0.0)),
    "prior-only": Method("fit", True, dict(sparsity=TARGET_SPARSITY, prior_weight=1.0)),
    "dash": Method("fit", True, dict(sparsity=TARGET_SPARSITY)),
    "dash-cv": Method("search", True, dict(sparsity=TARGET_SPARSITY), relative_cost=4.0),
    "genie3": Method("genie3", False, dict(response="rate")),
    "genie3-lagged": Method("genie3", False, dict(response="next")),
    "prior": Method("prior", True, relative_cost=0.0),
}

METRICS = ["balanced_accuracy", "sparsity", "auroc", "aupr", "early_precision", "test_mse", "epochs", "seconds"]
LABELS = {"balanced_accuracy": "balanced accuracy", "sparsity": "sparsity", "auroc": "AUROC", "aupr": "AUPR",
          "early_precision": "early precision", "test_mse": "test MSE", "epochs": "epochs", "seconds": "seconds"}
COLUMNS = (["method", "condition", "seed", "noise", "prior_corruption", "reused_from"] + METRICS
           + ["n_predicted_edges", "network_density", "auroc_target_normalized", "prior_weight", "cv_scores"])


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that makes two runs comparable; stored in settings.json."""
    quick: bool
    max_epochs: int
    genie3_trees: int
    n_trajectories: int
    n_test_trajectories: int
    schedule: dict   # PruningSchedule parameters that override its defaults

    @classmethod
    def from_args(cls, args):
        if args.quick:
            return cls(True, args.max_epochs or 30, args.genie3_trees or 20, 30, 10, dict(interval=1))
        return cls(False, args.max_epochs or 200, args.genie3_trees or 100, 150, 50, {})


# ---------------------------------------------------------------------------- planning

def source_condition(method, condition):
    """The condition whose run gives this method's result: prior-free methods reuse the exact-prior one."""
    if METHODS[method].uses_prior or CONDITIONS[condition]["prior_corruption"] == 0:
        return condition
    noise = CONDITIONS[condition]["noise"]
    return next(name for name, c in CONDITIONS.items() if c["noise"] == noise and c["prior_corruption"] == 0)


def check_schedule(settings):
    # fit() would refuse too, but only inside a worker, possibly after an hour of other runs
    needed = PruningSchedule(**settings.schedule).epochs_to_reach(TARGET_SPARSITY)
    if needed is None or needed > settings.max_epochs:
        raise SystemExit(f"The pruning schedule reaches sparsity {TARGET_SPARSITY} only at epoch {needed} > "
                         f"--max-epochs {settings.max_epochs}: raise --max-epochs, or use --quick (pruning every "
                         "epoch) for a short smoke run.")


def plan(methods, conditions, seeds, done):
    """Runs to compute, and the copies each one also fills in (or that can be made from a finished run).

    Returns
    -------
    to_run : list of (method, condition, seed), longest first
    copies : dict (method, source condition, seed) -> list of target conditions
    """
    to_run, copies = [], {}
    for method in methods:
        for condition in conditions:
            for seed in seeds:
                if (method, condition, seed) in done:
                    continue
                source = source_condition(method, condition)
                key = (method, source, seed)
                if source != condition:
                    copies.setdefault(key, []).append(condition)
                if key not in done and key not in to_run:
                    to_run.append(key)
    to_run.sort(key=lambda key: -METHODS[key[0]].relative_cost)
    return to_run, copies


# ---------------------------------------------------------------------------- one run

def load_data(condition, seed, n_trajectories, n_test_trajectories):
    # simulated afresh for every run (about a second): cheaper than shipping data sets to the workers
    return make_sim350(**CONDITIONS[condition], n_trajectories=n_trajectories,
                       n_test_trajectories=n_test_trajectories, random_state=seed, as_frame=False)


#: The package default, written out because the step sets both speed and accuracy.
STUDY_MAX_STEP = 1.5


def make_estimator(method, prior, seed, settings):
    params = METHODS[method].params
    return DASHRegulatoryEstimator(prior=prior if METHODS[method].uses_prior else None, random_state=seed,
                                   n_threads=1, solver=RK4(max_step=STUDY_MAX_STEP), max_epochs=settings.max_epochs,
                                   pruning=PruningSchedule(**settings.schedule), **params)


def lambda_label(weight):
    return "/".join(f"{w:g}" for w in weight)


def fit_search(data, seed, settings):
    """dash-cv: pick lambda on held-out trajectories by the estimator's own forecast score."""
    search = GridSearchCV(
        make_estimator("dash-cv", data.prior, seed, settings), {"prior_weight": CV_GRID},
        cv=GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=seed), n_jobs=1, error_score="raise",
    )
    # t and trajectory must reach score too, and groups the splitter: that needs routing
    with config_context(enable_metadata_routing=True):
        search.fit(data.X, t=data.t, trajectory=data.trajectory, groups=data.trajectory)
    scores = ";".join(f"{lambda_label(p['prior_weight'])}:{s:.5f}"
                      for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]))
    return search.best_estimator_, scores


def neural_row(method, data, seed, settings):
    if METHODS[method].kind == "search":
        est, cv_scores = fit_search(data, seed, settings)
    else:
        est, cv_scores = make_estimator(method, data.prior, seed, settings), ""
        est.fit(data.X, t=data.t, trajectory=data.trajectory)
    row = network_row(data.network, est.network_, est.adjacency_)
    # lambda means nothing for a model that is not pruned
    prior_weight = lambda_label(est.prior_weight_) if est.sparsity != 0 else ""
    row.update(sparsity=est.sparsity_, epochs=est.n_iter_, prior_weight=prior_weight, cv_scores=cv_scores,
               test_mse=forecast_mse(est, data.X_test, t=data.t_test, trajectory=data.trajectory_test))
    return row


def genie3_row(method, data, seed, settings):
    scores = genie3_scores(data.X, data.t, data.trajectory, response=METHODS[method].params["response"],
                           n_estimators=settings.genie3_trees, random_state=seed)
    return network_row(data.network, scores, top_fraction_adjacency(scores, 1 - TARGET_SPARSITY))


def network_row(true_network, scores, adjacency):
    result = network_scores(true_network, scores, adjacency)
    keep = ["balanced_accuracy", "auroc", "aupr", "early_precision", "n_predicted_edges", "network_density",
            "auroc_target_normalized"]
    return {key: result[key] for key in keep}


def run_one(method, condition, seed, settings):
    """Fit (or score) one method on one data set; return its runs.csv row."""
    data = load_data(condition, seed, settings.n_trajectories, settings.n_test_trajectories)
    started = time.perf_counter()
    kind = METHODS[method].kind
    if kind == "prior":
        row = network_row(data.network, np.abs(data.prior), data.prior != 0)
    elif kind == "genie3":
        row = genie3_row(method, data, seed, settings)
    else:
        row = neural_row(method, data, seed, settings)
    seconds = time.perf_counter() - started
    row.update(method=method, condition=condition, seed=seed, reused_from="", **CONDITIONS[condition],
               seconds=seconds if kind != "prior" else np.nan)
    return {column: row.get(column, np.nan) for column in COLUMNS}


def reused_row(row, condition):
    return dict(row, condition=condition, reused_from=row["condition"], **CONDITIONS[condition])


# ---------------------------------------------------------------------------- results folder

def check_settings(output, settings):
    """Refuse to mix runs made with other settings in one results folder."""
    path = output / "settings.json"
    current = dataclasses.asdict(settings)
    if path.exists():
        stored = json.loads(path.read_text())
        if stored != current:
            raise SystemExit(f"{output} holds runs made with other settings ({stored}); now {current}. "
                             "Use another --output.")
    else:
        path.write_text(json.dumps(current, indent=2) + "\n")


def read_runs(path):
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    runs = pd.read_csv(path).reindex(columns=COLUMNS)
    text = ["reused_from", "prior_weight", "cv_scores"]
    runs[text] = runs[text].fillna("").astype(str)
    return runs


def append_row(path, row):
    # one row at a time, so that an interrupted study loses at most the runs in flight
    pd.DataFrame([row], columns=COLUMNS).to_csv(path, mode="a", header=not path.exists(), index=False)


def run_study(output, methods, conditions, seeds, settings, jobs):
    path = output / "runs.csv"
    runs = read_runs(path)
    done = set(zip(runs["method"], runs["condition"], runs["seed"].astype(int)))
    to_run, copies = plan(methods, conditions, seeds, done)
    finished = {(r["method"], r["condition"], int(r["seed"])): r for r in runs.to_dict("records")}
    for key, targets in copies.items():
        if key in finished:   # the source run survived an interruption that its copies did not
            for condition in targets:
                append_row(path, reused_row(finished[key], condition))
    print(f"{len(done)} runs already in {path}; {len(to_run)} to run with {jobs} jobs.", flush=True)
    results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(run_one)(method, condition, seed, settings) for method, condition, seed in to_run)
    for count, row in enumerate(results, 1):
        append_row(path, row)
        for condition in copies.get((row["method"], row["condition"], row["seed"]), []):
            append_row(path, reused_row(row, condition))
        seconds = "" if np.isnan(row["seconds"]) else f", {row['seconds']:.0f} s"
        print(f"[{count}/{len(to_run)}] {row['method']:<18} {row['condition']:<9} seed {row['seed']}: "
              f"balanced accuracy {row['balanced_accuracy']:.3f}, AUROC {row['auroc']:.3f}{seconds}", flush=True)
    return read_runs(path)


# ---------------------------------------------------------------------------- summary

def summarize(runs):
    """Mean and sd over seeds per condition x method, in the order of CONDITIONS and METHODS."""
    runs = runs.copy()
    runs[METRICS] = runs[METRICS].astype(float)
    grouped = runs.groupby(["condition", "method"], sort=False)
    summary = grouped[METRICS].agg(["mean", "std"])
    summary.columns = [f"{metric}_{stat.replace('std', 'sd')}" for metric, stat in summary.columns]
    summary.insert(0, "n_seeds", grouped.size())
    summary.insert(1, "reused_from", grouped["reused_from"].agg(lambda s: ",".join(sorted(set(s) - {""}))))
    summary.insert(2, "prior_weight", grouped["prior_weight"].agg(chosen_lambdas))
    summary = summary.reset_index()
    order = {name: i for i, name in enumerate(CONDITIONS)}, {name: i for i, name in enumerate(METHODS)}
    summary = summary.sort_values(["condition", "method"],
                                  key=lambda s: s.map(order[0] if s.name == "condition" else order[1]))
    return summary.reset_index(drop=True)


def chosen_lambdas(values):
    """'0.5/0.05' for a fixed lambda, or how often each was chosen (dash-cv): '0.5/0.05 x2, 0.8/0.2 x1'."""
    counts = pd.Series([v for v in values if v]).value_counts()
    if len(counts) <= 1 and (counts.empty or counts.iloc[0] == len(values)):
        return "" if counts.empty else counts.index[0]
    return ", ".join(f"{name} x{n}" for name, n in counts.items())


def mean_sd(mean, sd, metric):
    if np.isnan(mean):
        return "n/a"
    fmt = {"test_mse": "{:.2e}", "epochs": "{:.0f}", "seconds": "{:.0f}"}.get(metric, "{:.3f}")
    return fmt.format(mean) if np.isnan(sd) else f"{fmt.format(mean)} ± {fmt.format(sd)}"


def markdown_table(summary):
    header = ["condition", "method"] + [LABELS[m] for m in METRICS] + ["seeds", "reused", "λ"]
    align = ["---"] * 2 + ["---:"] * (len(METRICS) + 1) + ["---"] * 2   # numbers right, words left
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for row in summary.to_dict("records"):
        cells = [row["condition"], row["method"]]
        cells += [mean_sd(row[f"{m}_mean"], row[f"{m}_sd"], m) for m in METRICS]
        cells += [str(row["n_seeds"]), f"from {row['reused_from']}" if row["reused_from"] else "",
                  row["prior_weight"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_setup(settings, jobs):
    config = ("QUICK smoke configuration (not comparable with the full study)" if settings.quick
              else "full configuration")
    return "\n".join([
        f"- Configuration: {config}: {settings.n_trajectories} training / {settings.n_test_trajectories} test "
        f"trajectories, max_epochs={settings.max_epochs}, max_step={STUDY_MAX_STEP}, "
        f"schedule overrides {settings.schedule or 'none'}, "
        f"{settings.genie3_trees} trees per GENIE3 forest.",
        f"- Machine: {cpu_name()} ({platform.machine()}), os.cpu_count()={os.cpu_count()}, "
        f"{platform.platform()}; torch threads in the main process {torch.get_num_threads()}, "
        f"1 per fit, {jobs} parallel jobs (wall times are measured with the jobs sharing the cores).",
        f"- Versions: skdash {skdash.__version__}, torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}.",
        "- Mean ± sd over seeds; GENIE3's network is its top 5% of pairs; `reused` rows are copies of the "
        "exact-prior run (the method ignores the prior); λ is prior_weight (for dash-cv: how often each was chosen).",
    ])


def write_summary(output, summary, settings, jobs):
    summary.to_csv(output / "summary.csv", index=False)
    table = markdown_table(summary)
    text = f"# SIM350 accuracy study\n\n{describe_setup(settings, jobs)}\n\n{table}\n"
    (output / "summary.md").write_text(text)
    return text


def plot_summary(output, summary, settings):
    import matplotlib
    matplotlib.use("Agg")   # no display needed; works on a headless machine
    import matplotlib.pyplot as plt

    conditions = [c for c in CONDITIONS if c in set(summary["condition"])]
    methods = [m for m in METHODS if m in set(summary["method"])]
    fig, axes = plt.subplots(2, 1, figsize=(max(8, 1.8 * len(conditions) + 3), 8), sharex=True)
    width = 0.8 / len(methods)
    colors = plt.get_cmap("tab10").colors
    for ax, metric in zip(axes, ["balanced_accuracy", "auroc"]):
        for i, method in enumerate(methods):
            rows = summary[summary["method"] == method].set_index("condition").reindex(conditions)
            x = np.arange(len(conditions)) + (i - (len(methods) - 1) / 2) * width
            ax.bar(x, rows[f"{metric}_mean"], width, yerr=rows[f"{metric}_sd"].fillna(0), capsize=2,
                   label=method, color=colors[i % len(colors)])
        ax.set_ylabel(LABELS[metric])
        lowest = (summary[f"{metric}_mean"] - summary[f"{metric}_sd"].fillna(0)).min()
        ax.set_ylim(min(0.4, np.floor(lowest * 10) / 10), 1.0)   # chance (0.5) stays in view
        ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xticks(np.arange(len(conditions)), conditions)
    axes[0].legend(ncol=min(5, len(methods)), fontsize="small", loc="lower left", bbox_to_anchor=(0, 1.02))
    config = "QUICK smoke configuration" if settings.quick else "full configuration"
    axes[0].set_title(f"SIM350, {config}: mean ± sd over seeds", pad=40)
    fig.tight_layout()
    fig.savefig(output / "accuracy.png", dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, required=True, help="results folder (created)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--conditions", nargs="+", default=list(CONDITIONS), choices=list(CONDITIONS))
    parser.add_argument("--jobs", type=int, default=2, help="parallel fits, one torch thread each")
    parser.add_argument("--max-epochs", type=int, default=None, help="default 200 (30 with --quick)")
    parser.add_argument("--genie3-trees", type=int, default=None, help="default 100 (20 with --quick)")
    parser.add_argument("--quick", action="store_true", help="small smoke configuration (see above)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    settings = Settings.from_args(args)
    check_schedule(settings)
    args.output.mkdir(parents=True, exist_ok=True)
    check_settings(args.output, settings)
    started = time.perf_counter()
    runs = run_study(args.output, args.methods, args.conditions, args.seeds, settings, args.jobs)
    summary = summarize(runs)
    text = write_summary(args.output, summary, settings, args.jobs)
    plot_summary(args.output, summary, settings)
    print(f"\n{text}\nWrote runs.csv, summary.csv, summary.md and accuracy.png to {args.output} "
          f"in {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
