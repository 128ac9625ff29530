"""StabilitySelection: edge confidence from refits on resampled data."""

import io
import logging
import os
import pickle
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn import clone, config_context
from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from skdash import DASHRegulatoryEstimator, StabilitySelection
from skdash._stability import _draw_units, _member_edge_scores, _resampling_units

from .conftest import FAST, OnlyInThisProcess

ROOT = Path(__file__).resolve().parents[1]
#: A member fit in a fraction of a second; explicit n_threads keeps results identical whatever n_jobs is.
TINY = {**FAST, "hidden_units": 4, "max_epochs": 5, "sparsity": 0.5, "n_threads": 1}


def base(toy=None, **params):
    return DASHRegulatoryEstimator(prior=None if toy is None else toy.prior, **{**TINY, **params})


def fit_stability(toy, n_estimators=3, estimator=None, **params):
    stability = StabilitySelection(estimator or base(toy), n_estimators=n_estimators, random_state=0, **params)
    return stability.fit(toy.X, t=toy.t, trajectory=toy.trajectory)


@pytest.fixture(scope="module")
def fitted(toy):
    return fit_stability(toy)


# scikit-learn's checks feed data far outside [0, 1], which rightly warns about scale
@pytest.mark.filterwarnings("ignore::skdash.exceptions.DataScaleWarning")
@parametrize_with_checks([StabilitySelection(DASHRegulatoryEstimator(hidden_units=4, max_epochs=3, n_threads=1),
                                             n_estimators=2, random_state=0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("StabilitySelection", StabilitySelection())


def test_confidence_is_the_fraction_of_members_with_the_edge(fitted, toy):
    n = toy.X.shape[1]
    assert len(fitted.estimators_) == 3 and fitted.resampling_ == "trajectory"
    adjacency = np.stack([member.adjacency_ for member in fitted.estimators_])
    np.testing.assert_array_equal(fitted.confidence_, adjacency.mean(axis=0))
    assert fitted.confidence_.shape == (n, n)
    assert np.all((fitted.confidence_ >= 0) & (fitted.confidence_ <= 1))
    np.testing.assert_allclose(fitted.network_, np.mean([m.network_ for m in fitted.estimators_], axis=0))
    np.testing.assert_array_equal(fitted.adjacency_, fitted.confidence_ >= 0.5)
    assert fitted.n_features_in_ == n


def test_sign_agreement_counts_members_with_the_majority_sign(fitted):
    effects = np.stack([m.network_ for m in fitted.estimators_])
    kept = np.stack([m.adjacency_ for m in fitted.estimators_])
    i, j = np.unravel_index(np.argmax(fitted.confidence_), fitted.confidence_.shape)
    sign = 1.0 if fitted.network_[i, j] >= 0 else -1.0
    expected = np.sum(np.sign(effects[kept[:, i, j], i, j]) == sign) / kept[:, i, j].sum()
    assert fitted.sign_agreement_[i, j] == pytest.approx(expected)
    assert np.all(fitted.sign_agreement_[fitted.confidence_ == 0] == 0)
    assert np.all((fitted.sign_agreement_ >= 0) & (fitted.sign_agreement_ <= 1))


def test_edge_scores_rank_by_confidence_then_member_scores(fitted):
    scores, confidence = fitted.edge_scores_.ravel(), fitted.confidence_.ravel()
    member_mean = np.mean([_member_edge_scores(m) for m in fitted.estimators_], axis=0).ravel()
    higher = confidence[:, None] > confidence[None, :]
    assert np.all(scores[:, None] > scores[None, :], where=higher)
    tied = (confidence[:, None] == confidence[None, :]) & (member_mean[:, None] > member_mean[None, :])
    assert tied.any()
    assert np.all(scores[:, None] > scores[None, :], where=tied)


def test_member_edge_scores_are_the_members_evidence(fitted):
    member = fitted.estimators_[0]
    np.testing.assert_array_equal(_member_edge_scores(member), member.edge_scores_)


def test_members_get_distinct_derived_seeds_and_the_base_seed_is_ignored(toy):
    first = fit_stability(toy, estimator=base(toy, random_state=0))
    second = fit_stability(toy, estimator=base(toy, random_state=123))
    seeds = [m.random_state for m in first.estimators_]
    assert len(set(seeds)) == 3 and all(isinstance(s, int) for s in seeds)
    assert seeds == [m.random_state for m in second.estimators_]
    np.testing.assert_array_equal(first.confidence_, second.confidence_)


def test_same_seed_same_result_other_seed_differs(toy, fitted):
    again = fit_stability(toy)
    other = StabilitySelection(base(toy), n_estimators=3, random_state=1)
    other.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    np.testing.assert_array_equal(again.confidence_, fitted.confidence_)
    np.testing.assert_array_equal(again.network_, fitted.network_)
    assert [u.tolist() for u in other.units_] != [u.tolist() for u in fitted.units_]


def test_row_order_does_not_change_the_members(toy, fitted):
    order = np.random.default_rng(3).permutation(toy.X.shape[0])
    # relabelling keeps the sorted order of the trajectory labels
    labels = np.array([f"traj{k:02d}" for k in toy.trajectory])
    shuffled = StabilitySelection(base(toy), n_estimators=3, random_state=0).fit(
        toy.X[order], t=toy.t[order], trajectory=labels[order])
    assert [u.tolist() for u in shuffled.units_] == [u.tolist() for u in fitted.units_]
    np.testing.assert_array_equal(shuffled.confidence_, fitted.confidence_)
    for ours, theirs in zip(shuffled.estimators_, fitted.estimators_):
        np.testing.assert_array_equal(ours.network_, theirs.network_)


def test_subsample_draws_whole_trajectories(fitted, toy):
    n_trajectories = np.unique(toy.trajectory).size
    for units in fitted.units_:
        assert units.size == n_trajectories // 2 and np.unique(units).size == units.size
    member = fitted.estimators_[0]
    # each member saw only its trajectories: 6 of 12, each with 5 snapshots
    assert member.history_ and fitted.units_[0].max() < n_trajectories


def test_bootstrap_draws_with_replacement():
    rng = np.random.default_rng(0)
    draws = [_draw_units(10, 1.0, True, rng) for _ in range(5)]
    assert all(d.size == 10 for d in draws)
    assert any(np.unique(d).size < 10 for d in draws)
    assert all(np.unique(_draw_units(10, 0.5, False, rng)).size == 5 for _ in range(5))


def test_bootstrap_fit_with_repeated_trajectories(toy):
    stability = fit_stability(toy, n_estimators=2, bootstrap=True, subsample=1.0)
    assert any(np.unique(u).size < u.size for u in stability.units_)
    assert np.all(np.isfinite(stability.confidence_))


def test_single_trajectory_resamples_blocks_of_transitions():
    times = np.array([3.0, 0.0, 1.0, 2.0, 4.0, 5.0])
    blocks, sorted_times, kind = _resampling_units(6, times, None, 2)
    assert kind == "block"
    assert [sorted_times[b].tolist() for b in blocks] == [[0, 1, 2], [2, 3, 4], [4, 5]]
    singles, _, _ = _resampling_units(6, times, None, 1)
    assert len(singles) == 5 and all(b.size == 2 for b in singles)


def test_single_trajectory_fit(toy):
    rows = toy.trajectory == 0
    X, t = toy.X[rows], toy.t[rows]
    stability = StabilitySelection(base(), n_estimators=2, block_length=2, random_state=0).fit(X, t=t)
    assert stability.resampling_ == "block"
    assert np.all(np.isfinite(stability.confidence_))
    assert np.isfinite(stability.score(X, t=t))


def test_duplicate_times_are_rejected(toy):
    t = toy.t.copy()
    t[1] = t[0]
    with pytest.raises(ValueError, match="more than one row at time"):
        StabilitySelection(base(), n_estimators=2).fit(toy.X, t=t, trajectory=toy.trajectory)


def test_member_threads_share_the_cores(toy):
    stability = StabilitySelection(base(toy, n_threads=None), n_estimators=2, n_jobs=2, random_state=0)
    assert stability._member_threads(stability.estimator) == max(1, joblib.cpu_count() // 2)
    serial = StabilitySelection(base(toy, n_threads=None), n_estimators=2, n_jobs=1)
    assert serial._member_threads(serial.estimator) == joblib.cpu_count()
    kept = fit_stability(toy, n_estimators=2)
    assert kept.n_threads_per_member_ is None and all(m.n_threads == 1 for m in kept.estimators_)
    shared = fit_stability(toy, n_estimators=2, estimator=base(toy, n_threads=None))
    assert shared.n_threads_per_member_ == joblib.cpu_count()
    assert all(m.n_threads == joblib.cpu_count() for m in shared.estimators_)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")
def test_same_confidence_with_n_jobs_and_dask(toy, fitted, monkeypatch):
    distributed = pytest.importorskip("distributed")
    # worker processes import skdash by name: make sure they find this checkout
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    two_jobs = fit_stability(toy, n_jobs=2)
    np.testing.assert_array_equal(two_jobs.confidence_, fitted.confidence_)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
            on_dask = fit_stability(toy)
    assert len(tasks.data) > 0
    np.testing.assert_array_equal(on_dask.confidence_, fitted.confidence_)
    np.testing.assert_array_equal(on_dask.network_, fitted.network_)


def test_n_jobs_names_a_base_estimator_class_the_workers_cannot_rebuild(toy):
    unpicklable = OnlyInThisProcess(**dict(FAST, sparsity=0.0, max_epochs=2))
    with pytest.raises(RuntimeError, match=r"(?s)fitting the members \(n_jobs=2\) failed.*import the estimator's class"
                       r".*OnlyInThisProcess.*Use n_jobs=None") as raised:
        fit_stability(toy, n_estimators=2, estimator=unpicklable, n_jobs=2)
    assert isinstance(raised.value.__cause__, BrokenProcessPool)


def test_progress_over_members(toy, capsys):
    fit_stability(toy, n_estimators=2, verbose=1)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" fitted")[0].split() for line in lines] == [["member", "1/2"], ["member", "2/2"]]


def test_predict_and_simulate_are_member_means(fitted, toy):
    mean, std = fitted.predict(toy.X, return_std=True)
    members = np.stack([m.predict(toy.X) for m in fitted.estimators_])
    np.testing.assert_allclose(mean, members.mean(axis=0))
    np.testing.assert_allclose(std, members.std(axis=0))
    assert np.all(std >= 0) and np.any(std > 0)
    np.testing.assert_allclose(fitted.predict(toy.X), mean)
    paths, spread = fitted.simulate(toy.X[:2], [0.0, 1.0, 2.0], return_std=True)
    assert paths.shape == spread.shape == (2, 3, toy.X.shape[1])
    assert fitted.simulate(toy.X[0], [0.0, 1.0]).shape == (2, toy.X.shape[1])
    expected = np.mean([m.score(toy.X, t=toy.t, trajectory=toy.trajectory) for m in fitted.estimators_])
    assert fitted.score(toy.X, t=toy.t, trajectory=toy.trajectory) == pytest.approx(expected)


def test_score_without_time_axis_after_fit_with_it_fails(fitted, toy):
    with pytest.raises(ValueError, match="routing"):
        fitted.score(toy.X)


def test_get_network(fitted):
    edges = fitted.get_network()
    assert list(edges.columns) == ["regulator", "target", "weight", "confidence", "sign"]
    assert (edges.confidence >= 0.5).all() and set(edges.sign) <= {-1, 1}
    assert (edges.regulator != edges.target).all()
    assert np.all(np.sign(edges.weight[edges.weight != 0]) == edges.sign[edges.weight != 0])
    assert np.all(np.diff(edges.confidence.to_numpy()) <= 0)
    everything = fitted.get_network(threshold=1 / 3)
    assert len(everything) >= len(edges) and everything.confidence.min() >= 1 / 3 - 1e-12
    assert len(fitted.get_network(threshold=1 / 3, top_k=2)) == min(2, len(everything))
    matrix = fitted.get_network(as_matrix=True)
    for row in edges.itertuples():
        assert matrix.loc[row.regulator, row.target] == row.confidence
    for bad in (0, 1.5, "high"):
        with pytest.raises(ValueError, match="threshold"):
            fitted.get_network(threshold=bad)


def test_threshold_above_one_half_bounds_false_edges(toy):
    stability = fit_stability(toy, threshold=0.9)
    assert np.isfinite(stability.expected_false_edges_bound_) and stability.expected_false_edges_bound_ >= 0
    np.testing.assert_array_equal(stability.adjacency_, stability.confidence_ >= 0.9)


def test_gene_names_and_prior_frame_reach_the_members(toy):
    X = pd.DataFrame(toy.X, columns=toy.gene_names)
    prior = pd.DataFrame(toy.prior, index=toy.gene_names, columns=toy.gene_names)
    stability = StabilitySelection(DASHRegulatoryEstimator(prior, **TINY), n_estimators=2, random_state=0)
    stability.fit(X, t=toy.t, trajectory=toy.trajectory)
    assert list(stability.feature_names_in_) == toy.gene_names
    assert all(list(m.feature_names_in_) == toy.gene_names for m in stability.estimators_)
    assert set(stability.get_network(threshold=0.5).regulator) <= set(toy.gene_names)
    # columns in another order are matched by name
    np.testing.assert_allclose(stability.predict(X[toy.gene_names[::-1]]), stability.predict(X))


class NoNetwork(BaseEstimator):
    """An estimator that fits but reports no network."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, t=None, trajectory=None):
        self.fitted_ = True
        return self


def test_base_without_a_network_is_rejected(toy):
    with pytest.raises(TypeError, match="adjacency_"):
        StabilitySelection(NoNetwork(), n_estimators=2).fit(toy.X, t=toy.t, trajectory=toy.trajectory)


def test_pickle_and_clone(fitted, toy):
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.confidence_, fitted.confidence_)
    np.testing.assert_array_equal(loaded.predict(toy.X), fitted.predict(toy.X))
    copy = clone(fitted)
    assert copy.get_params()["n_estimators"] == 3 and not hasattr(copy, "confidence_")
    assert copy.estimator is not fitted.estimator


def test_grid_search_with_routing_in_a_pipeline(toy):
    pipeline = make_pipeline(MinMaxScaler(), StabilitySelection(base(toy), n_estimators=2, random_state=0))
    search = GridSearchCV(pipeline, {"stabilityselection__estimator__sparsity": [0.5, "auto"]},
                          cv=GroupKFold(n_splits=2), error_score="raise")
    with config_context(enable_metadata_routing=True):
        search.fit(toy.X, t=toy.t, trajectory=toy.trajectory, groups=toy.trajectory)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.all(np.isfinite(scores))
    best = search.best_estimator_[-1]
    assert best.confidence_.shape == (toy.X.shape[1],) * 2
    requested = search.best_params_["stabilityselection__estimator__sparsity"]
    assert all(member.sparsity == requested for member in best.estimators_)


def test_grid_search_without_routing_fails_loudly(toy):
    search = GridSearchCV(StabilitySelection(base(toy), n_estimators=2), {"n_estimators": [2]},
                          cv=GroupKFold(n_splits=2), error_score="raise")
    with pytest.raises(ValueError, match="metadata routing"):
        search.fit(toy.X, t=toy.t, trajectory=toy.trajectory, groups=toy.trajectory)


def test_quiet_by_default(toy, capsys):
    fit_stability(toy, n_estimators=2)
    assert capsys.readouterr().err == ""


def test_member_progress_plain_lines():
    from skdash._progress import MemberProgress, member_progress
    out = io.StringIO()
    with MemberProgress(2, file=out) as progress:
        progress(1, 0.5)
    assert out.getvalue() == "member    2/2 fitted in 0.5 s\n"
    with member_progress(0, 2) as quiet:
        assert quiet is None


def test_perturbation_effects_of_the_ensemble_are_the_members_mean_and_spread(toy):
    selection = fit_stability(toy)
    mean, spread = selection.perturbation_effects(genes=[0, 2], return_std=True)
    per_member = np.stack([member.perturbation_effects(selection.initial_states_, genes=[0, 2],
                                                       horizon=selection.longest_span_).to_numpy()
                           for member in selection.estimators_])
    np.testing.assert_allclose(mean.to_numpy(), per_member.mean(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(spread.to_numpy(), per_member.std(axis=0), rtol=1e-10, atol=1e-12)
    assert mean.shape == (2, toy.X.shape[1])
    influence = selection.gene_influence()
    assert list(influence.columns) == ["influence", "std"]
    assert influence["influence"].is_monotonic_decreasing and (influence["std"] >= 0).all()
    with pytest.raises(ValueError, match="pass X with them"):
        selection.perturbation_effects(t=toy.t)
