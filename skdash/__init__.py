"""skdash: gene regulatory network inference with a DASH-pruned PHOENIX Neural ODE,
as a scikit-learn estimator.

Public API: :class:`DASHRegulatoryEstimator`, :class:`StabilitySelection` (edge
confidence from refits on resampled data), :func:`stack_trajectories`,
:func:`save_model` / :func:`load_model`, the ODE solvers :class:`RK4` and
:class:`AdaptiveSolver` (from :mod:`skdash.solvers`), and the submodules
:mod:`skdash.datasets`, :mod:`skdash.metrics`, :mod:`skdash.io`,
:mod:`skdash.plotting` and :mod:`skdash.solvers`.

The names that need PyTorch are imported on first use, so that ``import skdash``
(and the data sets, metrics, readers and the command line's help) start without
loading it.
"""

import importlib

from ._data import stack_trajectories

__version__ = "0.1.0"

#: Public names defined in modules that import torch: name -> module.
_LAZY = {
    "AdaptiveSolver": ".solvers",
    "DASHRegulatoryEstimator": "._estimator",
    "RK4": ".solvers",
    "StabilitySelection": "._stability",
    "load_model": "._persistence",
    "save_model": "._persistence",
}

__all__ = ["AdaptiveSolver", "DASHRegulatoryEstimator", "RK4", "StabilitySelection", "load_model", "save_model",
           "stack_trajectories", "__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
