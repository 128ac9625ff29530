"""DASHRegulatoryEstimator.forecast: the one path to one-step forecasts (score, forecast_mse, CLI)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_squared_error, r2_score

from skdash import DASHRegulatoryEstimator
from skdash.metrics import forecast_mse

from .conftest import FAST, FLOAT32_ROUNDING


@pytest.fixture(scope="module")
def fitted(toy):
    return DASHRegulatoryEstimator(**FAST).fit(toy.X, t=toy.t, trajectory=toy.trajectory)


@pytest.fixture(scope="module")
def fitted_named(toy):
    X = pd.DataFrame(toy.X, columns=toy.gene_names)
    return DASHRegulatoryEstimator(**FAST).fit(X, t=toy.t, trajectory=toy.trajectory)


def test_each_row_is_forecast_from_its_predecessor_and_first_rows_are_nan(fitted, toy):
    forecasts = fitted.forecast(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert forecasts.shape == toy.X.shape
    first = np.r_[True, toy.trajectory[1:] != toy.trajectory[:-1]]
    assert np.isnan(forecasts[first]).all()
    assert np.isfinite(forecasts[~first]).all()
    row = np.flatnonzero(~first)[3]
    interval = toy.t[row] - toy.t[row - 1]
    simulated = fitted.simulate(toy.X[row - 1], [0.0, interval])[-1]
    np.testing.assert_allclose(forecasts[row], simulated, rtol=1e-4, atol=1e-5)


def test_dataframe_in_gives_dataframe_out_in_the_callers_order(fitted_named, toy):
    X = pd.DataFrame(toy.X, columns=toy.gene_names, index=[f"s{i}" for i in range(len(toy.X))])
    reordered = X[toy.gene_names[::-1]]
    forecasts = fitted_named.forecast(X, t=toy.t, trajectory=toy.trajectory)
    flipped = fitted_named.forecast(reordered, t=toy.t, trajectory=toy.trajectory)
    assert list(flipped.columns) == toy.gene_names[::-1] and flipped.index.equals(X.index)
    pd.testing.assert_frame_equal(flipped[toy.gene_names], forecasts, **FLOAT32_ROUNDING)


def test_row_order_does_not_change_the_forecasts(fitted, toy):
    order = np.random.default_rng(1).permutation(len(toy.X))
    forecasts = fitted.forecast(toy.X, t=toy.t, trajectory=toy.trajectory)
    shuffled = fitted.forecast(toy.X[order], t=toy.t[order], trajectory=toy.trajectory[order])
    np.testing.assert_allclose(shuffled, forecasts[order], **FLOAT32_ROUNDING)


def test_score_and_forecast_mse_are_computed_from_the_forecasts(fitted, toy):
    forecasts = fitted.forecast(toy.X, t=toy.t, trajectory=toy.trajectory)
    has = ~np.isnan(forecasts).any(axis=1)
    expected_r2 = r2_score(toy.X[has], forecasts[has], multioutput="variance_weighted")
    expected_mse = mean_squared_error(toy.X[has], forecasts[has])
    assert fitted.score(toy.X, t=toy.t, trajectory=toy.trajectory) == pytest.approx(expected_r2, rel=1e-9)
    assert forecast_mse(fitted, toy.X, t=toy.t, trajectory=toy.trajectory) == pytest.approx(expected_mse, rel=1e-9)


def test_forecast_needs_a_fitted_model(toy):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DASHRegulatoryEstimator().forecast(toy.X, t=toy.t, trajectory=toy.trajectory)
