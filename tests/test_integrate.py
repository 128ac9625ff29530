"""The fixed-step solver: the hand-written backward pass against autograd, and accuracy."""

import math

import numpy as np
import pytest
import torch

from skdash import _integrate
from skdash._integrate import fixed_step_rk4, integrate_transitions
from skdash._phoenix import PhoenixField


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
    assert torch.all(gradients["gene_multipliers"][:3] == 0)


def test_hand_written_backward_gives_the_start_state_gradient():
    field = make_field()
    x0 = torch.rand(4, 12, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    step = torch.full((4, 1), 0.3, dtype=torch.float64)
    starts = [x0.clone().requires_grad_(True) for _ in range(2)]
    taped = _integrate._TapedRK4.apply(starts[0], step, 2, field, *field.parameters())
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
        exact = integrate_transitions(field, x0, dt, solver="dopri5", rtol=1e-10, atol=1e-12)
        errors = {max_step: float((integrate_transitions(field, x0, dt, max_step=max_step) - exact)
                                  .square().mean().sqrt()) for max_step in (1.5, 0.75)}
        default = float((integrate_transitions(field, x0, dt) - exact).square().mean().sqrt())
    assert default == errors[1.5]
    # A tenth of the expression noise of SIM350 at 5% (sd 0.025).
    assert errors[1.5] < 2.5e-3
    assert errors[1.5] / errors[0.75] > 8.0


def test_an_overflowing_batch_is_redone_with_half_the_step(monkeypatch):
    from skdash import DASHRegulatoryEstimator, _training

    from .conftest import FAST, make_toy_system

    toy = make_toy_system()
    real_solve = _training._solve
    calls = []

    def solve_that_overflows_once(field, transitions, settings):
        calls.append(settings.max_step)
        result = real_solve(field, transitions, settings)
        return result * math.inf if len(calls) == 3 and torch.is_grad_enabled() else result

    monkeypatch.setattr(_training, "_solve", solve_that_overflows_once)
    est = DASHRegulatoryEstimator(toy.prior, **FAST, early_stopping=False)
    est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert calls[:4] == [1.5, 1.5, 1.5, 0.75]  # the third batch is redone with half the step
    assert set(calls[4:]) == {0.75}
    assert est.max_step_ == 0.75 and est.history_[0]["max_step"] == 0.75
    assert np.all(np.isfinite(est.network_))
    assert all(np.isfinite(record["train_loss"]) for record in est.history_)


def test_training_solves_measure_stiffness_and_take_more_steps_for_it():
    # Strong coupling between genes with slow relaxation rates: ReLU(v) alone
    # would allow one long step, the measured stiffness asks for more.
    field = make_field()
    with torch.no_grad():
        field.gene_multipliers.fill_(0.5)
        field.sum_out.mul_(40.0)
    x0 = torch.rand(5, 12, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    step = torch.full((5, 1), 0.5, dtype=torch.float64)
    assert _integrate.n_fixed_steps(field, 1.0, 1.5) == 1
    with torch.no_grad():
        fixed_step_rk4(field, x0, step, 2)
    assert float(field.stiffness) == 0.0  # solves without gradients (predictions) do not measure
    fixed_step_rk4(field, x0, step, 2).sum().backward()
    measured = float(field.stiffness)
    assert measured > 2.0
    assert _integrate.n_fixed_steps(field, 1.0, 1.5) == math.ceil(measured / 1.5)
    # the estimate is a derivative of the field: never above its Lipschitz bound along the step
    jacobian = torch.autograd.functional.jacobian(field, x0[0])
    assert measured < 10 * float(torch.linalg.matrix_norm(jacobian, ord=2))


def test_stiffness_is_saved_with_the_model(tmp_path):
    from skdash import DASHRegulatoryEstimator, load_model, save_model

    from .conftest import FAST, make_toy_system

    toy = make_toy_system()
    est = DASHRegulatoryEstimator(toy.prior, **FAST).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert float(est.module_.stiffness) > 0
    save_model(est, tmp_path / "model.pt")
    loaded = load_model(tmp_path / "model.pt")
    assert float(loaded.module_.stiffness) == float(est.module_.stiffness)
    np.testing.assert_array_equal(loaded.simulate(toy.X[:3], [0.0, 2.0, 5.0]),
                                  est.simulate(toy.X[:3], [0.0, 2.0, 5.0]))
