"""make_regulatory_network: time courses from a random Hill-kinetics network."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import Bunch

from .._compat import Interval, StrOptions, validate_params
from ._prior_corruption import corrupt_prior
from ._random_network import _gene_labels, _random_network
from ._simulation import _SIMULATE_CONSTRAINTS, _simulate_system
from ._time_courses import _NOISE_SCALE, _TIME_COURSE_CONSTRAINTS, _as_frames, _simulate_dataset
from ._validation import _check_pair, _check_times, _spawn_rngs

__all__ = ["make_regulatory_network"]

# Above this many genes, ``sparse="auto"`` returns prior and network as sparse matrices.
_SPARSE_AUTO_THRESHOLD = 2000


_NETWORK_DESCR = """\
Random Hill-kinetics gene regulatory network
--------------------------------------------

A synthetic data set in the style of SIM350 for any number of genes, made by
:func:`skdash.datasets.make_regulatory_network`.

**Network.** A fraction ``input_fraction`` of the genes are *input genes*: they
have no regulators and stay constant. The regulators are the input genes plus a
fraction ``regulator_fraction`` of the other genes, with heavy-tailed (Pareto)
preferences so that a few hubs regulate many targets. Every other gene has at
least one regulator; the in-degrees are geometric-like, as in SIM350.

**Kinetics.** ``dx_g/dt = act_g(x) - x_g``. Each regulator enters as a literal
``fAct(x_r, EC50, n)`` (activation) or ``1 - fAct(x_r, EC50, n)`` (repression);
literals are grouped into AND-clauses (products) that are combined with OR
(``a + b - a b``). ``fAct(x, EC50, n) = B x^n / (B - 1 + x^n)`` with
``B = (EC50^n - 1) / (2 EC50^n - 1)``.

**Trajectories.** Initial states as in SIM350 (input genes near a per-gene mean,
others Beta(2, 2) plus a per-gene shift, clipped to [0, 1]); integrated with
scipy's DOP853 (rtol 1e-8, atol 1e-10). ``X`` has Gaussian noise of standard
deviation ``noise_sd = 0.5 * noise``; ``X_test`` is noise-free.

**Prior.** The signed true network (+1 activation, -1 repression), with a fraction
``prior_corruption`` of its edges moved to random empty positions.
"""


_NETWORK_SIMULATE_DOC = """Integrate the true network of this data set from given initial states.

Parameters
----------
x0 : array-like of shape (n_genes,) or (n_trajectories, n_genes), or DataFrame
    Initial expression (a DataFrame is reordered by gene name).
times : array-like of shape (n_times,)
    Strictly increasing output times; ``x0`` is the state at ``times[0]``.
clamp : dict or Series, default=None
    Genes (names or column indices) held at a level in [0, 1] for the whole
    trajectory (their rate is zero): 0 is a knockout, 1 full expression.
rtol, atol : float, default=1e-8, 1e-10
    Tolerances of scipy's DOP853 solver.

Returns
-------
trajectories : ndarray of shape (n_trajectories, n_times, n_genes), or (n_times, n_genes) for 1-D x0
"""


@validate_params(
    {
        **_TIME_COURSE_CONSTRAINTS,
        "n_genes": [Interval(Integral, 2, None, closed="left")],
        "n_edges": [Interval(Integral, 1, None, closed="left"), None],
        "input_fraction": [Interval(Real, 0, 1, closed="neither")],
        "regulator_fraction": [Interval(Real, 0, 1, closed="both")],
        "activation_fraction": [Interval(Real, 0, 1, closed="both")],
        "and_probability": [Interval(Real, 0, 1, closed="both")],
        "ec50_range": ["array-like"],
        "hill_range": ["array-like"],
        "sparse": ["boolean", StrOptions({"auto"})],
    },
    prefer_skip_nested_validation=True,
)
def make_regulatory_network(
    n_genes=100,
    n_edges=None,
    *,
    n_trajectories=150,
    n_test_trajectories=50,
    times=(0, 2, 3, 7, 9),
    noise=0.0,
    prior_corruption=0.0,
    input_fraction=0.2,
    regulator_fraction=0.1,
    activation_fraction=0.68,
    and_probability=0.5,
    ec50_range=(0.3, 0.7),
    hill_range=(1.0, 2.0),
    sparse="auto",
    as_frame=True,
    random_state=None,
):
    """Simulate time courses from a random Hill-kinetics gene regulatory network.

    A generator of SIM350-like benchmarks of any size (a few genes to tens of
    thousands), for scaling studies. The network, kinetics, initial states and
    noise follow the recipe of SIM350 (see :func:`make_sim350`); the right-hand
    side is fully vectorised, so 11 000 genes simulate in seconds.

    Parameters
    ----------
    n_genes : int, default=100
        Number of genes (at least 2).
    n_edges : int or None, default=None
        Number of regulatory edges. None gives SIM350's density, about
        ``n_genes * 550 / 350``. Must allow one regulator for every non-input gene.
    n_trajectories : int, default=150
        Number of training time courses (rows of ``X``: ``n_trajectories * len(times)``).
    n_test_trajectories : int, default=50
        Number of extra noise-free time courses in ``X_test`` (may be 0).
    times : array-like of float, default=(0, 2, 3, 7, 9)
        Strictly increasing sampling times; the initial state is at ``times[0]``.
    noise : float, default=0.0
        Noise level in the papers' sense: Gaussian noise of standard deviation
        ``0.5 * noise`` is added to ``X`` (0.05, 0.1, 0.2 are "5, 10, 20 %").
    prior_corruption : float in [0, 1], default=0.0
        Fraction of the true edges moved to random empty positions in ``prior``
        (see :func:`corrupt_prior`).
    input_fraction : float in (0, 1), default=0.2
        Fraction of genes that are constant inputs (SIM350: 73 of 350).
    regulator_fraction : float in [0, 1], default=0.1
        Fraction of the non-input genes that also regulate others (SIM350: 24 of 277).
    activation_fraction : float in [0, 1], default=0.68
        Probability that an edge activates rather than represses (SIM350: 374 of 550).
    and_probability : float in [0, 1], default=0.5
        Probability that a regulator joins the previous regulator's AND-clause
        rather than starting a new OR-ed clause.
    ec50_range : pair of float in (0, 1), default=(0.3, 0.7)
        Range of the uniform EC50 of each edge.
    hill_range : pair of positive float, default=(1.0, 2.0)
        Range of the uniform Hill coefficient of each edge.
    sparse : bool or "auto", default="auto"
        Return ``prior`` and ``network`` as scipy CSR arrays. "auto" does so above
        2000 genes, where dense matrices would take hundreds of megabytes.
    as_frame : bool, default=True
        If True, ``X`` and ``X_test`` are DataFrames with gene-name columns (so
        that a fitted estimator names its genes), dense
        ``prior`` and ``network`` are DataFrames indexed by gene names, and
        ``frame`` holds the training data in long format (trajectory, time, genes).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of everything random. The network, the per-gene settings, the
        training and test initial states, the noise and the prior corruption use
        independent streams, so for one seed changing ``noise`` does not change
        the underlying noise-free trajectories.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Same layout as :func:`make_sim350`: ``X``, ``t``, ``trajectory``,
        ``X_test``, ``t_test``, ``trajectory_test``, ``prior`` (signed, rows =
        regulators, columns = targets), ``network`` (0/1 true adjacency),
        ``gene_names``, ``input_genes`` (bool mask), ``noise_sd`` and ``DESCR``
        (and ``frame`` with ``as_frame=True``). Test trajectories are numbered
        after the training ones and share the per-gene initial-state settings.
        ``simulate(x0, times, *, clamp=None)`` integrates the true network from
        chosen states, as :func:`~skdash.datasets.simulate_sim350` does for
        SIM350; ``clamp`` holds genes at fixed levels (0 = knockout).

    See Also
    --------
    make_sim350 : The fixed 350-gene benchmark of the DASH and PHOENIX papers.

    Examples
    --------
    >>> from skdash.datasets import make_regulatory_network
    >>> data = make_regulatory_network(50, n_trajectories=4, n_test_trajectories=2,
    ...                                random_state=0)
    >>> data.X.shape, data.X_test.shape, data.prior.shape
    ((20, 50), (10, 50), (50, 50))
    >>> int(data.network.to_numpy().sum()), int(data.input_genes.sum())
    (79, 10)
    >>> knocked = data.simulate(data.X_test.iloc[0], [0.0, 9.0], clamp={"G03": 0.0})
    >>> knocked.shape, float(knocked[-1, 3])
    ((2, 50), 0.0)
    """
    times = _check_times(times)
    ec50_range = _check_pair("ec50_range", ec50_range, Interval(Real, 0, 1, closed="neither"))
    hill_range = _check_pair("hill_range", hill_range, Interval(Real, 0, None, closed="neither"))
    use_sparse = n_genes > _SPARSE_AUTO_THRESHOLD if sparse == "auto" else bool(sparse)
    rngs = _spawn_rngs(random_state, 6)

    model = _random_network(
        n_genes, n_edges, input_fraction=input_fraction, regulator_fraction=regulator_fraction,
        activation_fraction=activation_fraction, and_probability=and_probability,
        ec50_range=ec50_range, hill_range=hill_range, rng=rngs[0],
    )
    sigma = _NOISE_SCALE * float(noise)
    bunch = Bunch(**_simulate_dataset(
        model, model.input_mask, rngs[1:5], n_trajectories=n_trajectories,
        n_test_trajectories=n_test_trajectories, times=times, sigma=sigma,
    ))

    rows, cols, signs = model.signed_edges()
    shape = (n_genes, n_genes)
    prior = sp.csr_array((signs, (rows, cols)), shape=shape)
    network = sp.csr_array((np.ones(rows.size, dtype=np.int64), (rows, cols)), shape=shape)
    if prior_corruption > 0:
        prior = corrupt_prior(prior, prior_corruption, random_state=rngs[5])
    if not use_sparse:
        prior, network = prior.toarray(), network.toarray()

    gene_names = _gene_labels(n_genes)

    def simulate(x0, times, *, clamp=None, rtol=1e-8, atol=1e-10):
        return _simulate_system(model, gene_names, x0, times, clamp=clamp, rtol=rtol, atol=atol)

    # validate_params names the function by its qualified name in its messages
    simulate.__qualname__ = "simulate"
    simulate.__doc__ = _NETWORK_SIMULATE_DOC
    simulate = validate_params(_SIMULATE_CONSTRAINTS, prefer_skip_nested_validation=True)(simulate)
    bunch.update(
        prior=prior, network=network, gene_names=gene_names,
        input_genes=model.input_mask.copy(), noise_sd=sigma, DESCR=_NETWORK_DESCR, simulate=simulate,
    )
    if as_frame:
        _as_frames(bunch, gene_names)
    return bunch
