"""In-silico perturbations of a fitted PHOENIX model: clamp genes and follow the dynamics.

A clamped gene is held at a chosen level for the whole trajectory: it starts
there and its rate of change is zero (``held`` in :mod:`._integrate`), while all
other genes follow the fitted vector field.  A knockout is a clamp at 0, forced
expression a clamp at a high level.  The predicted effect of a perturbation on a
target is the shift of the target's level at a horizon, relative to the
unperturbed simulation from the same initial states, averaged over the states.

Everything here takes one fitted :class:`~skdash.DASHRegulatoryEstimator`; an
ensemble averages the per-member results (see :func:`effects_over_members`).
"""

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch

from ._data import canonical_trajectory_codes, check_time_axis
from ._training import torch_threads

#: Rows per solver call when many perturbations x states are stacked: bounds the
#: memory of one solve (each row holds a few n_genes and hidden_units vectors).
MAX_ROWS_PER_SOLVE = 2**15

_REFIT_MESSAGE = ("This model has no {what} (it was fitted or saved by an older skdash); refit it to "
                  "simulate perturbations.")


# ------------------------------------------------------------------ reference stored at fit
def simulation_reference(X, t, trajectory):
    """What perturbations need from the training data, as plain arrays and a float.

    Returns the per-gene minimum and maximum of ``X``, the first (earliest)
    state of each trajectory and the longest time span of a trajectory.
    """
    times, codes = check_time_axis(X.shape[0], t, trajectory)
    by_trajectory = pd.Series(times).groupby(codes)
    spans = by_trajectory.max() - by_trajectory.min()
    return X.min(axis=0), X.max(axis=0), first_states(X, t, trajectory), float(spans.max())


def first_states(X, t, trajectory):
    """The earliest row of each trajectory of ``X``, trajectories in the order of their content.

    The order does not depend on the order of the rows or on the trajectory ids
    (see :func:`~skdash._data.canonical_trajectory_codes`).
    """
    times, codes = check_time_axis(X.shape[0], t, trajectory)
    codes = canonical_trajectory_codes(X, times, codes)
    order = np.lexsort((times, codes))
    return X[order[np.r_[True, codes[order][1:] != codes[order][:-1]]]].copy()


def _fitted_reference(estimator, name):
    if not hasattr(estimator, name):
        raise AttributeError(_REFIT_MESSAGE.format(what=name))
    return getattr(estimator, name)


# ------------------------------------------------------------------ validation
def resolve_genes(estimator, genes, what="genes"):
    """Column indices of ``genes`` (names from ``feature_names_in_`` or integer indices).

    Raises for unknown names, indices out of range and genes given twice (also
    as a name and as its index).
    """
    names = estimator._gene_names()
    position = {name: index for index, name in enumerate(names)}
    if isinstance(genes, (str, Integral)):
        genes = [genes]
    indices = []
    for gene in genes:
        if isinstance(gene, (bool, np.bool_)):
            raise TypeError(f"{what} must name genes or give integer column indices; got {gene!r}.")
        if isinstance(gene, Integral):
            if not 0 <= gene < len(names):
                raise ValueError(f"{what}: gene index {gene} is out of range for {len(names)} genes.")
            indices.append(int(gene))
        elif isinstance(gene, str):
            if gene not in position:
                known = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
                raise ValueError(f"{what}: unknown gene {gene!r}; the model knows {len(names)} genes ({known}).")
            indices.append(position[gene])
        else:
            raise TypeError(f"{what} must name genes or give integer column indices; got {gene!r}.")
    indices = np.asarray(indices, dtype=np.intp)
    unique, counts = np.unique(indices, return_counts=True)
    if np.any(counts > 1):
        twice = [names[i] for i in unique[counts > 1]]
        raise ValueError(f"{what} names these genes more than once: {twice}.")
    return indices


def check_levels(estimator, indices, levels, what="clamp"):
    """Float levels for the genes ``indices``; finite and inside the training range (or exactly 0).

    0 is always accepted, as a knockout, even where training never saw a value
    that low: the prediction is then an extrapolation, which the user guide
    discusses.  Any other level must lie in the gene's observed [min, max].
    """
    levels = np.asarray(levels, dtype=np.float64)
    if levels.ndim == 0:
        levels = np.full(indices.shape, float(levels))
    if levels.shape != indices.shape:
        raise ValueError(f"{what}: got {levels.size} levels for {indices.size} genes.")
    if not np.all(np.isfinite(levels)):
        raise ValueError(f"{what}: levels must be finite numbers; got {levels[~np.isfinite(levels)].tolist()}.")
    low = _fitted_reference(estimator, "expression_min_")[indices]
    high = _fitted_reference(estimator, "expression_max_")[indices]
    outside = ((levels < low) | (levels > high)) & (levels != 0.0)
    if np.any(outside):
        names = estimator._gene_names()
        problems = "; ".join(f"{names[i]} = {level:g} (seen {lo:.4g} to {hi:.4g})" for i, level, lo, hi in
                             zip(indices[outside], levels[outside], low[outside], high[outside]))
        raise ValueError(
            f"{what}: levels outside the range seen in training, where the model would extrapolate: "
            f"{problems}. Use 0 for a knockout or a level inside the observed range."
        )
    return levels


def check_clamp(estimator, clamp):
    """``clamp`` (mapping or Series: gene -> level) as column indices and float levels."""
    if isinstance(clamp, pd.Series):
        genes, levels = list(clamp.index), clamp.to_numpy()
    elif isinstance(clamp, Mapping):
        genes, levels = list(clamp.keys()), list(clamp.values())
    else:
        raise TypeError(f"clamp must map genes to levels (a dict or a Series); got {type(clamp).__name__}.")
    indices = resolve_genes(estimator, genes, "clamp")
    try:
        levels = np.asarray(levels, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("clamp levels must be numbers.") from None
    return indices, check_levels(estimator, indices, levels)


# ------------------------------------------------------------------ solves
def clamped_states(x0, indices, levels):
    """Copy of ``x0`` (n_rows, n_genes) with ``levels`` set and a bool mask of the held genes."""
    x0 = np.array(x0, dtype=np.float64)
    held = np.zeros(x0.shape, dtype=bool)
    x0[:, indices] = levels
    held[:, indices] = True
    return x0, held


def solve(estimator, x0, times, held=None):
    """Model states at ``times`` (in fit's unit) from rows ``x0``; shape (n_rows, n_times, n_genes).

    ``held`` (bool array like ``x0`` or of shape (n_genes,)) marks genes kept at
    their value in ``x0``.  Rows are solved in chunks of MAX_ROWS_PER_SOLVE.
    """
    grid = estimator._tensor(np.asarray(times, dtype=np.float64) / estimator.time_scale_)
    chunks = []
    with torch.no_grad(), torch_threads(estimator._threads()):
        for start in range(0, x0.shape[0], MAX_ROWS_PER_SOLVE):
            rows = slice(start, start + MAX_ROWS_PER_SOLVE)
            mask = None
            if held is not None:
                mask = torch.as_tensor(held if held.ndim == 1 else held[rows], device=estimator.device)
            states = estimator.solver_.integrate_trajectories(estimator.module_, estimator._tensor(x0[rows]),
                                                              grid, held=mask)
            chunks.append(states.cpu().double().numpy().transpose(1, 0, 2))
    return np.concatenate(chunks)


def initial_states(estimator, X=None, t=None, trajectory=None):
    """Validated start states: rows of ``X`` (the earliest of each trajectory when ``t`` or
    ``trajectory`` is given), or the first state of every training trajectory."""
    if X is None:
        if t is not None or trajectory is not None:
            raise ValueError("t and trajectory describe the rows of X; pass X with them.")
        return _fitted_reference(estimator, "initial_states_")
    X, _ = estimator._check_fitted_X(X)
    if t is not None or trajectory is not None:
        X = first_states(X, t, trajectory)
    return X


def _check_horizon(estimator, horizon):
    if horizon is None:
        return float(_fitted_reference(estimator, "longest_span_"))
    if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, Real) or not (
            np.isfinite(horizon) and horizon > 0):
        raise ValueError(f"horizon must be a positive, finite time (in the unit given to fit); got {horizon!r}.")
    return float(horizon)


def perturbation_shifts(estimator, states, indices, levels, horizon):
    """Per-state shifts at ``horizon``: array (n_perturbations, n_states, n_genes).

    Perturbation g clamps gene ``indices[g]`` at ``levels[g]``.  All
    perturbations x states are stacked into one batch whose rows hold different
    genes (the unperturbed reference is one more solve of ``states``), so the
    cost is a few solver calls whatever the number of genes.
    """
    n_states, n_genes = states.shape
    times = [0.0, horizon]
    reference = solve(estimator, states, times)[:, -1]
    stacked = np.tile(states, (indices.size, 1))
    rows = np.arange(stacked.shape[0])
    genes = np.repeat(indices, n_states)
    stacked[rows, genes] = np.repeat(levels, n_states)
    held = np.zeros(stacked.shape, dtype=bool)
    held[rows, genes] = True
    perturbed = solve(estimator, stacked, times, held)[:, -1].reshape(indices.size, n_states, n_genes)
    return perturbed - reference[None]


def perturbation_effects(estimator, X=None, *, genes=None, value=0.0, horizon=None, t=None, trajectory=None):
    """Mean shift of every target at ``horizon`` when each of ``genes`` is clamped at ``value``.

    See :meth:`skdash.DASHRegulatoryEstimator.perturbation_effects`.
    """
    states = initial_states(estimator, X, t, trajectory)
    names = np.asarray(estimator._gene_names(), dtype=object)
    indices = np.arange(names.size) if genes is None else resolve_genes(estimator, genes)
    if indices.size == 0:
        raise ValueError("genes is empty: name at least one gene to perturb.")
    levels = check_levels(estimator, indices, value, what="value")
    shifts = perturbation_shifts(estimator, states, indices, levels, _check_horizon(estimator, horizon))
    return pd.DataFrame(shifts.mean(axis=1), index=pd.Index(names[indices], name="perturbed"),
                        columns=pd.Index(names, name="target"))


def influence_from_effects(effects):
    """Total |shift| over the targets other than the perturbed gene itself, largest first."""
    magnitude = effects.abs()
    for gene in effects.index:
        magnitude.loc[gene, gene] = 0.0
    return magnitude.sum(axis=1).rename("influence").sort_values(ascending=False, kind="stable")


def effects_over_members(estimators, X, **kwargs):
    """Mean and standard deviation of :func:`perturbation_effects` over fitted models.

    For an ensemble (e.g. the members of a stability selection).  ``X`` is
    required: each member stores the initial states of its own training rows,
    so only explicit states make the members answer the same question (and
    ``horizon`` too, when the members saw trajectories of different spans).

    Returns
    -------
    mean, spread : DataFrame
        Element-wise mean and (population) standard deviation over members.
    """
    estimators = list(estimators)
    if not estimators:
        raise ValueError("effects_over_members needs at least one fitted estimator.")
    if X is None:
        raise ValueError("effects_over_members needs explicit initial states X shared by all members.")
    if kwargs.get("horizon") is None:
        spans = {float(_fitted_reference(member, "longest_span_")) for member in estimators}
        if len(spans) > 1:
            raise ValueError(f"The members saw trajectories of different spans ({sorted(spans)}), so their "
                             "default horizons differ: pass horizon.")
    frames = [perturbation_effects(member, X, **kwargs) for member in estimators]
    for frame in frames[1:]:
        if not (frame.index.equals(frames[0].index) and frame.columns.equals(frames[0].columns)):
            raise ValueError("The members know different genes, so their effects cannot be combined.")
    stacked = np.stack([frame.to_numpy() for frame in frames])
    like = frames[0]
    return (pd.DataFrame(stacked.mean(axis=0), index=like.index, columns=like.columns),
            pd.DataFrame(stacked.std(axis=0), index=like.index, columns=like.columns))
