"""Speed and memory of DASH fits from 350 to 11 000 genes, and how the cost grows.

Usage: python benchmarks/scale.py --output results/scale [--sizes 350 1000 2000 5000 11000] [--threads 2]
       [--epochs N] [--full-fit-sizes 350 1000] [--seed 0] [--timeout SECONDS]

For each size the script simulates a network with the package's general
simulator, ``make_regulatory_network(n_genes, n_trajectories=50,
n_test_trajectories=0, times=(0, 2, 3, 7, 9), noise=0.05)``: 50 trajectories x 4
intervals = 200 transitions (45 trajectories, 180 transitions, are trained on and
5 are held out for validation, as with the default ``validation_fraction=0.1``).
The simulator's prior (a scipy sparse array above 2000 genes) is given to the
estimator.

The hidden width grows with the genes as in the reference, which uses 40 units
for 350 genes and 300 for 11 000: 350 -> 40, 1000 -> 80, 2000 -> 120,
5000 -> 200, 11 000 -> 300 (about 40 (n / 350)^0.585, rounded up to a multiple of
40 or 100).  Other sizes given to ``--sizes`` are interpolated linearly in this
table (and extrapolated along the power law beyond it).

Every size runs in a fresh subprocess (this script with ``--worker``), so the
peak memory is that of one size alone and no size warms caches for the next.
The worker measures

* the simulation time (not counted in any fit time) and the RSS right after it;
* a short DASH fit of ``--epochs`` epochs (default 10, or 5 from 5000 genes)
  whose schedule prunes during the measured epochs: 70% at epoch 2, then 20% of
  the rest every epoch, up to the sparsity reached at the last epoch (0.949 for
  10 epochs).  Epoch times come from ``est.history_["seconds"]``, the DASH
  pruning step's share of them from ``est.history_["pruning_seconds"]``, which
  is subtracted, so "s/epoch" is the median training + validation time of the
  epochs after the first, and "DASH step" the median time of one pruning event;
* for ``--full-fit-sizes`` (default 350 and 1000) a whole default DASH fit
  (``sparsity=0.95, max_epochs=200``).  For the other sizes the full fit is
  estimated as first epoch + 199 x s/epoch + (pruning events of the default
  schedule, 19) x DASH step, and marked "estimated".  Epochs slow down during a
  whole fit (the gene multipliers grow and the fixed-step RK4 takes more steps),
  so when some size was fitted in full the estimates of the others are scaled
  by its measured / estimated ratio ("calibrated"; the raw value is shown too);
* peak memory: the peak RSS of the worker (``ru_maxrss``, absolute, including
  the interpreter, torch and the simulation) and, separately, the peak during
  the short fit alone (Linux ``VmHWM`` reset before fitting).

The cost slope is the least-squares exponent of s/epoch against genes x hidden
width (and against genes alone) on a log-log scale; an exponent <= 1 means the
cost grows no worse than linearly.  Targets (2 CPU cores): an epoch on 11 000
genes (hidden width 300, 200 transitions) in <= 30 s with peak memory <= 8 GB.

Writes ``scale.csv``, ``scale.md`` (table, slopes, targets, machine) and
``scale.png`` (log-log s/epoch vs genes x hidden width with the fitted and a
slope-1 line; peak memory vs genes) to ``--output`` and prints the table.
Exit status: 0 if every size ran, 1 if some worker failed.
"""

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

#: Hidden width per number of genes (the reference: 40 at 350 genes, 300 at 11 000).
HIDDEN_UNITS = {350: 40, 1000: 80, 2000: 120, 5000: 200, 11000: 300}
#: Exponent of the power law 40 (n / 350)^p through the two reference points,
#: used only to extrapolate beyond the table.
HIDDEN_EXPONENT = math.log(300 / 40) / math.log(11000 / 350)

DATA = dict(n_trajectories=50, n_test_trajectories=0, times=(0, 2, 3, 7, 9), noise=0.05)
#: Short schedule: epoch 1 is dense (the "first epoch"), then pruning at every
#: epoch, so the DASH step is timed several times within a few epochs.
SHORT_SCHEDULE = dict(start=2, initial=0.7, interval=1, rate=0.2)  # skdash.pruning.PruningSchedule
FULL_FIT = dict(sparsity=0.95, max_epochs=200)
TARGET_EPOCH_SECONDS = 30.0
TARGET_PEAK_MIB = 8e9 / 2**20  # 8 GB
TARGET_GENES = 11000


# --------------------------------------------------------------------------- worker side
def hidden_units_for(n_genes):
    """Hidden width for ``n_genes``: the reference table, interpolated between its sizes."""
    sizes = sorted(HIDDEN_UNITS)
    if n_genes in HIDDEN_UNITS:
        return HIDDEN_UNITS[n_genes]
    if n_genes > sizes[-1] or n_genes < sizes[0]:
        anchor = sizes[-1] if n_genes > sizes[-1] else sizes[0]
        return max(1, round(HIDDEN_UNITS[anchor] * (n_genes / anchor) ** HIDDEN_EXPONENT))
    return round(float(np.interp(n_genes, sizes, [HIDDEN_UNITS[n] for n in sizes])))


def default_epochs(n_genes):
    return 5 if n_genes >= 5000 else 10


def short_fit_sparsity(epochs):
    """Sparsity the short schedule reaches at its last epoch, rounded down.

    Rounding down keeps the target reachable within ``epochs`` (the estimator
    rejects a schedule that reaches its target only after max_epochs).
    """
    remaining = (1.0 - SHORT_SCHEDULE["initial"]) * \
        (1.0 - SHORT_SCHEDULE["rate"]) ** (epochs - SHORT_SCHEDULE["start"])
    return math.floor((1.0 - remaining) * 1000) / 1000


def pruning_events(schedule, sparsity):
    """Number of pruning events ``schedule`` (a PruningSchedule) needs to reach ``sparsity``."""
    remaining, events = 1.0 - schedule.initial, 1
    while 1.0 - remaining < sparsity - 1e-12:
        remaining *= 1.0 - schedule.rate
        events += 1
    return events


def proc_status_mib(field):
    """A memory field of /proc/self/status (VmRSS, VmHWM) in MiB, or NaN off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def load_average():
    """1-minute load average: other work on the machine inflates the timings."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan


def reset_peak_rss():
    """Reset VmHWM so that the next reading is the peak of what follows (Linux >= 4.0)."""
    with contextlib.suppress(OSError):
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")


def max_rss_mib():
    """Peak RSS of this process since it started (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def epoch_statistics(history):
    """First-epoch time, median steady-state epoch time without the DASH step, DASH step time."""
    training = np.array([record["seconds"] - record["pruning_seconds"] for record in history])
    steady = training[1:] if len(training) > 1 else training
    pruning = [record["pruning_seconds"] for record in history if record["pruned"]]
    return {
        "first_epoch_s": float(history[0]["seconds"]),
        "epoch_s": float(np.median(steady)),
        "epoch_min_s": float(steady.min()),
        "epoch_max_s": float(steady.max()),
        "dash_step_s": float(np.median(pruning)) if pruning else math.nan,
        "dash_events": len(pruning),
    }


def fastest_rate(est):
    """max(1, max ReLU(gene multiplier)): the fixed-step RK4 takes steps in proportion to it."""
    multipliers = est.module_.gene_multipliers.detach()
    return max(1.0, float(multipliers.clamp(min=0).max()))


def full_fit_profile(history):
    """Median epoch seconds over the first and the last 20 epochs of a full fit."""
    seconds = np.array([record["seconds"] for record in history])
    return dict(full_fit_first20_epoch_s=float(np.median(seconds[:20])),
                full_fit_last20_epoch_s=float(np.median(seconds[-20:])))


def run_worker(n_genes, hidden_units, epochs, threads, seed, full_fit):
    """Measure one size in this (fresh) process; return a flat dict of results."""
    import torch

    import skdash
    from skdash import DASHRegulatoryEstimator
    from skdash.datasets import make_regulatory_network
    from skdash.pruning import PruningSchedule

    result = dict(n_genes=n_genes, hidden_units=hidden_units, epochs=epochs, threads=threads, seed=seed,
                  torch_version=torch.__version__, skdash_version=skdash.__version__,
                  rss_start_mib=proc_status_mib("VmRSS"), load_before=load_average())

    started = time.perf_counter()
    data = make_regulatory_network(n_genes, random_state=seed, **DATA, as_frame=False)
    result["simulate_s"] = time.perf_counter() - started
    n_trajectories = len(np.unique(data.trajectory))
    result.update(transitions=data.X.shape[0] - n_trajectories, prior_type=type(data.prior).__name__,
                  rss_data_mib=proc_status_mib("VmRSS"), peak_data_mib=max_rss_mib())

    # The first torch.optim optimizer of a process lazily imports torch._dynamo
    # (1-2 s); pay that here so "setup + read-out" measures the fit's own work.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])

    sparsity = short_fit_sparsity(epochs)
    est = DASHRegulatoryEstimator(data.prior, hidden_units=hidden_units, max_epochs=epochs, sparsity=sparsity,
                                  validation_fraction=0.1, n_threads=threads, random_state=seed,
                                  pruning=PruningSchedule(**SHORT_SCHEDULE))
    gc.collect()
    reset_peak_rss()
    started = time.perf_counter()
    est.fit(data.X, t=data.t, trajectory=data.trajectory)
    result["short_fit_s"] = time.perf_counter() - started
    result.update(peak_fit_mib=proc_status_mib("VmHWM"), peak_mib=max_rss_mib(),
                  rss_after_fit_mib=proc_status_mib("VmRSS"), sparsity_target=sparsity,
                  sparsity_reached=est.sparsity_, epochs_run=est.n_iter_, fastest_rate=fastest_rate(est))
    result.update(epoch_statistics(est.history_))
    result["epoch_seconds"] = [record["seconds"] for record in est.history_]
    # what fit spends outside its epochs: validation, prior conversion, initialisation, n x n read-out
    result["fit_overhead_s"] = result["short_fit_s"] - sum(result["epoch_seconds"])

    default_schedule = DASHRegulatoryEstimator().pruning or PruningSchedule()
    result["full_fit_estimate_s"] = (result["first_epoch_s"] + (FULL_FIT["max_epochs"] - 1) * result["epoch_s"]
                                     + pruning_events(default_schedule, FULL_FIT["sparsity"])
                                     * np.nan_to_num(result["dash_step_s"]))
    if full_fit:
        del est
        gc.collect()
        reset_peak_rss()
        est = DASHRegulatoryEstimator(data.prior, hidden_units=hidden_units, n_threads=threads, random_state=seed,
                                      **FULL_FIT)
        started = time.perf_counter()
        est.fit(data.X, t=data.t, trajectory=data.trajectory)
        result.update(full_fit_s=time.perf_counter() - started, full_fit_epochs=est.n_iter_,
                      full_fit_sparsity=est.sparsity_, peak_full_fit_mib=proc_status_mib("VmHWM"),
                      full_fit_fastest_rate=fastest_rate(est), **full_fit_profile(est.history_))
    result["load_after"] = load_average()
    return result


# --------------------------------------------------------------------------- parent side
def measure_size(n_genes, args):
    """Run one size in a fresh subprocess; return its result dict (with "error" on failure)."""
    hidden_units = hidden_units_for(n_genes)
    epochs = args.epochs or default_epochs(n_genes)
    full_fit = n_genes in args.full_fit_sizes
    # Cap every thread pool (numpy's BLAS in the simulator too) at the budget, so
    # the timings mean "on --threads cores".
    env = dict(os.environ, **{name: str(args.threads) for name in
                              ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")})
    with tempfile.TemporaryDirectory() as scratch:
        result_path = os.path.join(scratch, "result.json")
        command = [sys.executable, os.path.abspath(__file__), "--worker", result_path, "--output", args.output,
                   "--sizes", str(n_genes), "--epochs", str(epochs), "--threads", str(args.threads),
                   "--seed", str(args.seed), "--full-fit-sizes"] + ([str(n_genes)] if full_fit else [])
        print(f"{n_genes} genes, hidden {hidden_units}, {epochs} epochs"
              f"{', plus a full fit' if full_fit else ''} ...", flush=True)
        started = time.perf_counter()
        try:
            completed = subprocess.run(command, env=env, timeout=args.timeout)
            error = None if completed.returncode == 0 else f"worker exited with status {completed.returncode}"
        except subprocess.TimeoutExpired:
            error = f"worker stopped after the {args.timeout} s timeout"
        wall = time.perf_counter() - started
        if error is None:
            with open(result_path) as handle:
                result = json.load(handle)
        else:
            result = dict(n_genes=n_genes, hidden_units=hidden_units, epochs=epochs, error=error)
    result["worker_wall_s"] = wall
    print(f"  done in {wall:.1f} s" if error is None else f"  FAILED: {error}", flush=True)
    return result


def cost_slopes(table):
    """Log-log least-squares exponents of s/epoch vs genes x hidden and vs genes (NaN below 2 sizes)."""
    if len(table) < 2:
        return math.nan, math.nan
    log_cost = np.log(table["epoch_s"])
    work = np.polyfit(np.log(table["n_genes"] * table["hidden_units"]), log_cost, 1)[0]
    genes = np.polyfit(np.log(table["n_genes"]), log_cost, 1)[0]
    return float(work), float(genes)


def calibrate_full_fits(table):
    """Scale the estimates from the short fits by the measured/estimated ratio of the full fits.

    Epochs get slower during a full fit: the gene multipliers grow, and with
    them the fastest relaxation rate and so the number of RK4 steps.  The short
    fit sees only the first, cheapest epochs, so its extrapolation is too low;
    the sizes fitted in full measure by how much.  Returns the ratio (NaN when
    no full fit ran) and adds ``full_fit_calibrated_s``.
    """
    measured = table["full_fit_s"].notna()
    ratio = float(np.median(table.loc[measured, "full_fit_s"] / table.loc[measured, "full_fit_estimate_s"])) \
        if measured.any() else math.nan
    table["full_fit_calibrated_s"] = table["full_fit_estimate_s"] * ratio
    return ratio


def full_fit_cell(row):
    if not math.isnan(row["full_fit_s"]):
        return f"{row['full_fit_s']:.0f} (measured; short-fit est. {row['full_fit_estimate_s']:.0f})"
    if not math.isnan(row["full_fit_calibrated_s"]):
        return f"{row['full_fit_calibrated_s']:.0f} (estimated, calibrated; raw {row['full_fit_estimate_s']:.0f})"
    return f"{row['full_fit_estimate_s']:.0f} (estimated from the short fit; likely low)"


def display_table(table):
    """The human-readable table (Markdown and console share it)."""
    return pd.DataFrame({
        "genes": table["n_genes"],
        "hidden": table["hidden_units"],
        "transitions": table["transitions"],
        "epochs": table["epochs_run"],
        "s/epoch": table["epoch_s"].map("{:.3f}".format),
        "first epoch s": table["first_epoch_s"].map("{:.3f}".format),
        "DASH step s": table["dash_step_s"].map("{:.3f}".format),
        "setup + read-out s": table["fit_overhead_s"].map("{:.1f}".format),
        "full fit s (200 epochs)": [full_fit_cell(row) for _, row in table.iterrows()],
        "peak MiB": table["peak_mib"].map("{:.0f}".format),
        "fit peak MiB": table["peak_fit_mib"].map("{:.0f}".format),
        "RSS after data MiB": table["rss_data_mib"].map("{:.0f}".format),
        "simulate s": table["simulate_s"].map("{:.1f}".format),
    })


def markdown_table(frame):
    """GitHub Markdown table, numbers right-aligned (no tabulate dependency)."""
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---:" if column != "full fit s (200 epochs)" else "---" for column in frame.columns) + "|"
    rows = ["| " + " | ".join(str(value) for value in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule] + rows)


def slope_lines(slope_work, slope_genes):
    if math.isnan(slope_work):
        return ["- needs at least two sizes"]
    return [f"- s/epoch ~ (genes x hidden)^{slope_work:.2f} (least squares on log-log)",
            f"- s/epoch ~ genes^{slope_genes:.2f}"]


def full_fit_lines(table, ratio):
    """How the full-fit column was obtained, and why the raw estimate is low."""
    lines = [f"- estimate from the short fit: first epoch + {FULL_FIT['max_epochs'] - 1} x s/epoch + "
             "pruning events of the default schedule x DASH step"]
    for _, row in table[table["full_fit_s"].notna()].iterrows():
        lines.append(f"- {row['n_genes']} genes measured: {row['full_fit_s']:.1f} s over "
                     f"{row['full_fit_epochs']:.0f} epochs (median epoch {row['full_fit_first20_epoch_s']:.3f} s "
                     f"in the first 20, {row['full_fit_last20_epoch_s']:.3f} s in the last 20; fastest relaxation "
                     f"rate {row['fastest_rate']:.2f} after the short fit, {row['full_fit_fastest_rate']:.2f} after "
                     f"the full fit), {row['full_fit_s'] / row['full_fit_estimate_s']:.2f} x the short-fit estimate")
    if math.isnan(ratio):
        lines.append("- no full fit in this run: the estimates see only the first epochs, which are the cheapest "
                     "(RK4 steps grow with the gene multipliers during training), so they are likely low")
    else:
        lines.append(f"- the other sizes' estimates are multiplied by {ratio:.2f} (median measured / estimated)")
    return lines


def target_lines(table, slope_work, threads):
    """PASS/FAIL against the project's targets, where this run measured them."""
    lines = []
    target = table[table["n_genes"] == TARGET_GENES]
    if len(target):
        row = target.iloc[0]
        caveat = "" if threads == 2 else f" (measured with {threads} threads; the target assumes 2)"
        lines.append(f"- epoch on {TARGET_GENES} genes <= {TARGET_EPOCH_SECONDS:.0f} s: "
                     f"{'PASS' if row['epoch_s'] <= TARGET_EPOCH_SECONDS else 'FAIL'} "
                     f"({row['epoch_s']:.1f} s/epoch in the first epochs{caveat})")
        if not math.isnan(row["full_fit_calibrated_s"]):
            lines.append(f"  - mean epoch over a whole fit, calibrated estimate: "
                         f"{row['full_fit_calibrated_s'] / FULL_FIT['max_epochs']:.1f} s")
        lines.append(f"- peak memory on {TARGET_GENES} genes <= 8 GB ({TARGET_PEAK_MIB:.0f} MiB): "
                     f"{'PASS' if row['peak_mib'] <= TARGET_PEAK_MIB else 'FAIL'} ({row['peak_mib']:.0f} MiB)")
    else:
        lines.append(f"- the {TARGET_GENES}-gene targets were not measured in this run")
    if not math.isnan(slope_work):
        lines.append(f"- cost no worse than linear in genes x hidden (exponent <= 1): "
                     f"{'PASS' if slope_work <= 1.0 else 'FAIL'} (exponent {slope_work:.2f})")
    return lines


def machine_lines(table, threads):
    first = table.iloc[0]
    return [f"- {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}"
            f" usable), {platform.platform()}, Python {platform.python_version()}",
            f"- torch {first['torch_version']}, skdash {first['skdash_version']}, {threads} torch threads "
            "(and BLAS/OpenMP threads capped at the same number)",
            "- 1-minute load average at the start and end of each size: "
            + ", ".join(f"{row['n_genes']} genes {row['load_before']:.1f} -> {row['load_after']:.1f}"
                        for _, row in table.iterrows())
            + " (a load above the thread count means other work competed for the cores)"]


def write_plot(table, slope_work, path):
    import matplotlib

    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt

    work = (table["n_genes"] * table["hidden_units"]).to_numpy(float)
    cost = table["epoch_s"].to_numpy(float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.loglog(work, cost, "o", label="measured (median s/epoch)")
    for n_genes, x, y in zip(table["n_genes"], work, cost):
        left.annotate(f"{n_genes} genes", (x, y), textcoords="offset points", xytext=(5, -12), fontsize=8)
    if len(table) >= 2:
        grid = np.geomspace(work.min(), work.max(), 50)
        intercept = np.polyfit(np.log(work), np.log(cost), 1)[1]
        left.loglog(grid, np.exp(intercept) * grid**slope_work, "-", label=f"fit: slope {slope_work:.2f}")
        # slope-1 reference through the smallest size: linear growth from there
        left.loglog(grid, cost[np.argmin(work)] * grid / work.min(), "--", color="grey", label="slope 1 (linear)")
    left.axhline(TARGET_EPOCH_SECONDS, color="red", linestyle=":", label=f"target {TARGET_EPOCH_SECONDS:.0f} s "
                 f"({TARGET_GENES} genes)")
    left.set_xlabel("genes x hidden width")
    left.set_ylabel("seconds per epoch")
    left.set_title("Epoch time (200 transitions)")
    left.legend(fontsize=8)

    genes = table["n_genes"].to_numpy(float)
    right.loglog(genes, table["peak_mib"], "o-", label="peak RSS (whole worker)")
    right.loglog(genes, table["peak_fit_mib"], "s--", label="peak during the fit")
    right.loglog(genes, table["rss_data_mib"], "^:", label="RSS after simulating the data")
    right.axhline(TARGET_PEAK_MIB, color="red", linestyle=":", label="target 8 GB")
    right.set_xlabel("genes")
    right.set_ylabel("MiB")
    right.set_title("Memory")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def report_sections(table, args):
    """Markdown lines for the sizes that ran: table, slopes, full fits, targets, machine."""
    if "full_fit_s" not in table:
        table["full_fit_s"] = math.nan
    slope_work, slope_genes = cost_slopes(table)
    ratio = calibrate_full_fits(table)
    write_plot(table, slope_work, os.path.join(args.output, "scale.png"))
    return ([markdown_table(display_table(table)), "",
             "s/epoch: median over the epochs after the first, DASH pruning step excluded (timed separately); "
             "setup + read-out: time fit spends outside its epochs (checks, prior, initialisation, network "
             "read-out); peak MiB: peak RSS of the size's own process; fit peak: peak during the short fit alone.",
             "", "## Cost slope", ""] + slope_lines(slope_work, slope_genes)
            + ["", "## Full fits", ""] + full_fit_lines(table, ratio)
            + ["", "## Targets", ""] + target_lines(table, slope_work, args.threads)
            + ["", "## Machine", ""] + machine_lines(table, args.threads))


def write_report(results, args):
    """Write scale.csv, scale.md and scale.png; return the Markdown text."""
    os.makedirs(args.output, exist_ok=True)
    frame = pd.DataFrame(results)
    if "epoch_seconds" in frame:  # one cell per size: the raw per-epoch times, for re-analysis
        frame["epoch_seconds"] = frame["epoch_seconds"].map(
            lambda times: ";".join(f"{t:.4f}" for t in times) if isinstance(times, list) else "")
    ok = frame["error"].isna() if "error" in frame else pd.Series(True, index=frame.index)
    table, failed = frame[ok].sort_values("n_genes").reset_index(drop=True), frame[~ok]
    lines = [f"# DASH speed and scale ({DATA['n_trajectories']} trajectories x {len(DATA['times']) - 1} "
             f"intervals, noise {DATA['noise']}, seed {args.seed})", ""]
    if len(table):
        lines += report_sections(table, args)
    lines += [f"- FAILED: {row['n_genes']} genes: {row['error']}" for _, row in failed.iterrows()]
    # the CSV gets the derived columns (calibrated estimate) too
    pd.concat([table, failed]).to_csv(os.path.join(args.output, "scale.csv"), index=False)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.output, "scale.md"), "w") as handle:
        handle.write(text)
    return text


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="folder for scale.csv, scale.md and scale.png")
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(HIDDEN_UNITS), help="numbers of genes")
    parser.add_argument("--threads", type=int, default=2, help="torch (and BLAS) threads per fit")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of the timed fit (default 10, or 5 from 5000 genes); at least 2")
    parser.add_argument("--full-fit-sizes", type=int, nargs="*", default=[350, 1000],
                        help="sizes that also get a whole 200-epoch DASH fit (none: give the flag alone)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the simulator and the estimator")
    parser.add_argument("--timeout", type=float, default=None, help="seconds allowed per size (default: none)")
    parser.add_argument("--worker", metavar="RESULT_JSON", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 2:
        parser.error("--epochs must be at least 2 (epoch 1 is dense, pruning starts at epoch 2)")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        n_genes = args.sizes[0]
        result = run_worker(n_genes, hidden_units_for(n_genes), args.epochs or default_epochs(n_genes),
                            args.threads, args.seed, full_fit=n_genes in args.full_fit_sizes)
        with open(args.worker, "w") as handle:
            json.dump(result, handle)
        return 0

    results = [measure_size(n_genes, args) for n_genes in args.sizes]
    print()
    print(write_report(results, args))
    return 0 if all("error" not in result for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
