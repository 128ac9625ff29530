"""Random SIM350-like Hill networks of any size, with a vectorised right-hand side."""

import numpy as np

from ._hill import _hill_constants, _hill_from_log, _log_clipped


class _RandomHillNetwork:
    """A random SIM350-like network with a vectorised right-hand side.

    Every non-input gene ``g`` follows ``dx_g/dt = act_g(x) - x_g`` where ``act_g``
    is an OR of AND-clauses of literals, a literal being ``fAct(x_r, EC50, n)``
    (activation) or ``1 - fAct(x_r, EC50, n)`` (repression) for a regulator ``r``:
    AND is the product, OR is ``1 - prod(1 - clause)``. Edges are stored sorted by
    target and clause, so clauses and targets are contiguous segments reduced with
    :func:`numpy.multiply.reduceat`.
    """

    def __init__(self, n_genes, input_mask, regulator, target, activating, clause_start, ec50, n):
        self.n_genes = n_genes
        self.input_mask = input_mask
        self.regulator = regulator
        self.target = target
        self.activating = activating
        self.ec50 = ec50
        self.n = n
        self.is_new_clause = clause_start
        first_edge = np.r_[True, target[1:] != target[:-1]]
        self._targets = target[first_edge]
        self._clause_starts = np.flatnonzero(clause_start)
        self._target_starts = np.flatnonzero(first_edge[self._clause_starts])
        self._offset = np.where(activating, 0.0, 1.0)[:, None]
        self._sign = np.where(activating, 1.0, -1.0)[:, None]
        self._n = n[:, None]
        self._k = _hill_constants(ec50, n)[:, None]

    def __call__(self, x):
        literal = _hill_from_log(_log_clipped(x)[self.regulator], self._n, self._k)
        literal *= self._sign
        literal += self._offset
        clause = np.multiply.reduceat(literal, self._clause_starts, axis=0)
        np.subtract(1.0, clause, out=clause)
        activity = 1.0 - np.multiply.reduceat(clause, self._target_starts, axis=0)
        dxdt = np.zeros_like(x)
        dxdt[self._targets] = activity - x[self._targets]
        return dxdt

    def signed_edges(self):
        """Regulator, target and sign (+1 activation, -1 repression) of every edge."""
        return self.regulator, self.target, np.where(self.activating, 1.0, -1.0)


def _spread_in_degrees(n_extra, cap, rng):
    """Extra regulators per target: geometric-like counts (SIM350's in-degrees) under a cap."""
    weights = rng.exponential(size=cap.size)
    extra = rng.multinomial(n_extra, weights / weights.sum())
    while np.any(extra > cap):  # only in tiny, dense networks
        overflow = int(np.sum(np.maximum(extra - cap, 0)))
        extra = np.minimum(extra, cap)
        room = (cap - extra) * weights
        extra += rng.multinomial(overflow, room / room.sum())
    return extra


def _draw_regulators(target, pool, pool_weights, n_genes, rng):
    """One regulator per edge slot: weighted by hub-ness, no self-loops or repeats."""
    p = pool_weights / pool_weights.sum()
    regulator = pool[rng.choice(pool.size, size=target.size, p=p)]
    for attempt in range(101):
        key = target.astype(np.int64) * n_genes + regulator
        _, first = np.unique(key, return_index=True)
        bad = np.ones(target.size, dtype=bool)
        bad[first] = False
        bad |= regulator == target
        if not bad.any():
            return regulator
        if attempt == 100:
            break
        regulator[bad] = pool[rng.choice(pool.size, size=int(bad.sum()), p=p)]
    # Fallback for the few targets that need nearly the whole pool.
    for g in np.unique(target[bad]):
        slots = np.flatnonzero(target == g)
        allowed = pool != g
        regulator[slots] = rng.choice(pool[allowed], size=slots.size, replace=False,
                                      p=p[allowed] / p[allowed].sum())
    return regulator


def _random_network(
    n_genes, n_edges, *, input_fraction, regulator_fraction, activation_fraction,
    and_probability, ec50_range, hill_range, rng,
):
    genes = rng.permutation(n_genes)
    n_inputs = min(max(1, int(round(input_fraction * n_genes))), n_genes - 1)
    input_mask = np.zeros(n_genes, dtype=bool)
    input_mask[genes[:n_inputs]] = True
    others = genes[n_inputs:]
    n_extra_regulators = int(round(regulator_fraction * others.size))
    pool = np.sort(np.concatenate([genes[:n_inputs], others[:n_extra_regulators]]))
    targets = np.sort(others)

    in_pool = np.isin(targets, pool)
    cap = pool.size - in_pool.astype(int)  # most regulators a target can have
    if n_edges is None:
        n_edges = int(np.clip(round(n_genes * 550 / 350), targets.size, cap.sum()))
    elif not targets.size <= n_edges <= cap.sum():
        raise ValueError(
            f"n_edges must be between {targets.size} (one regulator per non-input gene) and "
            f"{cap.sum()} (every allowed regulator) for these settings, got {n_edges}."
        )
    in_degree = 1 + _spread_in_degrees(n_edges - targets.size, cap - 1, rng)
    target = np.repeat(targets, in_degree)
    hub = rng.pareto(1.5, size=pool.size) + 1.0
    regulator = _draw_regulators(target, pool, hub, n_genes, rng)

    order = np.lexsort((rng.random(n_edges), target))  # random order inside each target
    target, regulator = target[order], regulator[order]
    activating = rng.random(n_edges) < activation_fraction
    first_edge = np.r_[True, target[1:] != target[:-1]]
    clause_start = first_edge | (rng.random(n_edges) >= and_probability)
    ec50 = rng.uniform(*ec50_range, size=n_edges)
    n = rng.uniform(*hill_range, size=n_edges)
    return _RandomHillNetwork(n_genes, input_mask, regulator, target, activating,
                              clause_start, ec50, n)


def _gene_labels(n_genes):
    width = len(str(n_genes - 1))
    return [f"G{i:0{width}d}" for i in range(n_genes)]
