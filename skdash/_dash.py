"""DASH pruning: scores that mix weight magnitude with prior knowledge, and
mask updates that follow a :class:`~skdash.pruning.PruningSchedule`.  Pure
functions on tensors; nothing here knows about scikit-learn's estimators.

For each branch (sum and prod) separately, with |P| the absolute prior and
Q = |P||P|^T / sum(|P||P|^T) (or a user-supplied protein-protein interaction
matrix):

* first layer (hidden x genes): magnitude M1 = |W1| / sum|W1|; prior term
  X1 = argmin ||S1^T X - Q|| with S1 the previous first-layer score;
  Omega1 = lambda_in |X1| + (1 - lambda_in) M1, then S1 <- Omega1.
* second layer (genes x hidden): magnitude M2 = |W2| with row i scaled by
  ReLU(v_i), normalised; prior term C from the least squares C Omega1 ~ |P|^T;
  Omega2 = lambda_out |C| + (1 - lambda_out) M2.

The prior terms are taken as the least squares give them (not normalised), as
in the reference: after the first event the previous scores S1 sum to about one,
so |X1| and |C| are large next to the normalised magnitudes and even a small
lambda lets the prior steer the pruning, while lambda = 0 ignores it entirely.
Least squares are solved on the small hidden x hidden normal equations in
float64 with a tiny ridge; no explicit inverse is formed.
"""

import math
from dataclasses import dataclass, field as dataclass_field

import torch

from ._phoenix import FIRST_LAYER, PRUNABLE, SECOND_LAYER

#: Relative ridge added to the normal equations: keeps rank-deficient score
#: matrices (e.g. a hidden unit whose scores are all zero) solvable.
RIDGE = 1e-8


def normalized_abs(values):
    """|values| / sum|values| (all zeros stay zeros)."""
    magnitude = values.abs()
    total = magnitude.sum()
    return magnitude / total if total > 0 else magnitude


def _right_multiply(dense, operator):
    """dense @ operator for a dense or sparse (n x n) operator."""
    if operator.is_sparse:
        return torch.sparse.mm(operator.t(), dense.t()).t()
    return dense @ operator


def _solve_normal_equations(scores, right_hand_side):
    """argmin_X ||scores^T X - B|| given scores @ B, via ridge-stabilised lstsq."""
    gram = scores @ scores.T
    ridge = RIDGE * max(float(torch.diagonal(gram).mean()), torch.finfo(gram.dtype).tiny)
    gram = gram + ridge * torch.eye(gram.shape[0], dtype=gram.dtype, device=gram.device)
    try:
        return torch.linalg.lstsq(gram, right_hand_side).solution
    except torch.linalg.LinAlgError as error:
        raise FloatingPointError(
            f"DASH's prior scores need a least-squares solve that failed ({error}); the weights or the "
            "prior are not finite or are degenerate."
        ) from error


def first_layer_prior_scores(previous_scores, knowledge):
    """|X1| with X1 = argmin ||S1^T X - Q||."""
    scores = previous_scores.double()
    solution = _solve_normal_equations(scores, knowledge.times_ppi(scores))
    return solution.abs().to(previous_scores.dtype)


def second_layer_prior_scores(first_layer_scores, knowledge):
    """|C| with C = argmin ||C Omega1 - |P|^T|| (genes x hidden)."""
    scores = first_layer_scores.double()
    solution = _solve_normal_equations(scores, _right_multiply(scores, knowledge.prior_abs))
    return solution.T.abs().to(first_layer_scores.dtype)


@dataclass
class PriorKnowledge:
    """The prior in the forms the scores need (float64, dense or sparse torch).

    ``prior_abs`` is |P| (regulators x targets) or None; ``ppi`` a user-supplied
    Q or None, in which case Q is derived from |P|.
    """

    prior_abs: torch.Tensor = None
    ppi: torch.Tensor = None
    _ppi_total: float = dataclass_field(default=None, init=False)

    def __post_init__(self):
        if self.ppi is None and self.prior_abs is not None:
            # sum(|P||P|^T) = sum over targets of (column sum of |P|)^2
            column_sums = torch.sparse.sum(self.prior_abs, 0).to_dense() if self.prior_abs.is_sparse \
                else self.prior_abs.sum(0)
            self._ppi_total = float((column_sums**2).sum())

    def times_ppi(self, scores):
        """scores @ Q without forming Q when it comes from the prior."""
        if self.ppi is not None:
            return _right_multiply(scores, self.ppi)
        through_targets = _right_multiply(scores, self.prior_abs)
        return _right_multiply(through_targets, self.prior_abs.t()) / self._ppi_total


def prune_lowest(scores, mask, n_prune):
    """New mask with the ``n_prune`` lowest-scoring unpruned entries removed.

    Ties are broken by position (stable sort), so pruning is deterministic.
    """
    if n_prune <= 0:
        return mask
    flat_scores = scores.reshape(-1).clone()
    if not torch.isfinite(flat_scores).all():
        raise FloatingPointError(
            "DASH pruning scores are not finite; the model weights or the prior contain "
            "NaN or infinite values."
        )
    flat_mask = mask.reshape(-1).clone()
    flat_scores[flat_mask == 0] = float("inf")
    lowest = torch.argsort(flat_scores, stable=True)[:n_prune]
    flat_mask[lowest] = 0
    return flat_mask.reshape(mask.shape)


class DashPruner:
    """Applies the DASH schedule to a :class:`PhoenixField`.

    Parameters
    ----------
    field : PhoenixField
        The model to prune; it sizes the initial first-layer scores.
    schedule : skdash.pruning.PruningSchedule
        When and how much to prune.
    prior_weight : tuple of float
        (lambda_in, lambda_out).
    knowledge : PriorKnowledge
    target : float, default=None
        Final sparsity: the last event is cut so that each matrix ends at
        exactly ``target``, and no pruning happens after it.  None follows the
        schedule to the end.
    generator : torch.Generator
        Draws the random initial first-layer scores.
    """

    def __init__(self, field, schedule, prior_weight, knowledge, *, target=None, generator):
        self.schedule = schedule
        self.target = target
        self.weight_in, self.weight_out = prior_weight
        self.knowledge = knowledge
        self.first_scores = {
            branch: torch.rand(field.hidden_units, field.n_genes, generator=generator,
                               dtype=torch.float64).to(dtype=field.sum_in.dtype, device=field.sum_in.device)
            for branch in FIRST_LAYER
        }

    def target_reached(self, field):
        target = self.target
        if target is None:
            return True
        return all(self._n_to_keep(field.mask(name)) >= int(field.mask(name).sum()) for name in PRUNABLE)

    def _n_to_keep(self, mask):
        return round((1.0 - self.target) * mask.numel())

    def _n_to_prune(self, mask, fraction):
        remaining = int(mask.sum())
        # Rounding up keeps the discrete schedule at least as fast as the continuous
        # one, so a target the schedule reaches on paper is reached in practice
        # (even for a matrix of a few weights).
        n_prune = math.ceil(fraction * remaining - 1e-9)
        if self.target is not None:
            n_prune = min(n_prune, max(0, remaining - self._n_to_keep(mask)))
        return n_prune

    def is_pruning_epoch(self, field, epoch):
        """Whether :meth:`step` prunes at ``epoch``."""
        return self.schedule.fraction(epoch) > 0 and not (self.target is not None
                                                          and self.target_reached(field))

    @torch.no_grad()
    def step(self, field, epoch):
        """Prune ``field`` in place if ``epoch`` is a pruning epoch; return whether it was."""
        if not self.is_pruning_epoch(field, epoch):
            return False
        fraction = self.schedule.fraction(epoch)
        pruned_any = False
        relu_multipliers = torch.relu(field.gene_multipliers)[:, None]
        for branch, first_name in FIRST_LAYER.items():
            first_weights = getattr(field, first_name)
            omega1 = (1.0 - self.weight_in) * normalized_abs(first_weights)
            if self.weight_in > 0:
                omega1 = omega1 + self.weight_in * first_layer_prior_scores(
                    self.first_scores[branch], self.knowledge)
            second_name = SECOND_LAYER[branch]
            omega2 = (1.0 - self.weight_out) * normalized_abs(getattr(field, second_name) * relu_multipliers)
            if self.weight_out > 0:
                omega2 = omega2 + self.weight_out * second_layer_prior_scores(omega1, self.knowledge)
            self.first_scores[branch] = omega1
            for name, omega in ((first_name, omega1), (second_name, omega2)):
                mask = field.mask(name)
                n_prune = self._n_to_prune(mask, fraction)
                mask.copy_(prune_lowest(omega, mask, n_prune))
                pruned_any = pruned_any or n_prune > 0
        field.apply_masks()
        return pruned_any
