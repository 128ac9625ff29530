"""Batched ODE solves for PHOENIX transitions and trajectories.

A transition integrates dx/dt = f(x) from x(t_i) over dt_i = t_{i+1} - t_i.  With
s = (tau - t_i) / dt_i every transition becomes dx/ds = dt_i * f(x) on s in [0, 1],
so transitions with different intervals share a single solver call.

The fixed-step kernel (the classical fourth-order Runge-Kutta scheme, written
here because it is the hot loop of training and a plain loop has less per-step
overhead than a general solver, with a hand-written backward pass) takes a step
count derived from the largest interval in the batch and the fastest rate of
change of the field (its relaxation rates and the stiffness measured on the
last training batch), so its cost is known in advance.  The adaptive kernels
("dopri5", "bosh3", "adaptive_heun", "dopri8") are torchdiffeq's and control the
error to ``rtol``/``atol`` at a cost that depends on the model.

These are the numerical kernels; the solver objects of :mod:`skdash.solvers`
hold the settings and the fit-time state (the measured stiffness, the current
step) and call them.
"""

import math

import torch
from torchdiffeq import odeint

from ._phoenix import EvaluationTape

FIXED_STEP_SOLVERS = ("rk4",)
ADAPTIVE_SOLVERS = ("dopri5", "bosh3", "adaptive_heun", "dopri8")
SOLVERS = FIXED_STEP_SOLVERS + ADAPTIVE_SOLVERS


def _fastest_rate(field, stiffness):
    # ReLU(v) is the rate at which each gene relaxes towards its drive; the
    # stiffness measured on the last training solve adds how fast the drive
    # itself changes along the solution (the coupling between genes).  Steps
    # must resolve the faster of the two to stay accurate and stable.
    rate = float(torch.relu(field.gene_multipliers.detach()).max())
    return max(1.0, rate, stiffness)


#: More fixed steps than this per interval means the model has become too stiff
#: (a diverging multiplier), not that the data need them.
MAX_FIXED_STEPS = 1_000


def n_fixed_steps(field, longest_interval, max_step, stiffness=0.0):
    """Steps that keep every step below ``max_step`` / (fastest rate of change)."""
    fastest = _fastest_rate(field, stiffness)
    steps = longest_interval * fastest / max_step
    if not math.isfinite(steps) or steps > MAX_FIXED_STEPS:
        raise FloatingPointError(
            f"The model's fastest rate of change ({fastest:.3g}) would need {steps:.3g} "
            f"solver steps per interval (limit {MAX_FIXED_STEPS}): training diverged."
        )
    return max(1, math.ceil(steps))


@torch.no_grad()
def _measure_stiffness(k1, k2, half_step):
    """The largest |f(y2) - f(y1)| / |y2 - y1| of an RK4 step's first two stages, or None.

    y2 - y1 = (h / 2) k1, so this is the field's derivative along the solution,
    a lower bound of its Lipschitz constant measured at no extra evaluation.
    Measured on training solves only (those with gradients), so that
    predictions of a fitted model do not depend on what was predicted before.
    """
    moved = (half_step * k1).norm(dim=-1)
    ratio = (k2 - k1).norm(dim=-1) / moved.clamp_min(torch.finfo(moved.dtype).tiny)
    stiffness = torch.where(moved > 0, ratio, 0.0).max()
    # An overflowing solve is redone with a shorter step (see _training); its
    # non-finite measurement must not decide that retry's step count.
    return float(stiffness) if torch.isfinite(stiffness) else None


class _StepSizes:
    """The fractions of a step RK4 needs, computed once per solve."""

    def __init__(self, step):
        self.full, self.half, self.third, self.sixth = step, 0.5 * step, step / 3.0, step / 6.0


def _rk4_step(field, x, rate, sizes, tape=None, first=0, record_stiffness=None):
    """One RK4 step without autograd; records evaluations first..first+3 on ``tape``.

    ``record_stiffness``, when given, is called with the stiffness measured on
    this step (see :func:`_measure_stiffness`) when it is finite.
    """
    k1 = field.evaluate(x, rate, tape, first)
    k2 = field.evaluate(torch.addcmul(x, sizes.half, k1), rate, tape, first + 1)
    if record_stiffness is not None:
        stiffness = _measure_stiffness(k1, k2, sizes.half)
        if stiffness is not None:
            record_stiffness(stiffness)
    k3 = field.evaluate(torch.addcmul(x, sizes.half, k2), rate, tape, first + 2)
    k4 = field.evaluate(torch.addcmul(x, sizes.full, k3), rate, tape, first + 3)
    return torch.addcmul(x, sizes.sixth, k2.add_(k3).mul_(2.0).add_(k1).add_(k4))


def _rk4_step_pullback(field, tape, first, state_grad, rate, sizes):
    """Cotangent of a step's start state from that of its end state (discrete adjoint of RK4)."""
    inner = sizes.third * state_grad
    grad4 = field.pullback(tape, first + 3, sizes.sixth * state_grad, rate)
    grad3 = field.pullback(tape, first + 2, torch.addcmul(inner, sizes.full, grad4), rate)
    grad2 = field.pullback(tape, first + 1, torch.addcmul(inner, sizes.half, grad3), rate)
    grad1 = field.pullback(tape, first, torch.addcmul(sizes.sixth * state_grad, sizes.half, grad2), rate)
    return grad1.add_(grad2).add_(grad3).add_(grad4).add_(state_grad)


#: Above this many bytes of recorded intermediates per batch, the backward pass
#: recomputes each step's evaluations from its start state instead of storing
#: all of them (one extra forward pass, memory of one step).
TAPE_BUDGET_BYTES = 256 * 2**20


class _TapedRK4(torch.autograd.Function):
    """Fixed-step RK4 with a hand-written backward pass (the discrete adjoint).

    Autograd through a plain RK4 loop records about thirty graph nodes per field
    evaluation and forms the weight gradients once per evaluation. Here the
    forward pass keeps only the intermediates, the backward pass walks the steps
    in reverse, and each weight gradient is a single product over all evaluations.
    The gradients are those of the same RK4 scheme, equal to autograd's up to
    rounding. ``parameters`` are passed so that autograd routes their gradients;
    ``record_stiffness`` (or None) receives the stiffness measured on the first step.
    """

    @staticmethod
    def forward(ctx, x0, step, n_steps, field, record_stiffness, *parameters):
        store_all = EvaluationTape.nbytes(field, 4 * n_steps, x0.shape[0]) <= TAPE_BUDGET_BYTES
        tape = EvaluationTape(4 * n_steps) if store_all else None
        rate, sizes = torch.relu(field.gene_multipliers), _StepSizes(step)
        starts, x = [], x0
        for index in range(n_steps):
            starts.append(x)
            x = _rk4_step(field, x, rate, sizes, tape, 4 * index, record_stiffness if index == 0 else None)
        ctx.field, ctx.n_steps, ctx.tape, ctx.starts, ctx.rate, ctx.sizes = field, n_steps, tape, starts, rate, sizes
        return x

    @staticmethod
    def backward(ctx, state_grad):
        field, rate, sizes = ctx.field, ctx.rate, ctx.sizes
        totals = None
        for index in reversed(range(ctx.n_steps)):
            if ctx.tape is None:
                tape, first = EvaluationTape(4), 0
                _rk4_step(field, ctx.starts[index], rate, sizes, tape)
            else:
                tape, first = ctx.tape, 4 * index
            state_grad = _rk4_step_pullback(field, tape, first, state_grad.contiguous(), rate, sizes)
            if ctx.tape is None:
                totals = _add(totals, field.weight_gradients(tape))
        if ctx.tape is not None:
            totals = field.weight_gradients(ctx.tape)
        ctx.tape = ctx.starts = ctx.sizes = None
        parameter_grads = tuple(totals[name] for name, _ in field.named_parameters())
        return (state_grad, None, None, None, None) + parameter_grads


def _add(totals, gradients):
    if totals is None:
        return gradients
    return {name: totals[name] + value for name, value in gradients.items()}


def _held_rates(field, held):
    """ReLU(v), zero for the genes ``held`` (bool, (n_genes,) or (batch, n_genes)) fixed."""
    rate = torch.relu(field.gene_multipliers)
    return rate if held is None else torch.where(held, torch.zeros((), dtype=rate.dtype), rate)


def fixed_step_rk4(field, x0, step, n_steps, held=None, record_stiffness=None):
    """RK4 end states; differentiable in the parameters and ``x0`` when gradients are enabled.

    ``held`` (bool tensor of shape (n_genes,) or (batch, n_genes)) marks genes
    whose rate is zero, so they keep their value in ``x0`` exactly (in-silico
    clamps; never used in training, so the taped path does not take it).
    ``record_stiffness`` (a callable or None) receives the stiffness measured on
    the first step of a solve with gradients (a training solve).
    """
    if step.requires_grad:
        raise NotImplementedError("The fixed-step solver does not differentiate with respect to the step.")
    if torch.is_grad_enabled() and (x0.requires_grad or any(p.requires_grad for p in field.parameters())):
        if held is not None:
            raise NotImplementedError("Held (clamped) genes are supported only without gradients.")
        return _TapedRK4.apply(x0, step, n_steps, field, record_stiffness, *field.parameters())
    with torch.no_grad():
        rate, sizes, x = _held_rates(field, held), _StepSizes(step), x0
        for _ in range(n_steps):
            x = _rk4_step(field, x, rate, sizes)
    return x


def adaptive_solve(func, x0, times, method, rtol, atol):
    """torchdiffeq's solve, with its run-time failures raised as FloatingPointError.

    The inputs are validated before they get here, so torchdiffeq's assertions
    (step size underflow, non-finite state, too many steps) mean the model could
    not be integrated: the same failure as a non-finite fixed-step solve, and
    handled the same way (training rolls back to the kept checkpoint).
    """
    try:
        return odeint(func, x0, times, method=method, rtol=rtol, atol=atol)
    except AssertionError as error:
        raise FloatingPointError(
            f"The adaptive solver {method!r} failed ({error}): the model's dynamics are too stiff or "
            f"diverging to integrate at rtol={rtol:g}, atol={atol:g}. Lower learning_rate, scale the "
            "expression data to [0, 1], or use solver='rk4'."
        ) from error


def rk4_transitions(field, x0, dt, max_step, stiffness, record_stiffness=None):
    """End states of transitions (n_transitions, n_genes) over ``dt`` with one shared RK4 step count."""
    n_steps = n_fixed_steps(field, float(dt.max()), max_step, stiffness)
    return fixed_step_rk4(field, x0, (dt / n_steps)[:, None], n_steps, record_stiffness=record_stiffness)


def rk4_trajectories(field, x0, times, max_step, stiffness, held=None):
    """States at every time of an increasing grid, shape (n_times, n_starts, n_genes), by RK4."""
    states = [x0]
    for interval in torch.diff(times).tolist():
        n_steps = n_fixed_steps(field, interval, max_step, stiffness)
        step = torch.full((1, 1), interval / n_steps, dtype=x0.dtype, device=x0.device)
        states.append(fixed_step_rk4(field, states[-1], step, n_steps, held))
    return torch.stack(states)


def adaptive_transitions(field, x0, dt, method, rtol, atol):
    """End states of transitions, all integrated at once in rescaled time s in [0, 1]."""
    dt_column = dt[:, None]

    def rescaled(s, x):
        return dt_column * field(x)

    unit = torch.tensor([0.0, 1.0], dtype=x0.dtype, device=x0.device)
    return adaptive_solve(rescaled, x0, unit, method, rtol, atol)[-1]


def adaptive_trajectories(field, x0, times, method, rtol, atol, held=None):
    """States at every time of an increasing grid by an adaptive solver; ``held`` genes get dx/dt = 0."""
    def autonomous(t, x):
        rates = field(x)
        return rates if held is None else rates.masked_fill(held, 0.0)

    return adaptive_solve(autonomous, x0, times, method, rtol, atol)
