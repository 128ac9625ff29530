"""The independent-simulator adapter of benchmarks/network.py returns well-formed, seeded data and knockouts.

Needs the ``benchmarks`` extra (harissa); skipped without it.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("harissa")

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "_harissa.py"
_spec = importlib.util.spec_from_file_location("_bench_harissa", _PATH)
harissa_adapter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harissa_adapter)

TIMES = (0.0, 1.0, 3.0)


@pytest.fixture(scope="module")
def clean():
    # pure-numpy simulator: no 15 s numba compilation in the test suite
    return harissa_adapter.simulate_harissa(12, n_trajectories=3, times=TIMES, random_state=0, use_numba=False)


def test_long_format_and_scale(clean):
    assert clean.X_clean.shape == (9, 12)
    np.testing.assert_array_equal(clean.t, np.tile(TIMES, 3))
    np.testing.assert_array_equal(clean.trajectory, np.repeat([0, 1, 2], 3))
    assert np.all(np.isfinite(clean.X_clean))
    assert clean.X_clean.min() >= 0
    np.testing.assert_allclose(clean.X_clean.max(axis=0), 1.0)   # each gene scaled by its own maximum
    assert len(clean.gene_names) == 12 and len(set(clean.gene_names)) == 12


def test_network_is_signed_without_self_loops_and_inputs_have_no_regulators(clean):
    network = clean.network
    assert network.shape == (12, 12)
    assert set(np.unique(network)) <= {-1.0, 0.0, 1.0}
    assert np.all(np.diag(network) == 0)
    assert np.all(network[:, clean.input_genes] == 0)
    in_degree = (network[:, ~clean.input_genes] != 0).sum(axis=0)
    assert np.all((in_degree >= 1) & (in_degree <= 3))


def test_same_seed_same_data_other_seed_other_data(clean):
    again = harissa_adapter.simulate_harissa(12, n_trajectories=3, times=TIMES, random_state=0, use_numba=False)
    np.testing.assert_array_equal(again.X_clean, clean.X_clean)
    np.testing.assert_array_equal(again.network, clean.network)
    other = harissa_adapter.simulate_harissa(12, n_trajectories=3, times=TIMES, random_state=1, use_numba=False)
    assert not np.array_equal(other.X_clean, clean.X_clean)


def test_dataset_noise_and_prior(clean):
    data = harissa_adapter.make_harissa_dataset(clean, noise=0.1, prior_corruption=0.4, random_state=0)
    np.testing.assert_array_equal(data.network, clean.network != 0)
    assert abs(np.std(data.X - clean.X_clean) - 0.05) < 0.02   # sd = 0.5 * noise, as make_sim350
    n_edges = int((clean.network != 0).sum())
    assert int((data.prior != 0).sum()) == n_edges
    moved = int(((data.prior != 0) & (clean.network == 0)).sum())
    assert moved == round(0.4 * n_edges)
    exact = harissa_adapter.make_harissa_dataset(clean, noise=0.0, prior_corruption=0.0, random_state=0)
    np.testing.assert_array_equal(exact.prior, clean.network)
    np.testing.assert_array_equal(exact.X, clean.X_clean)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_genes=1), "n_genes"),
    (dict(n_trajectories=0), "n_trajectories"),
    (dict(times=(0.0, 0.0)), "times"),
    (dict(times=(0.0, np.nan)), "times"),
])
def test_invalid_input_is_refused(kwargs, message):
    arguments = dict(n_genes=5, n_trajectories=1, times=TIMES, random_state=0, use_numba=False)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        harissa_adapter.simulate_harissa(**arguments)


def test_dataset_refuses_bad_noise(clean):
    with pytest.raises(ValueError, match="noise"):
        harissa_adapter.make_harissa_dataset(clean, noise=-0.1, prior_corruption=0.0, random_state=0)


# ------------------------------------------------------------------ knockouts
def _sole_activator(clean):
    """A (regulator, target) pair in which the regulator is the target's only regulator and activates it."""
    network = clean.network
    for target in np.flatnonzero(~clean.input_genes):
        regulators = np.flatnonzero(network[:, target])
        if regulators.size == 1 and network[regulators[0], target] > 0:
            return int(regulators[0]), int(target)
    raise AssertionError("the test network has no target with a single activator")


def test_knocked_out_gene_stays_at_zero(clean):
    model, _, mrna_per_protein = harissa_adapter.network_model(12, np.random.default_rng(clean.random_state))
    np.testing.assert_array_equal(model.inter[1:, 1:], clean.network * np.abs(model.inter[1:, 1:]))
    regulator, target = _sole_activator(clean)
    start = np.full((2, 12), 0.5)
    start[:, regulator] = 0.0
    knocked = harissa_adapter.knockout_model(model, [regulator])
    runs = harissa_adapter._run(knocked, mrna_per_protein, start, np.array([0.0, 2.0, 6.0]), [3, 4], False)
    np.testing.assert_array_equal(runs[:, :, regulator], 0.0)
    assert np.all(runs[:, -1, np.arange(12) != regulator] >= 0)
    # the original model is left as it was
    assert np.isfinite(model.basal[regulator + 1]) and model.a[0, regulator + 1] > 0


@pytest.fixture(scope="module")
def knockout(clean):
    regulator, target = _sole_activator(clean)
    genes = [regulator, int(np.flatnonzero(clean.network.sum(axis=1) == 0)[0])]
    states, shifts, errors = harissa_adapter.knockout_shifts(clean, genes, n_states=40, horizon=6.0,
                                                             random_state=0, use_numba=False)
    return genes, target, states, shifts, errors


def test_knockout_shifts_shapes_units_and_seed(clean, knockout):
    genes, _, states, shifts, errors = knockout
    assert states.shape == (40, 12) and shifts.shape == errors.shape == (2, 12)
    assert np.all(states >= 0) and np.all(np.isfinite(shifts)) and np.all(errors >= 0)
    # the knocked-out gene loses, on average, its whole level at the horizon
    assert np.all(shifts[[0, 1], genes] < 0)
    again = harissa_adapter.knockout_shifts(clean, genes, n_states=40, horizon=6.0, random_state=0, use_numba=False)
    np.testing.assert_array_equal(again[1], shifts)


def test_knocking_out_the_only_activator_lowers_the_target(knockout):
    _, target, _, shifts, errors = knockout
    assert shifts[0, target] < -3 * errors[0, target]


@pytest.mark.parametrize("kwargs, message", [
    (dict(genes=[12]), "genes"),
    (dict(n_states=0), "n_states"),
    (dict(horizon=0.0), "horizon"),
])
def test_knockout_shifts_refuse_bad_input(clean, kwargs, message):
    arguments = dict(genes=[0], n_states=2, horizon=1.0, random_state=0, use_numba=False)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        harissa_adapter.knockout_shifts(clean, **arguments)


# ------------------------------------------------------------------ hidden-pulse courses (small_networks.py)
PULSE_TIMES = np.linspace(0.0, 6.0, 7)


@pytest.fixture(scope="module")
def pulses():
    return harissa_adapter.simulate_harissa_pulses(8, n_trajectories=3, times=PULSE_TIMES, n_stimulated=2,
                                                   random_state=0, use_numba=False)


def test_pulse_courses_are_long_format_on_unit_scale_with_one_hit_set_per_course(pulses):
    assert pulses.X_clean.shape == (21, 8)
    np.testing.assert_array_equal(pulses.t, np.tile(PULSE_TIMES, 3))
    np.testing.assert_array_equal(pulses.trajectory, np.repeat(np.arange(3), 7))
    assert pulses.X_clean.min() >= 0 and np.allclose(pulses.X_clean.max(axis=0), 1.0)
    np.testing.assert_array_equal(pulses.stimulated.sum(axis=1), [2, 2, 2])
    assert np.all(np.diag(pulses.network) == 0) and np.count_nonzero(pulses.network) > 0


def test_pulse_courses_follow_their_seed(pulses):
    again = harissa_adapter.simulate_harissa_pulses(8, n_trajectories=3, times=PULSE_TIMES, n_stimulated=2,
                                                    random_state=0, use_numba=False)
    other = harissa_adapter.simulate_harissa_pulses(8, n_trajectories=3, times=PULSE_TIMES, n_stimulated=2,
                                                    random_state=1, use_numba=False)
    np.testing.assert_array_equal(again.X_clean, pulses.X_clean)
    assert not np.array_equal(other.X_clean, pulses.X_clean)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_stimulated=0), "n_stimulated"),
    (dict(n_stimulated=9), "n_stimulated"),
    (dict(times=(0.0, 1.0)), "at least 3"),
    (dict(burn_in=0.0), "burn_in"),
])
def test_pulse_courses_refuse_bad_input(kwargs, message):
    arguments = dict(n_genes=8, n_trajectories=1, times=PULSE_TIMES, n_stimulated=2, random_state=0,
                     use_numba=False)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        harissa_adapter.simulate_harissa_pulses(**arguments)
