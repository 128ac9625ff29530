import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import clone, config_context
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from skdash import DASHRegulatoryEstimator
from skdash.pruning import PruningSchedule

from .conftest import FAST


# scikit-learn's checks feed data far outside [0, 1], which rightly warns about scale
@pytest.mark.filterwarnings("ignore::skdash.exceptions.DataScaleWarning")
@parametrize_with_checks([DASHRegulatoryEstimator(hidden_units=4, max_epochs=3, random_state=0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("DASHRegulatoryEstimator", DASHRegulatoryEstimator())


def fit_toy(toy, **params):
    est = DASHRegulatoryEstimator(**{**FAST, **params})
    return est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)


def test_fitted_attributes(toy):
    est = fit_toy(toy, prior=toy.prior, sparsity=0.8)
    n = toy.X.shape[1]
    assert est.n_features_in_ == n
    assert est.network_.shape == (n, n) and est.adjacency_.dtype == bool
    assert np.all(est.network_[~est.adjacency_] == 0)
    assert est.prior_weight_ == (0.5, 0.05)
    assert est.n_iter_ == len(est.history_) >= est.best_epoch_ >= 1
    assert set(est.pruning_path_.columns) == {"sparsity", "validation_loss", "epoch"}
    assert np.isfinite(est.score(toy.X, t=toy.t, trajectory=toy.trajectory))
    assert est.predict(toy.X).shape == toy.X.shape
    assert est.simulate(toy.X[0], [0, 1, 2]).shape == (3, n)
    assert est.simulate(toy.X[:4], [0, 1, 2]).shape == (4, 3, n)


def test_auto_batch_size_keeps_enough_steps_per_epoch(toy):
    # 12 courses: 1 held out, 11 x 4 = 44 training transitions -> 1 per step (32 steps need <= 1)
    assert fit_toy(toy, batch_size="auto").batch_size_ == 1
    assert fit_toy(toy, batch_size=8).batch_size_ == 8
    # 130 copies of the courses: 117 x 4 = 468 training transitions -> 14 per step
    copies = 130 // 12 + 1
    X = np.tile(toy.X, (copies, 1))[:130 * 5]
    t = np.tile(toy.t, copies)[:130 * 5]
    trajectory = np.repeat(np.arange(copies * 12), 5)[:130 * 5]
    est = DASHRegulatoryEstimator(**{**FAST, "batch_size": "auto", "max_epochs": 1, "sparsity": 0})
    assert est.fit(X, t=t, trajectory=trajectory).batch_size_ == 468 // 32


def test_fewer_courses_than_the_fraction_asks_for_monitor_the_training_loss(toy):
    four = np.isin(toy.trajectory, np.unique(toy.trajectory)[:4])
    est = DASHRegulatoryEstimator(**{**FAST, "validation_fraction": 0.1})
    est.fit(toy.X[four], t=toy.t[four], trajectory=toy.trajectory[four])
    assert all(np.isnan(record["validation_loss"]) for record in est.history_)
    assert all(record["monitored_loss"] == record["train_loss"] for record in est.history_)
    held = fit_toy(toy, validation_fraction=0.1)  # 12 courses: one held out
    assert all(np.isfinite(record["validation_loss"]) for record in held.history_)


def test_requested_sparsity_is_reached_and_pruned_weights_stay_zero(toy):
    est = fit_toy(toy, prior=toy.prior, sparsity=0.8, max_epochs=20)
    field = est.module_
    for name in ("sum_in", "prod_in", "sum_out", "prod_out"):
        mask = field.mask(name)
        assert float(mask.mean()) == pytest.approx(0.2, abs=1 / mask.numel())
        assert torch.all(getattr(field, name)[mask == 0] == 0)
    # the last epochs trained after the last pruning event, yet pruned weights are still zero
    assert not est.history_[-1]["pruned"]
    assert est.sparsity_ >= 0.8 - 1e-9


def test_pickle_round_trip_predicts_identically(toy):
    est = fit_toy(toy, sparsity=0.5)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict(toy.X), est.predict(toy.X))
    np.testing.assert_array_equal(loaded.network_, est.network_)


def test_clone_keeps_parameters_and_drops_fit(toy):
    est = fit_toy(toy, prior=toy.prior, sparsity=0.5)
    copy = clone(est)
    assert copy.get_params()["sparsity"] == 0.5
    assert not hasattr(copy, "network_")


def test_gene_names_reach_the_network(toy):
    X = pd.DataFrame(toy.X, columns=toy.gene_names)
    prior = pd.DataFrame(toy.prior, index=toy.gene_names, columns=toy.gene_names)
    est = DASHRegulatoryEstimator(prior, **{**FAST, "sparsity": 0.5})
    est.fit(X, t=toy.t, trajectory=toy.trajectory)
    edges = est.get_network()
    assert list(edges.columns) == ["regulator", "target", "weight", "score"]
    assert set(edges.regulator) | set(edges.target) <= set(toy.gene_names)
    assert np.all(np.diff(edges.score.to_numpy()) <= 0) and np.all(edges.weight != 0)
    matrix = est.get_network(as_matrix=True)
    assert list(matrix.index) == toy.gene_names
    for row in edges.itertuples():
        assert matrix.loc[row.regulator, row.target] == row.weight


def test_get_network_top_k_and_threshold(toy):
    est = fit_toy(toy, sparsity=0.5)
    edges = est.get_network()
    assert len(est.get_network(top_k=3)) == min(3, len(edges))
    cut = edges.weight.abs().median()
    assert (est.get_network(threshold=cut).weight.abs() >= cut).all()
    assert len(est.get_network(include_self_loops=True)) >= len(edges)


def test_unreachable_sparsity_is_rejected(toy):
    with pytest.raises(ValueError, match="max_epochs"):
        fit_toy(toy, sparsity=0.99, max_epochs=3)


def _grid(estimator):
    return GridSearchCV(
        estimator,
        {"dashregulatoryestimator__prior_weight": [0.0, 0.5],
         "dashregulatoryestimator__sparsity": [0.5, 0.75]},
        cv=GroupKFold(n_splits=3),
    )


def test_grid_search_with_routing(toy):
    pipeline = make_pipeline(MinMaxScaler(), DASHRegulatoryEstimator(toy.prior, **FAST))
    with config_context(enable_metadata_routing=True):
        search = _grid(pipeline)
        search.fit(toy.X, t=toy.t, trajectory=toy.trajectory, groups=toy.trajectory)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (4,) and np.all(np.isfinite(scores))
    best = search.best_estimator_[-1]
    requested = search.best_params_["dashregulatoryestimator__sparsity"]
    # the masks prune exactly the requested fraction; genes whose multiplier ReLU(v)
    # is zero (constant genes) add their outgoing weights to sparsity_
    masks = [best.module_.mask(name) for name in ("sum_in", "prod_in", "sum_out", "prod_out")]
    pruned = 1 - sum(float(m.sum()) for m in masks) / sum(m.numel() for m in masks)
    assert pruned == pytest.approx(requested, abs=0.01)
    assert best.sparsity_ >= pruned - 1e-9


def test_grid_search_without_routing_fails_loudly(toy):
    search = GridSearchCV(DASHRegulatoryEstimator(toy.prior, **FAST), {"sparsity": [0.5, 0.75]},
                          cv=GroupKFold(n_splits=3))
    with pytest.raises(ValueError, match="metadata routing"):
        search.fit(toy.X, t=toy.t, trajectory=toy.trajectory, groups=toy.trajectory)


def test_grid_search_over_the_pruning_schedule(toy):
    est = DASHRegulatoryEstimator(toy.prior, **{**FAST, "sparsity": 0.7})
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(est, {"pruning__rate": [0.1, 0.3], "pruning__interval": [1, 2]},
                              cv=GroupKFold(n_splits=3))
        search.fit(toy.X, t=toy.t, trajectory=toy.trajectory, groups=toy.trajectory)
    assert sorted(search.cv_results_["param_pruning__rate"]) == [0.1, 0.1, 0.3, 0.3]
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_
    assert best.pruning.rate == search.best_params_["pruning__rate"]
    assert best.pruning.interval == search.best_params_["pruning__interval"]
    assert FAST["pruning"] == PruningSchedule(start=1, initial=0.5, interval=2, rate=0.2)  # cloned, not mutated


def test_default_pruning_is_the_default_schedule_and_the_reference_start_can_be_asked_for(toy):
    default = fit_toy(toy, pruning=None, max_epochs=14)
    explicit = fit_toy(toy, pruning=PruningSchedule(start="converged", initial=0.7, interval=10, rate=0.1),
                       max_epochs=14)
    np.testing.assert_array_equal(default.edge_scores_, explicit.edge_scores_)
    assert [record["epoch"] for record in default.history_ if record["pruned"]] == [7]  # halfway, for "auto"
    reference = fit_toy(toy, pruning=PruningSchedule(start=3), max_epochs=14)
    assert [record["epoch"] for record in reference.history_ if record["pruned"]] == [3, 13]
    shown = repr(DASHRegulatoryEstimator(**FAST))
    assert "pruning=PruningSchedule(initial=0.5, interval=2, rate=0.2, start=1)" in shown


@pytest.mark.parametrize("pruning, message", [
    (PruningSchedule(rate=1.5), "'rate' parameter of PruningSchedule"),
    (PruningSchedule(start=0), "'start' parameter of PruningSchedule"),
    ({"rate": 0.1}, "'pruning' parameter of DASHRegulatoryEstimator"),
])
def test_bad_pruning_schedule_is_rejected_at_fit(toy, pruning, message):
    with pytest.raises(ValueError, match=message):
        fit_toy(toy, pruning=pruning)


def test_score_without_time_axis_after_fit_with_it_fails(toy):
    est = fit_toy(toy, sparsity=0.5)
    with pytest.raises(ValueError, match="routing"):
        est.score(toy.X)


def test_prior_regularisation_trains_and_changes_the_model(toy):
    plain = fit_toy(toy, prior=toy.prior, sparsity=0.5)
    regularised = fit_toy(toy, prior=toy.prior, sparsity=0.5, prior_loss_weight=0.5)
    assert np.all(np.isfinite(regularised.network_))
    assert np.isfinite(regularised.score(toy.X, t=toy.t, trajectory=toy.trajectory))
    assert not np.array_equal(plain.predict(toy.X), regularised.predict(toy.X))


def test_bundled_data_carry_gene_names_into_the_network():
    # The data sets return DataFrames by default, so a fit names its genes.
    from skdash.datasets import make_regulatory_network, make_sim350

    sim350 = make_sim350(n_trajectories=2, n_test_trajectories=0, random_state=0)
    assert list(sim350.X.columns) == list(sim350.gene_names)
    assert list(sim350.prior.index) == list(sim350.gene_names)
    data = make_regulatory_network(6, n_trajectories=6, n_test_trajectories=0, random_state=0)
    est = DASHRegulatoryEstimator(prior=data.prior, **FAST).fit(data.X, t=data.t, trajectory=data.trajectory)
    assert list(est.feature_names_in_) == list(data.gene_names)
    network = est.get_network(as_matrix=True)
    assert list(network.index) == list(data.gene_names) and list(network.columns) == list(data.gene_names)
