"""Checks shared by the data-set generators that ``validate_params`` cannot express.

The type and range of every public argument are declared with scikit-learn's
``validate_params``; what remains here are the checks on the *contents* of an
argument (sampling times, ``(low, high)`` pairs, the levels of a clamp) and the
conversion of ``random_state`` into independent numpy generators.
"""

from numbers import Integral

import numpy as np

from .._compat import InvalidParameterError, Interval

#: ``validate_params`` constraint of every ``random_state`` of skdash.datasets.
_RANDOM_STATE = [
    None,
    Interval(Integral, 0, None, closed="left"),
    np.random.Generator,
    np.random.RandomState,
    np.random.SeedSequence,
]


def _check_in(name, value, interval):
    """Return ``value`` as a float after checking that it is a number in ``interval``.

    Parameters
    ----------
    name : str
        How the value is named in the error message, e.g. ``"ec50_range[0]"``.
    value : object
        The value to check.
    interval : Interval
        A scikit-learn interval constraint (NaN is never inside one).

    Raises
    ------
    InvalidParameterError
        If ``value`` is not a number inside ``interval``.
    """
    if not interval.is_satisfied_by(value):
        raise InvalidParameterError(f"{name} must be {interval}, got {value!r}.")
    return float(value)


def _check_pair(name, value, interval):
    """Return a ``(low, high)`` pair of floats in ``interval`` with ``low <= high``."""
    if np.ndim(value) != 1 or len(value) != 2:
        raise InvalidParameterError(f"{name} must be a pair (low, high), got {value!r}.")
    low = _check_in(f"{name}[0]", value[0], interval)
    high = _check_in(f"{name}[1]", value[1], interval)
    if low > high:
        raise InvalidParameterError(f"{name} must satisfy low <= high, got {value!r}.")
    return low, high


def _check_times(times, name="times"):
    """Return ``times`` as a strictly increasing, finite 1-D float array."""
    try:
        arr = np.asarray(times, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array-like of numbers, got {times!r}.") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array-like, got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values.")
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing, got {arr.tolist()}.")
    return arr


def _seed_sequence(random_state):
    """A :class:`numpy.random.SeedSequence` for a ``random_state`` allowed by ``_RANDOM_STATE``."""
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(random_state.integers(0, 2**63, size=4).tolist())
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(random_state.randint(0, 2**31, size=4).tolist())
    return np.random.SeedSequence(int(random_state))


def _check_rng(random_state):
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    Accepts None, an int, a :class:`numpy.random.SeedSequence`, a
    :class:`numpy.random.Generator` (used as is) or a legacy
    :class:`numpy.random.RandomState` (a seed is drawn from it). The global numpy
    random state is never used.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(_seed_sequence(random_state))


def _spawn_rngs(random_state, n):
    """``n`` independent generators derived from ``random_state``."""
    return [np.random.default_rng(child) for child in _seed_sequence(random_state).spawn(n)]
