"""Whole fits: reproducibility and numerical safety of the estimator.

A failed fit leaves nothing half fitted; the precision and the number of
threads do not change the network; a seeded fit leaves the global random number
generators alone; too few data are reported.  (Divergence handling is tested in
test_training.py, DASH's least squares on rank-deficient scores in
test_dash.py, the field's initialisation in test_phoenix.py.)
"""

import random

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from skdash import DASHRegulatoryEstimator, _training

from .conftest import FAST, FLOAT32_ROUNDING, make_toy_system


def fit_toy(toy, **params):
    return DASHRegulatoryEstimator(**{**FAST, **params}).fit(toy.X, t=toy.t, trajectory=toy.trajectory)


def off_diagonal(matrix):
    matrix = np.array(matrix, dtype=bool)
    np.fill_diagonal(matrix, False)
    return matrix


# ------------------------------------------------------------------ failures
def test_a_failed_fit_leaves_no_half_fitted_estimator(toy):
    est = DASHRegulatoryEstimator(**{**FAST, "learning_rate": 1e6})
    with pytest.raises(FloatingPointError):
        est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    with pytest.raises(NotFittedError):
        est.predict(toy.X)


def test_fit_with_a_prior_that_has_empty_rows_gives_a_finite_network(toy):
    prior = toy.prior.copy()
    prior[[1, 4]] = 0.0
    est = fit_toy(toy, prior=prior, prior_weight=(0.9, 0.9), sparsity=0.8)
    assert np.all(np.isfinite(est.network_)) and np.isfinite(est.sparsity_)


# ------------------------------------------------------------------ precision
@pytest.mark.parametrize("params", [dict(sparsity=0.8), dict(sparsity=0.8, prior="toy"), dict(sparsity="auto")])
def test_float32_and_float64_fits_find_the_same_network(toy, params):
    # Measured with a dtype-independent initialisation (float64 draws cast to the
    # model dtype): identical adjacency in 20 of 20 fits (5 settings x 4 seeds),
    # largest |network_ difference| 6.4e-7.
    params = {**params, "prior": toy.prior} if params.get("prior") == "toy" else params
    for seed in (0, 1):
        single = fit_toy(toy, **params, random_state=seed, dtype="float32")
        double = fit_toy(toy, **params, random_state=seed, dtype="float64")
        np.testing.assert_array_equal(single.adjacency_, double.adjacency_)
        np.testing.assert_allclose(single.network_, double.network_, atol=1e-5)


# ------------------------------------------------------------------ reproducibility
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_seed_gives_a_bit_identical_fit(toy, dtype):
    first = fit_toy(toy, prior=toy.prior, dtype=dtype)
    second = fit_toy(toy, prior=toy.prior, dtype=dtype)
    np.testing.assert_array_equal(first.network_, second.network_)
    np.testing.assert_array_equal(first.predict(toy.X), second.predict(toy.X))
    assert [record["train_loss"] for record in first.history_] == [record["train_loss"] for record in second.history_]


def test_another_seed_gives_another_network(toy):
    first = fit_toy(toy, prior=toy.prior, sparsity=0.7)
    other = fit_toy(toy, prior=toy.prior, sparsity=0.7, random_state=1)
    assert not np.array_equal(first.network_, other.network_)


def test_time_unit_does_not_change_the_network(toy):
    minutes = fit_toy(toy, prior=toy.prior, sparsity=0.7)
    hours = DASHRegulatoryEstimator(**{**FAST, "prior": toy.prior, "sparsity": 0.7})
    hours.fit(toy.X, t=toy.t / 60.0, trajectory=toy.trajectory)
    np.testing.assert_array_equal(minutes.adjacency_, hours.adjacency_)
    np.testing.assert_allclose(minutes.network_, hours.network_, rtol=1e-5, atol=1e-7)
    # rates are per unit of time: per hour is 60 times per minute
    np.testing.assert_allclose(hours.predict(toy.X), 60 * minutes.predict(toy.X), rtol=1e-4, atol=1e-6)


def test_row_order_and_trajectory_spelling_do_not_change_the_network(toy):
    reference = fit_toy(toy, prior=toy.prior)
    shuffled = np.random.default_rng(3).permutation(toy.X.shape[0])
    labels = np.array([f"course-{code * 7 % 12:02d}" for code in toy.trajectory], dtype=object)
    other = DASHRegulatoryEstimator(**{**FAST, "prior": toy.prior}).fit(
        toy.X[shuffled], t=toy.t[shuffled], trajectory=labels[shuffled])
    # the same transitions in the same batches: the same fit, bit for bit
    np.testing.assert_array_equal(other.network_, reference.network_)
    assert [r["validation_loss"] for r in other.history_] == [r["validation_loss"] for r in reference.history_]


def test_one_trajectory_with_a_dense_prior_repeats_bit_for_bit():
    # The case of real time courses: one long trajectory (held-out transitions
    # drawn at random), a dense prior and a lambda close to 1, where pruning
    # scores nearly tie and any varying bit would change the network.
    from skdash.datasets import make_regulatory_network

    data = make_regulatory_network(12, n_trajectories=1, n_test_trajectories=0, times=np.linspace(0, 12, 40),
                                   noise=0.02, random_state=0, as_frame=False)
    prior = data.prior + 0.05 * np.random.default_rng(0).standard_normal(data.prior.shape)
    params = {**FAST, "prior": prior, "prior_weight": (0.9995, 0.995), "hidden_units": 8}
    fits = [DASHRegulatoryEstimator(**params).fit(data.X, t=data.t) for _ in range(2)]
    shuffled = np.random.default_rng(1).permutation(data.X.shape[0])
    fits.append(DASHRegulatoryEstimator(**params).fit(data.X[shuffled], t=data.t[shuffled]))
    for other in fits[1:]:
        np.testing.assert_array_equal(other.network_, fits[0].network_)
        np.testing.assert_array_equal(other.module_.sum_in.detach().numpy(), fits[0].module_.sum_in.detach().numpy())


def test_same_seed_gives_the_same_network_whatever_the_global_torch_rng(toy):
    # With hidden_units >= 20 the sparse initialisation keeps one weight per column
    # and the global RNG decides which (below 20 it zeroes whole columns).
    networks = []
    for global_seed in (1, 2):
        with torch.random.fork_rng():
            torch.manual_seed(global_seed)
            networks.append(fit_toy(toy, hidden_units=24).network_)
    np.testing.assert_array_equal(*networks)


def test_thread_count_does_not_change_the_network(toy):
    larger = make_toy_system(n_genes=24, n_trajectories=8, random_state=1)
    for data, hidden_units in ((toy, 6), (larger, 20)):
        fits = []
        for n_threads in (1, 2):
            fits.append(fit_toy(data, hidden_units=hidden_units, sparsity=0.8, n_threads=n_threads))
        single, double = fits
        np.testing.assert_array_equal(off_diagonal(single.adjacency_), off_diagonal(double.adjacency_))
        # measured: bit-identical on the development machine (2 cores, torch 2.13 CPU)
        np.testing.assert_allclose(single.network_, double.network_, **FLOAT32_ROUNDING)


def test_n_threads_is_restored_after_fit_and_predict(toy):
    before = torch.get_num_threads()
    est = fit_toy(toy, n_threads=1)
    est.predict(toy.X)
    assert torch.get_num_threads() == before


def test_default_thread_count_is_recorded_and_used_after_fit(toy, monkeypatch):
    monkeypatch.setattr(_training, "default_threads", lambda n_genes, hidden_units: 1)
    est = fit_toy(toy)
    assert est.n_threads is None and est.n_threads_ == 1
    seen = []
    real_set = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), real_set(n)))
    est.predict(toy.X)
    assert seen[0] == 1


def test_seeded_fit_leaves_numpy_and_python_global_rngs_untouched(toy):
    numpy_state, python_state = np.random.get_state(), random.getstate()
    fit_toy(toy, prior=toy.prior, sparsity=0.8)
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1]) and after[2:] == numpy_state[2:]
    assert random.getstate() == python_state


def test_seeded_fit_leaves_the_global_torch_rng_untouched(toy):
    state = torch.get_rng_state()
    fit_toy(toy, prior=toy.prior, sparsity=0.8)
    assert torch.equal(torch.get_rng_state(), state)


# ------------------------------------------------------------------ too few data
def test_too_few_data_for_the_model_warn_with_the_forecast_skill():
    # The command-line case of a new user: 8 genes, 4 time courses of 6 points, the
    # true network as prior.  The model forecasts held-out transitions worse than
    # each gene relaxing on its own (measured skill -1.7), so the fit must say so.
    from skdash.datasets import make_regulatory_network
    from skdash.exceptions import UnreliableFitWarning

    data = make_regulatory_network(8, n_trajectories=4, n_test_trajectories=0, times=np.arange(6.0), noise=0.02,
                                   random_state=0, as_frame=False)
    with pytest.warns(UnreliableFitWarning, match=r"do not support the fitted network.*skill of -?\d.*too few data"):
        est = DASHRegulatoryEstimator(prior=data.prior, hidden_units=8, max_epochs=40, random_state=0,
                                      n_threads=1).fit(data.X, t=data.t, trajectory=data.trajectory)
    assert est.forecast_skill_ < 0.2
