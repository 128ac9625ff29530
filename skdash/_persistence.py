"""Saving and loading fitted estimators without pickle.

Pickle (and joblib) files run arbitrary code when loaded, so they are only safe
from a trusted source.  :func:`save_model` writes a weights-only file instead:
a :func:`torch.save` archive holding nothing but a flat dict of tensors and one
JSON string of metadata (parameters, gene names, fitted scalars, history).
:func:`load_model` reads it with ``torch.load(weights_only=True)``, which
refuses to build any Python object other than tensors and plain containers, and
then rebuilds the estimator from those pieces.
"""

import json
import math
import os
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.utils.validation import check_is_fitted

from ._estimator import DASHRegulatoryEstimator
from ._phoenix import PhoenixField
from .pruning import PruningSchedule
from .solvers import RK4, AdaptiveSolver, _Solver

FORMAT = "skdash-model"
#: 2: the pruning schedule is an object (parameter ``pruning``); 3: so is the solver
#: (parameter ``solver`` and fitted ``solver_``), and the stiffness left the model's
#: buffers; 4: history records carry ``monitored_loss`` and ``pruning_seconds``.  Older files
#: still load (see _pruning_from_flat_params, _upgrade_solver_settings and _upgrade_history).
FORMAT_VERSION = 4
#: Constructor parameters that hold a gene x gene matrix.
_MATRIX_PARAMS = ("prior", "ppi")
#: scikit-learn bookkeeping that is not part of the fitted model (metadata-routing
#: requests set by ``set_*_request``; the class defaults apply after loading).
_SKIPPED_ATTRIBUTES = ("_metadata_request",)
#: Base class of scipy's sparse arrays (as opposed to sparse matrices); scipy >= 1.11.
_SPARSE_ARRAY = getattr(sp, "sparray", ())
#: Parameter objects a model file may hold, by class name.  They are stored as
#: their own parameters (``get_params(deep=False)``) and rebuilt by calling the
#: class, so loading never builds an object the file names freely.
_PARAMETER_OBJECTS = {cls.__name__: cls for cls in (PruningSchedule, RK4, AdaptiveSolver)}
#: Format 1 stored the schedule as four flat estimator parameters: old name -> PruningSchedule's.
_FLAT_PRUNING_PARAMS = {"pruning_start": "start", "initial_pruning": "initial", "pruning_interval": "interval",
                        "pruning_rate": "rate"}


class _NotStorable(TypeError):
    pass


# --------------------------------------------------------------------- solvers
def _solver_spec(solver):
    """A fitted solver (``solver_``) as JSON: its parameters and its fit-time state."""
    state = {name: _plain(value) for name, value in vars(solver).items()
             if name.endswith("_") and not name.startswith("_")}
    return {**_param_spec(solver), "state": state}


def _read_solver(spec):
    solver = _param_value(spec)
    for name, value in spec["state"].items():
        setattr(solver, name, _unplain(value))
    return solver


def _upgrade_solver_settings(metadata, tensors):
    """Map a file from before the solver objects (version 1: ``solver`` a name,
    ``max_step``/``rtol``/``atol`` parameters, ``max_step_`` and the model's
    ``stiffness`` buffer) onto them, in place."""
    params, attributes = metadata["params"], metadata["attributes"]
    method = params["solver"]["value"]
    max_step, rtol, atol = (params.pop(name)["value"] for name in ("max_step", "rtol", "atol"))
    solver = RK4(max_step) if method == "rk4" else AdaptiveSolver(method, rtol=rtol, atol=atol)
    # a method name still means that solver with its defaults, as the old defaults were
    if solver.get_params() != type(solver)(*([] if method == "rk4" else [method])).get_params():
        params["solver"] = _param_spec(solver)
    field = attributes.get("module_")
    stiffness = 0.0
    if field is not None and "stiffness" in field["keys"]:
        field["keys"].remove("stiffness")
        stiffness = float(tensors.pop(f"{field['prefix']}.stiffness"))
    fitted_step = attributes.pop("max_step_", None)
    if field is not None:
        solver.start_fit()
        if isinstance(solver, RK4):
            solver.stiffness_ = stiffness
            solver.max_step_ = fitted_step["value"] if fitted_step is not None else float(max_step)
            solver.n_refinements_ = max(0, round(math.log2(max_step / solver.max_step_)))
        attributes["solver_"] = {"kind": "solver", "solver": _solver_spec(solver)}


def _upgrade_history(metadata):
    """Give the history records of a file from before format 4 the keys they lacked, in place:
    ``monitored_loss`` (the validation loss, or the training loss where there was none, as the
    training loop then monitored) and ``pruning_seconds`` (not measured then: NaN)."""
    history = metadata["attributes"].get("history_")
    if history is None:
        return
    for record in history["value"]:
        validation = record["validation_loss"]
        missing = validation is None or (isinstance(validation, float) and math.isnan(validation))
        record.setdefault("monitored_loss", record["train_loss"] if missing else validation)
        record.setdefault("pruning_seconds", math.nan)


# --------------------------------------------------------------------- JSON values
def _plain(value):
    """``value`` as JSON-able data; tuples and numpy scalars are tagged or converted."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_plain(item) for item in value]}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value) and "__tuple__" not in value:
        return {key: _plain(item) for key, item in value.items()}
    raise _NotStorable(type(value).__name__)


def _unplain(value):
    if isinstance(value, list):
        return [_unplain(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_unplain(item) for item in value["__tuple__"])
        return {key: _unplain(item) for key, item in value.items()}
    return value


def _param_spec(value):
    """A constructor parameter as JSON: ``{"value": ...}`` or, for a parameter object, its class and parameters."""
    cls = _PARAMETER_OBJECTS.get(type(value).__name__)
    if cls is not None and type(value) is cls:
        return {"object": cls.__name__,
                "params": {name: _param_spec(item) for name, item in value.get_params(deep=False).items()}}
    return {"value": _plain(value)}


def _param_value(spec):
    if "object" in spec:
        cls = _PARAMETER_OBJECTS.get(spec["object"])
        if cls is None:
            raise ValueError(f"Unknown parameter object {spec['object']!r} in the model file; upgrade skdash.")
        return cls(**{name: _param_value(item) for name, item in spec["params"].items()})
    return _unplain(spec["value"])


def _pruning_from_flat_params(params):
    """``params`` of a format-1 file with its four flat schedule parameters made into ``pruning``."""
    flat = {new: params.pop(old) for old, new in _FLAT_PRUNING_PARAMS.items() if old in params}
    if flat:
        params["pruning"] = PruningSchedule(**flat)
    return params


def _label(value):
    try:
        return _plain(value)
    except _NotStorable:
        return str(value)


# --------------------------------------------------------------------- encoding
class _Writer:
    """Collects tensors under unique keys while values are described in JSON."""

    def __init__(self):
        self.tensors = {}

    def tensor(self, key, array):
        array = np.ascontiguousarray(array)
        if array.dtype == object:
            raise _NotStorable("object array")
        self.tensors[key] = torch.from_numpy(array.copy())
        return key

    def matrix(self, key, matrix):
        """A prior/ppi parameter: ndarray, DataFrame (values + names) or sparse (COO)."""
        if matrix is None:
            return None
        if isinstance(matrix, pd.DataFrame):
            return {"kind": "dataframe", "values": self.tensor(key, matrix.to_numpy(dtype=np.float64)),
                    "index": [_label(name) for name in matrix.index],
                    "columns": [_label(name) for name in matrix.columns]}
        if sp.issparse(matrix):
            coo = sp.coo_matrix(matrix)
            return {"kind": "sparse", "format": matrix.format, "sparse_array": isinstance(matrix, _SPARSE_ARRAY),
                    "shape": list(coo.shape), "row": self.tensor(key + ".row", coo.row.astype(np.int64)),
                    "col": self.tensor(key + ".col", coo.col.astype(np.int64)),
                    "data": self.tensor(key + ".data", coo.data.astype(np.float64))}
        array = np.asarray(matrix)
        if array.dtype == object:
            array = array.astype(np.float64)
        return {"kind": "ndarray", "values": self.tensor(key, array)}

    def attribute(self, name, value):
        if isinstance(value, PhoenixField):
            state = {key: tensor.detach().cpu().clone() for key, tensor in value.state_dict().items()}
            for key, tensor in state.items():
                self.tensors[f"{name}.{key}"] = tensor
            return {"kind": "phoenix_field", "prefix": name, "keys": sorted(state)}
        if isinstance(value, _Solver):
            return {"kind": "solver", "solver": _solver_spec(value)}
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                if not all(isinstance(item, str) for item in value.ravel()):
                    raise _NotStorable("object array of non-strings")
                return {"kind": "strings", "values": value.tolist()}
            return {"kind": "ndarray", "values": self.tensor(name, value)}
        if isinstance(value, pd.DataFrame):
            return {"kind": "dataframe", "columns": [_label(column) for column in value.columns],
                    "dtypes": [str(dtype) for dtype in value.dtypes],
                    "data": [_plain(value[column].tolist()) for column in value.columns]}
        return {"kind": "plain", "value": _plain(value)}


def _read_matrix(spec, tensors):
    if spec is None:
        return None
    kind = spec["kind"]
    if kind == "dataframe":
        return pd.DataFrame(tensors[spec["values"]].numpy(), index=spec["index"], columns=spec["columns"])
    if kind == "sparse":
        coo = sp.coo_matrix((tensors[spec["data"]].numpy(), (tensors[spec["row"]].numpy(),
                                                             tensors[spec["col"]].numpy())),
                            shape=tuple(spec["shape"]))
        matrix = coo.asformat(spec["format"])
        return sp.csr_array(matrix).asformat(spec["format"]) if spec["sparse_array"] else matrix
    if kind == "ndarray":
        return tensors[spec["values"]].numpy()
    raise ValueError(f"Unknown matrix kind {kind!r} in the model file.")


def _read_attribute(spec, tensors):
    kind = spec["kind"]
    if kind == "phoenix_field":
        state = {key: tensors[f"{spec['prefix']}.{key}"] for key in spec["keys"]}
        hidden_units, n_genes = state["sum_in"].shape
        field = PhoenixField(n_genes, hidden_units, generator=torch.Generator(), dtype=state["sum_in"].dtype)
        field.load_state_dict(state, strict=True)
        return field
    if kind == "solver":
        return _read_solver(spec["solver"])
    if kind == "strings":
        return np.asarray(spec["values"], dtype=object)
    if kind == "ndarray":
        return tensors[spec["values"]].numpy()
    if kind == "dataframe":
        frame = pd.DataFrame(dict(zip(spec["columns"], _unplain(spec["data"]))), columns=spec["columns"])
        return frame.astype(dict(zip(spec["columns"], spec["dtypes"])))
    if kind == "plain":
        return _unplain(spec["value"])
    raise ValueError(f"Unknown attribute kind {kind!r} in the model file.")


# --------------------------------------------------------------------- public API
def save_model(estimator, path):
    """Save a fitted :class:`DASHRegulatoryEstimator` in a weights-only format.

    Unlike pickle or joblib, the file can be loaded without running code from
    it (:func:`load_model` uses ``torch.load(weights_only=True)``), so it is the
    format to share models with.  It holds the model weights and pruning masks,
    the fitted network, the gene names, the training history and the
    constructor parameters, including a prior or ppi given as an array,
    DataFrame (values and gene names) or sparse matrix, the ``pruning``
    schedule (as its parameters), and the solver of :mod:`skdash.solvers`
    (its parameters, and for ``solver_`` its fitted state such as the
    measured stiffness).

    Parameters
    ----------
    estimator : DASHRegulatoryEstimator
        A fitted estimator (not a Pipeline: save its steps separately, or use
        `skops <https://skops.readthedocs.io>`_ for whole scikit-learn pipelines).
    path : str, os.PathLike or binary file object
        Where to write the file (conventionally ``*.pt``).

    Notes
    -----
    Not stored: a ``random_state`` given as a RandomState instance (saved as
    None; the fitted model does not depend on it any more) and metadata-routing
    requests set with ``set_fit_request``/``set_score_request`` (the class
    defaults apply after loading).

    Examples
    --------
    >>> from skdash import save_model, load_model          # doctest: +SKIP
    >>> save_model(est, "network_model.pt")                 # doctest: +SKIP
    >>> est = load_model("network_model.pt")                # doctest: +SKIP
    """
    if not isinstance(estimator, DASHRegulatoryEstimator):
        raise TypeError(
            f"save_model saves a DASHRegulatoryEstimator; got {type(estimator).__name__}. Save the steps "
            "of a Pipeline separately, or use skops or joblib for other objects."
        )
    check_is_fitted(estimator)
    writer = _Writer()
    params = estimator.get_params(deep=False)
    stored_params, notes = {}, []
    for name, value in params.items():
        if name in _MATRIX_PARAMS:
            stored_params[name] = {"matrix": writer.matrix(f"param.{name}", value)}
        elif name == "solver" and not isinstance(value, str):
            try:
                stored_params[name] = _param_spec(value)
            except _NotStorable as error:
                raise TypeError(f"Cannot store parameter solver={value!r} ({error}) in the model file; "
                                "only the solvers of skdash.solvers are stored.") from None
        elif name == "random_state" and not (value is None or isinstance(value, Integral)):
            stored_params[name] = {"value": None}
            notes.append(f"random_state was a {type(value).__name__}; stored as None.")
        else:
            try:
                stored_params[name] = _param_spec(value)
            except _NotStorable as error:
                raise TypeError(f"Cannot store parameter {name}={value!r} ({error}) in the model file.") from None
    attributes = {}
    for name, value in vars(estimator).items():
        if name in params or name in _SKIPPED_ATTRIBUTES:
            continue
        try:
            attributes[name] = writer.attribute(f"attr.{name}", value)
        except _NotStorable as error:
            raise TypeError(
                f"Cannot store the fitted attribute {name} ({error}) in the weights-only format; "
                "use pickle or joblib (only with files you trust)."
            ) from None
    from . import __version__

    metadata = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "class": type(estimator).__name__,
        "skdash_version": __version__, "torch_version": torch.__version__,
        "params": stored_params, "attributes": attributes, "notes": notes,
    }
    torch.save({"metadata": json.dumps(metadata), "tensors": writer.tensors},
               os.fspath(path) if isinstance(path, (str, os.PathLike)) else path)


def load_model(path, *, device=None):
    """Load an estimator written by :func:`save_model`.

    The file is read with ``torch.load(weights_only=True)``: only tensors and
    plain data are accepted, so no code from the file runs.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
    device : str, default=None
        Torch device for the loaded model; None keeps the saved ``device``
        parameter.  Use ``"cpu"`` to load a model trained on a GPU on a machine
        without one.

    Returns
    -------
    estimator : DASHRegulatoryEstimator
        Fitted, predicting and simulating exactly like the saved one.

    Notes
    -----
    Files of formats 1 to 3 load too: format 1's ``pruning_start``,
    ``initial_pruning``, ``pruning_interval`` and ``pruning_rate`` become
    ``pruning=PruningSchedule(start, initial, interval, rate)``; the
    ``solver``, ``max_step``, ``rtol`` and ``atol`` parameters of both become a
    solver object (or stay a method name where they were the defaults), and
    the stiffness the model kept as a buffer and ``max_step_`` become the
    fitted state of ``solver_``.  History records of files before format 4
    gain ``monitored_loss`` (the loss training monitored) and
    ``pruning_seconds`` (NaN: not measured then).
    """
    source = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    payload = torch.load(source, map_location="cpu", weights_only=True)
    if not (isinstance(payload, dict) and isinstance(payload.get("metadata"), str)
            and isinstance(payload.get("tensors"), dict)):
        raise ValueError(f"{path!r} is not a skdash model file (written by skdash.save_model).")
    metadata = json.loads(payload["metadata"])
    tensors = payload["tensors"]
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path!r} is not a skdash model file (written by skdash.save_model).")
    if metadata["format_version"] > FORMAT_VERSION:
        raise ValueError(
            f"{path!r} uses model format {metadata['format_version']}, newer than this skdash "
            f"understands ({FORMAT_VERSION}); upgrade skdash."
        )
    if metadata["class"] != DASHRegulatoryEstimator.__name__:
        raise ValueError(f"{path!r} holds a {metadata['class']}, not a DASHRegulatoryEstimator.")
    if "max_step" in metadata["params"]:  # written before the solver objects
        _upgrade_solver_settings(metadata, tensors)
    if metadata["format_version"] < 4:
        _upgrade_history(metadata)
    params = {}
    for name, spec in metadata["params"].items():
        params[name] = _read_matrix(spec["matrix"], tensors) if "matrix" in spec else _param_value(spec)
    params = _pruning_from_flat_params(params)
    if device is not None:
        params["device"] = device
    estimator = DASHRegulatoryEstimator(**params)
    for name, spec in metadata["attributes"].items():
        setattr(estimator, name, _read_attribute(spec, tensors))
    module = getattr(estimator, "module_", None)
    if module is not None:
        module.to(estimator.device)
    return estimator
