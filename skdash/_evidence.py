"""Evidence for every regulator -> target pair of a fitted PHOENIX field.

The weights of a pruned PHOENIX model do not name a network by themselves: a
few hundred surviving weights through shared hidden units join thousands of
pairs by some path, and every pruned pair ties at zero.  What the model has
learned about a pair is how strongly the target's rate of change responds to
the regulator where the data live:

    S_ij = mean over observed states x of |d f_j / d x_i|(x),

f the vector field (rows i regulators, columns j targets).  The Jacobian is
computed in closed form from the field's equations, in chunks of states.

Pruning adds an order among the pairs the final model no longer joins: a pair
whose path survived many pruning events was worth more to the model than one cut
at the first event.  :class:`SensitivityPath` records the sensitivities just
before each pruning event, and :func:`edge_evidence` ranks the pairs first by
the last snapshot in which they still had a path and then by their sensitivity
there.

Every snapshot is first put partly on its target's own scale
(:func:`target_normalized`), so that a slow gene's true regulators are not
ranked below a fast gene's weak ones.  :func:`network_size` sizes the reported
network from the data (each target's sharpest drop in sensitivity) and
:func:`select_edges` fills it from the top of the ranking.  Nothing here knows
about scikit-learn.
"""

import numpy as np
import torch

from ._phoenix import shifted_softsign

#: Memory for one chunk of Jacobians (chunk x n_genes x n_genes float64 values, and as
#: much again for the intermediates): 34 states at 350 genes, one state from ~2 000 genes on.
JACOBIAN_CHUNK_BYTES = 64 * 2**20
#: States at which the sensitivities are recorded before each pruning event.
MAX_PATH_STATES = 128
#: Most regulators :func:`select_edges` keeps for one target.
MAX_REGULATORS = 6


@torch.no_grad()
def field_jacobians(field, states, *, scaled=True):
    """d f_j / d x_i of ``field`` at each of ``states``: shape (n_states, n_genes, n_genes).

    Rows (axis 1) are regulators i, columns (axis 2) targets j.  The self terms
    -ReLU(v_j) of the decay are left out of the diagonal: they are not regulation.
    With ``scaled=False``, d J_j / d x_i of the regulatory drive J (without the
    rates ReLU(v_j)).
    """
    rate = torch.relu(field.gene_multipliers)
    psi = shifted_softsign(states)
    # d psi / dx = 1 / (1 + |x - 0.5|)^2
    dpsi = (1.0 + (states - 0.5).abs()).pow(-2)
    prods = torch.exp(torch.nn.functional.linear(torch.log1p(psi), field.prod_in, field.prod_bias))
    additive = field.sum_in.T @ field.sum_out.T                        # (n, n), the same at every state
    # product branch: sum_h W1prod[h, i] prods[s, h] W2prod[j, h] / (1 + psi_i)
    multiplicative = (field.prod_in.T[None, :, :] * prods[:, None, :]) @ field.prod_out.T
    multiplicative = multiplicative / (1.0 + psi)[:, :, None]
    jacobians = (additive[None] + multiplicative) * dpsi[:, :, None]
    return jacobians * rate[None, None, :] if scaled else jacobians


@torch.no_grad()
def mean_sensitivities(field, states, *, chunk_size=None):
    """Mean Jacobians of ``field`` over ``states``.

    Parameters
    ----------
    field : PhoenixField
    states : tensor of shape (n_states, n_genes)
        Observed expression states, in the field's dtype and device.
    chunk_size : int, default=None
        States per Jacobian chunk (bounds the memory to chunk x n_genes^2 values);
        None fits a chunk in ``JACOBIAN_CHUNK_BYTES``.

    Returns
    -------
    magnitude, signed, drive : ndarray of float64, shape (n_genes, n_genes)
        Regulators x targets: mean |d f_j / d x_i|, mean d f_j / d x_i, and mean
        |d J_j / d x_i| of the regulatory drive J (the same without the target's
        rate ReLU(v_j); it still orders the regulators of a target whose rate
        was learned to be 0).
    """
    if states.ndim != 2 or states.shape[1] != field.n_genes or states.shape[0] == 0:
        raise ValueError(f"states must have shape (n_states >= 1, {field.n_genes}); got {tuple(states.shape)}.")
    n_genes = field.n_genes
    if chunk_size is None:
        chunk_size = max(1, JACOBIAN_CHUNK_BYTES // (2 * 8 * n_genes * n_genes))
    magnitude = torch.zeros(n_genes, n_genes, dtype=torch.float64, device=states.device)
    signed = torch.zeros_like(magnitude)
    drive = torch.zeros_like(magnitude)
    rate = torch.relu(field.gene_multipliers).double()
    for start in range(0, states.shape[0], chunk_size):
        jacobians = field_jacobians(field, states[start:start + chunk_size], scaled=False).double()
        drive += jacobians.abs().sum(0)
        signed += jacobians.sum(0)
    n_states = states.shape[0]
    drive /= n_states
    signed *= rate / n_states
    magnitude = drive * rate
    return magnitude.cpu().numpy(), signed.cpu().numpy(), drive.cpu().numpy()


class SensitivityPath:
    """Records the field's sensitivities along the training states before each pruning event.

    A callback of :class:`~skdash._training.TrainingLoop`: it records on each
    ``on_before_pruning`` event (or call :meth:`record`).  The records use
    at most ``max_states`` evenly spaced rows of ``states`` (a deterministic
    subsample that bounds the cost of each record).
    """

    def __init__(self, states, max_states=MAX_PATH_STATES):
        self.states = states
        if states.shape[0] > max_states:
            states = states[torch.linspace(0, states.shape[0] - 1, max_states).round().long()]
        self.recorded_states = states
        self.epochs = []
        self.snapshots = []

    def on_before_pruning(self, loop, epoch):
        self.record(loop.field, epoch)

    def record(self, field, epoch):
        magnitude, _, _ = mean_sensitivities(field, self.recorded_states)
        self.epochs.append(int(epoch))
        self.snapshots.append(magnitude)


def target_normalized(sensitivities):
    """``S_ij / sqrt(max_k S_kj)`` over regulators k other than j: each target half on its own scale.

    A target's sensitivities carry its rate of change: a fast gene responds
    strongly to all its regulators, a slow one weakly, so raw sensitivities
    rank the regulators of fast genes above the true regulators of slow ones.
    Dividing by the target's strongest regulator would forget the scale
    entirely (and make every target's top regulator look equally sure);
    dividing by its square root keeps half of it.  Chosen among the exponents
    0, 1/2 and 1 on 24 fits (default and dense, exact, 20%- and 40%-wrong prior
    and none, seed 0) of SIM350, of a 200-gene ``make_regulatory_network``
    system and of harissa, the independent simulator of ``benchmarks/``: with
    1/2 the final model's sensitivities ranked the pairs at least as well as
    without normalisation in all 24 (AUPR +0.00 to +0.13, most on harissa),
    and the network of :func:`select_edges` beat exponents 0 and 1 in 22; the
    user guide's results page has the numbers.  A target without any effect
    stays 0.
    """
    values = np.array(sensitivities, dtype=np.float64)
    others = values.copy()
    np.fill_diagonal(others, 0.0)
    strongest = others.max(axis=0)
    return values / np.sqrt(np.where(strongest > 0, strongest, 1.0))[None, :]


def _stage_scores(stages):
    """``k + s / (1 + s)`` for the last stage k (0-based) with a nonzero value; 0 where none."""
    scores = np.zeros_like(stages[0], dtype=np.float64)
    for index, stage in enumerate(stages):
        alive = stage > 0
        if not alive.any():
            continue
        relative = stage / np.median(stage[alive])
        scores = np.where(alive, index + relative / (1.0 + relative), scores)
    return scores


def edge_evidence(magnitude, drive, snapshots=()):
    """Evidence for every pair: higher is more, a strict order wherever the model can tell.

    Parameters
    ----------
    magnitude : ndarray of shape (n_genes, n_genes)
        Mean |d f_j / d x_i| of the fitted model (:func:`mean_sensitivities`).
    drive : ndarray of shape (n_genes, n_genes)
        Mean |d J_j / d x_i| of the fitted model.
    snapshots : sequence of ndarray of shape (n_genes, n_genes)
        Mean |d f_j / d x_i| before each pruning event, in order.

    Returns
    -------
    scores : ndarray of shape (n_genes, n_genes)
        Tiers, lowest first: the drive sensitivity (pairs whose target the
        model holds constant, rate 0), then each pruning snapshot (pairs pruned
        at that event), then the fitted model's sensitivity.  A pair sits in the
        last tier in which its sensitivity is nonzero, ordered inside it by
        ``s / (1 + s)`` with ``s`` its :func:`target_normalized` sensitivity
        relative to the median nonzero one of the tier.  So every pair the
        fitted model uses outranks every pruned pair, and a pair pruned late
        outranks one pruned early.
    """
    return _stage_scores([target_normalized(stage) for stage in (drive, *snapshots, magnitude)])


def network_size(magnitude, *, max_regulators=MAX_REGULATORS):
    """How many edges the data support: per target, the regulators before the sharpest drop.

    Parameters
    ----------
    magnitude : ndarray of shape (n_genes, n_genes)
        Mean |d f_j / d x_i| of the fitted model, regulators x targets.
    max_regulators : int
        Most regulators one target may count.

    Returns
    -------
    n_edges : int
        For each target j, its regulators sorted by decreasing sensitivity
        s_1 >= s_2 >= ... count up to the k (1 <= k <= ``max_regulators``) with
        the largest ratio s_k / s_{k+1} between two nonzero sensitivities: the
        regulators that stand clearly above the rest.  A target with a single
        regulator of nonzero effect counts it; one the model holds constant (all
        its sensitivities are 0) counts none.  Self-loops never count.  The sum
        over the targets.
    """
    return int(_sharpest_drop_cut(magnitude, max_regulators).sum())


def select_edges(magnitude, scores, *, max_regulators=MAX_REGULATORS):
    """The reported network: the :func:`network_size` best pairs of ``scores``.

    The size comes from each target's own sensitivities; which pairs fill it
    from the ranking of all pairs (``edge_scores_``), so that the network is the
    top of the ranking the user sees, and a target whose regulators all stand
    out can keep more of them than a target with one clear regulator.  Ties are
    broken by position (regulator, then target).  Self-loops are never selected.

    Parameters
    ----------
    magnitude : ndarray of shape (n_genes, n_genes)
        Mean |d f_j / d x_i| of the fitted model, regulators x targets.
    scores : ndarray of shape (n_genes, n_genes)
        Evidence for every pair (:func:`edge_evidence`).
    max_regulators : int
        Passed to :func:`network_size`.

    Returns
    -------
    adjacency : ndarray of bool of shape (n_genes, n_genes)
    """
    n_edges = network_size(magnitude, max_regulators=max_regulators)
    ranked = np.array(scores, dtype=np.float64)
    np.fill_diagonal(ranked, -np.inf)
    flat = ranked.ravel()
    adjacency = np.zeros(flat.size, dtype=bool)
    if n_edges > 0:
        # a partition, not a sort of all n^2 pairs: everything above the n-th best
        # score, then the first pairs (by position) of those that tie with it
        cutoff = np.partition(flat, flat.size - n_edges)[flat.size - n_edges]
        above = flat > cutoff
        adjacency[above] = True
        adjacency[np.flatnonzero(flat == cutoff)[:n_edges - int(above.sum())]] = True
    return adjacency.reshape(ranked.shape)


def _sharpest_drop_cut(magnitude, max_regulators):
    """Per target, the regulators before the sharpest drop (see :func:`network_size`)."""
    n_genes = magnitude.shape[0]
    values = np.array(magnitude, dtype=np.float64)
    np.fill_diagonal(values, -np.inf)  # sorts last and is never a regulator
    order = np.argsort(-values, axis=0, kind="stable")
    ranked = np.take_along_axis(values, order, axis=0)
    depth = min(max_regulators, n_genes - 1)
    if depth < 1:  # a single gene has no regulator but itself
        return np.zeros_like(values, dtype=bool)
    top, below = ranked[:depth], ranked[1:depth + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        # only drops between two regulators with an effect count: the drop to an exact
        # zero (a pruned pair) or to the self-loop is not a measured separation
        ratios = np.where(below > 0, top / below, 0.0)
    n_keep = np.argmax(ratios, axis=0) + 1
    n_effective = np.count_nonzero(ranked[:depth] > 0, axis=0)
    no_drop = ratios.max(axis=0) <= 0                # at most one regulator with an effect (within depth)
    n_keep[no_drop] = n_effective[no_drop]
    adjacency = np.zeros_like(values, dtype=bool)
    rows = np.arange(n_genes)[:, None] < n_keep[None, :]
    np.put_along_axis(adjacency, order, rows, axis=0)
    return adjacency
