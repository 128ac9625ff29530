"""Clamps (knockouts, forced expression) in the SIM350 and random Hill-network simulators."""

import numpy as np
import pandas as pd
import pytest

from skdash._compat import InvalidParameterError
from skdash.datasets import make_regulatory_network, make_sim350, simulate_sim350

TIMES = [0.0, 2.0, 9.0]
BAD_LEVEL = r"clamp level of 'ABF1_input' must be a float in the range \[0.0, 1.0\]"


@pytest.fixture(scope="module")
def sim350():
    return make_sim350(n_trajectories=1, n_test_trajectories=3, random_state=0, as_frame=False)


@pytest.fixture(scope="module")
def network():
    return make_regulatory_network(30, n_trajectories=2, n_test_trajectories=3, random_state=0, as_frame=False)


def sim350_starts(data):
    return data.X_test[data.t_test == 0]


def test_sim350_clamp_holds_genes_exactly(sim350):
    names = sim350.gene_names
    regulator = int(np.flatnonzero(~sim350.input_genes & (sim350.network.sum(1) > 0))[0])
    paths = simulate_sim350(sim350_starts(sim350), TIMES, clamp={names[regulator]: 0.0, 0: 1.0})
    np.testing.assert_array_equal(paths[:, :, regulator], 0.0)
    np.testing.assert_array_equal(paths[:, :, 0], 1.0)


def test_sim350_knockout_moves_the_targets_and_spares_unconnected_genes(sim350):
    x0 = sim350_starts(sim350)
    regulator = int(np.flatnonzero(~sim350.input_genes & (sim350.network.sum(1) > 0))[0])
    free = simulate_sim350(x0, TIMES)
    knocked = simulate_sim350(x0, TIMES, clamp={regulator: 0.0})
    targets = np.flatnonzero(sim350.network[regulator])
    assert np.abs(knocked[:, -1, targets] - free[:, -1, targets]).max() > 0.01
    # genes with no path from the regulator cannot move (beyond the solver's tolerance)
    reach = np.zeros(350, dtype=bool)
    frontier = {regulator}
    while frontier:
        reached = set(np.flatnonzero(sim350.network[list(frontier)].any(0))) - set(np.flatnonzero(reach))
        reach[list(reached)] = True
        frontier = reached
    untouched = ~reach
    untouched[regulator] = False
    np.testing.assert_allclose(knocked[:, :, untouched], free[:, :, untouched], atol=1e-6)


def test_sim350_clamp_by_series_and_dataframe_input(sim350):
    frame = pd.DataFrame(sim350_starts(sim350), columns=sim350.gene_names).iloc[:, ::-1]
    by_name = simulate_sim350(frame, TIMES, clamp=pd.Series({sim350.gene_names[5]: 0.3}))
    by_index = simulate_sim350(sim350_starts(sim350), TIMES, clamp={5: 0.3})
    np.testing.assert_allclose(by_name, by_index, atol=1e-12)


@pytest.mark.parametrize("clamp, error, match", [
    ({"NOT_A_GENE": 0.0}, ValueError, "unknown gene 'NOT_A_GENE'"),
    ({400: 0.0}, ValueError, "index 400 is out of range"),
    ({0: 0.0, "ABF1_input": 0.5}, ValueError, "more than once"),
    ({0: np.nan}, InvalidParameterError, BAD_LEVEL),
    ({0: 1.5}, InvalidParameterError, BAD_LEVEL),
    ({0: -0.1}, InvalidParameterError, BAD_LEVEL),
    ({0.5: 0.0}, TypeError, "gene names or integer indices"),
    ([0, 1], InvalidParameterError, "'clamp' parameter of simulate_sim350"),
])
def test_sim350_bad_clamps(clamp, error, match):
    with pytest.raises(error, match=match):
        simulate_sim350(np.full(350, 0.5), TIMES, clamp=clamp)


def test_network_simulate_reproduces_its_test_data(network):
    starts = network.X_test[network.t_test == 0]
    paths = network.simulate(starts, np.unique(network.t_test))
    np.testing.assert_allclose(paths.reshape(-1, 30), network.X_test, atol=1e-6)


def test_network_knockout_holds_the_gene_and_moves_its_targets(network):
    starts = network.X_test[network.t_test == 0]
    degree = np.asarray(network.network.sum(1)).ravel()
    regulator = int(np.argmax(degree))
    knocked = network.simulate(starts, TIMES, clamp={network.gene_names[regulator]: 0.0})
    free = network.simulate(starts, TIMES)
    np.testing.assert_array_equal(knocked[:, :, regulator], 0.0)
    targets = np.flatnonzero(np.asarray(network.network[regulator]).ravel())
    assert np.abs(knocked[:, -1, targets] - free[:, -1, targets]).max() > 0.01


def test_network_simulate_validates(network):
    with pytest.raises(ValueError, match="unknown gene 'G99'"):
        network.simulate(np.full(30, 0.5), TIMES, clamp={"G99": 0.0})
    with pytest.raises(ValueError, match=r"shape \(30,\)"):
        network.simulate(np.full(29, 0.5), TIMES)
    with pytest.raises(InvalidParameterError, match="'rtol' parameter of simulate"):
        network.simulate(np.full(30, 0.5), TIMES, rtol=0.0)
