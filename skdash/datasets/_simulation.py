"""Integration of a Hill-kinetics system from given initial states, optionally with clamps."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp

from .._compat import Interval
from ._validation import _check_in, _check_times

#: Constraints of the public ``simulate`` functions (``simulate_sim350``, ``data.simulate``).
_SIMULATE_CONSTRAINTS = {
    "x0": ["array-like"],
    "times": ["array-like"],
    "clamp": [dict, pd.Series, None],
    "rtol": [Interval(Real, 0, None, closed="neither")],
    "atol": [Interval(Real, 0, None, closed="neither")],
}
# The kinetics are defined on [0, 1] (fAct clips its argument there).
_CLAMP_LEVEL = Interval(Real, 0, 1, closed="both")


def _integrate(rhs, x0, times, *, rtol=1e-8, atol=1e-10, held=None):
    """Integrate ``dx/dt = rhs(x)`` from each row of ``x0`` and sample at ``times``.

    ``held``: optional integer indices of genes whose rate is set to zero, so
    they keep their value in ``x0`` (a clamp: knockout or forced expression).

    All trajectories are stacked into one system of ``n_genes * n_trajectories``
    states (gene-major) and solved by one adaptive DOP853 call. The solver's step
    sizes are therefore shared, and a trajectory's values depend on the others in
    the stack at the level of the tolerances (about 1e-8), not beyond.

    Returns an array of shape ``(n_trajectories, len(times), n_genes)``.
    """
    x0 = np.asarray(x0, dtype=float)
    n_traj, n_genes = x0.shape
    out = np.empty((n_traj, times.size, n_genes))
    out[:, 0] = x0
    if times.size == 1 or n_traj == 0:
        return out

    def fun(_, y):
        dxdt = rhs(y.reshape(n_genes, n_traj))
        if held is not None:
            dxdt[held] = 0.0
        return dxdt.ravel()

    sol = solve_ivp(
        fun, (times[0], times[-1]), x0.T.ravel(), method="DOP853", t_eval=times, rtol=rtol, atol=atol
    )
    if not sol.success:  # pragma: no cover - the kinetics are smooth and bounded
        raise RuntimeError(f"The ODE solver failed: {sol.message}")
    out[:] = sol.y.reshape(n_genes, n_traj, times.size).transpose(1, 2, 0)
    out[:, 0] = x0
    return out


def _check_clamp(clamp, gene_names):
    """Column indices and levels of ``clamp`` (a dict or Series: gene name or index -> level in [0, 1])."""
    position = {name: i for i, name in enumerate(gene_names)}
    indices, levels = [], []
    for gene, level in clamp.items():
        if isinstance(gene, str):
            if gene not in position:
                raise ValueError(f"clamp names an unknown gene {gene!r}.")
            index = position[gene]
        elif isinstance(gene, Integral) and not isinstance(gene, (bool, np.bool_)):
            if not 0 <= gene < len(gene_names):
                raise ValueError(f"clamp: gene index {gene} is out of range for {len(gene_names)} genes.")
            index = int(gene)
        else:
            raise TypeError(f"clamp keys must be gene names or integer indices, got {gene!r}.")
        if index in indices:
            raise ValueError(f"clamp names gene {gene_names[index]!r} more than once.")
        indices.append(index)
        levels.append(_check_in(f"clamp level of {gene_names[index]!r}", level, _CLAMP_LEVEL))
    return np.asarray(indices, dtype=np.intp), np.asarray(levels, dtype=float)


def _simulate_system(rhs, gene_names, x0, times, *, clamp=None, rtol=1e-8, atol=1e-10, label="the network"):
    """Check and integrate ``rhs`` from ``x0`` (1-D, 2-D or DataFrame), optionally with a clamp.

    The caller has checked the argument types with ``_SIMULATE_CONSTRAINTS``; this
    checks what they cannot say: the shape and values of ``x0``, the times and the
    clamped genes. ``label`` names the system in the error messages.
    """
    n_genes = len(gene_names)
    if isinstance(x0, pd.DataFrame):
        missing = [n for n in gene_names if n not in x0.columns]
        if missing:
            raise ValueError(f"x0 lacks {label} genes, e.g. {missing[:3]}.")
        x0 = x0[list(gene_names)]
    x0 = np.array(x0, dtype=float)
    one = x0.ndim == 1
    x0 = np.atleast_2d(x0)
    if x0.ndim != 2 or x0.shape[1] != n_genes:
        raise ValueError(f"x0 must have shape ({n_genes},) or (n_trajectories, {n_genes}), got {x0.shape}.")
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0 must contain only finite values.")
    times = _check_times(times)
    held = None
    if clamp is not None:
        held, levels = _check_clamp(clamp, list(gene_names))
        x0[:, held] = levels
    out = _integrate(rhs, x0, times, rtol=float(rtol), atol=float(atol), held=held)
    return out[0] if one else out
