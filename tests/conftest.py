"""Tiny seeded data shared by the tests."""

import os

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from sklearn.utils import Bunch

from skdash import DASHRegulatoryEstimator
from skdash.pruning import PruningSchedule

TOY_TIMES = np.array([0.0, 1.0, 2.0, 4.0, 6.0])


def make_toy_system(n_genes=6, n_trajectories=12, random_state=0):
    """A small sigmoidal regulatory ODE, x' = sigmoid(4 (x A - b)) - x, with a known network A."""
    rng = np.random.default_rng(random_state)
    network = np.zeros((n_genes, n_genes))
    for target in range(n_genes):
        regulator = (target + 1) % n_genes
        network[regulator, target] = rng.choice([-1.0, 1.0])
    offset = network.sum(0) * 0.5

    def rhs(_, x):
        return 1.0 / (1.0 + np.exp(-4.0 * (x @ network - offset))) - x

    blocks = [solve_ivp(rhs, (0, TOY_TIMES[-1]), rng.uniform(0.1, 0.9, n_genes), t_eval=TOY_TIMES,
                        rtol=1e-8, atol=1e-10).y.T for _ in range(n_trajectories)]
    X = np.vstack(blocks)
    return Bunch(
        X=X,
        t=np.tile(TOY_TIMES, n_trajectories),
        trajectory=np.repeat(np.arange(n_trajectories), TOY_TIMES.size),
        network=network,
        prior=network.copy(),
        gene_names=[f"G{i}" for i in range(n_genes)],
    )


@pytest.fixture(scope="session")
def toy():
    return make_toy_system()


#: Settings that make a fit take a fraction of a second.
FAST = dict(hidden_units=6, max_epochs=12, batch_size=8,
            pruning=PruningSchedule(start=1, initial=0.5, interval=2, rate=0.2), learning_rate=0.01, random_state=0)

#: How far apart float32 results of one model may lie when only the batch shape,
#: the gene order or the CPU differs: rounding, not bit for bit (measured on CI's
#: CPUs: up to 5e-4 relative on values near 1e-4, 9.5e-8 absolute).
FLOAT32_ROUNDING = dict(rtol=1e-4, atol=1e-6)


def _refuse_outside(parent_pid):
    if os.getpid() != parent_pid:
        raise ImportError("this estimator cannot be rebuilt in a worker process")
    return DASHRegulatoryEstimator()


class OnlyInThisProcess(DASHRegulatoryEstimator):
    """Unpickles only in the process that made it: a worker fails as on a class it cannot import.

    (A plain test-module class would not do: where ``tests/`` is on the
    workers' path they can import it.)
    """

    def __reduce__(self):
        return _refuse_outside, (os.getpid(),)
