"""Fit many small estimators in a joblib pool and serially; check they agree and memory stays bounded.

Usage: python benchmarks/parallel_load.py [--n-fits 20] [--n-jobs 2] [--n-genes 20] [--hidden-units 8]

Each fit uses a different random_state and ``n_threads=1`` (the setting for
parallel fits).  The parallel run uses joblib's loky backend.  The script
prints one row per mode (wall time, throughput, peak resident memory of the
parent and of each worker, and how much each process's peak grew between its
first and its last fit), then whether every network_ of the pool is
bit-identical to the serial one.

Exit status: 0 if all networks agree and no process's peak memory grew by more
than --max-growth-mib after its first fit; 1 if some network differs; 2 if only
the memory check fails.
"""

import argparse
import os
import resource
import sys
import time

import numpy as np
from joblib import Parallel, delayed

from skdash import DASHRegulatoryEstimator
from skdash.datasets import make_regulatory_network
from skdash.pruning import PruningSchedule


def peak_rss_mib(who=resource.RUSAGE_SELF):
    """Peak resident set size in MiB (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def fit_one(data, seed, params):
    started = time.perf_counter()
    est = DASHRegulatoryEstimator(data.prior, random_state=seed, n_threads=1, **params)
    est.fit(data.X, t=data.t, trajectory=data.trajectory)
    return {"seed": seed, "network": est.network_, "adjacency": est.adjacency_, "sparsity": est.sparsity_,
            "seconds": time.perf_counter() - started, "pid": os.getpid(), "peak_rss_mib": peak_rss_mib()}


def memory_by_process(results):
    """Per process: (peak after its first fit, peak after its last fit), in fit order."""
    by_pid = {}
    for result in results:
        first, _ = by_pid.get(result["pid"], (result["peak_rss_mib"], None))
        by_pid[result["pid"]] = (first, result["peak_rss_mib"])
    return by_pid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-fits", type=int, default=20)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--n-genes", type=int, default=20)
    parser.add_argument("--hidden-units", type=int, default=8)
    parser.add_argument("--max-epochs", type=int, default=15)
    parser.add_argument("--max-growth-mib", type=float, default=64.0,
                        help="largest allowed growth of a process's peak RSS after its first fit")
    args = parser.parse_args(argv)

    data = make_regulatory_network(n_genes=args.n_genes, n_trajectories=12, n_test_trajectories=1, noise=0.025,
                                   random_state=0, as_frame=False)
    params = dict(hidden_units=args.hidden_units, max_epochs=args.max_epochs, batch_size=8, sparsity=0.8,
                  pruning=PruningSchedule(start=1, initial=0.5, interval=2, rate=0.2), learning_rate=0.01)
    seeds = list(range(args.n_fits))

    started = time.perf_counter()
    with Parallel(n_jobs=args.n_jobs, backend="loky") as parallel:
        pooled = parallel(delayed(fit_one)(data, seed, params) for seed in seeds)
    parallel_seconds = time.perf_counter() - started

    started = time.perf_counter()
    serial = [fit_one(data, seed, params) for seed in seeds]
    serial_seconds = time.perf_counter() - started

    workers = memory_by_process(pooled)
    parent = memory_by_process(serial)
    rows = [("serial", 1, serial_seconds, parent), (f"loky n_jobs={args.n_jobs}", len(workers), parallel_seconds,
                                                    workers)]
    print(f"{args.n_fits} fits, {args.n_genes} genes, {data.X.shape[0]} rows, hidden_units={args.hidden_units}, "
          f"max_epochs={args.max_epochs}, n_threads=1 per fit")
    print(f"{'mode':<16}{'processes':>10}{'wall s':>9}{'fits/s':>8}  peak RSS MiB per process (growth after 1st fit)")
    growth = []
    for mode, n_processes, seconds, memory in rows:
        cells = ", ".join(f"{last:.0f} (+{last - first:.0f})" for first, last in memory.values())
        growth += [last - first for first, last in memory.values()]
        print(f"{mode:<16}{n_processes:>10}{seconds:>9.2f}{args.n_fits / seconds:>8.2f}  {cells}")
    print(f"parent peak RSS {peak_rss_mib():.0f} MiB; mean fit {np.mean([r['seconds'] for r in serial]):.3f} s "
          f"serial, {np.mean([r['seconds'] for r in pooled]):.3f} s in the pool")

    differ = [s["seed"] for s, p in zip(serial, pooled)
              if not (np.array_equal(s["network"], p["network"]) and np.array_equal(s["adjacency"], p["adjacency"]))]
    if differ:
        print(f"FAIL: the network_ of {len(differ)}/{args.n_fits} seeds differs between the pool and the serial "
              f"run (seeds {differ[:10]})")
        return 1
    print(f"OK: all {args.n_fits} networks are bit-identical in the pool and serially "
          f"(mean sparsity {np.mean([r['sparsity'] for r in serial]):.3f}, "
          f"{len({r['network'].tobytes() for r in serial})} distinct networks)")
    if max(growth) > args.max_growth_mib:
        print(f"FAIL: a process's peak RSS grew by {max(growth):.0f} MiB after its first fit "
              f"(limit {args.max_growth_mib:.0f} MiB)")
        return 2
    print(f"OK: peak RSS grew by at most {max(growth):.0f} MiB per process after its first fit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
