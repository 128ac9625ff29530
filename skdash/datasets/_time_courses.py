"""Time-course data sets from a Hill-kinetics system: initial states, noise and layout.

Shared by :func:`~skdash.datasets.make_sim350` and
:func:`~skdash.datasets.make_regulatory_network`.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._compat import Interval
from .._gene_matrix import gene_frame
from ._simulation import _integrate
from ._validation import _RANDOM_STATE

#: ``validate_params`` constraints of the arguments every time-course generator takes.
_TIME_COURSE_CONSTRAINTS = {
    "noise": [Interval(Real, 0, None, closed="left")],
    "prior_corruption": [Interval(Real, 0, 1, closed="both")],
    "n_trajectories": [Interval(Integral, 1, None, closed="left")],
    "n_test_trajectories": [Interval(Integral, 0, None, closed="left")],
    "times": ["array-like"],
    "as_frame": ["boolean"],
    "random_state": _RANDOM_STATE,
}

# Initial-state distributions of DESIGN.md section 5 (shared by all simulators).
_INPUT_MEAN_BETA = (10.0, 10.0)
_INPUT_SPREAD_BETA = (15.0, 15.0)
_INPUT_MIN_SD = 0.01
_OTHER_BETA = (2.0, 2.0)
_OTHER_SHIFT = 0.25
# Expression noise is given as a fraction of the half range of [0, 1]: sigma = noise * 0.5.
_NOISE_SCALE = 0.5


def _sample_gene_settings(rng, input_mask):
    """Per-gene initial-state settings, drawn once per data set (DESIGN.md section 5)."""
    n_inputs = int(input_mask.sum())
    mean = rng.beta(*_INPUT_MEAN_BETA, size=n_inputs)
    spread = rng.beta(*_INPUT_SPREAD_BETA, size=n_inputs)
    sd = np.maximum(spread * np.minimum(mean, 1.0 - mean) / 3.0, _INPUT_MIN_SD)
    shift = rng.uniform(-_OTHER_SHIFT, _OTHER_SHIFT, size=input_mask.size - n_inputs)
    return {"input_mask": input_mask, "input_mean": mean, "input_sd": sd, "shift": shift}


def _sample_initial_states(rng, settings, n_trajectories):
    """Initial states, shape ``(n_trajectories, n_genes)``, for given gene settings."""
    mask = settings["input_mask"]
    x0 = np.empty((n_trajectories, mask.size))
    mean, sd = settings["input_mean"], settings["input_sd"]
    inputs = rng.normal(mean, sd, size=(n_trajectories, mean.size))
    for _ in range(1000):  # rejection into [0, 1]; rarely needed at all
        bad = (inputs < 0.0) | (inputs > 1.0)
        if not bad.any():
            break
        cols = np.nonzero(bad)[1]
        inputs[bad] = rng.normal(mean[cols], sd[cols])
    x0[:, mask] = np.clip(inputs, 0.0, 1.0)
    other = rng.beta(*_OTHER_BETA, size=(n_trajectories, settings["shift"].size))
    x0[:, ~mask] = np.clip(other + settings["shift"], 0.0, 1.0)
    return x0


def _long_format(trajectories, first_id):
    """Stack ``(n_traj, n_times, n_genes)`` into rows, trajectory-major then time."""
    n_traj, n_times, n_genes = trajectories.shape
    X = trajectories.reshape(n_traj * n_times, n_genes)
    trajectory = np.repeat(np.arange(first_id, first_id + n_traj), n_times)
    return X, trajectory


def _simulate_dataset(
    rhs, input_mask, rngs, *, n_trajectories, n_test_trajectories, times, sigma
):
    """Draw initial states, integrate and add noise; returns the data part of a Bunch.

    ``rngs`` holds four independent generators: gene settings, training initial
    states, test initial states and noise. Keeping them separate means that, for
    one seed, the noise level, the prior corruption and the number of test
    trajectories do not change the noise-free training data.
    """
    settings = _sample_gene_settings(rngs[0], input_mask)
    x0 = _sample_initial_states(rngs[1], settings, n_trajectories)
    x0_test = _sample_initial_states(rngs[2], settings, n_test_trajectories)
    # Two solves, so that the number of test trajectories cannot change the solver's
    # steps (and so the last digits) of the training trajectories, and vice versa.
    X, trajectory = _long_format(_integrate(rhs, x0, times), 0)
    X_test, trajectory_test = _long_format(_integrate(rhs, x0_test, times), n_trajectories)
    if sigma > 0:
        X = X + rngs[3].normal(0.0, sigma, size=X.shape)
    return {
        "X": X,
        "t": np.tile(times, n_trajectories),
        "trajectory": trajectory,
        "X_test": X_test,
        "t_test": np.tile(times, n_test_trajectories),
        "trajectory_test": trajectory_test,
    }


def _as_frames(bunch, gene_names):
    """Turn the arrays of a data set into DataFrames and add ``frame`` (``as_frame=True``).

    Sparse ``prior`` and ``network`` stay sparse: a dense frame of them is what
    ``sparse=True`` avoids.
    """
    columns = pd.Index(gene_names, name="gene")
    for key in ("X", "X_test"):
        if key in bunch:
            bunch[key] = pd.DataFrame(bunch[key], columns=columns)
    for key in ("prior", "network"):
        if key in bunch and not sp.issparse(bunch[key]):
            bunch[key] = gene_frame(bunch[key], gene_names)
    frame = bunch["X"].copy()
    frame.insert(0, "time", bunch["t"])
    frame.insert(0, "trajectory", bunch["trajectory"])
    bunch["frame"] = frame
    return bunch
