"""In-silico perturbations: simulate(clamp=...), perturbation_effects, gene_influence."""

import copy

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from skdash import DASHRegulatoryEstimator, load_model, save_model
from skdash.solvers import RK4, AdaptiveSolver
from skdash._integrate import fixed_step_rk4
from skdash._perturbation import effects_over_members, first_states

from .conftest import FAST, TOY_TIMES, make_toy_system

TOY = make_toy_system()
NAMES = TOY.gene_names
#: Dense enough that knockouts reach other genes (FAST alone prunes most paths).
SETTINGS = dict(FAST, sparsity=0.0, max_epochs=8, n_threads=1)
GRID = [0.0, 1.0, 3.0, 6.0]


@pytest.fixture(scope="module")
def fitted():
    X = pd.DataFrame(TOY.X, columns=NAMES)
    return DASHRegulatoryEstimator(**SETTINGS).fit(X, t=TOY.t, trajectory=TOY.trajectory)


@pytest.fixture(scope="module")
def fitted_float64():
    X = pd.DataFrame(TOY.X, columns=NAMES)
    return DASHRegulatoryEstimator(**SETTINGS, dtype="float64").fit(X, t=TOY.t, trajectory=TOY.trajectory)


def refitted_as(fitted, solver):
    """A copy of a fitted model that integrates with other solver settings.

    An RK4 solver keeps the fitted solver's state (measured stiffness, step) and
    only shortens ``max_step``; an adaptive solver has no fit-time state.
    """
    est = copy.deepcopy(fitted)
    if isinstance(solver, RK4):
        est.solver_.set_params(**solver.get_params())
    else:
        est.solver_ = clone(solver)
    return est


def starts(n=3):
    return pd.DataFrame(TOY.X[TOY.t == 0][:n], columns=NAMES)


# ------------------------------------------------------------------ simulate(clamp=...)
@pytest.mark.parametrize("solver", [RK4(), AdaptiveSolver("dopri5")])
def test_clamped_genes_stay_exactly_at_their_level(fitted_float64, solver):
    est = refitted_as(fitted_float64, solver)
    high = float(est.expression_max_[3])
    paths = est.simulate(starts(), GRID, clamp={"G1": 0.0, 3: high})
    np.testing.assert_array_equal(paths[:, :, 1], 0.0)
    np.testing.assert_array_equal(paths[:, :, 3], high)
    free = est.simulate(starts(), GRID)
    assert np.abs(paths[:, -1, [0, 2, 4, 5]] - free[:, -1, [0, 2, 4, 5]]).max() > 1e-4  # the clamp acts


def test_rk4_and_dopri5_agree_under_a_clamp(fitted_float64):
    clamp = {"G2": 0.0, "G5": float(fitted_float64.expression_max_[5])}
    # a short fixed step, so that the difference measures the clamp, not RK4's step error
    rk4 = refitted_as(fitted_float64, RK4(max_step=0.02)).simulate(starts(), GRID, clamp=clamp)
    adaptive = refitted_as(fitted_float64, AdaptiveSolver("dopri5", rtol=1e-8, atol=1e-10))
    np.testing.assert_allclose(adaptive.simulate(starts(), GRID, clamp=clamp), rk4, atol=1e-6)


def test_an_empty_clamp_is_the_free_simulation(fitted):
    np.testing.assert_allclose(fitted.simulate(starts(), GRID, clamp={}), fitted.simulate(starts(), GRID),
                               rtol=0, atol=1e-12)


def test_a_single_start_and_a_series_clamp(fitted):
    path = fitted.simulate(starts().iloc[0], GRID, clamp=pd.Series({"G0": 0.0}))
    assert path.shape == (len(GRID), len(NAMES))
    np.testing.assert_array_equal(path[:, 0], 0.0)


def test_knockout_below_the_training_minimum_is_allowed(fitted):
    assert fitted.expression_min_[4] > 0  # the toy never reaches 0, yet a knockout is accepted
    assert np.all(fitted.simulate(starts(), GRID, clamp={"G4": 0})[:, :, 4] == 0)


@pytest.mark.parametrize("clamp, error, match", [
    ({"G9": 0.0}, ValueError, "unknown gene 'G9'"),
    ({17: 0.0}, ValueError, "index 17 is out of range"),
    ({"G1": 0.0, 1: 0.0}, ValueError, r"more than once: \['G1'\]"),
    ({"G1": np.nan}, ValueError, "must be finite"),
    ({"G1": np.inf}, ValueError, "must be finite"),
    ({"G1": 1.5}, ValueError, "outside the range seen in training.*G1 = 1.5"),
    ({"G1": -0.2}, ValueError, "outside the range seen in training"),
    ({"G1": "high"}, TypeError, "levels must be numbers"),
    ({1.5: 0.0}, TypeError, "name genes or give integer column indices"),
    ([("G1", 0.0)], TypeError, "clamp must map genes to levels"),
])
def test_bad_clamps_are_rejected_with_a_clear_message(fitted, clamp, error, match):
    with pytest.raises(error, match=match):
        fitted.simulate(starts(), GRID, clamp=clamp)


def test_fit_stores_the_reference_of_the_training_data(fitted):
    np.testing.assert_array_equal(fitted.expression_min_, TOY.X.min(axis=0))
    np.testing.assert_array_equal(fitted.expression_max_, TOY.X.max(axis=0))
    # every trajectory's first state, trajectories ordered by content (not by row order)
    first = TOY.X[TOY.t == 0]
    assert fitted.initial_states_.shape == first.shape
    np.testing.assert_array_equal(np.unique(fitted.initial_states_, axis=0), np.unique(first, axis=0))
    shuffled = np.random.default_rng(0).permutation(TOY.X.shape[0])
    np.testing.assert_array_equal(first_states(TOY.X[shuffled], TOY.t[shuffled], TOY.trajectory[shuffled]),
                                  fitted.initial_states_)
    assert fitted.longest_span_ == TOY_TIMES[-1] - TOY_TIMES[0]
    for name in ("expression_min_", "expression_max_", "initial_states_"):
        assert type(getattr(fitted, name)) is np.ndarray


def test_the_reference_does_not_depend_on_the_row_order():
    order = np.random.default_rng(0).permutation(TOY.X.shape[0])
    shuffled = DASHRegulatoryEstimator(**dict(SETTINGS, max_epochs=1))
    shuffled.fit(TOY.X[order], t=TOY.t[order], trajectory=TOY.trajectory[order])
    in_order = DASHRegulatoryEstimator(**dict(SETTINGS, max_epochs=1)).fit(TOY.X, t=TOY.t, trajectory=TOY.trajectory)
    np.testing.assert_array_equal(shuffled.initial_states_, in_order.initial_states_)
    assert shuffled.longest_span_ == in_order.longest_span_


# ------------------------------------------------------------------ perturbation_effects
def test_effects_are_labelled_perturbed_gene_by_target(fitted):
    effects = fitted.perturbation_effects(genes=["G3", 0])
    assert effects.shape == (2, len(NAMES))
    assert list(effects.index) == ["G3", "G0"] and effects.index.name == "perturbed"
    assert list(effects.columns) == NAMES and effects.columns.name == "target"
    assert np.all(np.isfinite(effects.to_numpy()))
    assert list(fitted.perturbation_effects().index) == NAMES  # default: every gene


def test_batched_effects_equal_a_loop_of_clamped_simulations(fitted):
    horizon, states = 4.0, starts(4)
    levels = np.array([0.0, 0.0, fitted.expression_max_[2], 0.0, fitted.expression_min_[4], 0.0])
    effects = fitted.perturbation_effects(states, value=levels, horizon=horizon)
    free = fitted.simulate(states, [0.0, horizon])[:, -1]
    for index, gene in enumerate(NAMES):
        clamped = fitted.simulate(states, [0.0, horizon], clamp={gene: levels[index]})[:, -1]
        np.testing.assert_allclose(effects.loc[gene].to_numpy(), (clamped - free).mean(axis=0), atol=1e-6)
        single = fitted.perturbation_effects(states, genes=[gene], value=levels[index], horizon=horizon)
        np.testing.assert_allclose(single.to_numpy()[0], effects.loc[gene].to_numpy(), atol=1e-6)
    assert np.abs(effects.to_numpy() - np.diag(np.diag(effects.to_numpy()))).max() > 1e-4  # not all zero


def test_batched_effects_equal_the_loop_with_dopri5(fitted_float64):
    est = refitted_as(fitted_float64, AdaptiveSolver("dopri5", rtol=1e-9, atol=1e-11))
    effects = est.perturbation_effects(genes=["G1", "G4"])
    for gene in ["G1", "G4"]:
        np.testing.assert_allclose(est.perturbation_effects(genes=[gene]).loc[gene], effects.loc[gene], atol=1e-6)


def test_default_states_are_the_first_state_of_each_training_trajectory(fitted):
    X = pd.DataFrame(TOY.X, columns=NAMES)
    pd.testing.assert_frame_equal(fitted.perturbation_effects(X, t=TOY.t, trajectory=TOY.trajectory),
                                  fitted.perturbation_effects(), atol=1e-7)
    pd.testing.assert_frame_equal(fitted.perturbation_effects(X[TOY.t == 0]), fitted.perturbation_effects(),
                                  atol=1e-7)


def test_the_perturbed_gene_shift_is_its_level_minus_its_free_level(fitted):
    states = starts()
    effects = fitted.perturbation_effects(states, genes=["G2"], horizon=3.0)
    free = fitted.simulate(states, [0.0, 3.0])[:, -1, 2]
    assert effects.loc["G2", "G2"] == pytest.approx(-free.mean(), abs=1e-6)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(genes=["nope"]), ValueError, "unknown gene 'nope'"),
    (dict(genes=[]), ValueError, "genes is empty"),
    (dict(genes=["G1", "G1"]), ValueError, "more than once"),
    (dict(genes=["G1"], value=np.nan), ValueError, "must be finite"),
    (dict(genes=["G1"], value=5.0), ValueError, "outside the range seen in training"),
    (dict(genes=["G1", "G2"], value=[0.0]), ValueError, "1 levels for 2 genes"),
    (dict(horizon=0.0), ValueError, "horizon must be a positive"),
    (dict(horizon=np.inf), ValueError, "horizon must be a positive"),
    (dict(t=TOY.t), ValueError, "pass X with them"),
])
def test_bad_perturbation_arguments_are_rejected(fitted, kwargs, error, match):
    with pytest.raises(error, match=match):
        fitted.perturbation_effects(**kwargs)


def test_nan_initial_states_are_rejected(fitted):
    states = starts()
    states.iloc[0, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.perturbation_effects(states)


def test_a_model_without_the_reference_asks_for_a_refit(fitted):
    est = clone(fitted)
    est.__dict__.update({k: v for k, v in vars(fitted).items() if k.endswith("_") and k != "initial_states_"})
    with pytest.raises(AttributeError, match="initial_states_.*refit"):
        est.perturbation_effects()


def test_effects_survive_saving_and_loading(fitted, tmp_path):
    save_model(fitted, tmp_path / "model.pt")
    pd.testing.assert_frame_equal(load_model(tmp_path / "model.pt").perturbation_effects(),
                                  fitted.perturbation_effects())


# ------------------------------------------------------------------ influence and ensembles
def test_gene_influence_sums_the_absolute_shifts_of_the_other_genes(fitted):
    effects = fitted.perturbation_effects()
    influence = fitted.gene_influence()
    expected = (effects.abs().to_numpy() * (1 - np.eye(len(NAMES)))).sum(axis=1)
    np.testing.assert_allclose(influence.loc[NAMES].to_numpy(), expected, atol=1e-12)
    assert influence.is_monotonic_decreasing and influence.name == "influence"


def test_effects_over_members_give_mean_and_spread(fitted):
    other = DASHRegulatoryEstimator(**dict(SETTINGS, random_state=1))
    other.fit(pd.DataFrame(TOY.X, columns=NAMES), t=TOY.t, trajectory=TOY.trajectory)
    states = starts()
    mean, spread = effects_over_members([fitted, other], states, genes=["G0", "G3"])
    a = fitted.perturbation_effects(states, genes=["G0", "G3"]).to_numpy()
    b = other.perturbation_effects(states, genes=["G0", "G3"]).to_numpy()
    np.testing.assert_allclose(mean.to_numpy(), (a + b) / 2, atol=1e-12)
    np.testing.assert_allclose(spread.to_numpy(), np.abs(a - b) / 2, atol=1e-12)
    with pytest.raises(ValueError, match="explicit initial states"):
        effects_over_members([fitted], None)
    shorter = copy.deepcopy(other)
    shorter.longest_span_ = 3.0
    with pytest.raises(ValueError, match="pass horizon"):
        effects_over_members([fitted, shorter], states)
    mean, _ = effects_over_members([fitted, shorter], states, genes=["G0"], horizon=3.0)
    expected = (fitted.perturbation_effects(states, genes=["G0"], horizon=3.0)
                + other.perturbation_effects(states, genes=["G0"], horizon=3.0)) / 2
    pd.testing.assert_frame_equal(mean, expected, atol=1e-12)


def test_the_training_solver_does_not_take_held_genes(fitted):
    field = copy.deepcopy(fitted.module_)
    x0 = torch.full((2, len(NAMES)), 0.5)
    held = torch.zeros(len(NAMES), dtype=torch.bool)
    with pytest.raises(NotImplementedError, match="only without gradients"):
        fixed_step_rk4(field, x0, torch.full((1, 1), 0.1), 2, held)
    with torch.no_grad():
        free = fixed_step_rk4(field, x0, torch.full((1, 1), 0.1), 2)
        same = fixed_step_rk4(field, x0, torch.full((1, 1), 0.1), 2, held)  # nothing held: same solve
    torch.testing.assert_close(same, free, rtol=0, atol=0)
