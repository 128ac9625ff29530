"""SIM350: the 350-gene synthetic benchmark of the PHOENIX and DASH papers."""

import functools
from numbers import Real

import numpy as np
from sklearn.utils import Bunch

from .._compat import Interval, validate_params
from .._gene_matrix import gene_frame
from ._equations import _compile_equations
from ._prior_corruption import corrupt_prior
from ._simulation import _SIMULATE_CONSTRAINTS, _simulate_system
from ._time_courses import _NOISE_SCALE, _TIME_COURSE_CONSTRAINTS, _as_frames, _simulate_dataset
from ._validation import _check_times, _spawn_rngs
from ._loaders import _read_matrix, _read_table

__all__ = ["load_sim350_prior", "make_sim350", "simulate_sim350"]

_SIM350 = "sim350"
_INPUT_SUFFIX = "_input"
# Reference priors shipped with the papers, by fraction of edges moved. The files
# are named after the noise level they were paired with (sigma = 0.5 * fraction).
_REFERENCE_PRIORS = {
    0.0: "edge_prior_matrix_simu_350_noise_0.0.csv",
    0.05: "edge_prior_matrix_simu_350_noise_0.025.csv",
    0.1: "edge_prior_matrix_simu_350_noise_0.05.csv",
    0.2: "edge_prior_matrix_simu_350_noise_0.1.csv",
}


def _readonly(array):
    array.setflags(write=False)
    return array


@functools.lru_cache(maxsize=1)
def _sim350_gene_names():
    """Gene order of every SIM350 matrix and trajectory (input genes end in ``_input``)."""
    return tuple(_read_table(_SIM350, "gene_names.csv").iloc[:, 0].astype(str))


@functools.lru_cache(maxsize=1)
def _sim350_system():
    """Parse ``ode_system_functions.csv`` into a compiled right-hand side.

    The equations name genes without the ``_input`` suffix and list them in another
    order; the state vector follows ``gene_names.csv``.
    """
    names = _sim350_gene_names()
    table = _read_table(_SIM350, "ode_system_functions.csv", dtype=str, keep_default_na=False)
    if table["node"].duplicated().any():
        raise RuntimeError("SIM350 equation file lists a gene twice.")
    variables = [n[: -len(_INPUT_SUFFIX)] if n.endswith(_INPUT_SUFFIX) else n for n in names]
    system = _compile_equations(dict(zip(table["node"], table["eqn"])), variables)
    marked = np.array([n.endswith(_INPUT_SUFFIX) for n in names])
    if not np.array_equal(system.input_mask, marked):
        raise RuntimeError("SIM350 input genes differ between the equation and gene-name files.")
    return system


@functools.lru_cache(maxsize=1)
def _sim350_network():
    return _readonly(_read_matrix(_SIM350, "true_adjacency.csv").astype(np.int64))


@functools.lru_cache(maxsize=None)
def _sim350_prior(filename):
    return _readonly(_read_matrix(_SIM350, filename))


@validate_params(_SIMULATE_CONSTRAINTS, prefer_skip_nested_validation=True)
def simulate_sim350(x0, times, *, clamp=None, rtol=1e-8, atol=1e-10):
    """Integrate the SIM350 ODE system from given initial states.

    Parameters
    ----------
    x0 : array-like of shape (350,) or (n_trajectories, 350), or DataFrame
        Initial expression, columns in the order of ``make_sim350().gene_names``
        (a DataFrame is reordered by its column names). Input genes stay
        constant. The Hill functions clip their argument to [0, 1].
    times : array-like of shape (n_times,)
        Strictly increasing output times; ``x0`` is the state at ``times[0]``.
    clamp : dict or Series, default=None
        Genes (names or column indices) held at a level in [0, 1] for the whole
        trajectory: they start there and their rate is zero. 0 is a knockout,
        1 full expression; an input gene can be clamped like any other.
    rtol, atol : float, default=1e-8, 1e-10
        Tolerances of scipy's DOP853 solver. All trajectories are solved as one
        stacked system.

    Returns
    -------
    trajectories : ndarray of shape (n_trajectories, n_times, 350)
        Or ``(n_times, 350)`` when ``x0`` is 1-D.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.datasets import simulate_sim350
    >>> x = simulate_sim350(np.full(350, 0.5), [0.0, 1.0, 5.0])
    >>> x.shape
    (3, 350)
    >>> knocked = simulate_sim350(np.full(350, 0.5), [0.0, 5.0], clamp={"ABF1_input": 0.0})
    >>> float(knocked[-1, 0])
    0.0
    """
    return _simulate_system(_sim350_system(), _sim350_gene_names(), x0, times, clamp=clamp, rtol=rtol, atol=atol,
                            label="SIM350")


@validate_params(
    {"corruption": [Interval(Real, 0, 1, closed="both")], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_sim350_prior(corruption=0.0, *, as_frame=False):
    """Load one of the SIM350 prior networks shipped with the DASH paper.

    Parameters
    ----------
    corruption : {0.0, 0.05, 0.1, 0.2}, default=0.0
        Fraction of the 550 true edges that were moved to random places (27, 55
        and 110 edges for 0.05, 0.1 and 0.2). The papers pair them with the noise
        levels 5, 10 and 20 % (files ``..._noise_{0.025, 0.05, 0.1}.csv``).
    as_frame : bool, default=False
        Return a DataFrame indexed and columned by gene names.

    Returns
    -------
    prior : ndarray or DataFrame of shape (350, 350)
        Signed prior (+1 activation, -1 repression), rows = regulators, columns =
        targets. For random corruptions at any level use :func:`make_sim350` with
        ``prior_corruption`` or :func:`corrupt_prior`.

    Examples
    --------
    >>> from skdash.datasets import load_sim350_prior
    >>> prior = load_sim350_prior(0.1)
    >>> prior.shape, int((prior != 0).sum())
    ((350, 350), 550)
    """
    levels = np.array(list(_REFERENCE_PRIORS))
    match = np.flatnonzero(np.isclose(levels, corruption, rtol=0.0, atol=1e-9))
    if match.size == 0:
        raise ValueError(
            f"corruption must be one of {levels.tolist()} (the shipped priors), got {corruption}. "
            "Use corrupt_prior for other levels."
        )
    prior = _sim350_prior(_REFERENCE_PRIORS[levels[match[0]]]).copy()
    return gene_frame(prior, _sim350_gene_names()) if as_frame else prior


_SIM350_DESCR = """\
SIM350 synthetic gene regulatory network
----------------------------------------

The synthetic benchmark of the PHOENIX (Hossain et al., Genome Biology 2024) and
DASH (arXiv:2403.04805) papers: 350 genes named after yeast transcriptional
regulators, 550 regulatory edges (374 activating, 176 repressing) and 73 constant
*input genes* (suffix ``_input``).

**Kinetics.** ``dx_g/dt = act_g(x) - x_g`` with ``act_g`` a Boolean-like
combination of Hill activations ``fAct(x, EC50, n) = B x^n / (B - 1 + x^n)``,
``B = (EC50^n - 1) / (2 EC50^n - 1)`` (AND = ``a b``, OR = ``a + b - a b``,
NOT = ``1 - a``). The equations are read from the bundled
``ode_system_functions.csv`` and integrated with scipy's DOP853 (rtol 1e-8,
atol 1e-10); this reproduces the 10 test trajectories shipped with the papers.

**Initial states.** Per-gene settings are drawn once per data set and shared by
all its trajectories (training and test). Input genes: mean ``mu ~ Beta(10, 10)``,
``sd = max(Beta(15, 15) min(mu, 1 - mu) / 3, 0.01)``; each trajectory draws
``N(mu, sd)`` restricted to [0, 1] and keeps it constant. Other genes:
``Beta(2, 2)`` plus a per-gene shift ``U(-0.25, 0.25)``, clipped to [0, 1].

**Data.** ``X`` stacks the training trajectories (rows trajectory-major, then
time) with Gaussian noise of standard deviation ``noise_sd = 0.5 * noise``
(``noise`` = 0.05, 0.1, 0.2 are the papers' 5, 10, 20 %). ``X_test`` holds
noise-free trajectories with the same per-gene settings, numbered after the
training ones.

**Prior.** The signed true network (+1 / -1, rows regulate columns) with a
fraction ``prior_corruption`` of its edges moved to random empty positions. The
exact priors used in the paper are available from ``load_sim350_prior``.

Source: the public, MIT-licensed repositories of the PHOENIX and DASH authors
(QuackenbushLab/phoenix, QuackenbushLab/DASH); licence in
``skdash/datasets/data/LICENSE-phoenix-dash-data.txt``.
"""


@validate_params(_TIME_COURSE_CONSTRAINTS, prefer_skip_nested_validation=True)
def make_sim350(
    noise=0.0,
    prior_corruption=0.0,
    *,
    n_trajectories=150,
    n_test_trajectories=50,
    times=(0, 2, 3, 7, 9),
    as_frame=True,
    random_state=None,
):
    """Simulate the SIM350 benchmark: 350 genes, 550 edges, Hill kinetics.

    The synthetic data set on which PHOENIX and DASH are evaluated. Each call draws
    fresh initial states (per-gene settings shared by all trajectories of the
    call), integrates the true ODE system and adds expression noise to the
    training data.

    Parameters
    ----------
    noise : float >= 0, default=0.0
        Noise level in the papers' sense: Gaussian noise of standard deviation
        ``0.5 * noise`` is added to ``X`` (0, 0.05, 0.1, 0.2 give sigma 0, 0.025,
        0.05, 0.1). ``X_test`` stays noise-free. Values are not clipped.
    prior_corruption : float in [0, 1], default=0.0
        Fraction of the 550 true edges moved to random empty positions in
        ``prior``, keeping their signs (see :func:`corrupt_prior`).
    n_trajectories : int, default=150
        Number of training time courses.
    n_test_trajectories : int, default=50
        Number of noise-free test time courses (may be 0).
    times : array-like of float, default=(0, 2, 3, 7, 9)
        Strictly increasing sampling times; the initial state is at ``times[0]``.
    as_frame : bool, default=True
        If True, ``X`` and ``X_test`` are DataFrames with gene-name columns (so
        that a fitted estimator names its genes),
        ``prior`` and ``network`` DataFrames indexed and columned by gene names,
        and ``frame`` holds the training data in long format
        (trajectory, time, genes).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of everything random. Per-gene settings, training and test initial
        states, noise and prior corruption use independent streams: for one seed,
        ``noise`` and ``prior_corruption`` do not change the noise-free
        trajectories, and ``n_test_trajectories`` does not change ``X``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With the following keys:

        X : ndarray or DataFrame of shape (n_trajectories * n_times, 350)
            Noisy training expression; rows trajectory-major, then time.
        t : ndarray of shape (n_trajectories * n_times,)
            Time of each row of ``X``.
        trajectory : ndarray of int of shape (n_trajectories * n_times,)
            Trajectory id of each row of ``X`` (0 to ``n_trajectories - 1``).
        X_test, t_test, trajectory_test
            The same for the noise-free test trajectories, whose ids continue after
            the training ones.
        prior : ndarray or DataFrame of shape (350, 350)
            Signed prior network (+1 activation, -1 repression), rows = regulators,
            columns = targets; the true network when ``prior_corruption=0``.
        network : ndarray or DataFrame of shape (350, 350)
            0/1 true adjacency (550 edges).
        gene_names : list of str
            Gene names; constant input genes end in ``_input``.
        input_genes : ndarray of bool of shape (350,)
            Mask of the 73 input genes.
        noise_sd : float
            Standard deviation of the noise added to ``X``.
        DESCR : str
            Description of the data set.

    See Also
    --------
    simulate_sim350 : Integrate SIM350 from chosen initial states.
    load_sim350_prior : The exact corrupted priors of the paper.
    make_regulatory_network : Random networks of any size.

    Examples
    --------
    >>> from skdash.datasets import make_sim350
    >>> data = make_sim350(noise=0.05, n_trajectories=10, n_test_trajectories=2,
    ...                    random_state=0)
    >>> data.X.shape, data.X_test.shape, data.noise_sd
    ((50, 350), (10, 350), 0.025)
    >>> int(data.network.to_numpy().sum()), int(data.input_genes.sum())
    (550, 73)
    """
    times = _check_times(times)
    rngs = _spawn_rngs(random_state, 5)

    system = _sim350_system()
    sigma = _NOISE_SCALE * float(noise)
    bunch = Bunch(**_simulate_dataset(
        system, system.input_mask, rngs[:4], n_trajectories=n_trajectories,
        n_test_trajectories=n_test_trajectories, times=times, sigma=sigma,
    ))
    prior = _sim350_prior(_REFERENCE_PRIORS[0.0]).copy()
    if prior_corruption > 0:
        prior = corrupt_prior(prior, prior_corruption, random_state=rngs[4])
    gene_names = list(_sim350_gene_names())
    bunch.update(
        prior=prior, network=_sim350_network().copy(), gene_names=gene_names,
        input_genes=system.input_mask.copy(), noise_sd=sigma, DESCR=_SIM350_DESCR,
    )
    if as_frame:
        _as_frames(bunch, gene_names)
    return bunch
