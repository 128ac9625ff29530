"""skdash: gene regulatory network inference with a DASH-pruned PHOENIX Neural ODE,
as a scikit-learn estimator.

Public API: :class:`DASHRegulatoryEstimator`, :class:`StabilitySelection` (edge
confidence from refits on resampled data), :func:`stack_trajectories`,
:func:`save_model` / :func:`load_model`, and the submodules :mod:`skdash.datasets`,
:mod:`skdash.metrics`, :mod:`skdash.io` and :mod:`skdash.plotting`.
"""

from ._data import stack_trajectories
from ._estimator import DASHRegulatoryEstimator
from ._persistence import load_model, save_model
from ._stability import StabilitySelection

__version__ = "0.1.0"

__all__ = ["DASHRegulatoryEstimator", "StabilitySelection", "load_model", "save_model", "stack_trajectories",
           "__version__"]
