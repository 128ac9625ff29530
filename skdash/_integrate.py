"""Batched ODE solves for PHOENIX transitions and trajectories.

A transition integrates dx/dt = f(x) from x(t_i) over dt_i = t_{i+1} - t_i.  With
s = (tau - t_i) / dt_i every transition becomes dx/ds = dt_i * f(x) on s in [0, 1],
so transitions with different intervals share a single solver call.

The fixed-step solver ("rk4", the classical fourth-order Runge-Kutta scheme,
written here because it is the hot loop of training and a plain loop has less
per-step overhead than a general solver) takes a step count derived from the
largest interval in the batch and the fastest relaxation rate of the field, so its
cost is known in advance.  The adaptive solvers ("dopri5", "bosh3",
"adaptive_heun", "dopri8") are torchdiffeq's and control the error to
``rtol``/``atol`` at a cost that depends on the model.
"""

import math

import torch
from torchdiffeq import odeint

FIXED_STEP_SOLVERS = ("rk4",)
ADAPTIVE_SOLVERS = ("dopri5", "bosh3", "adaptive_heun", "dopri8")
SOLVERS = FIXED_STEP_SOLVERS + ADAPTIVE_SOLVERS


def _fastest_rate(field):
    # ReLU(v) is the rate at which each gene relaxes towards its drive; steps must
    # resolve the fastest one to stay accurate and stable.
    return max(1.0, float(torch.relu(field.gene_multipliers.detach()).max()))


#: More fixed steps than this per interval means the model has become too stiff
#: (a diverging multiplier), not that the data need them.
MAX_FIXED_STEPS = 1_000


def n_fixed_steps(field, longest_interval, max_step):
    """Steps that keep every step below ``max_step`` / (fastest relaxation rate)."""
    steps = longest_interval * _fastest_rate(field) / max_step
    if not math.isfinite(steps) or steps > MAX_FIXED_STEPS:
        raise FloatingPointError(
            f"The model's fastest relaxation rate ({_fastest_rate(field):.3g}) would need {steps:.3g} "
            f"solver steps per interval (limit {MAX_FIXED_STEPS}): training diverged."
        )
    return max(1, math.ceil(steps))


def _rk4(field, x, step, n_steps):
    """Classical RK4 for dx/dt = field(x); ``step`` broadcasts against ``x``."""
    half = 0.5 * step
    sixth = step / 6.0
    for _ in range(n_steps):
        k1 = field(x)
        k2 = field(x + half * k1)
        k3 = field(x + half * k2)
        k4 = field(x + step * k3)
        x = x + sixth * (k1 + 2.0 * (k2 + k3) + k4)
    return x


def integrate_transitions(field, x0, dt, *, solver="rk4", max_step=0.75, rtol=1e-5, atol=1e-7):
    """States at the end of each transition.

    Parameters
    ----------
    field : PhoenixField
    x0 : tensor of shape (n_transitions, n_genes)
    dt : tensor of shape (n_transitions,), positive intervals in model time units.
    """
    if solver == "rk4":
        n_steps = n_fixed_steps(field, float(dt.max()), max_step)
        return _rk4(field, x0, (dt / n_steps)[:, None], n_steps)
    dt_column = dt[:, None]

    def rescaled(s, x):
        return dt_column * field(x)

    unit = torch.tensor([0.0, 1.0], dtype=x0.dtype, device=x0.device)
    return odeint(rescaled, x0, unit, method=solver, rtol=rtol, atol=atol)[-1]


def integrate_trajectories(field, x0, times, *, solver="rk4", max_step=0.75, rtol=1e-5, atol=1e-7):
    """States at every time of an increasing grid, shape (n_times, n_starts, n_genes)."""
    if solver == "rk4":
        states = [x0]
        for interval in torch.diff(times).tolist():
            n_steps = n_fixed_steps(field, interval, max_step)
            states.append(_rk4(field, states[-1], interval / n_steps, n_steps))
        return torch.stack(states)

    def autonomous(t, x):
        return field(x)

    return odeint(autonomous, x0, times, method=solver, rtol=rtol, atol=atol)
