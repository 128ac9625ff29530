"""Saving and loading fitted models: pickle/joblib, and the weights-only format
of skdash.save_model / skdash.load_model (issue 5)."""

import io
import json
import math
import os
import pathlib
import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdash import DASHRegulatoryEstimator
from skdash._persistence import load_model, save_model
from skdash.pruning import PruningSchedule
from skdash.solvers import RK4, AdaptiveSolver

from .conftest import FAST, FLOAT32_ROUNDING

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = pathlib.Path(__file__).parent / "data"
GRID = [0.0, 0.5, 1.5, 4.0]


def named(toy):
    return pd.DataFrame(toy.X, columns=toy.gene_names)


def prior_as(kind, toy):
    if kind == "none":
        return None
    if kind == "array":
        return toy.prior
    if kind == "frame":
        return pd.DataFrame(toy.prior, index=toy.gene_names, columns=toy.gene_names)
    if kind == "sparse":
        return sp.csr_matrix(toy.prior)
    return sp.csc_array(toy.prior)


def assert_same_model(loaded, original, toy):
    X = named(toy) if hasattr(original, "feature_names_in_") else toy.X
    np.testing.assert_array_equal(loaded.predict(X), original.predict(X))
    np.testing.assert_array_equal(loaded.simulate(X[:3] if isinstance(X, np.ndarray) else X.iloc[:3], GRID),
                                  original.simulate(X[:3] if isinstance(X, np.ndarray) else X.iloc[:3], GRID))
    assert loaded.score(X, t=toy.t, trajectory=toy.trajectory) == original.score(X, t=toy.t, trajectory=toy.trajectory)
    pd.testing.assert_frame_equal(loaded.get_network(), original.get_network())
    pd.testing.assert_frame_equal(loaded.get_network(as_matrix=True), original.get_network(as_matrix=True))
    np.testing.assert_array_equal(loaded.network_, original.network_)
    np.testing.assert_array_equal(loaded.adjacency_, original.adjacency_)
    for name in ("sparsity_", "prior_weight_", "time_scale_", "n_iter_", "best_epoch_", "n_features_in_",
                 "history_"):
        assert getattr(loaded, name) == getattr(original, name), name
    pd.testing.assert_frame_equal(loaded.pruning_path_, original.pruning_path_)


@pytest.fixture(scope="module")
def named_model(toy):
    prior = prior_as("frame", toy)
    return DASHRegulatoryEstimator(prior, **{**FAST, "sparsity": 0.7}).fit(named(toy), t=toy.t,
                                                                           trajectory=toy.trajectory)


# ------------------------------------------------------------------ pickle / joblib
def test_pickle_round_trip(named_model, toy):
    assert_same_model(pickle.loads(pickle.dumps(named_model)), named_model, toy)


def test_joblib_round_trip(named_model, toy, tmp_path):
    joblib.dump(named_model, tmp_path / "model.joblib")
    assert_same_model(joblib.load(tmp_path / "model.joblib"), named_model, toy)


def test_float64_model_loads_in_a_fresh_process(toy, tmp_path):
    est = DASHRegulatoryEstimator(toy.prior, **{**FAST, "dtype": "float64", "sparsity": 0.7})
    est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    joblib.dump(est, tmp_path / "model.joblib")
    save_model(est, tmp_path / "model.pt")
    np.save(tmp_path / "X.npy", toy.X)
    script = textwrap.dedent("""
        import sys, joblib, numpy as np
        from skdash._persistence import load_model
        folder = sys.argv[1]
        X = np.load(folder + "/X.npy")
        for name, model in (("joblib", joblib.load(folder + "/model.joblib")),
                            ("weights", load_model(folder + "/model.pt"))):
            np.save(f"{folder}/{name}_predict.npy", model.predict(X))
            np.save(f"{folder}/{name}_simulate.npy", model.simulate(X[:2], [0.0, 0.5, 3.0]))
            np.save(f"{folder}/{name}_network.npy", model.network_)
    """)
    env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env, timeout=120)
    for name in ("joblib", "weights"):
        predicted = np.load(tmp_path / f"{name}_predict.npy")
        assert predicted.dtype == np.float64
        np.testing.assert_array_equal(predicted, est.predict(toy.X))
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}_simulate.npy"),
                                      est.simulate(toy.X[:2], [0.0, 0.5, 3.0]))
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}_network.npy"), est.network_)


# ------------------------------------------------------------------ weights-only format
@pytest.mark.parametrize("kind", ["none", "array", "frame", "sparse", "sparse_array"])
def test_save_and_load_model(toy, tmp_path, kind):
    X = named(toy) if kind == "frame" else toy.X
    est = DASHRegulatoryEstimator(prior_as(kind, toy), **{**FAST, "sparsity": 0.7}).fit(
        X, t=toy.t, trajectory=toy.trajectory)
    save_model(est, tmp_path / "model.pt")
    loaded = load_model(tmp_path / "model.pt")
    assert_same_model(loaded, est, toy)
    # the prior comes back in its own form: array, DataFrame (with names) or sparse
    prior, original = loaded.prior, est.prior
    assert type(prior) is type(original)
    if kind == "frame":
        pd.testing.assert_frame_equal(prior, original)
        np.testing.assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)
        assert loaded.feature_names_in_.dtype == object
    elif kind.startswith("sparse"):
        assert prior.format == original.format
        np.testing.assert_array_equal(prior.toarray(), original.toarray())
    elif kind == "array":
        np.testing.assert_array_equal(prior, original)
    else:
        assert not hasattr(loaded, "feature_names_in_")
    params, original_params = loaded.get_params(), est.get_params()
    params.pop("prior"), original_params.pop("prior")
    assert params == original_params


def test_loaded_parameters_reproduce_the_fit(named_model, toy):
    buffer = io.BytesIO()
    save_model(named_model, buffer)
    buffer.seek(0)
    refit = clone(load_model(buffer)).fit(named(toy), t=toy.t, trajectory=toy.trajectory)
    np.testing.assert_array_equal(refit.network_, named_model.network_)


def test_model_file_holds_only_tensors_and_json(named_model, tmp_path):
    save_model(named_model, tmp_path / "model.pt")
    payload = torch.load(tmp_path / "model.pt", weights_only=True)
    assert set(payload) == {"metadata", "tensors"}
    assert all(isinstance(value, torch.Tensor) for value in payload["tensors"].values())
    metadata = json.loads(payload["metadata"])
    assert metadata["format"] == "skdash-model" and metadata["class"] == "DASHRegulatoryEstimator"
    assert metadata["attributes"]["feature_names_in_"]["values"] == [f"G{i}" for i in range(6)]


class _Payload:
    """Unpickling this creates a file: the kind of side effect a pickle can carry."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_load_model_refuses_files_with_code(tmp_path):
    marker = tmp_path / "code-ran"
    torch.save({"metadata": "{}", "tensors": {}, "extra": _Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        load_model(tmp_path / "evil.pt")
    assert not marker.exists()
    torch.load(tmp_path / "evil.pt", weights_only=False)  # what pickle would have done
    assert marker.exists()


def test_load_model_rejects_other_files(tmp_path):
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a skdash model file"):
        load_model(tmp_path / "other.pt")
    torch.save({"metadata": json.dumps({"format": "something-else"}), "tensors": {}}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a skdash model file"):
        load_model(tmp_path / "other.pt")
    torch.save({"metadata": json.dumps({"format": "skdash-model", "format_version": 99}), "tensors": {}},
               tmp_path / "newer.pt")
    with pytest.raises(ValueError, match="upgrade skdash"):
        load_model(tmp_path / "newer.pt")


def test_save_model_needs_a_fitted_estimator(toy, tmp_path):
    with pytest.raises(NotFittedError):
        save_model(DASHRegulatoryEstimator(), tmp_path / "model.pt")
    pipeline = make_pipeline(MinMaxScaler(), DASHRegulatoryEstimator(**FAST))
    with pytest.raises(TypeError, match="Save the steps of a Pipeline separately"):
        save_model(pipeline, tmp_path / "model.pt")


def test_pruning_schedule_is_stored_as_its_parameters(named_model, tmp_path):
    save_model(named_model, tmp_path / "model.pt")
    metadata = json.loads(torch.load(tmp_path / "model.pt", weights_only=True)["metadata"])
    assert metadata["params"]["pruning"] == {"object": "PruningSchedule", "params": {
        "initial": {"value": 0.5}, "interval": {"value": 2}, "rate": {"value": 0.2}, "start": {"value": 1}}}
    loaded = load_model(tmp_path / "model.pt")
    assert type(loaded.pruning) is PruningSchedule and loaded.pruning == named_model.pruning
    assert loaded.pruning is not named_model.pruning


def test_default_pruning_round_trips_as_none(toy, tmp_path):
    est = DASHRegulatoryEstimator(**{**FAST, "pruning": None, "max_epochs": 4})
    save_model(est.fit(toy.X, t=toy.t, trajectory=toy.trajectory), tmp_path / "model.pt")
    assert load_model(tmp_path / "model.pt").pruning is None


def test_unknown_parameter_object_is_refused(named_model, tmp_path):
    save_model(named_model, tmp_path / "model.pt")
    payload = torch.load(tmp_path / "model.pt", weights_only=True)
    metadata = json.loads(payload["metadata"])
    metadata["params"]["pruning"]["object"] = "Popen"
    torch.save({**payload, "metadata": json.dumps(metadata)}, tmp_path / "model.pt")
    with pytest.raises(ValueError, match="Unknown parameter object 'Popen'"):
        load_model(tmp_path / "model.pt")


def test_loads_a_format_1_file_with_flat_pruning_parameters():
    # written by skdash 0.1 before PruningSchedule (commit d123648): pruning_start=1, initial_pruning=0.5,
    # pruning_interval=2, pruning_rate=0.2, with the data and the outputs of the saved model beside it
    payload = torch.load(DATA / "model_format1.pt", weights_only=True)
    metadata = json.loads(payload["metadata"])
    assert metadata["format_version"] == 1 and "pruning_rate" in metadata["params"]
    loaded = load_model(DATA / "model_format1.pt")
    assert loaded.pruning == PruningSchedule(start=1, initial=0.5, interval=2, rate=0.2)
    assert not {"pruning_start", "initial_pruning", "pruning_interval", "pruning_rate"} & set(loaded.get_params())
    with np.load(DATA / "model_format1.npz") as saved:
        np.testing.assert_allclose(loaded.predict(saved["X"]), saved["predict"], **FLOAT32_ROUNDING)
        np.testing.assert_allclose(loaded.simulate(saved["X"][:2], [0.0, 1.0, 2.5]), saved["simulate"],
                                   **FLOAT32_ROUNDING)
    assert clone(loaded).get_params()["pruning__rate"] == 0.2


def test_history_of_files_before_format_4_gains_the_monitored_loss():
    metadata = json.loads(torch.load(DATA / "model_format1.pt", weights_only=True)["metadata"])
    saved = metadata["attributes"]["history_"]["value"]
    assert "monitored_loss" not in saved[0]
    history = load_model(DATA / "model_format1.pt").history_
    assert [record["monitored_loss"] for record in history] == [
        record["train_loss"] if math.isnan(record["validation_loss"]) else record["validation_loss"]
        for record in saved]
    assert all(math.isnan(record["pruning_seconds"]) for record in history)
    # and the pruning path read from it is the one the file holds
    np.testing.assert_allclose(load_model(DATA / "model_format1.pt").pruning_path_["validation_loss"],
                               pd.DataFrame(history).groupby("sparsity", sort=False)["monitored_loss"].min())


def test_random_state_instance_and_device_override(toy, tmp_path):
    est = DASHRegulatoryEstimator(**{**FAST, "random_state": np.random.RandomState(0), "sparsity": 0.5})
    est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    save_model(est, tmp_path / "model.pt")
    loaded = load_model(tmp_path / "model.pt", device="cpu")
    assert loaded.random_state is None and loaded.device == "cpu"
    np.testing.assert_array_equal(loaded.predict(toy.X), est.predict(toy.X))


# ------------------------------------------------------------------ solvers
DATA = pathlib.Path(__file__).parent / "data"


@pytest.mark.parametrize("solver", [RK4(max_step=0.75), AdaptiveSolver("bosh3", rtol=1e-6)], ids=repr)
def test_solver_objects_and_their_fitted_state_are_stored(toy, tmp_path, solver):
    est = DASHRegulatoryEstimator(**{**FAST, "max_epochs": 3}, solver=solver, dtype="float64").fit(
        toy.X, t=toy.t, trajectory=toy.trajectory)
    save_model(est, tmp_path / "model.pt")
    loaded = load_model(tmp_path / "model.pt")
    assert type(loaded.solver) is type(solver) and loaded.solver.get_params() == solver.get_params()
    assert type(loaded.solver_) is type(solver) and vars(loaded.solver_) == vars(est.solver_)
    np.testing.assert_array_equal(loaded.simulate(toy.X[:3], GRID), est.simulate(toy.X[:3], GRID))
    time_axis = dict(t=toy.t, trajectory=toy.trajectory)
    assert loaded.score(toy.X, **time_axis) == est.score(toy.X, **time_axis)


def test_a_solver_outside_skdash_solvers_is_not_stored(toy, tmp_path):
    class Custom(RK4):
        pass

    est = DASHRegulatoryEstimator(**{**FAST, "max_epochs": 2}, solver=Custom())
    est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    with pytest.raises(TypeError, match="solver"):
        save_model(est, tmp_path / "model.pt")


def test_version_1_files_load_onto_the_solver_objects(toy):
    # Written by skdash's format-1 code (see tests/data/README.md); the expected
    # values were computed by that code from the same fits.
    expected = np.load(DATA / "model_v1_expected.npz")
    rk4 = load_model(DATA / "model_v1_rk4.pt")
    assert isinstance(rk4.solver, RK4) and rk4.solver.max_step == 0.75  # was max_step=0.75
    assert "max_step" not in rk4.get_params() and not hasattr(rk4, "max_step_")
    assert "stiffness" not in rk4.module_.state_dict()
    assert rk4.solver_.stiffness_ == float(expected["rk4_stiffness"])  # the old model buffer
    assert rk4.solver_.max_step_ == float(expected["rk4_max_step"]) and rk4.solver_.n_refinements_ == 0
    # computed on another CPU: float32 rounding may differ
    np.testing.assert_allclose(rk4.simulate(toy.X[:3], [0.0, 2.0, 5.0]), expected["rk4_simulate"], **FLOAT32_ROUNDING)
    adaptive = load_model(DATA / "model_v1_bosh3.pt")
    assert type(adaptive.solver) is AdaptiveSolver
    assert adaptive.solver.get_params() == {"method": "bosh3", "rtol": 1e-6, "atol": 1e-7}
    assert adaptive.solver_.get_params() == adaptive.solver.get_params()
    np.testing.assert_allclose(adaptive.simulate(toy.X[:3], [0.0, 2.0, 5.0]), expected["bosh3_simulate"],
                               rtol=1e-9, atol=1e-12)


def test_version_1_default_solver_stays_a_method_name(toy, tmp_path):
    # A format-1 file with the default solver settings keeps solver="rk4".
    est = DASHRegulatoryEstimator(**{**FAST, "max_epochs": 2}).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    save_model(est, tmp_path / "model.pt")
    payload = torch.load(tmp_path / "model.pt", weights_only=True)
    metadata = json.loads(payload["metadata"])
    # rewrite it as format 1 wrote it
    metadata["format_version"] = 1
    metadata["params"].update(max_step={"value": 1.5}, rtol={"value": 1e-5}, atol={"value": 1e-7})
    solver = metadata["attributes"].pop("solver_")["solver"]["state"]
    metadata["attributes"]["max_step_"] = {"kind": "plain", "value": solver["max_step_"]}
    metadata["attributes"]["module_"]["keys"].append("stiffness")
    payload["tensors"]["attr.module_.stiffness"] = torch.tensor(solver["stiffness_"], dtype=torch.float32)
    torch.save({"metadata": json.dumps(metadata), "tensors": payload["tensors"]}, tmp_path / "v1.pt")
    loaded = load_model(tmp_path / "v1.pt")
    assert loaded.solver == "rk4" and loaded.solver_.stiffness_ == est.solver_.stiffness_
    np.testing.assert_array_equal(loaded.simulate(toy.X[:3], GRID), est.simulate(toy.X[:3], GRID))
