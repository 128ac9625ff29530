"""Time-series bookkeeping: the time axis of each row, transitions between
consecutive snapshots of a trajectory, and the split into training and
validation transitions."""

import math
import sys
import warnings

import numpy as np
import pandas as pd

from .exceptions import DataScaleWarning

#: Values the model handles well: its activations are centred at 0.5, so data
#: on a [0, 1] scale, with some noise or a scaler fitted on other rows, stay in here.
EXPECTED_RANGE = (-0.5, 1.5)
#: Warn when more than this fraction of the values lie outside EXPECTED_RANGE ...
OUTSIDE_FRACTION = 0.01
#: ... or when any value lies more than this far outside it.
OUTSIDE_MARGIN = 1.0


def check_time_axis(n_samples, t=None, trajectory=None):
    """Validate ``t`` and ``trajectory`` for ``n_samples`` rows.

    Returns float64 times and integer trajectory codes (0..n_trajectories-1, in
    order of first appearance).  Two rows with the same time in one trajectory
    are an error that names the trajectory.  Missing ``trajectory`` means one trajectory;
    missing ``t`` means rows in order with unit spacing inside each trajectory.
    """
    if trajectory is None:
        codes = np.zeros(n_samples, dtype=np.intp)
    else:
        labels = np.asarray(trajectory)
        if labels.ndim != 1 or labels.shape[0] != n_samples:
            raise ValueError(
                f"trajectory must be 1-D with one entry per row of X ({n_samples}); got shape {labels.shape}."
            )
        if pd.isna(labels).any():
            raise ValueError("trajectory contains missing values (NaN/None).")
        codes = pd.factorize(labels, sort=False)[0].astype(np.intp)
    if t is None:
        times = pd.Series(codes).groupby(codes).cumcount().to_numpy(dtype=np.float64)
    else:
        try:
            times = np.asarray(t, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("t must contain numbers (the time of each row).") from None
        if times.ndim != 1 or times.shape[0] != n_samples:
            raise ValueError(f"t must be 1-D with one time per row of X ({n_samples}); got shape {times.shape}.")
        if not np.all(np.isfinite(times)):
            raise ValueError("t contains NaN or infinite times.")
        if np.any(times < 0):
            raise ValueError(f"t contains negative times (smallest {times.min()}); times must be >= 0.")
    repeated = pd.DataFrame({"trajectory": codes, "time": times}).duplicated().to_numpy()
    if repeated.any():
        row = int(np.argmax(repeated))
        where = "The time course" if trajectory is None else f"Trajectory {labels[row]}"
        raise ValueError(
            f"{where} has more than one row at time {times[row]}: times must be unique within a trajectory."
        )
    return times, codes


def check_expression_scale(X):
    """Warn (:class:`~skdash.exceptions.DataScaleWarning`) when ``X`` is far off the [0, 1] scale.

    "Far off" means more than 1% of the values outside [-0.5, 1.5], or any value
    more than 1 outside that interval: raw counts, log-ratios and z-scores
    trigger it; [0, 1] data with noise, or test rows scaled by a scaler fitted
    on training rows, do not.  ``X`` is a finite float array and is not changed.
    Returns whether a warning was emitted.
    """
    if X.size == 0:
        return False
    low, high = EXPECTED_RANGE
    outside = np.count_nonzero((X < low) | (X > high)) / X.size
    smallest, largest = float(X.min()), float(X.max())
    if outside <= OUTSIDE_FRACTION and smallest >= low - OUTSIDE_MARGIN and largest <= high + OUTSIDE_MARGIN:
        return False
    warnings.warn(
        f"X ranges from {smallest:.4g} to {largest:.4g} and {outside:.1%} of its values lie outside "
        f"[{low}, {high}], but the model expects expression roughly on a [0, 1] scale (its activations "
        "are centred at 0.5), so the network and forecasts may be meaningless. skdash does not change "
        "the data: scale it first, e.g. make_pipeline(MinMaxScaler(), DASHRegulatoryEstimator(...)) "
        "(for counts, a log transform such as FunctionTransformer(np.log1p) before the scaler).",
        DataScaleWarning, stacklevel=_user_stacklevel(),
    )
    return True


def _user_stacklevel():
    """``stacklevel`` for a warning issued by our caller that points at user code:
    the first frame outside skdash and scikit-learn (e.g. a Pipeline)."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] in ("skdash", "sklearn"):
        frame, level = frame.f_back, level + 1
    return level


def align_to_fitted_genes(X, feature_names_in):
    """Reorder the columns of a DataFrame ``X`` to the gene names seen in fit.

    Only a pure permutation is handled here (same string names, other order);
    everything else is returned unchanged for scikit-learn's ``validate_data``,
    which raises naming the unseen and missing genes, or warns when X has no
    names but fit had them.
    """
    if feature_names_in is None or not isinstance(X, pd.DataFrame):
        return X
    columns = X.columns
    if not all(isinstance(name, str) for name in columns) or columns.has_duplicates:
        return X
    if len(columns) != len(feature_names_in) or np.array_equal(columns.to_numpy(dtype=object), feature_names_in):
        return X
    if set(columns) != set(feature_names_in):
        return X
    return X[list(feature_names_in)]


def canonical_trajectory_codes(X, times, codes):
    """Number the trajectories by their content, not by their labels or the order of the rows.

    Trajectory k gets the rank of (its times, then its snapshots, in time order)
    among all trajectories, so that the same time courses given with the rows in
    another order, or with their ids spelled otherwise, are numbered alike: the
    training batches and the held-out trajectories, and so the fitted network,
    depend on the data alone.  Identical time courses tie; which of them comes
    first does not matter, since they hold the same data.
    """
    order = np.lexsort((times, codes))
    boundaries = np.flatnonzero(np.diff(codes[order])) + 1
    keys = [np.concatenate([times[rows], X[rows].ravel()]).tobytes() for rows in np.split(order, boundaries)]
    groups = codes[order][np.concatenate([[0], boundaries])]
    rank = np.empty(len(keys), dtype=np.intp)
    rank[groups[np.argsort(np.array(keys, dtype=object), kind="stable")]] = np.arange(len(keys))
    return rank[codes]


def transitions_from_time_axis(times, codes):
    """Row indices (start, end) of consecutive snapshots and their intervals.

    Rows are sorted by time within each trajectory (the input order need not be
    sorted); :func:`check_time_axis` has rejected two rows with the same time in
    one trajectory.
    """
    order = np.lexsort((times, codes))
    same_trajectory = codes[order][1:] == codes[order][:-1]
    starts, ends = order[:-1][same_trajectory], order[1:][same_trajectory]
    intervals = times[ends] - times[starts]
    if starts.size == 0:
        raise ValueError(
            "No transitions: every trajectory has a single time point. Each trajectory needs at least "
            "two snapshots (pass `trajectory` to say which rows belong together)."
        )
    return starts, ends, intervals


def split_transitions(codes, validation_fraction, rng):
    """Boolean mask of validation transitions.

    With two or more trajectories whole trajectories are held out: the whole
    number that ``validation_fraction`` of them amounts to (rounded down, and at
    least one left for training); with a single trajectory, the same share of its
    transitions.  When the fraction amounts to less than one (e.g. 0.1 of fewer
    than ten courses) nothing is held out and the caller monitors the training
    loss: holding out one of a handful of courses would take more than the
    fraction asked for from data that are already scarce.
    """
    groups = np.unique(codes)
    # the units held out: whole trajectories, or the transitions of a single one
    units, unit_of = (groups, codes) if groups.size >= 2 else (np.arange(codes.shape[0]),) * 2
    # the small tolerance keeps e.g. 0.29 * 100 (28.999...) from rounding down to 28
    n_held = min(units.size - 1, math.floor(validation_fraction * units.size + 1e-9))
    if n_held <= 0:
        return np.zeros(codes.shape[0], dtype=bool)
    return np.isin(unit_of, rng.choice(units, size=n_held, replace=False))


def stack_trajectories(list_of_X, list_of_t=None):
    """Stack several time courses into the long format the estimator takes.

    Parameters
    ----------
    list_of_X : sequence of array-like of shape (n_times_k, n_genes)
        One expression matrix per trajectory (rows = snapshots).  DataFrames must
        all have the same columns; the result is then a DataFrame too.
    list_of_t : sequence of array-like of shape (n_times_k,), default=None
        Times of each trajectory's rows; by default 0, 1, 2, ...

    Returns
    -------
    X : ndarray or DataFrame of shape (sum n_times_k, n_genes)
    t : ndarray of shape (sum n_times_k,)
    trajectory : ndarray of shape (sum n_times_k,)
        Index of the trajectory each row came from.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash import stack_trajectories
    >>> X, t, trajectory = stack_trajectories([np.zeros((3, 2)), np.ones((2, 2))],
    ...                                        [[0, 1, 5], [0, 2]])
    >>> X.shape, t.tolist(), trajectory.tolist()
    ((5, 2), [0.0, 1.0, 5.0, 0.0, 2.0], [0, 0, 0, 1, 1])
    """
    if isinstance(list_of_X, (np.ndarray, pd.DataFrame)) or len(list_of_X) == 0:
        raise ValueError("list_of_X must be a non-empty list of 2-D expression matrices, one per trajectory.")
    if list_of_t is not None and len(list_of_t) != len(list_of_X):
        raise ValueError(
            f"list_of_t has {len(list_of_t)} entries but list_of_X has {len(list_of_X)} trajectories."
        )
    frames = all(isinstance(x, pd.DataFrame) for x in list_of_X)
    blocks, times, ids = [], [], []
    for k, block in enumerate(list_of_X):
        values = block if frames else np.asarray(block, dtype=np.float64)
        if values.ndim != 2:
            raise ValueError(f"Trajectory {k} must be 2-D (n_times, n_genes); got shape {values.shape}.")
        if frames and not values.columns.equals(list_of_X[0].columns):
            raise ValueError(f"Trajectory {k} has different gene columns than trajectory 0.")
        if values.shape[1] != list_of_X[0].shape[1]:
            raise ValueError(
                f"Trajectory {k} has {values.shape[1]} genes but trajectory 0 has {list_of_X[0].shape[1]}."
            )
        t_k = np.arange(values.shape[0], dtype=np.float64) if list_of_t is None \
            else np.asarray(list_of_t[k], dtype=np.float64).ravel()
        if t_k.shape[0] != values.shape[0]:
            raise ValueError(f"Trajectory {k} has {values.shape[0]} rows but {t_k.shape[0]} times.")
        blocks.append(values)
        times.append(t_k)
        ids.append(np.full(values.shape[0], k, dtype=np.intp))
    X = pd.concat(blocks, ignore_index=True) if frames else np.vstack(blocks)
    return X, np.concatenate(times), np.concatenate(ids)
