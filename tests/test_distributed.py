"""A grid search on a Dask cluster gives the same result as the serial search."""

import logging
import os
from pathlib import Path

import numpy as np
import pytest
from sklearn import config_context
from sklearn.model_selection import GridSearchCV, GroupKFold

from skdash import DASHRegulatoryEstimator

from .conftest import FAST

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

ROOT = Path(__file__).resolve().parents[1]
GRID = {"prior_weight": [0.0, 0.5], "sparsity": [0.5, "auto"]}


def search(toy):
    estimator = DASHRegulatoryEstimator(prior=toy.prior, **{**FAST, "n_threads": 1})
    with config_context(enable_metadata_routing=True):
        return GridSearchCV(estimator, GRID, cv=GroupKFold(n_splits=2)).fit(
            toy.X, t=toy.t, trajectory=toy.trajectory, groups=toy.trajectory)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")
def test_dask_grid_search_matches_serial(toy, monkeypatch):
    serial = search(toy)
    # Worker processes import skdash by name: make sure they find this checkout.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
            parallel = search(toy)
    # the 4 candidates x 2 folds ran on both workers (joblib batches them into tasks)
    assert len({task["worker"] for task in tasks.data}) == 2
    assert parallel.best_params_ == serial.best_params_
    scores = parallel.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    np.testing.assert_allclose(scores, serial.cv_results_["mean_test_score"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(parallel.best_estimator_.network_, serial.best_estimator_.network_,
                               rtol=1e-6, atol=1e-9)
    assert [p for p in parallel.cv_results_["params"]] == [p for p in serial.cv_results_["params"]]
