"""Tests of corrupt_prior."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skdash._compat import InvalidParameterError
from skdash.datasets import corrupt_prior


def _random_prior(n, n_edges, seed):
    rng = np.random.default_rng(seed)
    prior = np.zeros((n, n))
    off = np.flatnonzero(~np.eye(n, dtype=bool))
    prior.flat[rng.choice(off, n_edges, replace=False)] = rng.choice([-1.0, 1.0], n_edges)
    return prior


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.1, 0.33, 1.0])
def test_moves_exact_number_and_keeps_signs(fraction):
    prior = _random_prior(40, 90, 0)
    prior[3, 3] = 1.0  # diagonal entries stay where they are
    before = prior.copy()
    out = corrupt_prior(prior, fraction, random_state=0)
    np.testing.assert_array_equal(prior, before)  # input untouched
    assert out.dtype == prior.dtype and out.shape == prior.shape
    n_edges = 90
    moved = ((out != 0) & (prior == 0)).sum()
    assert moved == round(fraction * n_edges)
    assert ((out == 0) & (prior != 0)).sum() == moved
    assert (out > 0).sum() == (prior > 0).sum() and (out < 0).sum() == (prior < 0).sum()
    assert out[3, 3] == 1.0 and np.count_nonzero(np.diag(out)) == 1


def test_keeps_values_and_is_deterministic():
    prior = _random_prior(30, 50, 1) * 0.5
    a = corrupt_prior(prior, 0.4, random_state=7)
    b = corrupt_prior(prior, 0.4, random_state=7)
    c = corrupt_prior(prior, 0.4, random_state=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(np.sort(a[a != 0]), np.sort(prior[prior != 0]))


def test_list_input_returns_ndarray():
    out = corrupt_prior([[0, 1], [0, 0]], 1.0, random_state=0)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [[0, 0], [1, 0]])


def test_dataframe_input():
    names = [f"g{i}" for i in range(10)]
    prior = pd.DataFrame(_random_prior(10, 12, 2), index=names, columns=names)
    out = corrupt_prior(prior, 0.5, random_state=0)
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(prior.index) and out.columns.equals(prior.columns)
    assert ((out.to_numpy() != 0) & (prior.to_numpy() == 0)).sum() == 6


@pytest.mark.parametrize("n", [50, 3000])  # small: enumeration; large: rejection sampling
@pytest.mark.parametrize("kind", ["csr_array", "csr_matrix", "coo_array"])
def test_sparse_input(n, kind):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, n, 4 * n)
    cols = (rows + rng.integers(1, n, 4 * n)) % n
    dense = sp.coo_array((np.ones(rows.size), (rows, cols)), shape=(n, n)).toarray()
    dense = np.where(dense > 0, rng.choice([-1.0, 1.0], dense.shape), 0.0)
    prior = getattr(sp, kind)(dense)
    out = corrupt_prior(prior, 0.25, random_state=0)
    assert type(out) is type(prior) and out.format == prior.format
    out_dense, n_edges = out.toarray(), np.count_nonzero(dense)
    assert ((out_dense != 0) & (dense == 0)).sum() == round(0.25 * n_edges)
    assert (out_dense > 0).sum() == (dense > 0).sum()
    assert np.count_nonzero(np.diag(out_dense)) == 0


@pytest.mark.parametrize(
    "prior, fraction, error, match",
    [
        (np.zeros((3, 4)), 0.1, ValueError, "square"),
        (np.zeros(4), 0.1, ValueError, "square"),
        (np.zeros((3, 3)), 1.5, InvalidParameterError, "'fraction'"),
        (np.zeros((3, 3)), -0.1, InvalidParameterError, "'fraction'"),
        (np.zeros((3, 3)), "half", InvalidParameterError, "'fraction'"),
        ("not a matrix", 0.1, InvalidParameterError, "'prior'"),
        (np.ones((3, 3)) - np.eye(3), 0.5, ValueError, "empty off-diagonal"),
        (np.array([[0, np.nan], [1, 0]]), 0.5, ValueError, "finite"),
        (np.array([["a", "b"], ["c", "d"]]), 0.5, TypeError, "numeric"),
    ],
)
def test_validation(prior, fraction, error, match):
    with pytest.raises(error, match=match):
        corrupt_prior(prior, fraction)
