"""Knockout predictions of DASH against a simulator's true knockouts and a linear baseline.

Usage: python benchmarks/perturbation.py --output DIR [--simulator sim350|harissa] [--quick]
       [--random-state 0] [--jobs 1]

Fits DASH (5% noise) with the exact prior, a 40%-corrupted prior and no prior;
knocks out input genes and non-input regulators (held at 0); and compares the
predicted mean shift of every other gene at the horizon (the span of the data)
with the true shift from the simulator, with the same knockout and the same
initial states.  The baseline is a linear VAR-style model fitted on the same
data: ridge regression of (x(t_{i+1}) - x(t_i)) / dt on x(t_i), iterated in
steps of the median interval with the knocked-out gene held at 0.

Simulators:

    sim350   the SIM350 equations (deterministic): initial states are the first
             states of noise-free test trajectories, the horizon 9 time units.
    harissa  the independent bursty simulator of benchmarks/_harissa.py (PyPI
             ``harissa``, the ``benchmarks`` extra), 100 genes (30 with --quick),
             sampled at t = 0, 2, 4, 7, 10.  A knockout stops every burst of the
             gene (see ``_harissa.knockout_model``).  The process is stochastic, so
             the true shift is the mean over 500 initial states (200 with --quick),
             each run with and without the knockout; its standard error is
             estimated from the same runs.

Scores, per prior, method and group of knocked-out genes: Spearman correlation
of predicted and true shifts over the (gene, target) pairs with true
|shift| > 0.01 and, for harissa, also > 3 standard errors (target != gene), and
the sign accuracy on the largest true shifts.  Writes perturbation.csv,
perturbation.md and perturbation.png.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.linear_model import RidgeCV

from skdash import DASHRegulatoryEstimator
from skdash.datasets import corrupt_prior, make_sim350, simulate_sim350

#: True shifts smaller than this are not scored (the simulator's "no effect").
MIN_TRUE_SHIFT = 0.01
#: A stochastic simulator's estimated shift is scored only above this many standard errors.
MIN_STANDARD_ERRORS = 3.0
#: harissa's sampling times (those of benchmarks/network.py).
HARISSA_TIMES = (0.0, 2.0, 4.0, 7.0, 10.0)
#: Sign accuracy is measured on this many largest true shifts per group.
N_LARGEST = 50

CONFIGS = {
    ("sim350", "quick"): dict(n_trajectories=60, n_states=10, n_genes_per_group=6, max_epochs=80),
    ("sim350", "full"): dict(n_trajectories=150, n_states=30, n_genes_per_group=15, max_epochs=200),
    ("harissa", "quick"): dict(n_genes=30, n_trajectories=60, n_states=200, n_genes_per_group=6, max_epochs=80),
    ("harissa", "full"): dict(n_genes=100, n_trajectories=150, n_states=500, n_genes_per_group=15, max_epochs=200),
}


def fit_linear_rates(data):
    """Ridge fit of the finite-difference rates on the start states of all transitions."""
    frame = pd.DataFrame({"trajectory": data.trajectory, "t": data.t})
    order = np.lexsort((data.t, data.trajectory))
    same = frame.trajectory.to_numpy()[order][1:] == frame.trajectory.to_numpy()[order][:-1]
    starts, ends = order[:-1][same], order[1:][same]
    intervals = data.t[ends] - data.t[starts]
    rates = (data.X[ends] - data.X[starts]) / intervals[:, None]
    model = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(data.X[starts], rates)
    return model, float(np.median(intervals))


def linear_knockout_shifts(model, step, states, genes, horizon):
    """Mean shift at ``horizon`` of the linear model iterated with each gene held at 0."""
    def run(x, held):
        elapsed = 0.0
        while elapsed < horizon - 1e-12:
            dt = min(step, horizon - elapsed)
            rate = model.predict(x)
            if held is not None:
                rate[:, held] = 0.0
            x = x + dt * rate
            elapsed += dt
        return x

    reference = run(states.copy(), None)
    shifts = []
    for gene in genes:
        start = states.copy()
        start[:, gene] = 0.0
        shifts.append((run(start, gene) - reference).mean(axis=0))
    return np.array(shifts)


def true_knockout_shifts(states, genes, horizon):
    reference = simulate_sim350(states, [0.0, horizon])[:, -1]
    return np.array([(simulate_sim350(states, [0.0, horizon], clamp={int(g): 0.0})[:, -1] - reference).mean(axis=0)
                     for g in genes])


def scores(predicted, true, genes, minimum=MIN_TRUE_SHIFT):
    """Spearman over pairs with |true| > ``minimum`` (off the knocked-out gene) and sign accuracy."""
    keep = np.abs(true) > minimum
    keep[np.arange(len(genes)), genes] = False
    p, q = predicted[keep], true[keep]
    largest = np.argsort(-np.abs(q))[:N_LARGEST]
    return {
        "n_pairs": int(keep.sum()),
        "spearman": float(spearmanr(p, q).statistic) if keep.sum() > 2 else np.nan,
        "sign_accuracy": float(np.mean(np.sign(p[largest]) == np.sign(q[largest]))) if keep.any() else np.nan,
    }


def choose_genes(data, count, rng):
    out_degree = (np.asarray(data.network) != 0).sum(axis=1)
    inputs = np.flatnonzero(data.input_genes & (out_degree > 0))
    regulators = np.flatnonzero(~data.input_genes & (out_degree > 0))
    return {"input": np.sort(rng.choice(inputs, size=min(count, inputs.size), replace=False)),
            "non-input": np.sort(rng.choice(regulators, size=min(count, regulators.size), replace=False))}


def sim350_problem(config, random_state):
    """SIM350 data, initial states, horizon, knocked-out genes, true shifts and the scoring threshold."""
    data = make_sim350(noise=0.05, n_trajectories=config["n_trajectories"],
                       n_test_trajectories=config["n_states"], random_state=random_state, as_frame=False)
    states = data.X_test[data.t_test == data.t_test.min()]
    horizon = float(data.t.max() - data.t.min())
    groups = choose_genes(data, config["n_genes_per_group"], np.random.default_rng(random_state))
    truth = {group: true_knockout_shifts(states, genes, horizon) for group, genes in groups.items()}
    minimum = {group: MIN_TRUE_SHIFT for group in groups}
    return data, states, horizon, groups, truth, minimum


def harissa_problem(config, random_state):
    """The same for harissa; noise-free test trajectories follow the training ones in one simulation."""
    from _harissa import knockout_shifts, make_harissa_dataset, simulate_harissa

    n_test = 20
    clean = simulate_harissa(config["n_genes"], n_trajectories=config["n_trajectories"] + n_test,
                             times=HARISSA_TIMES, random_state=random_state)
    data = make_harissa_dataset(clean, noise=0.05, prior_corruption=0.0, random_state=random_state)
    train = data.trajectory < config["n_trajectories"]
    data.X_test, data.t_test, data.trajectory_test = clean.X_clean[~train], data.t[~train], data.trajectory[~train]
    data.X, data.t, data.trajectory = data.X[train], data.t[train], data.trajectory[train]
    horizon = HARISSA_TIMES[-1] - HARISSA_TIMES[0]
    groups = choose_genes(data, config["n_genes_per_group"], np.random.default_rng(random_state))
    truth, minimum = {}, {}
    for group, genes in groups.items():
        states, truth[group], standard_errors = knockout_shifts(
            clean, genes, n_states=config["n_states"], horizon=horizon, random_state=random_state + 1)
        minimum[group] = np.maximum(MIN_TRUE_SHIFT, MIN_STANDARD_ERRORS * standard_errors)
    return data, states, horizon, groups, truth, minimum


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="folder for the CSV, Markdown and PNG")
    parser.add_argument("--simulator", choices=["sim350", "harissa"], default="sim350",
                        help="where the data and the true knockouts come from")
    parser.add_argument("--quick", action="store_true", help="fewer trajectories, epochs and knockouts")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1,
                        help="candidate prior-loss weights of one fit trained at a time (n_jobs; the same results)")
    args = parser.parse_args(argv)
    config = CONFIGS[args.simulator, "quick" if args.quick else "full"]
    args.output.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    problem = sim350_problem if args.simulator == "sim350" else harissa_problem
    data, states, horizon, groups, truth, minimum = problem(config, args.random_state)
    print(f"data and true knockouts: {time.perf_counter() - started:.1f} s", flush=True)

    linear, step = fit_linear_rates(data)
    priors = {"exact": data.prior, "corrupted-40%": corrupt_prior(data.prior, 0.4, random_state=args.random_state),
              "none": None}
    rows, predictions = [], {}
    for group, genes in groups.items():
        predicted = linear_knockout_shifts(linear, step, states, genes, horizon)
        predictions[("linear", group)] = predicted
        rows.append({"prior": "(any)", "method": "linear", "group": group,
                     **scores(predicted, truth[group], genes, minimum[group])})
    for prior_name, prior in priors.items():
        est = DASHRegulatoryEstimator(prior, max_epochs=config["max_epochs"], n_threads=1, n_jobs=args.jobs,
                                      random_state=args.random_state)
        started = time.perf_counter()
        est.fit(data.X, t=data.t, trajectory=data.trajectory)
        fit_seconds = time.perf_counter() - started
        test_r2 = est.score(data.X_test, t=data.t_test, trajectory=data.trajectory_test)
        for group, genes in groups.items():
            started = time.perf_counter()
            predicted = est.perturbation_effects(states, genes=list(genes), horizon=horizon).to_numpy()
            predictions[(prior_name, group)] = predicted
            rows.append({"prior": prior_name, "method": "dash", "group": group,
                         **scores(predicted, truth[group], genes, minimum[group]), "test_r2": test_r2,
                         "sparsity": est.sparsity_, "epochs": est.n_iter_, "fit_seconds": fit_seconds,
                         "prior_loss_weight": est.prior_loss_weight_,
                         "perturb_seconds": time.perf_counter() - started})
        print(pd.DataFrame(rows[-2:]).to_string(index=False, float_format="%.3f"), flush=True)

    table = pd.DataFrame(rows)
    table.to_csv(args.output / "perturbation.csv", index=False)
    system = ("SIM350" if args.simulator == "sim350"
              else f"harissa, {config['n_genes']} genes (true shifts: means over the initial states)")
    threshold = (f"> {MIN_TRUE_SHIFT}" if args.simulator == "sim350"
                 else f"> {MIN_TRUE_SHIFT} and > {MIN_STANDARD_ERRORS:g} standard errors")
    header = (f"{system}, noise 5%, {config['n_trajectories']} training trajectories, {len(states)} initial "
              f"states, knockouts to 0 of {', '.join(f'{len(g)} {k}' for k, g in groups.items())} genes, "
              f"horizon {horizon:g}, random_state {args.random_state}; pairs with true |shift| {threshold}; "
              f"sign accuracy on the {N_LARGEST} largest true shifts per group.\n\n")
    (args.output / "perturbation.md").write_text(header + markdown(table) + "\n")
    plot(predictions, truth, groups, minimum, args.output / "perturbation.png")
    print(table.to_string(index=False, float_format="%.3f"))


def markdown(table):
    """A pipe table (without depending on tabulate)."""
    def cell(value):
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def plot(predictions, truth, groups, minimum, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = ["exact", "corrupted-40%", "none", "linear"]
    figure, axes = plt.subplots(len(groups), len(methods), figsize=(4 * len(methods), 4 * len(groups)),
                                squeeze=False, layout="constrained")
    for row, (group, genes) in enumerate(groups.items()):
        keep = np.abs(truth[group]) > minimum[group]   # the scored pairs
        keep[np.arange(len(genes)), genes] = False
        for column, method in enumerate(methods):
            ax = axes[row, column]
            true, predicted = truth[group][keep], predictions[(method, group)][keep]
            ax.scatter(true, predicted, s=6, alpha=0.5)
            limit = max(np.abs(true).max(), 1e-3)
            ax.plot([-limit, limit], [-limit, limit], color="grey", lw=0.8)
            ax.axhline(0, color="grey", lw=0.4)
            ax.axvline(0, color="grey", lw=0.4)
            label = {"linear": "linear VAR", "none": "DASH, no prior"}.get(method, f"DASH, {method} prior")
            ax.set_title(f"{label}: {group} KO")
            ax.set_xlabel("true shift")
            ax.set_ylabel("predicted shift")
    figure.savefig(path, dpi=100)
    plt.close(figure)


if __name__ == "__main__":
    main()
