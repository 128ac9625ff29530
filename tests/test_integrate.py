"""The fixed-step solver: the hand-written backward pass against autograd, and accuracy."""

import pytest
import torch

from skdash import _integrate
from skdash._integrate import fixed_step_rk4
from skdash._phoenix import PhoenixField
from skdash.solvers import RK4, AdaptiveSolver


def autograd_rk4(field, x, step, n_steps):
    """The reference: classical RK4 through PhoenixField.forward, differentiated by autograd."""
    for _ in range(n_steps):
        k1 = field(x)
        k2 = field(x + 0.5 * step * k1)
        k3 = field(x + 0.5 * step * k2)
        k4 = field(x + step * k3)
        x = x + step / 6.0 * (k1 + 2.0 * (k2 + k3) + k4)
    return x


def make_field(n_genes=12, hidden_units=5, seed=0):
    field = PhoenixField(n_genes, hidden_units, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        # Dense, non-trivial weights and biases; some genes dead (ReLU(v) = 0).
        for parameter in field.parameters():
            parameter.add_(0.2 * torch.randn(parameter.shape, generator=generator, dtype=torch.float64))
        field.gene_multipliers[:3] = -0.1
    return field


def loss_and_gradients(solve, field, x0, step, target):
    field.zero_grad()
    loss = ((solve(field, x0, step, 3) - target) ** 2).sum()
    loss.backward()
    return float(loss.detach()), {name: parameter.grad.clone() for name, parameter in field.named_parameters()}


@pytest.mark.parametrize("keep_all_steps", [True, False], ids=["stored", "recomputed"])
def test_hand_written_backward_gives_autograd_gradients(keep_all_steps, monkeypatch):
    if not keep_all_steps:
        monkeypatch.setattr(_integrate, "TAPE_BUDGET_BYTES", 0)
    field = make_field()
    generator = torch.Generator().manual_seed(5)
    x0 = torch.rand(7, 12, generator=generator, dtype=torch.float64)
    step = 0.2 + 0.3 * torch.rand(7, 1, generator=generator, dtype=torch.float64)
    target = torch.rand(7, 12, generator=generator, dtype=torch.float64)

    reference_loss, reference = loss_and_gradients(autograd_rk4, field, x0, step, target)
    loss, gradients = loss_and_gradients(fixed_step_rk4, field, x0, step, target)

    assert loss == pytest.approx(reference_loss, rel=1e-13)
    for name, expected in reference.items():
        assert expected.abs().max() > 0, name
        torch.testing.assert_close(gradients[name], expected, rtol=1e-11, atol=1e-14, msg=name)


def test_a_dead_gene_gets_the_gradient_of_a_small_positive_rate():
    # ReLU(v) = 0 holds gene 0 constant; its multiplier's gradient must still say
    # whether a small positive rate would lower the loss, or the gene could never move again.
    field = make_field()
    generator = torch.Generator().manual_seed(5)
    x0 = torch.rand(7, 12, generator=generator, dtype=torch.float64)
    step = torch.full((7, 1), 0.3, dtype=torch.float64)
    target = torch.rand(7, 12, generator=generator, dtype=torch.float64)
    _, gradients = loss_and_gradients(fixed_step_rk4, field, x0, step, target)
    _, reference = loss_and_gradients(autograd_rk4, field, x0, step, target)

    def loss_at(multiplier):
        with torch.no_grad():
            field.gene_multipliers[0] = multiplier
            return float(((fixed_step_rk4(field, x0, step, 3) - target) ** 2).sum())

    epsilon = 1e-7
    one_sided = (loss_at(epsilon) - loss_at(0.0)) / epsilon
    assert abs(one_sided) > 1e-3
    assert float(gradients["gene_multipliers"][0]) == pytest.approx(one_sided, rel=1e-4)
    assert float(reference["gene_multipliers"][0]) == pytest.approx(one_sided, rel=1e-4)


def test_hand_written_backward_gives_the_start_state_gradient():
    field = make_field()
    x0 = torch.rand(4, 12, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    step = torch.full((4, 1), 0.3, dtype=torch.float64)
    starts = [x0.clone().requires_grad_(True) for _ in range(2)]
    taped = _integrate._TapedRK4.apply(starts[0], step, 2, field, None, *field.parameters())
    plain = autograd_rk4(field, starts[1], step, 2)
    (taped_grad,) = torch.autograd.grad(taped.square().sum(), starts[0])
    (plain_grad,) = torch.autograd.grad(plain.square().sum(), starts[1])
    torch.testing.assert_close(taped_grad, plain_grad, rtol=1e-12, atol=1e-14)


def test_fixed_step_solve_without_gradients_matches_the_autograd_solve():
    field = make_field()
    x0 = torch.rand(6, 12, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    step = torch.full((6, 1), 0.25, dtype=torch.float64)
    with torch.no_grad():
        expected = autograd_rk4(field, x0, step, 4)
        result = fixed_step_rk4(field, x0, step, 4)
    torch.testing.assert_close(result, expected, rtol=1e-13, atol=1e-15)


def test_fixed_step_error_is_fourth_order_and_small_at_the_default():
    # Fast relaxation rates (up to 3) and intervals up to 2 median intervals:
    # harder than a fitted model, whose end states are within about 2e-5 RMS.
    field = make_field(n_genes=20, hidden_units=8)
    with torch.no_grad():
        field.gene_multipliers.copy_(torch.linspace(0.1, 3.0, 20, dtype=torch.float64))
    x0 = torch.rand(10, 20, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    dt = torch.linspace(0.5, 2.0, 10, dtype=torch.float64)
    with torch.no_grad():
        exact = AdaptiveSolver("dopri5", rtol=1e-10, atol=1e-12).integrate_transitions(field, x0, dt)
        errors = {max_step: float((RK4(max_step).integrate_transitions(field, x0, dt) - exact)
                                  .square().mean().sqrt()) for max_step in (1.5, 0.75)}
        default = float((RK4().integrate_transitions(field, x0, dt) - exact).square().mean().sqrt())
    assert default == errors[1.5]
    # A tenth of the expression noise of SIM350 at 5% (sd 0.025).
    assert errors[1.5] < 2.5e-3
    assert errors[1.5] / errors[0.75] > 8.0
