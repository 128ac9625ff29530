"""Tests of the SIM350 simulator and loaders."""

import numpy as np
import pandas as pd
import pytest

from skdash._compat import InvalidParameterError
from skdash.datasets import (
    corrupt_prior,
    load_sim350_prior,
    make_sim350,
    simulate_sim350,
)
from skdash.datasets._loaders import _read_trajectory_file

N_GENES = 350
TIMES = np.array([0.0, 2.0, 3.0, 7.0, 9.0])


@pytest.fixture(scope="module")
def small():
    return make_sim350(n_trajectories=4, n_test_trajectories=2, random_state=0, as_frame=False)


def test_reproduces_shipped_test_trajectories():
    values, times = _read_trajectory_file("sim350", "simu_350genes_10samples_for_testing.csv")
    assert values.shape == (10, 5, N_GENES)
    np.testing.assert_array_equal(times, np.tile(TIMES, (10, 1)))
    simulated = simulate_sim350(values[:, 0], times[0])
    assert np.abs(simulated - values).max() <= 1e-5


def test_simulate_sim350_single_state_and_dataframe(small):
    x0 = small.X_test[:1]
    batch = simulate_sim350(x0, TIMES)
    single = simulate_sim350(x0[0], TIMES)
    assert batch.shape == (1, 5, N_GENES) and single.shape == (5, N_GENES)
    np.testing.assert_array_equal(single, batch[0])
    # make_sim350 solved it in a stack of two: equal up to the solver's tolerance
    np.testing.assert_allclose(single, small.X_test[:5], rtol=0, atol=1e-7)
    shuffled = pd.DataFrame(x0, columns=small.gene_names).iloc[:, ::-1]
    np.testing.assert_array_equal(simulate_sim350(shuffled, TIMES), batch)


@pytest.mark.parametrize(
    "x0, times, match",
    [
        (np.zeros(349), TIMES, "shape"),
        (np.full(350, np.nan), TIMES, "finite"),
        (np.zeros(350), [0.0, 2.0, 2.0], "strictly increasing"),
        (np.zeros(350), [[0.0, 1.0]], "1-D"),
        (pd.DataFrame(np.zeros((1, 2)), columns=["a", "b"]), TIMES, "lacks SIM350 genes"),
    ],
)
def test_simulate_sim350_validation(x0, times, match):
    with pytest.raises(ValueError, match=match):
        simulate_sim350(x0, times)


def test_shapes_and_dtypes(small):
    assert small.X.shape == (20, N_GENES) and small.X.dtype == np.float64
    assert small.X_test.shape == (10, N_GENES)
    np.testing.assert_array_equal(small.t, np.tile(TIMES, 4))
    np.testing.assert_array_equal(small.trajectory, np.repeat(np.arange(4), 5))
    np.testing.assert_array_equal(small.t_test, np.tile(TIMES, 2))
    np.testing.assert_array_equal(small.trajectory_test, np.repeat([4, 5], 5))
    assert np.issubdtype(small.trajectory.dtype, np.integer)
    assert small.prior.shape == small.network.shape == (N_GENES, N_GENES)
    assert set(np.unique(small.network)) == {0, 1} and small.network.sum() == 550
    assert len(small.gene_names) == N_GENES and all(isinstance(g, str) for g in small.gene_names)
    assert small.input_genes.dtype == bool and small.input_genes.sum() == 73
    np.testing.assert_array_equal(
        small.input_genes, [g.endswith("_input") for g in small.gene_names]
    )
    assert small.noise_sd == 0.0 and "SIM350" in small.DESCR


def test_noise_free_values_and_constant_inputs(small):
    for X in (small.X, small.X_test):
        assert np.all(np.isfinite(X)) and X.min() >= 0.0 and X.max() <= 1.0
        traj = X.reshape(-1, 5, N_GENES)
        inputs = traj[:, :, small.input_genes]
        np.testing.assert_array_equal(inputs, np.repeat(inputs[:, :1], 5, axis=1))
        # the other genes do move
        assert np.all(np.ptp(traj[:, :, ~small.input_genes], axis=1).max(axis=1) > 1e-3)


def test_initial_state_distribution():
    data = make_sim350(n_trajectories=60, n_test_trajectories=0, times=[0.0], random_state=3, as_frame=False)
    x0 = data.X
    inputs = x0[:, data.input_genes]
    # inputs scatter narrowly around a per-gene mean; the others are broad
    assert np.median(inputs.std(axis=0)) < 0.1
    assert np.median(x0[:, ~data.input_genes].std(axis=0)) > 0.15
    assert x0.min() >= 0.0 and x0.max() <= 1.0


def test_same_seed_same_data_and_different_seed_differs(small):
    again = make_sim350(n_trajectories=4, n_test_trajectories=2, random_state=0, as_frame=False)
    for key in ("X", "X_test", "prior"):
        np.testing.assert_array_equal(again[key], small[key])
    other = make_sim350(n_trajectories=4, n_test_trajectories=2, random_state=1, as_frame=False)
    assert not np.allclose(other.X, small.X)
    rng = make_sim350(n_trajectories=4, n_test_trajectories=2,
                      random_state=np.random.default_rng(0), as_frame=False)
    assert rng.X.shape == small.X.shape
    legacy = make_sim350(n_trajectories=2, n_test_trajectories=0,
                         random_state=np.random.RandomState(0), as_frame=False)
    assert legacy.X.shape == (10, N_GENES)


def test_noise_sd_and_independent_streams(small):
    noisy = make_sim350(noise=0.1, prior_corruption=0.2, n_trajectories=4,
                        n_test_trajectories=2, random_state=0, as_frame=False)
    assert noisy.noise_sd == pytest.approx(0.05)
    residual = noisy.X - small.X
    assert residual.std() == pytest.approx(0.05, rel=0.05)
    assert abs(residual.mean()) < 0.005
    np.testing.assert_array_equal(noisy.X_test, small.X_test)
    # the number of test trajectories does not change the training data
    fewer = make_sim350(n_trajectories=4, n_test_trajectories=0, random_state=0, as_frame=False)
    np.testing.assert_array_equal(fewer.X, small.X)
    assert fewer.X_test.shape == (0, N_GENES)


def test_prior_without_corruption_is_the_signed_true_network(small):
    np.testing.assert_array_equal(small.prior != 0, small.network == 1)
    assert set(np.unique(small.prior)) == {-1.0, 0.0, 1.0}
    assert (small.prior > 0).sum() == 374 and (small.prior < 0).sum() == 176
    np.testing.assert_array_equal(small.prior, load_sim350_prior(0.0, as_frame=False))
    assert np.all(np.diag(small.network) == 0)


def test_prior_corruption_moves_the_right_number_of_edges(small):
    data = make_sim350(prior_corruption=0.1, n_trajectories=1, n_test_trajectories=0,
                       random_state=0, as_frame=False)
    moved = ((data.prior != 0) & (small.network == 0)).sum()
    assert moved == round(0.1 * 550)
    assert (data.prior > 0).sum() == 374 and (data.prior < 0).sum() == 176


@pytest.mark.parametrize("corruption, n_moved", [(0.0, 0), (0.05, 27), (0.1, 55), (0.2, 110)])
def test_reference_priors(small, corruption, n_moved):
    prior = load_sim350_prior(corruption, as_frame=False)
    assert ((prior != 0) & (small.network == 0)).sum() == n_moved
    assert (prior > 0).sum() == 374 and (prior < 0).sum() == 176
    frame = load_sim350_prior(corruption, as_frame=True)
    assert list(frame.index) == list(frame.columns) == small.gene_names


def test_reference_prior_rejects_other_levels():
    with pytest.raises(ValueError, match="one of"):
        load_sim350_prior(0.3, as_frame=False)
    with pytest.raises(InvalidParameterError, match="'corruption'"):
        load_sim350_prior(1.5)
    with pytest.raises(InvalidParameterError, match="'as_frame'"):
        load_sim350_prior(as_frame="yes")


def test_as_frame():
    data = make_sim350(n_trajectories=2, n_test_trajectories=1, as_frame=True, random_state=0)
    assert isinstance(data.X, pd.DataFrame) and isinstance(data.X_test, pd.DataFrame)
    assert list(data.X.columns) == data.gene_names
    for key in ("prior", "network"):
        assert isinstance(data[key], pd.DataFrame)
        assert list(data[key].index) == list(data[key].columns) == data.gene_names
    assert list(data.frame.columns[:2]) == ["trajectory", "time"]
    assert data.frame.shape == (10, N_GENES + 2)
    plain = make_sim350(n_trajectories=2, n_test_trajectories=1, random_state=0, as_frame=False)
    np.testing.assert_array_equal(data.X.to_numpy(), plain.X)


def test_corrupt_prior_on_sim350_frame(small):
    frame = load_sim350_prior(as_frame=True)
    out = corrupt_prior(frame, 0.2, random_state=0)
    assert isinstance(out, pd.DataFrame) and out.index.equals(frame.index)
    assert ((out.to_numpy() != 0) & (small.network == 0)).sum() == 110


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"noise": -0.1}, InvalidParameterError, "'noise'"),
        ({"noise": "high"}, InvalidParameterError, "'noise'"),
        ({"prior_corruption": 1.5}, InvalidParameterError, "'prior_corruption'"),
        ({"n_trajectories": 0}, InvalidParameterError, "'n_trajectories'"),
        ({"n_trajectories": 2.5}, InvalidParameterError, "'n_trajectories'"),
        ({"n_test_trajectories": -1}, InvalidParameterError, "'n_test_trajectories'"),
        ({"times": [0, 3, 2]}, ValueError, "strictly increasing"),
        ({"times": []}, ValueError, "times"),
        ({"times": "0,1"}, InvalidParameterError, "'times'"),
        ({"as_frame": "yes"}, InvalidParameterError, "'as_frame'"),
        ({"random_state": "seed"}, InvalidParameterError, "'random_state'"),
        ({"random_state": -3}, InvalidParameterError, "'random_state'"),
    ],
)
def test_make_sim350_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_sim350(**kwargs)
