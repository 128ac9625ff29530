"""The no-regulation forecast behind forecast_skill_."""

import numpy as np


def test_the_no_regulation_baseline_recovers_a_self_relaxation():
    from skdash._baseline import fit_self_relaxation, self_relaxation_forecast

    rng = np.random.default_rng(0)
    x0, dt = rng.uniform(0, 1, (30, 3)), rng.uniform(0.5, 2, 30)
    rates, levels = np.array([0.0, 0.5, 2.0]), np.array([0.3, 0.6, 0.2])
    x1 = self_relaxation_forecast(rates, levels, x0, dt)
    fitted_rates, fitted_levels = fit_self_relaxation(x0, x1, dt)
    assert fitted_rates[0] == 0.0  # a gene that does not move keeps its value
    np.testing.assert_allclose(fitted_rates[1:], rates[1:], rtol=0.06)
    np.testing.assert_allclose(fitted_levels[1:], levels[1:], rtol=0.05)
    # rates come from a grid 12% apart, so the forecasts agree to its resolution
    np.testing.assert_allclose(self_relaxation_forecast(fitted_rates, fitted_levels, x0, dt), x1, atol=2e-2)
