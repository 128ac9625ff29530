"""Property-based tests (hypothesis): whatever valid data and prior a user brings,
fit succeeds, outputs have the documented shapes and are finite, the requested
sparsity is met, and the network's edge-list and matrix forms agree (issue 5).

Derandomized with a small number of examples, so the suite is deterministic
and fast.
"""

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skdash import DASHRegulatoryEstimator, stack_trajectories

from skdash.exceptions import DataScaleWarning

from .conftest import FAST

FIT_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CHEAP_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)
PRUNABLE = ("prod_in", "sum_in", "prod_out", "sum_out")


def increasing_times(draw, n_times):
    """An irregular, strictly increasing, non-negative grid."""
    start = draw(st.floats(0.0, 10.0))
    gaps = draw(st.lists(st.floats(0.05, 5.0), min_size=n_times - 1, max_size=n_times - 1))
    return start + np.r_[0.0, np.cumsum(gaps)]


@st.composite
def problems(draw):
    n_genes = draw(st.integers(2, 6))
    lengths = draw(st.lists(st.integers(2, 5), min_size=1, max_size=4))
    unit = draw(st.sampled_from([0.01, 1.0, 60.0]))  # the unit of time must not matter
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X, t, trajectory = stack_trajectories([rng.uniform(0.05, 0.95, (n, n_genes)) for n in lengths],
                                          [unit * increasing_times(draw, n) for n in lengths])
    order = rng.permutation(len(t))  # rows need not be sorted
    X, t, trajectory = X[order], t[order], trajectory[order]

    prior = None
    prior_weight = None
    if draw(st.booleans()):
        prior = rng.choice([-1.0, 0.0, 1.0], p=[0.2, 0.6, 0.2], size=(n_genes, n_genes))
        prior[rng.integers(n_genes), rng.integers(n_genes)] = 1.0  # at least one edge
        prior_weight = draw(st.sampled_from([None, 0.0, 0.5, 1.0, (0.5, 0.05), (1.0, 0.0), (0.0, 1.0)]))
    names = None
    if draw(st.booleans()):
        names = [f"g{i}" for i in range(n_genes)]
        X = pd.DataFrame(X, columns=names)
        if prior is not None:
            prior = pd.DataFrame(prior, index=names, columns=names).iloc[::-1, ::-1]  # aligned by name
    params = dict(
        FAST,
        prior=prior,
        prior_weight=prior_weight,
        sparsity=draw(st.one_of(st.just("auto"), st.sampled_from([0.0, 0.5, 0.8]), st.floats(0.0, 0.8))),
        hidden_units=draw(st.integers(1, 6)),
        dtype=draw(st.sampled_from(["float32", "float64"])),
        random_state=draw(st.integers(0, 100)),
    )
    grid = increasing_times(draw, draw(st.integers(1, 4)))
    return X, t, trajectory, params, names, grid


def check_sparsity(est):
    """A float target is met: each mask exactly (up to rounding), sparsity_ within one step.

    DASH counts the second-layer weights of a gene whose multiplier ReLU(v) is 0
    as zeros: such a gene, held constant by the fitted model, adds up to
    1 / (2 n_genes) to sparsity_ beyond the pruning target.
    """
    target = est.sparsity
    h, n = est.module_.hidden_units, est.module_.n_genes
    rounding = 0.5 / (h * n)
    for name in PRUNABLE:
        assert abs((1.0 - float(est.module_.mask(name).double().mean())) - target) <= rounding + 1e-12, name
    one_step = est.pruning.rate * (1.0 - target)
    dead = int((est.module_.gene_multipliers <= 0).sum())
    assert target - rounding - 1e-12 <= est.sparsity_ <= target + max(one_step, 2 * rounding) + dead / (2 * n) + 1e-12


def check_network_forms(est, n_genes, names):
    labels = names if names is not None else [f"gene_{i}" for i in range(n_genes)]
    network, adjacency = est.network_, est.adjacency_
    assert network.shape == adjacency.shape == (n_genes, n_genes) and adjacency.dtype == bool
    assert np.all(np.isfinite(network)) and np.all(network[~adjacency] == 0)

    with_loops = est.get_network(include_self_loops=True)
    rows = [labels.index(name) for name in with_loops.regulator]
    cols = [labels.index(name) for name in with_loops.target]
    assert set(zip(rows, cols)) == set(zip(*np.nonzero(adjacency)))
    assert len(with_loops) == adjacency.sum()
    np.testing.assert_array_equal(with_loops.weight.to_numpy(), network[rows, cols])
    assert np.all(np.diff(with_loops.score.to_numpy()) <= 0)  # most evidence first

    edges = est.get_network()
    expected = with_loops[with_loops.regulator != with_loops.target].reset_index(drop=True)
    # dtype not compared: an empty edge list has object name columns, a non-empty one str (pandas 3)
    pd.testing.assert_frame_equal(edges, expected, check_dtype=False)

    matrix = est.get_network(as_matrix=True, include_self_loops=True)
    assert list(matrix.index) == list(matrix.columns) == labels
    np.testing.assert_array_equal(matrix.to_numpy(), network)
    no_loops = network.copy()
    np.fill_diagonal(no_loops, 0.0)
    np.testing.assert_array_equal(est.get_network(as_matrix=True).to_numpy(), no_loops)


@FIT_SETTINGS
@given(problems())
def test_fit_predict_simulate_and_network_on_random_problems(problem):
    X, t, trajectory, params, names, grid = problem
    n_samples, n_genes = X.shape
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataScaleWarning)
        est = DASHRegulatoryEstimator(**params).fit(X, t=t, trajectory=trajectory)

        rates = est.predict(X)
        assert rates.shape == (n_samples, n_genes) and np.all(np.isfinite(rates))
        starts = X.iloc[:2] if names else X[:2]
        paths = est.simulate(starts, grid)
        assert paths.shape == (2, grid.size, n_genes) and np.all(np.isfinite(paths))
        # the path starts at x0 (rounded to the model's precision)
        np.testing.assert_allclose(paths[:, 0], np.asarray(starts), rtol=1e-7 if params["dtype"] == "float32" else 0)
        path = est.simulate(np.asarray(starts)[0] if names is None else starts.iloc[0], grid)
        assert path.shape == (grid.size, n_genes)
    n_transitions = n_samples - np.unique(trajectory).size
    if n_transitions >= 2:
        assert np.isfinite(est.score(X, t=t, trajectory=trajectory))

    assert est.n_features_in_ == n_genes and np.isfinite(est.sparsity_) and 0 <= est.sparsity_ <= 1
    if params["sparsity"] != "auto":
        check_sparsity(est)
    check_network_forms(est, n_genes, names)
