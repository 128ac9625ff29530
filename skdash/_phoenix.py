"""The PHOENIX vector field: a biologically structured Neural ODE right-hand side.

dx/dt = ReLU(v) * (W2_sum @ (W1_sum @ psi(x) + b1_sum)
                   + W2_prod @ exp(W1_prod @ phi(x) + b1_prod) - x)

with psi the softsign shifted to 0.5 and phi = log(1 + psi).  The four weight
matrices are prunable; each has a 0/1 mask buffer.  Pruned entries are kept at
exactly zero in the parameters themselves (see :meth:`PhoenixField.apply_masks`),
so the forward pass needs no masking work and the stored weights *are* the
sparse model.
"""

import math

import torch
from torch import nn

#: Names of the prunable weight matrices, in the order used for sparsity.
PRUNABLE = ("prod_in", "sum_in", "prod_out", "sum_out")
FIRST_LAYER = {"sum": "sum_in", "prod": "prod_in"}
SECOND_LAYER = {"sum": "sum_out", "prod": "prod_out"}


def shifted_softsign(x):
    """psi(x) = (x - 0.5) / (1 + |x - 0.5|), the activation centred at 0.5."""
    shifted = x - 0.5
    return shifted / (1.0 + shifted.abs())


def _sparse_normal(rows, columns, sparsity, std, generator):
    """N(0, std) matrix with ceil(sparsity * rows) zeros in each column, at random rows."""
    values = torch.randn(rows, columns, generator=generator, dtype=torch.float64) * std
    n_zeros = math.ceil(sparsity * rows)
    permutation = torch.argsort(torch.rand(rows, columns, generator=generator, dtype=torch.float64), dim=0)
    values[permutation < n_zeros] = 0.0
    return values


class PhoenixField(nn.Module):
    """PHOENIX right-hand side with separate additive and multiplicative branches.

    Parameters
    ----------
    n_genes : int
        Dimension of the state.
    hidden_units : int
        Width of each branch.
    generator : torch.Generator
        Source of all randomness of the initialisation.
    dtype : torch.dtype
    """

    def __init__(self, n_genes, hidden_units, *, generator, dtype=torch.float32):
        super().__init__()
        h, n = hidden_units, n_genes
        self.n_genes = n
        self.hidden_units = h
        empty = dict(dtype=dtype)
        self.sum_in = nn.Parameter(torch.empty(h, n, **empty))
        self.sum_bias = nn.Parameter(torch.zeros(h, **empty))
        self.prod_in = nn.Parameter(torch.empty(h, n, **empty))
        self.prod_bias = nn.Parameter(torch.zeros(h, **empty))
        self.sum_out = nn.Parameter(torch.empty(n, h, **empty))
        self.prod_out = nn.Parameter(torch.empty(n, h, **empty))
        self.gene_multipliers = nn.Parameter(torch.empty(n, **empty))
        for name in PRUNABLE:
            self.register_buffer(f"{name}_mask", torch.ones_like(getattr(self, name)))
        self._reset_parameters(generator)

    def _reset_parameters(self, generator):
        # Reference initialisation: sparse first layers (95% zeros per column,
        # std 0.05), orthogonal second layers (gain 1), multipliers ~ U(0, 1).
        # Everything is drawn in float64 from ``generator`` and then cast, so the
        # float32 and float64 models start from the same point.
        h, n = self.hidden_units, self.n_genes
        with torch.no_grad():
            for name in ("sum_in", "prod_in"):
                getattr(self, name).copy_(_sparse_normal(h, n, 0.95, 0.05, generator))
            for name in ("sum_out", "prod_out"):
                weights = torch.empty(n, h, dtype=torch.float64)
                nn.init.orthogonal_(weights, gain=1.0, generator=generator)
                getattr(self, name).copy_(weights)
            self.gene_multipliers.copy_(torch.rand(n, generator=generator, dtype=torch.float64))

    def regulatory_drive(self, x):
        """J(x): the target level each gene is pulled towards."""
        psi = shifted_softsign(x)
        sums = torch.nn.functional.linear(psi, self.sum_in, self.sum_bias)
        prods = torch.exp(torch.nn.functional.linear(torch.log1p(psi), self.prod_in, self.prod_bias))
        return sums @ self.sum_out.T + prods @ self.prod_out.T

    def forward(self, x):
        """dx/dt at states ``x`` of shape (..., n_genes)."""
        return torch.relu(self.gene_multipliers) * (self.regulatory_drive(x) - x)

    def mask(self, name):
        return getattr(self, f"{name}_mask")

    @torch.no_grad()
    def apply_masks(self):
        """Zero every pruned weight (after pruning and after each optimizer step)."""
        for name in PRUNABLE:
            getattr(self, name).mul_(self.mask(name))

    @torch.no_grad()
    def sparsity(self):
        """Fraction of zeros in [W1_prod, W1_sum, W2_prod*ReLU(v), W2_sum*ReLU(v)]."""
        active = torch.relu(self.gene_multipliers)[:, None] > 0
        zeros = (self.prod_in == 0).sum() + (self.sum_in == 0).sum()
        zeros = zeros + ((self.prod_out == 0) | ~active).sum() + ((self.sum_out == 0) | ~active).sum()
        return float(zeros) / (4 * self.hidden_units * self.n_genes)

    @torch.no_grad()
    def effect_matrix(self):
        """Signed effects E (regulators x targets) and the boolean path structure.

        E = W1_sum^T W2_sum^T + W1_prod^T W2_prod^T with column j scaled by ReLU(v_j).
        A pair is in the structure when at least one unpruned path joins it;
        absolute values are used there so that paths cannot cancel.
        """
        scale = torch.relu(self.gene_multipliers)
        effects = (self.sum_in.T @ self.sum_out.T + self.prod_in.T @ self.prod_out.T) * scale
        paths = self.sum_in.abs().T @ self.sum_out.abs().T + self.prod_in.abs().T @ self.prod_out.abs().T
        return effects, (paths * scale) > 0
