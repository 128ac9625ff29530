"""SIM350's Hill activation ``fAct(x, EC50, n)``, in the fast form the simulators share.

``fAct(x, EC50, n) = B x**n / (B - 1 + x**n)`` with
``B = (EC50**n - 1) / (2 EC50**n - 1)``, so that ``fAct(0) = 0``,
``fAct(EC50) = 1/2`` and ``fAct(1) = 1``. It is computed in the equivalent form
``u / (k + (1 - k) u)`` with ``u = x**n`` and ``k = EC50**n / (1 - EC50**n)``,
which has no singularity at ``EC50**n = 1/2`` (where it reduces to ``x**n``).
``x`` is clipped to [0, 1], the range on which the kinetics are defined.
"""

import numpy as np


def _hill_constants(ec50, n):
    """Return ``k = c / (1 - c)`` with ``c = ec50 ** n`` for :func:`_hill_from_log`."""
    c = np.asarray(ec50, dtype=float) ** np.asarray(n, dtype=float)
    return c / (1.0 - c)


def _log_clipped(x):
    """``log(clip(x, 0, 1))`` (``-inf`` at 0), the argument of :func:`_hill_from_log`."""
    with np.errstate(divide="ignore"):
        return np.log(np.clip(x, 0.0, 1.0))


def _hill_from_log(log_x, n, k):
    """Hill activation from ``log x`` for precomputed ``k``; ``log_x`` is overwritten.

    ``u = exp(n log x) = x**n`` and ``fAct = u / (k + (1 - k) u)``. Going through
    the logarithm lets one ``log`` per gene serve all of its outgoing edges and is
    about twice as fast as :func:`numpy.power`.
    """
    log_x *= n
    u = np.exp(log_x, out=log_x)
    denominator = u * (1.0 - k)
    denominator += k
    u /= denominator
    return u
