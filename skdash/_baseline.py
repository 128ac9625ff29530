"""The forecast without regulation: each gene relaxes on its own towards a level.

x(t + dt) = m + (x(t) - m) exp(-k dt), with a rate k >= 0 and a level m per gene
fitted by least squares on the training transitions.  It is the PHOENIX model
with every regulatory weight pruned (a constant drive), so a fitted model whose
forecasts are no better than this one has learned nothing from one gene about
another: its network is not supported by the data.
"""

import numpy as np

#: Relaxation rates tried per gene, in units of the inverse median interval;
#: the fit keeps the best of them (a grid is robust where a local optimiser on
#: few transitions is not).
RATES = np.concatenate([[0.0], np.geomspace(1e-3, 1e2, 100)])


def fit_self_relaxation(x0, x1, dt):
    """Per-gene rates and levels of the best self-relaxation forecast of ``x0 -> x1`` over ``dt``.

    Parameters
    ----------
    x0, x1 : ndarray of shape (n_transitions, n_genes)
    dt : ndarray of shape (n_transitions,)

    Returns
    -------
    rates, levels : ndarray of shape (n_genes,)
    """
    best_error = np.full(x0.shape[1], np.inf)
    rates, levels = np.zeros(x0.shape[1]), x1.mean(axis=0)
    for rate in RATES:
        decay = np.exp(-rate * dt)[:, None]
        weight = 1.0 - decay
        denominator = float(np.sum(weight**2))
        if denominator == 0:  # rate 0: nothing moves, the level is irrelevant
            level = x1.mean(axis=0)
        else:
            level = np.sum((x1 - x0 * decay) * weight, axis=0) / denominator
        error = np.sum((level + (x0 - level) * decay - x1) ** 2, axis=0)
        better = error < best_error
        best_error[better], rates[better], levels[better] = error[better], rate, level[better]
    return rates, levels


def self_relaxation_forecast(rates, levels, x0, dt):
    """End states of the self-relaxation forecast from ``x0`` over ``dt``."""
    decay = np.exp(-rates[None, :] * dt[:, None])
    return levels + (x0 - levels) * decay
