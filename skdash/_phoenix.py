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

from .metrics import weight_sparsity

#: Names of the prunable weight matrices, in the order used for sparsity.
PRUNABLE = ("prod_in", "sum_in", "prod_out", "sum_out")
FIRST_LAYER = {"sum": "sum_in", "prod": "prod_in"}
SECOND_LAYER = {"sum": "sum_out", "prod": "prod_out"}


def shifted_softsign(x):
    """psi(x) = (x - 0.5) / (1 + |x - 0.5|), the activation centred at 0.5."""
    shifted = x - 0.5
    return shifted / (1.0 + shifted.abs())


class _RevivableRelu(torch.autograd.Function):
    """ReLU(v) forward; the gradient of the identity backward.

    A gene whose multiplier has gone negative is held constant (rate 0), and
    with ReLU's own gradient it stays so for the rest of training, whatever
    the data say: its multiplier gets no gradient.  Passing the gradient
    through tells it whether a small positive rate would lower the loss, so a
    gene that died early in training, while its regulators were still
    unlearned, can come back.  The model's equations are unchanged.
    """

    # the functorch form (no ctx in forward), so that jacrev and vmap also go through it
    generate_vmap_rule = True

    @staticmethod
    def forward(multipliers):
        return torch.relu(multipliers)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def jvp(ctx, tangent):
        return tangent


def multiplier_rates(multipliers):
    """ReLU(v), differentiable in ``v`` also where it is 0 (see :class:`_RevivableRelu`)."""
    return _RevivableRelu.apply(multipliers)


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
        return multiplier_rates(self.gene_multipliers) * (self.regulatory_drive(x) - x)

    @torch.no_grad()
    def evaluate(self, x, rate, tape=None, index=None):
        """dx/dt at ``x`` (batch, n_genes) without autograd; with a tape, record evaluation ``index``.

        The equations of :meth:`forward` with fused in-place kernels, because the
        fixed-step solver calls this hundreds of times per batch. ``rate`` is
        ReLU(v), computed once per solve. The recorded intermediates are what
        :meth:`pullback` needs.
        """
        shifted = x - 0.5
        denominator = shifted.abs().add_(1.0)
        psi = shifted.div_(denominator)
        log_psi = torch.log1p(psi)
        sums = torch.addmm(self.sum_bias, psi, self.sum_in.T)
        prods = torch.addmm(self.prod_bias, log_psi, self.prod_in.T).exp_()
        gap = torch.mm(sums, self.sum_out.T).addmm_(prods, self.prod_out.T).sub_(x)
        if tape is not None:
            tape.record(index, psi=psi, log_psi=log_psi, denominator=denominator, sums=sums, prods=prods, gap=gap)
        return gap * rate

    @torch.no_grad()
    def pullback(self, tape, index, cotangent, rate):
        """Vector-Jacobian product of evaluation ``index`` of ``tape`` with respect to its input.

        Stores in the tape what the weight gradients need, so that
        :meth:`weight_gradients` forms them for all evaluations in one product
        each instead of one per evaluation.
        """
        drive_grad = cotangent * rate
        sums_grad = torch.mm(drive_grad, self.sum_out)
        exponent_grad = torch.mm(drive_grad, self.prod_out).mul_(tape.prods[index])
        psi_grad = torch.addcdiv(torch.mm(sums_grad, self.sum_in), torch.mm(exponent_grad, self.prod_in),
                                 tape.psi[index] + 1.0)
        tape.record(index, cotangent=cotangent, drive_grad=drive_grad, sums_grad=sums_grad,
                    exponent_grad=exponent_grad)
        # d psi / dx = 1 / (1 + |x - 0.5|)^2
        denominator = tape.denominator[index]
        return psi_grad.div_(denominator).div_(denominator).sub_(drive_grad)

    @torch.no_grad()
    def weight_gradients(self, tape):
        """Gradients of all parameters summed over the pulled-back evaluations of ``tape``."""
        def flat(name):
            return torch.cat(getattr(tape, name))

        drive_grad, sums_grad, exponent_grad = flat("drive_grad"), flat("sums_grad"), flat("exponent_grad")
        # through ReLU as through the identity: see _RevivableRelu
        multiplier_grad = (flat("cotangent") * flat("gap")).sum(0)
        return {
            "sum_in": sums_grad.T @ flat("psi"),
            "sum_bias": sums_grad.sum(0),
            "prod_in": exponent_grad.T @ flat("log_psi"),
            "prod_bias": exponent_grad.sum(0),
            "sum_out": drive_grad.T @ flat("sums"),
            "prod_out": drive_grad.T @ flat("prods"),
            "gene_multipliers": multiplier_grad,
        }

    def mask(self, name):
        return getattr(self, f"{name}_mask")

    @torch.no_grad()
    def apply_masks(self):
        """Zero every pruned weight (after pruning and after each optimizer step)."""
        for name in PRUNABLE:
            getattr(self, name).mul_(self.mask(name))

    @torch.no_grad()
    @torch.no_grad()
    def effective_weights(self):
        """[W1_prod, W1_sum, W2_prod*ReLU(v), W2_sum*ReLU(v)] as arrays: the weights that act.

        A gene whose multiplier ReLU(v) is 0 never moves, so its second-layer
        weights are as good as pruned.
        """
        active = torch.relu(self.gene_multipliers)[:, None] > 0
        return [self.prod_in.cpu().numpy(), self.sum_in.cpu().numpy(),
                torch.where(active, self.prod_out, 0.0).cpu().numpy(),
                torch.where(active, self.sum_out, 0.0).cpu().numpy()]

    def sparsity(self):
        """Fraction of zeros in the :meth:`effective_weights` (what DASH's ``sparsity`` counts)."""
        return weight_sparsity(self.effective_weights())

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


#: Intermediates of one field evaluation: name -> whether it has n_genes (else hidden_units) columns.
_TAPE_ENTRIES = {"psi": True, "log_psi": True, "denominator": True, "sums": False, "prods": False, "gap": True,
                 "cotangent": True, "drive_grad": True, "sums_grad": False, "exponent_grad": False}


class EvaluationTape:
    """Intermediates of ``n_evaluations`` field evaluations on one batch, by evaluation index."""

    def __init__(self, n_evaluations):
        for name in _TAPE_ENTRIES:
            setattr(self, name, [None] * n_evaluations)

    @staticmethod
    def nbytes(field, n_evaluations, batch_size):
        """Memory a full tape takes."""
        widths = sum(field.n_genes if per_gene else field.hidden_units for per_gene in _TAPE_ENTRIES.values())
        return n_evaluations * batch_size * widths * field.sum_in.element_size()

    def record(self, index, **values):
        for name, value in values.items():
            getattr(self, name)[index] = value
