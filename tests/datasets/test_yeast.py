"""Tests of the yeast cell cycle loader."""

import numpy as np
import pandas as pd
import pytest

from skdash._compat import InvalidParameterError
from skdash.datasets import load_yeast_cell_cycle

TIMES = np.r_[np.arange(0.0, 101.0, 5.0), 110.0, 115.0, 120.0]


def test_arrays():
    data = load_yeast_cell_cycle(as_frame=False)
    assert data.X.shape == (48, 500) and data.X.dtype == np.float64
    assert np.all(np.isfinite(data.X))
    assert -3.0 < data.X.min() < -2.0 and 3.5 < data.X.max() < 4.5  # log-ratios
    np.testing.assert_array_equal(data.t, np.tile(TIMES, 2))
    np.testing.assert_array_equal(data.trajectory, np.repeat([0, 1], 24))
    assert data.prior.shape == (500, 500)
    assert set(np.unique(data.prior)) == {-0.5, 0.0, 0.5}
    assert len(data.gene_names) == len(data.gene_symbols) == 500
    assert data.gene_names[0] == "YAL004W" and "CLN3" in data.gene_symbols
    assert "Pramila" in data.DESCR
    # the two time courses are different experiments
    assert not np.allclose(data.X[:24], data.X[24:])


def test_as_frame():
    data = load_yeast_cell_cycle(as_frame=True)
    assert isinstance(data.X, pd.DataFrame) and list(data.X.columns) == data.gene_names
    assert isinstance(data.prior, pd.DataFrame)
    assert list(data.prior.index) == list(data.prior.columns) == data.gene_names
    assert list(data.frame.columns[:2]) == ["trajectory", "time"]
    np.testing.assert_array_equal(data.X.to_numpy(), load_yeast_cell_cycle(as_frame=False).X)


def test_validation():
    with pytest.raises(InvalidParameterError, match="'as_frame'"):
        load_yeast_cell_cycle(as_frame=1)
