"""Tests of make_regulatory_network, the random Hill-network simulator."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skdash.datasets import make_regulatory_network
from skdash._compat import InvalidParameterError

TIMES = np.array([0.0, 2.0, 3.0, 7.0, 9.0])


@pytest.fixture(scope="module")
def small():
    return make_regulatory_network(50, n_trajectories=3, n_test_trajectories=2, random_state=0, as_frame=False)


def test_shapes_and_layout(small):
    assert small.X.shape == (15, 50) and small.X_test.shape == (10, 50)
    np.testing.assert_array_equal(small.t, np.tile(TIMES, 3))
    np.testing.assert_array_equal(small.trajectory, np.repeat([0, 1, 2], 5))
    np.testing.assert_array_equal(small.trajectory_test, np.repeat([3, 4], 5))
    assert isinstance(small.prior, np.ndarray) and small.prior.shape == (50, 50)
    assert isinstance(small.network, np.ndarray) and small.network.shape == (50, 50)
    assert small.gene_names == [f"G{i:02d}" for i in range(50)]
    assert small.input_genes.dtype == bool and small.input_genes.sum() == 10
    assert small.noise_sd == 0.0 and "Hill" in small.DESCR


def test_values_finite_bounded_and_inputs_constant(small):
    for X in (small.X, small.X_test):
        assert np.all(np.isfinite(X)) and X.min() >= 0.0 and X.max() <= 1.0
        traj = X.reshape(-1, 5, 50)
        inputs = traj[:, :, small.input_genes]
        np.testing.assert_array_equal(inputs, np.repeat(inputs[:, :1], 5, axis=1))


def test_network_structure(small):
    network, prior = small.network, small.prior
    assert set(np.unique(network)) == {0, 1}
    assert network.sum() == round(50 * 550 / 350)
    assert np.all(np.diag(network) == 0)
    np.testing.assert_array_equal(prior != 0, network == 1)
    assert set(np.unique(prior)) <= {-1.0, 0.0, 1.0}
    in_degree = network.sum(axis=0)
    assert np.all(in_degree[small.input_genes] == 0)
    assert np.all(in_degree[~small.input_genes] >= 1)


def test_determinism(small):
    again = make_regulatory_network(50, n_trajectories=3, n_test_trajectories=2, random_state=0, as_frame=False)
    for key in ("X", "X_test", "prior", "network", "input_genes"):
        np.testing.assert_array_equal(again[key], small[key])
    other = make_regulatory_network(50, n_trajectories=3, n_test_trajectories=2, random_state=1, as_frame=False)
    assert not np.array_equal(other.network, small.network)


def test_noise_and_prior_corruption_do_not_change_the_clean_data(small):
    noisy = make_regulatory_network(50, n_trajectories=3, n_test_trajectories=2, noise=0.2,
                                    prior_corruption=0.5, random_state=0, as_frame=False)
    assert noisy.noise_sd == pytest.approx(0.1)
    assert np.abs(noisy.X - small.X).std() > 0.05
    np.testing.assert_array_equal(noisy.X_test, small.X_test)
    np.testing.assert_array_equal(noisy.network, small.network)
    n_edges = small.network.sum()
    assert ((noisy.prior != 0) & (small.network == 0)).sum() == round(0.5 * n_edges)
    assert (noisy.prior > 0).sum() == (small.prior > 0).sum()


def test_edges_and_options():
    data = make_regulatory_network(
        30, 60, n_trajectories=1, n_test_trajectories=0, times=[0.0, 1.0],
        input_fraction=0.3, activation_fraction=1.0, random_state=0, as_frame=False,
    )
    assert data.network.sum() == 60 and data.input_genes.sum() == 9
    assert np.all(data.prior[data.network == 1] == 1.0)
    assert data.X.shape == (2, 30) and data.X_test.shape == (0, 30)


def test_sparse_output_and_auto():
    data = make_regulatory_network(40, n_trajectories=1, n_test_trajectories=0, sparse=True,
                                   random_state=0, as_frame=False)
    dense = make_regulatory_network(40, n_trajectories=1, n_test_trajectories=0,
                                    random_state=0, as_frame=False)
    assert sp.issparse(data.prior) and sp.issparse(data.network)
    np.testing.assert_array_equal(data.prior.toarray(), dense.prior)
    big = make_regulatory_network(2500, n_trajectories=1, n_test_trajectories=0,
                                  times=[0.0, 1.0], random_state=0, as_frame=False)
    assert sp.issparse(big.prior) and big.prior.shape == (2500, 2500)
    assert big.network.sum() == round(2500 * 550 / 350)
    assert np.all(np.isfinite(big.X))


def test_as_frame(small):
    data = make_regulatory_network(50, n_trajectories=3, n_test_trajectories=2, as_frame=True,
                                   random_state=0)
    assert isinstance(data.X, pd.DataFrame) and list(data.X.columns) == data.gene_names
    assert isinstance(data.prior, pd.DataFrame) and list(data.prior.index) == data.gene_names
    np.testing.assert_array_equal(data.X.to_numpy(), small.X)
    assert data.frame.shape == (15, 52)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_genes": 1}, InvalidParameterError, "'n_genes'"),
        ({"n_genes": 10.0}, InvalidParameterError, "'n_genes'"),
        ({"n_genes": 20, "n_edges": 3}, ValueError, "n_edges"),
        ({"n_genes": 20, "n_edges": 10_000}, ValueError, "n_edges"),
        ({"input_fraction": 1.0}, InvalidParameterError, "'input_fraction'"),
        ({"activation_fraction": 2}, InvalidParameterError, "'activation_fraction'"),
        ({"ec50_range": (0.5, 1.2)}, InvalidParameterError, r"ec50_range\[1\]"),
        ({"ec50_range": (0.6, 0.4)}, InvalidParameterError, "ec50_range must satisfy low <= high"),
        ({"ec50_range": (0.3, 0.5, 0.7)}, InvalidParameterError, "ec50_range must be a pair"),
        ({"ec50_range": 0.5}, InvalidParameterError, "'ec50_range'"),
        ({"hill_range": (0.0, 2.0)}, InvalidParameterError, r"hill_range\[0\]"),
        ({"sparse": "yes"}, InvalidParameterError, "'sparse'"),
        ({"noise": np.inf}, InvalidParameterError, "'noise'"),
        ({"random_state": "seed"}, InvalidParameterError, "'random_state'"),
        ({"times": [1.0, np.nan]}, ValueError, "finite"),
    ],
)
def test_validation(kwargs, error, match):
    kwargs = {"n_trajectories": 1, "n_test_trajectories": 0, **kwargs}
    with pytest.raises(error, match=match):
        make_regulatory_network(**kwargs)
