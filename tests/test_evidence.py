"""Evidence for every pair (edge_scores_) and the data-sized reported network (adjacency_)."""

from concurrent.futures.process import BrokenProcessPool

import joblib
import numpy as np
import pandas as pd
import pytest
import torch

from skdash import DASHRegulatoryEstimator
from skdash._estimator import PRIOR_LOSS_TOLERANCE, PRIOR_LOSS_WEIGHTS
from skdash._evidence import (edge_evidence, field_jacobians, mean_sensitivities, network_size, select_edges,
                              target_normalized)
from skdash._phoenix import PhoenixField
from skdash.datasets import make_regulatory_network
from skdash.metrics import edge_aupr
from skdash.pruning import PruningSchedule

from .conftest import FAST, OnlyInThisProcess


def random_field(n_genes=5, hidden_units=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    field = PhoenixField(n_genes, hidden_units, generator=generator, dtype=torch.float64)
    with torch.no_grad():  # dense first layers, so that every pair has a path
        field.sum_in.normal_(generator=generator)
        field.prod_in.normal_(generator=generator)
    return field, torch.rand(7, n_genes, generator=generator, dtype=torch.float64)


def test_jacobians_match_autograd_without_the_decay():
    field, states = random_field()
    expected = torch.func.vmap(torch.func.jacrev(field))(states).transpose(1, 2).clone()  # (s, regulator, target)
    n_genes = field.n_genes
    expected[:, range(n_genes), range(n_genes)] += torch.relu(field.gene_multipliers)  # remove -ReLU(v) x
    torch.testing.assert_close(field_jacobians(field, states), expected)
    drive = torch.func.vmap(torch.func.jacrev(field.regulatory_drive))(states).transpose(1, 2)
    torch.testing.assert_close(field_jacobians(field, states, scaled=False), drive)


def test_mean_sensitivities_do_not_depend_on_the_chunk_size():
    field, states = random_field()
    by_one = mean_sensitivities(field, states, chunk_size=1)
    together = mean_sensitivities(field, states, chunk_size=100)
    for a, b in zip(by_one, together):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    magnitude, signed, drive = together
    assert np.all(magnitude >= np.abs(signed) - 1e-15)
    np.testing.assert_allclose(magnitude, drive * torch.relu(field.gene_multipliers).detach().numpy()[None, :])


def test_mean_sensitivities_reject_states_of_the_wrong_shape():
    field, states = random_field()
    with pytest.raises(ValueError, match=r"states must have shape \(n_states >= 1, 5\); got \(7, 4\)"):
        mean_sensitivities(field, states[:, :4])


def test_edge_evidence_orders_by_last_stage_then_sensitivity():
    drive = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 4.0], [5.0, 6.0, 0.0]])
    early = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])  # (2, 1) never had a path
    late = np.array([[0.0, 2.0, 0.0], [9.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    final = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    scores = edge_evidence(final, drive, [early, late])
    # (0, 1) is used by the fitted model; (1, 0) was pruned late, (0, 2), (1, 2), (2, 0) at the first event
    assert scores[0, 1] > scores[1, 0] > max(scores[0, 2], scores[1, 2], scores[2, 0]) > scores[2, 1] > 0
    assert scores[1, 2] == scores[0, 2] == scores[2, 0]  # the same stage, the same sensitivity
    assert edge_evidence(final, drive)[0, 1] > edge_evidence(final, drive)[2, 1]


#: Sensitivities of four genes (regulators x targets); target 2 is held constant.
SENSITIVITIES = np.array([
    [0.0, 5.0, 0.0, 1.0],
    [1.0, 0.0, 0.0, 1.1],
    [4.0, 0.1, 0.0, 9.0],
    [0.5, 0.0, 0.0, 0.0],
])


def test_network_size_counts_each_target_up_to_its_sharpest_drop():
    magnitude = SENSITIVITIES
    # target 0: 4 | 1, 0.5 -> 1; target 1: 5 | 0.1 -> 1; target 2: held constant -> 0; target 3: 9 | 1.1, 1 -> 1
    assert network_size(magnitude) == 3
    two_clear = np.zeros((4, 4))
    two_clear[1:, 0] = [5.0, 5.0, 0.1]  # target 0: two regulators well above the third
    assert network_size(two_clear) == 2 and network_size(two_clear, max_regulators=1) == 1
    assert network_size(np.ones((1, 1))) == 0


def test_select_edges_takes_the_top_of_the_ranking_without_self_loops():
    magnitude = SENSITIVITIES
    scores = np.array([
        [9.0, 0.2, 0.0, 0.3],
        [0.8, 9.0, 0.0, 0.1],
        [0.7, 0.4, 9.0, 0.6],
        [0.1, 0.0, 0.0, 9.0],
    ])
    expected = np.zeros((4, 4), dtype=bool)
    expected[1, 0] = expected[2, 0] = expected[2, 3] = True  # the three best off-diagonal scores
    np.testing.assert_array_equal(select_edges(magnitude, scores), expected)
    # ties are broken by position, so equal scores still give exactly the network's size
    tied = select_edges(magnitude, np.ones((4, 4)))
    assert tied.sum() == 3 and not tied.diagonal().any()


def test_target_normalized_divides_by_the_root_of_each_targets_strongest_regulator():
    sensitivities = np.array([[7.0, 4.0, 0.0], [1.0, 7.0, 0.0], [2.0, 1.0, 7.0]])
    normalized = target_normalized(sensitivities)
    np.testing.assert_allclose(normalized[:, 0], sensitivities[:, 0] / np.sqrt(2.0))  # the diagonal is not a regulator
    np.testing.assert_allclose(normalized[:, 1], sensitivities[:, 1] / 2.0)
    np.testing.assert_array_equal(normalized[:, 2], sensitivities[:, 2])  # no regulator with an effect: unchanged
    # a slow target's clear regulator now outranks a fast target's weak one
    assert normalized[2, 0] > normalized[2, 1] and sensitivities[2, 0] > sensitivities[2, 1]


@pytest.fixture(scope="module")
def small_system():
    return make_regulatory_network(10, n_trajectories=12, n_test_trajectories=0, noise=0.05, random_state=3)


@pytest.fixture(scope="module")
def small_fit(small_system):
    est = DASHRegulatoryEstimator(hidden_units=8, max_epochs=60, learning_rate=0.01, batch_size=8, sparsity=0.0,
                                  random_state=0, n_threads=1)
    return est.fit(small_system.X, t=small_system.t, trajectory=small_system.trajectory)


def off_diagonal(matrix):
    return matrix[~np.eye(matrix.shape[0], dtype=bool)]


def test_edge_scores_rank_every_pair_without_mass_ties(small_fit):
    scores = small_fit.edge_scores_
    assert scores.shape == (10, 10) and np.all(np.isfinite(scores))
    values = off_diagonal(scores)
    # at most a handful of pairs share a value (those of targets held constant tie only among themselves)
    _, counts = np.unique(values, return_counts=True)
    assert counts.max() <= 2 and np.count_nonzero(values == 0) == 0


def test_reported_network_is_data_sized_and_better_than_chance(small_system, small_fit):
    truth = np.asarray(small_system.network) != 0
    adjacency = small_fit.adjacency_
    assert adjacency.dtype == bool and not adjacency.diagonal().any()
    n_reported = int(adjacency.sum())
    n_pairs = truth.size - truth.shape[0]
    assert 0 < n_reported < 0.5 * n_pairs
    chance = truth.sum() / n_pairs
    precision = (adjacency & truth).sum() / n_reported
    # without a prior, 12 short noisy time courses of 10 genes say little: about twice chance
    assert precision > 1.5 * chance
    assert edge_aupr(truth, small_fit.edge_scores_) > 1.5 * chance
    # the old path structure is kept under its own name, and network_ is nonzero exactly on the report
    assert small_fit.path_adjacency_.dtype == bool
    np.testing.assert_array_equal(small_fit.network_ != 0, adjacency)


def test_signs_of_reported_true_edges_agree_with_the_truth(small_system, small_fit):
    signed_truth = np.asarray(small_system.prior)  # no corruption: the true network with its signs
    found = small_fit.adjacency_ & (signed_truth != 0)
    assert found.sum() >= 3
    agree = np.sign(small_fit.network_[found]) == np.sign(signed_truth[found])
    assert agree.mean() >= 0.75


def test_same_seed_same_edge_scores(small_system, small_fit):
    again = DASHRegulatoryEstimator(**small_fit.get_params()).fit(
        small_system.X, t=small_system.t, trajectory=small_system.trajectory)
    np.testing.assert_array_equal(again.edge_scores_, small_fit.edge_scores_)
    np.testing.assert_array_equal(again.adjacency_, small_fit.adjacency_)


def test_pruned_fit_ranks_pruned_pairs_below_used_ones(toy):
    est = DASHRegulatoryEstimator(prior=toy.prior, hidden_units=6, max_epochs=12, batch_size=8,
                                  pruning=PruningSchedule(start=1, initial=0.5, interval=2, rate=0.2),
                                  learning_rate=0.01, sparsity=0.5, random_state=0)
    est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    used = off_diagonal(est.path_adjacency_)
    scores = off_diagonal(est.edge_scores_)
    assert used.any() and (~used).any()
    assert scores[used].min() > scores[~used].max()
    assert np.all(est.adjacency_ <= est.path_adjacency_)


def test_prior_loss_weight_is_chosen_with_a_prior_and_zero_without(toy):
    settings = dict(hidden_units=4, max_epochs=2, sparsity=0.0, random_state=0)
    with_prior = DASHRegulatoryEstimator(prior=toy.prior, **settings).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert with_prior.prior_loss_weight_ in PRIOR_LOSS_WEIGHTS and len(with_prior.prior_loss_path_) >= 2
    earlier = DASHRegulatoryEstimator(prior=toy.prior, prior_loss_weight=None, **settings)
    assert earlier.fit(toy.X, t=toy.t, trajectory=toy.trajectory).prior_loss_weight_ == 0.05
    assert len(earlier.prior_loss_path_) == 1
    without = DASHRegulatoryEstimator(**settings).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert without.prior_loss_weight_ == 0.0
    explicit = DASHRegulatoryEstimator(prior=toy.prior, prior_loss_weight=0.0, **settings)
    assert explicit.fit(toy.X, t=toy.t, trajectory=toy.trajectory).prior_loss_weight_ == 0.0


def _auto_choice(path, tolerance):
    """The rule of prior_loss_weight="auto", recomputed from its recorded path."""
    chosen, lowest = None, np.inf
    baseline = path["validation_loss"] / (1.0 - path["skill"])
    for weight, loss, base in zip(path["prior_loss_weight"], path["validation_loss"], baseline):
        if chosen is not None and loss - min(lowest, loss) > tolerance * base:
            break
        chosen, lowest = weight, min(lowest, loss)
    return chosen


def test_auto_prior_loss_weight_keeps_the_strongest_pull_the_held_out_forecasts_allow(toy):
    settings = dict(FAST, sparsity=0.0, max_epochs=6)
    auto = DASHRegulatoryEstimator(prior=toy.prior, prior_loss_weight="auto", **settings)
    auto.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    path = auto.prior_loss_path_
    n_tried = len(path)
    assert list(path["prior_loss_weight"]) == list(PRIOR_LOSS_WEIGHTS[:n_tried])
    assert path["chosen"].sum() == 1
    assert path.loc[path["chosen"], "prior_loss_weight"].item() == auto.prior_loss_weight_
    assert auto.prior_loss_weight_ == _auto_choice(path, PRIOR_LOSS_TOLERANCE)
    # the search ends at the first weight that costs too much, or after the last candidate
    assert n_tried == len(PRIOR_LOSS_WEIGHTS) or path["prior_loss_weight"].iloc[-1] > auto.prior_loss_weight_
    # the kept model is the fit with the chosen weight
    fixed = DASHRegulatoryEstimator(prior=toy.prior, prior_loss_weight=auto.prior_loss_weight_, **settings)
    fixed.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    np.testing.assert_allclose(auto.edge_scores_, fixed.edge_scores_, rtol=1e-5, atol=1e-8)
    np.testing.assert_array_equal(auto.adjacency_, fixed.adjacency_)
    assert auto.forecast_skill_ == pytest.approx(fixed.forecast_skill_, rel=1e-4, abs=1e-6)


def test_auto_prior_loss_weight_rule_rejects_a_weight_that_costs_the_forecasts():
    path = pd.DataFrame({"prior_loss_weight": [0.05, 0.1, 0.2, 0.5],
                         "validation_loss": [1.00, 1.02, 1.08, 1.01], "skill": [0.0, -0.02, -0.08, -0.01]})
    # baseline error 1: 0.1 costs 0.02 (kept), 0.2 costs 0.08 (> 0.05, ends the search)
    assert _auto_choice(path, 0.05) == 0.1


def test_auto_prior_loss_weight_without_a_prior_or_without_held_out_data(toy):
    settings = dict(FAST, sparsity=0.0, max_epochs=2)
    without = DASHRegulatoryEstimator(prior_loss_weight="auto", **settings)
    without.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert without.prior_loss_weight_ == 0.0
    assert list(without.prior_loss_path_["prior_loss_weight"]) == [0.0]
    # without held-out transitions the training ones decide, as for the checkpoint
    no_validation = DASHRegulatoryEstimator(prior=toy.prior, prior_loss_weight="auto", validation_fraction=0.0,
                                            **settings)
    no_validation.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    path = no_validation.prior_loss_path_
    assert len(path) >= 2 and no_validation.prior_loss_weight_ == _auto_choice(path, PRIOR_LOSS_TOLERANCE)
    np.testing.assert_allclose(path.loc[path["chosen"], "validation_loss"].item(),
                               no_validation.history_[no_validation.best_epoch_ - 1]["train_loss"])


class _DivergesAbove(DASHRegulatoryEstimator):
    """Training fails for every prior-loss weight above ``limit`` (class attribute)."""

    limit = 0.05

    def _train(self, setting, prior_loss_weight, n_threads, title=None, verbose=0):
        if prior_loss_weight > self.limit:
            raise FloatingPointError("Training diverged at epoch 1 (loss is nan).")
        return super()._train(setting, prior_loss_weight, n_threads, title=title, verbose=verbose)


# n_jobs=2 trains the first two candidates together; in threads, because the worker
# processes of joblib's default backend can import this test module's subclass only
# where tests/ is on their path (so the test does not depend on the machine's layout)
@pytest.mark.parametrize("n_jobs", [None, 2])
def test_auto_prior_loss_weight_keeps_the_last_weight_that_trained_when_a_stronger_one_fails(toy, n_jobs):
    est = _DivergesAbove(prior=toy.prior, prior_loss_weight="auto", n_jobs=n_jobs,
                         **dict(FAST, sparsity=0.0, max_epochs=2))
    failed = r"prior_loss_weight=0\.1 failed \(Training diverged.*kept prior_loss_weight=0\.05"
    with joblib.parallel_config(backend="threading"), pytest.warns(RuntimeWarning, match=failed):
        est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert est.prior_loss_weight_ == 0.05
    assert list(est.prior_loss_path_["prior_loss_weight"]) == [0.05, 0.1]
    assert np.isnan(est.prior_loss_path_["validation_loss"].iloc[1]) and not est.prior_loss_path_["chosen"].iloc[1]
    first_fails = _DivergesAbove(prior=toy.prior, prior_loss_weight=0.2, **dict(FAST, sparsity=0.0, max_epochs=2))
    with pytest.raises(FloatingPointError, match="Training diverged"):
        first_fails.fit(toy.X, t=toy.t, trajectory=toy.trajectory)


def test_auto_prior_loss_weight_in_worker_processes_names_a_class_they_cannot_rebuild(toy):
    est = OnlyInThisProcess(prior=toy.prior, prior_loss_weight="auto", n_jobs=2,
                            **dict(FAST, sparsity=0.0, max_epochs=2))
    with pytest.raises(RuntimeError, match=r"(?s)n_jobs=2\) failed.*import the estimator's class.*OnlyInThisProcess"
                       r".*Use n_jobs=None") as raised:
        est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert isinstance(raised.value.__cause__, BrokenProcessPool)


def test_auto_prior_loss_weight_in_parallel_chooses_and_keeps_what_the_serial_search_does(toy, capsys):
    settings = dict(FAST, prior=toy.prior, prior_loss_weight="auto", sparsity=0.0, max_epochs=6, n_threads=1)
    serial = DASHRegulatoryEstimator(**settings).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    parallel = DASHRegulatoryEstimator(**settings, n_jobs=2, verbose=1)
    parallel.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    # the same path (a candidate trained beyond the one that ends the search is not in it)
    pd.testing.assert_frame_equal(parallel.prior_loss_path_, serial.prior_loss_path_, rtol=1e-6)
    assert parallel.prior_loss_weight_ == serial.prior_loss_weight_
    np.testing.assert_allclose(parallel.edge_scores_, serial.edge_scores_, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(parallel.adjacency_, serial.adjacency_)
    # each candidate trained in a worker is reported by one line once its group is done
    reported = [line for line in capsys.readouterr().err.splitlines() if line.startswith("DASH prior_loss_weight=")]
    assert len(reported) >= len(serial.prior_loss_path_)
    assert all(" epochs in " in line for line in reported)
