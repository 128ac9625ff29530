"""Imperfect priors: move a fraction of a prior network's edges to random empty positions."""

from numbers import Real

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._compat import Interval, validate_params
from ._validation import _RANDOM_STATE, _check_rng

__all__ = ["corrupt_prior"]


def _sample_new_positions(occupied_keys, n, n_move, rng):
    """Draw ``n_move`` distinct off-diagonal flat positions not in ``occupied_keys``.

    ``occupied_keys`` is a sorted array of flat indices ``i * n + j``.
    """
    n_free = n * (n - 1) - occupied_keys.size
    if n_move > n_free:
        raise ValueError(
            f"Cannot move {n_move} edges: the prior has only {n_free} empty off-diagonal positions."
        )
    if n_move == 0:
        return np.empty(0, dtype=np.int64)
    if n * n <= 4_000_000 or n_free < n * n // 2:
        free = np.ones(n * n, dtype=bool)
        free[occupied_keys] = False
        free[:: n + 1] = False
        return rng.choice(np.flatnonzero(free), size=n_move, replace=False)
    # Large, mostly empty matrix: rejection sampling avoids listing every empty position.
    chosen = np.empty(0, dtype=np.int64)
    while chosen.size < n_move:
        draw = rng.integers(0, n * n, size=2 * (n_move - chosen.size) + 16)
        ok = draw // n != draw % n
        ok &= ~np.isin(draw, occupied_keys)
        candidates = np.concatenate([chosen, draw[ok]])
        _, first = np.unique(candidates, return_index=True)
        chosen = candidates[np.sort(first)][:n_move]
    return chosen


@validate_params(
    {
        "prior": ["array-like", "sparse matrix"],
        "fraction": [Interval(Real, 0, 1, closed="both")],
        "random_state": _RANDOM_STATE,
    },
    prefer_skip_nested_validation=True,
)
def corrupt_prior(prior, fraction, random_state=None):
    """Move a fraction of the edges of a prior network to random empty positions.

    This is how the DASH and PHOENIX papers make imperfect priors: each moved edge
    keeps its value (so its sign), but lands on a pair of genes that had no prior
    edge. The number of edges stays the same and so does the number of activating
    and repressing edges. Diagonal entries (self-regulation) are neither moved
    nor used as destinations.

    Parameters
    ----------
    prior : array-like, DataFrame or scipy sparse matrix of shape (n_genes, n_genes)
        Prior network, rows = regulators, columns = targets; nonzero entries are
        edges, their sign means activation (+) or repression (-).
    fraction : float in [0, 1]
        Fraction of the off-diagonal nonzero entries to move. The number moved is
        ``round(fraction * n_edges)``, rounded to the nearest integer.
    random_state : int, numpy Generator, RandomState or None, default=None
        Controls which edges move and where they go. Pass an int for
        reproducible output.

    Returns
    -------
    corrupted : same type as ``prior``
        A new matrix (the input is not modified): an ndarray for array-like input,
        a DataFrame with the same index and columns for a DataFrame, and a sparse
        matrix of the same format for sparse input.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.datasets import corrupt_prior
    >>> prior = np.array([[0, 1, -1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]])
    >>> noisy = corrupt_prior(prior, 0.5, random_state=0)
    >>> int((noisy != 0).sum()), int((noisy > 0).sum()), int((noisy < 0).sum())
    (4, 3, 1)
    >>> int(((noisy != 0) & (prior == 0)).sum())  # edges that moved
    2
    """
    fraction = float(fraction)
    rng = _check_rng(random_state)

    if sp.issparse(prior):
        matrix = prior.tocoo()
    elif isinstance(prior, pd.DataFrame):
        matrix = prior.to_numpy()
    else:
        matrix = np.asarray(prior)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"prior must be a square 2-D matrix, got shape {matrix.shape}.")
    if not (np.issubdtype(matrix.dtype, np.number) or matrix.dtype == bool):
        raise TypeError(f"prior must be numeric, got dtype {matrix.dtype}.")
    n = matrix.shape[0]

    if sp.issparse(matrix):
        matrix.sum_duplicates()
        rows, cols, vals = matrix.row, matrix.col, matrix.data
        keep = vals != 0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    else:
        rows, cols = np.nonzero(matrix)
        vals = matrix[rows, cols]
    if not np.all(np.isfinite(vals.astype(float))):
        raise ValueError("prior must contain only finite values.")
    keys = rows.astype(np.int64) * n + cols
    off = np.flatnonzero(rows != cols)
    n_move = int(round(fraction * off.size))

    destinations = _sample_new_positions(np.sort(keys), n, n_move, rng)
    sources = rng.choice(off, size=n_move, replace=False) if n_move else off[:0]
    keys = keys.copy()
    keys[sources] = destinations  # each moved edge keeps its value
    new_rows, new_cols = keys // n, keys % n

    if sp.issparse(prior):
        coo_type = sp.coo_matrix if isinstance(prior, sp.spmatrix) else sp.coo_array
        out = coo_type((vals, (new_rows, new_cols)), shape=prior.shape, dtype=prior.dtype)
        return out.asformat(prior.format)
    out = np.zeros_like(matrix)
    out[new_rows, new_cols] = vals
    if isinstance(prior, pd.DataFrame):
        return pd.DataFrame(out, index=prior.index, columns=prior.columns)
    return out
