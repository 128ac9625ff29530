"""Numerical safety and reproducibility (issue 5).

Divergence is reported, never hidden; the precision and the number of threads
do not change the network; a seeded fit leaves the global random number
generators alone.  (DASH's least squares on rank-deficient scores are tested in
test_dash.py, the field's initialisation in test_phoenix.py.)
"""

import math
import random

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from skdash import DASHRegulatoryEstimator, _training
from skdash._phoenix import PhoenixField

from .conftest import FAST, make_toy_system


def fit_toy(toy, **params):
    return DASHRegulatoryEstimator(**{**FAST, **params}).fit(toy.X, t=toy.t, trajectory=toy.trajectory)


def off_diagonal(matrix):
    matrix = np.array(matrix, dtype=bool)
    np.fill_diagonal(matrix, False)
    return matrix


# ------------------------------------------------------------------ divergence
@pytest.mark.parametrize("sparsity", ["auto", 0.8])
def test_divergence_before_any_checkpoint_raises(toy, sparsity):
    with pytest.raises(FloatingPointError, match=r"diverged at epoch 1 .*lower learning_rate"):
        fit_toy(toy, learning_rate=1e6, sparsity=sparsity)


@pytest.mark.parametrize("solver", ["dopri5", "bosh3"])
def test_adaptive_solver_failure_is_handled_like_a_fixed_step_divergence(toy, solver):
    # lr 1e6 blows the weights up after the first step: torchdiffeq then fails
    # (non-finite state or step underflow) with an AssertionError, which must reach
    # the user as the same clear FloatingPointError as an RK4 divergence.
    with pytest.raises(FloatingPointError, match=rf"diverged at epoch 1 .*adaptive solver '{solver}' failed"):
        fit_toy(toy, learning_rate=1e6, solver=solver)


def test_adaptive_solver_failure_names_the_solver():
    from skdash.solvers import AdaptiveSolver

    field = PhoenixField(3, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x0 = torch.full((2, 3), math.nan, dtype=torch.float64)
    message = r"adaptive solver 'dopri5' failed \((underflow in dt|non-finite values)"
    with pytest.raises(FloatingPointError, match=message):
        AdaptiveSolver("dopri5").integrate_transitions(field, x0, torch.ones(2, dtype=torch.float64))


def test_divergence_after_a_checkpoint_warns_and_restores_it(toy, monkeypatch):
    # The monitored (validation) loss turns NaN at epoch 5; epochs 1-4 are genuine.
    real_loss = _training.transition_loss
    calls = []

    def loss_that_diverges(*args, **kwargs):
        calls.append(None)
        return math.nan if len(calls) >= 5 else real_loss(*args, **kwargs)

    monkeypatch.setattr(_training, "transition_loss", loss_that_diverges)
    with pytest.warns(RuntimeWarning, match=r"diverged at epoch 5 .*restored the best checkpoint from epoch"):
        diverged = fit_toy(toy, early_stopping=False)
    monkeypatch.undo()
    assert len(calls) == 5
    assert diverged.n_iter_ == 4
    # the restored model is exactly the best of epochs 1-4: the same as a 4-epoch run
    reference = fit_toy(toy, early_stopping=False, max_epochs=4)
    assert diverged.best_epoch_ == reference.best_epoch_ <= 4
    np.testing.assert_array_equal(diverged.network_, reference.network_)
    np.testing.assert_array_equal(diverged.predict(toy.X), reference.predict(toy.X))
    assert diverged.sparsity_ == reference.sparsity_
    assert np.all(np.isfinite(diverged.predict(toy.X)))


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
        np.testing.assert_allclose(single.network_, double.network_, rtol=1e-6, atol=1e-9)


def test_n_threads_is_restored_after_fit_and_predict(toy):
    before = torch.get_num_threads()
    est = fit_toy(toy, n_threads=1)
    est.predict(toy.X)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("weights, cores, load, expected", [
    ((350, 40), 8, 0.0, 1),        # SIM350: one thread is as fast as two
    ((1000, 80), 8, 0.0, 2),
    ((5000, 200), 8, 0.0, 8),      # large models use every usable core ...
    ((5000, 200), 8, 5.3, 3),      # ... that the load leaves free
    ((5000, 200), 2, 7.0, 1),      # a saturated machine: one thread, never zero
    ((1000, 80), 1, 0.0, 1),
])
def test_default_threads_follow_the_model_size_and_the_free_cores(monkeypatch, weights, cores, load, expected):
    monkeypatch.setattr(_training, "_usable_cores", lambda: cores)
    monkeypatch.setattr(_training.os, "getloadavg", lambda: (load, load, load))
    assert _training.default_threads(*weights) == expected


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
