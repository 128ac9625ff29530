"""Tests of the fast form of SIM350's Hill activation fAct(x, EC50, n)."""

import numpy as np
import pytest

from skdash.datasets._hill import _hill_constants, _hill_from_log, _log_clipped


def _hill_activation(x, ec50, n):
    """fAct(x, EC50, n) for scalars or arrays, through the simulators' fast form."""
    x, ec50, n = np.broadcast_arrays(np.asarray(x, dtype=float), ec50, n)
    return _hill_from_log(np.asarray(_log_clipped(x)), n, _hill_constants(ec50, n))


@pytest.mark.parametrize("ec50, n", [(0.4, 1.2), (0.6, 1.7), (0.3, 2.0), (0.7, 1.0)])
def test_hill_matches_the_papers_formula(ec50, n, reference_hill):
    x = np.linspace(0.0, 1.0, 101)
    np.testing.assert_allclose(_hill_activation(x, ec50, n), reference_hill(x, ec50, n),
                               rtol=0, atol=1e-13)
    assert _hill_activation(ec50, ec50, n) == pytest.approx(0.5)
    assert _hill_activation(1.0, ec50, n) == pytest.approx(1.0)
    assert _hill_activation(0.0, ec50, n) == 0.0


def test_hill_has_no_singularity_at_half():
    x = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(_hill_activation(x, 0.5, 1.0), x, atol=1e-15)
    np.testing.assert_allclose(_hill_activation(x, 0.5**0.5, 2.0), x**2, atol=1e-15)
