"""Cost and quality of a default StabilitySelection: seconds, worker memory, ranking and confident edges.

Usage:
    python benchmarks/ensemble.py                          # 20 members, SIM350 and harissa, 4 priors each
    python benchmarks/ensemble.py --conditions sim350-exact --n-estimators 2    # a smoke run

For each condition: ``StabilitySelection(DASHRegulatoryEstimator(prior), n_estimators, n_jobs=2,
random_state=0)`` with every other setting at its default, on SIM350 (``make_sim350(noise=0.05)``, 150
trajectories) or on the independent harissa simulator (350 genes, 100 trajectories, 5% noise, drawn by
benchmarks/network.py; needs the benchmarks extra), and one fit alone on half of the trajectories (what
each member fits) for the memory comparison.  Printed per condition: wall seconds; peak resident memory
of each worker process and of the single fit (VmHWM, Linux); AUPR of ``edge_scores_`` against one
member's; precision and F1 of the default network; edges with confidence >= 0.9 and their precision.
"""

import argparse
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

PRIORS = ("exact", "corrupt20", "corrupt40", "none")
CONDITIONS = [f"{data}-{prior}" for data in ("sim350", "harissa") for prior in PRIORS]
CACHE = Path("results") / "network" / "cache"


def load(condition, seed):
    data_name, prior = condition.split("-")
    if data_name == "sim350":
        from skdash.datasets import make_sim350

        corruption = {"exact": 0.0, "corrupt20": 0.2, "corrupt40": 0.4, "none": 0.0}[prior]
        data = make_sim350(noise=0.05, prior_corruption=corruption, random_state=seed, as_frame=False)
        if prior == "none":
            data.prior = None
        return data
    sys.path.insert(0, str(Path(__file__).parent))
    import network

    CACHE.mkdir(parents=True, exist_ok=True)
    settings = network.Settings(False, 100, 200, {}, 0, 0, 0)
    return network.load_data("harissa350", "noise5", prior, seed, settings, CACHE)


def peak_mib(pid="self"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


def single_fit_memory(condition, seed):
    """Peak memory of one default fit on half of the trajectories, in a fresh process."""
    code = (f"import sys, warnings, numpy as np; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            "warnings.simplefilter('ignore'); import ensemble; from skdash import DASHRegulatoryEstimator; "
            f"data = ensemble.load({condition!r}, {seed}); ids = np.unique(data.trajectory); "
            "rows = np.isin(data.trajectory, ids[: len(ids) // 2]); "
            "DASHRegulatoryEstimator(prior=data.prior, n_threads=1, random_state=0).fit("
            "data.X[rows], t=data.t[rows], trajectory=data.trajectory[rows]); print(ensemble.peak_mib())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def run(condition, n_estimators, seed):
    import psutil

    from skdash import DASHRegulatoryEstimator, StabilitySelection
    from skdash.metrics import edge_aupr, network_scores

    data = load(condition, seed)
    truth = np.asarray(data.network) != 0
    off_diagonal = ~np.eye(truth.shape[0], dtype=bool)
    started = time.perf_counter()
    ensemble = StabilitySelection(DASHRegulatoryEstimator(prior=data.prior), n_estimators=n_estimators, n_jobs=2,
                                  random_state=seed).fit(data.X, t=data.t, trajectory=data.trajectory)
    seconds = time.perf_counter() - started
    workers = [peak_mib(child.pid) for child in psutil.Process().children(recursive=True) if child.is_running()]
    scores = network_scores(data.network, ensemble.edge_scores_, ensemble.adjacency_)
    confident = (ensemble.confidence_ >= 0.9) & off_diagonal
    return {
        "condition": condition, "seconds": round(seconds, 1),
        "worker_peak_mib": round(max(workers), 0) if workers else float("nan"),
        "single_fit_peak_mib": round(single_fit_memory(condition, seed), 0),
        "aupr": round(scores["aupr"], 3),
        "member_aupr": round(edge_aupr(data.network, ensemble.estimators_[0].edge_scores_), 3),
        "precision": round(scores["precision"], 3), "f1": round(scores["f1"], 3),
        "n_confident": int(confident.sum()),
        "confident_precision": round(float(truth[confident].mean()), 3) if confident.any() else float("nan"),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conditions", nargs="+", default=CONDITIONS, choices=CONDITIONS)
    parser.add_argument("--n-estimators", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    for condition in args.conditions:
        print(run(condition, args.n_estimators, args.seed), flush=True)


if __name__ == "__main__":
    main()
