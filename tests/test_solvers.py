"""The solver objects of skdash.solvers: parameters, shorthand, stiffness, refinement,
failure mapping, and how the estimator and the model file carry them."""

import math

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skdash import DASHRegulatoryEstimator, load_model, save_model
from skdash import _integrate
from skdash._phoenix import PhoenixField
from skdash.solvers import MAX_STEP_REFINEMENTS, RK4, AdaptiveSolver, make_solver

from .conftest import FAST, make_toy_system

TOY = make_toy_system()


def fit(**params):
    return DASHRegulatoryEstimator(**dict(FAST, **params)).fit(TOY.X, t=TOY.t, trajectory=TOY.trajectory)


def make_field(n_genes=12, hidden_units=5, seed=0):
    field = PhoenixField(n_genes, hidden_units, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for parameter in field.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64) * 0.5)
    return field


# ------------------------------------------------------------------ parameters
def test_solvers_follow_scikit_learn_parameter_conventions():
    solver = RK4(max_step=0.75)
    assert solver.get_params() == {"max_step": 0.75}
    assert repr(solver) == "RK4(max_step=0.75)" and repr(RK4()) == "RK4()"
    copy = clone(solver)
    assert copy is not solver and copy.get_params() == solver.get_params()
    adaptive = AdaptiveSolver("bosh3", rtol=1e-6)
    assert adaptive.get_params() == {"method": "bosh3", "rtol": 1e-6, "atol": 1e-7}
    assert clone(adaptive).set_params(atol=1e-9).atol == 1e-9
    assert not hasattr(RK4(), "max_step_")  # __init__ stores parameters only


@pytest.mark.parametrize("solver, message", [(RK4(max_step=0), "max_step"), (RK4(max_step="1"), "max_step"),
                                             (AdaptiveSolver("euler"), "method"),
                                             (AdaptiveSolver(rtol=-1.0), "rtol")])
def test_invalid_solver_parameters_are_rejected_at_fit(solver, message):
    with pytest.raises(ValueError, match=message):
        make_solver(solver)
    with pytest.raises(ValueError, match=message):
        fit(solver=solver)


def test_estimator_parameter_accepts_objects_and_method_names():
    assert "max_step" not in DASHRegulatoryEstimator().get_params()
    assert DASHRegulatoryEstimator(solver=RK4()).get_params()["solver__max_step"] == 1.5
    assert repr(DASHRegulatoryEstimator(solver=RK4(max_step=0.75))) == \
        "DASHRegulatoryEstimator(solver=RK4(max_step=0.75))"
    with pytest.raises(ValueError, match="solver"):
        fit(solver="euler")
    with pytest.raises(ValueError, match="solver"):
        fit(solver=object())


@pytest.mark.parametrize("name, expected", [("rk4", RK4()), ("dopri5", AdaptiveSolver()),
                                            ("bosh3", AdaptiveSolver("bosh3")),
                                            ("adaptive_heun", AdaptiveSolver("adaptive_heun")),
                                            ("dopri8", AdaptiveSolver("dopri8"))])
def test_a_method_name_means_that_solver_with_its_defaults(name, expected):
    solver = make_solver(name)
    assert type(solver) is type(expected) and solver.get_params() == expected.get_params()


def test_fit_builds_solver_once_from_a_clone():
    solver = RK4(max_step=1.0)
    est = fit(solver=solver)
    assert est.solver_ is not solver and est.solver_.get_params() == {"max_step": 1.0}
    assert not hasattr(solver, "stiffness_")  # the parameter is left as given
    assert est.solver_.max_step_ == 1.0 and est.solver_.n_refinements_ == 0
    assert isinstance(fit(solver="rk4").solver_, RK4)
    assert est.history_[0]["max_step"] == 1.0


def test_grid_search_reaches_the_solver_parameters():
    search = GridSearchCV(DASHRegulatoryEstimator(solver=RK4(), **dict(FAST, max_epochs=2)),
                          {"solver__max_step": [0.75, 1.5]}, cv=2)
    search.fit(TOY.X)
    assert [params["solver__max_step"] for params in search.cv_results_["params"]] == [0.75, 1.5]
    assert search.best_estimator_.solver_.max_step in (0.75, 1.5)


def test_same_fit_from_the_name_and_the_object():
    by_name, by_object = fit(), fit(solver=RK4())
    np.testing.assert_array_equal(by_name.network_, by_object.network_)
    assert by_name.solver_.stiffness_ == by_object.solver_.stiffness_


# ------------------------------------------------------------------ stiffness
def test_training_solves_measure_stiffness_and_take_more_steps_for_it():
    # Strong coupling between genes with slow relaxation rates: ReLU(v) alone
    # would allow one long step, the measured stiffness asks for more.
    field = make_field()
    with torch.no_grad():
        field.gene_multipliers.fill_(0.5)
        field.sum_out.mul_(40.0)
    x0 = torch.rand(5, 12, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    dt = torch.ones(5, dtype=torch.float64)
    solver = RK4().start_fit()
    assert _integrate.n_fixed_steps(field, 1.0, 1.5, solver.stiffness_) == 1
    with torch.no_grad():
        solver.integrate_transitions(field, x0, dt)
    assert solver.stiffness_ == 0.0  # solves without gradients (predictions) do not measure
    solver.integrate_transitions(field, x0, dt).sum().backward()
    measured = solver.stiffness_
    assert measured > 2.0
    assert _integrate.n_fixed_steps(field, 1.0, 1.5, measured) == math.ceil(measured / 1.5)
    # the estimate is a derivative of the field: never above its Lipschitz bound along the step
    jacobian = torch.autograd.functional.jacobian(field, x0[0])
    assert measured < 10 * float(torch.linalg.matrix_norm(jacobian, ord=2))


def test_the_field_holds_no_solver_state():
    est = fit()
    assert "stiffness" not in est.module_.state_dict()
    assert est.solver_.stiffness_ > 0


def test_stiffness_is_saved_with_the_model(tmp_path):
    est = fit(prior=TOY.prior)
    save_model(est, tmp_path / "model.pt")
    loaded = load_model(tmp_path / "model.pt")
    assert loaded.solver_.stiffness_ == est.solver_.stiffness_
    assert loaded.solver_.max_step_ == est.solver_.max_step_
    np.testing.assert_array_equal(loaded.simulate(TOY.X[:3], [0.0, 2.0, 5.0]),
                                  est.simulate(TOY.X[:3], [0.0, 2.0, 5.0]))


def test_the_restored_checkpoint_brings_back_its_stiffness():
    solver = RK4().start_fit()
    solver.stiffness_ = 3.0
    saved = solver.checkpoint()
    solver.stiffness_, solver.max_step_ = 5.0, 0.75
    solver.restore(saved)
    assert solver.stiffness_ == 3.0 and solver.max_step_ == 0.75  # the refined step stays


# ------------------------------------------------------------------ refinement and failures
class OverflowsOnce(RK4):
    """RK4 whose third training solve overflows; records the step of every solve."""

    calls = []

    def integrate_transitions(self, field, x0, dt):
        type(self).calls.append(self.current_max_step())
        result = super().integrate_transitions(field, x0, dt)
        return result * math.inf if len(self.calls) == 3 and torch.is_grad_enabled() else result


def test_an_overflowing_batch_is_redone_with_half_the_step():
    OverflowsOnce.calls = calls = []
    # one training (a fixed prior-loss weight), so that the solves are those of one model
    est = DASHRegulatoryEstimator(TOY.prior, **FAST, early_stopping=False, solver=OverflowsOnce(),
                                  prior_loss_weight=0.05)
    est.fit(TOY.X, t=TOY.t, trajectory=TOY.trajectory)
    assert calls[:4] == [1.5, 1.5, 1.5, 0.75]  # the third batch is redone with half the step
    assert set(calls[4:]) == {0.75}
    assert est.solver_.max_step_ == 0.75 and est.history_[0]["max_step"] == 0.75
    assert est.solver_.n_refinements_ == 1
    assert np.all(np.isfinite(est.network_))
    assert all(np.isfinite(record["train_loss"]) for record in est.history_)


def test_refinement_halves_the_step_until_the_limit():
    solver = RK4(max_step=1.0).start_fit()
    for _ in range(MAX_STEP_REFINEMENTS):
        solver.refine()
    assert solver.max_step_ == 2.0 ** -MAX_STEP_REFINEMENTS and solver.n_refinements_ == MAX_STEP_REFINEMENTS
    with pytest.raises(FloatingPointError, match="not finite"):
        solver.refine()
    # a new fit starts from max_step again
    assert solver.start_fit().max_step_ == 1.0 and solver.n_refinements_ == 0


def test_an_adaptive_solver_cannot_refine():
    with pytest.raises(FloatingPointError, match="not finite"):
        AdaptiveSolver().start_fit().refine()
    assert math.isnan(AdaptiveSolver().current_max_step())


def test_adaptive_failures_and_runaway_steps_are_floating_point_errors():
    field = make_field(3, 2)
    x0 = torch.full((2, 3), math.nan, dtype=torch.float64)
    with pytest.raises(FloatingPointError, match="adaptive solver 'bosh3' failed"):
        AdaptiveSolver("bosh3").integrate_trajectories(field, x0, torch.tensor([0.0, 1.0], dtype=torch.float64))
    with torch.no_grad():
        field.gene_multipliers.fill_(1e6)
    with pytest.raises(FloatingPointError, match="training diverged"):
        RK4().integrate_transitions(field, torch.zeros(2, 3, dtype=torch.float64), torch.ones(2, dtype=torch.float64))


def test_a_shorter_step_on_the_fitted_solver_applies_to_later_solves():
    est = fit(dtype="float64")
    coarse = est.simulate(TOY.X[:2], [0.0, 3.0])
    est.solver_.set_params(max_step=0.05)
    fine = est.simulate(TOY.X[:2], [0.0, 3.0])
    assert 0 < np.abs(fine - coarse).max() < 1e-2  # the coarse step error, small but resolved
    est.solver_.set_params(max_step=10.0)  # never longer than the step training ended with
    np.testing.assert_array_equal(est.simulate(TOY.X[:2], [0.0, 3.0]), coarse)


def test_adaptive_solver_failure_names_the_solver():
    field = PhoenixField(3, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x0 = torch.full((2, 3), math.nan, dtype=torch.float64)
    message = r"adaptive solver 'dopri5' failed \((underflow in dt|non-finite values)"
    with pytest.raises(FloatingPointError, match=message):
        AdaptiveSolver("dopri5").integrate_transitions(field, x0, torch.ones(2, dtype=torch.float64))
