"""Time courses from a known signed network, simulated by harissa (private helper of network.py).

harissa (Herbach et al., PyPI ``harissa``) simulates a gene network as a
piecewise-deterministic Markov process: promoters switch on at a rate set by a
sigmoid of the regulators' protein levels, mRNA arrives in random bursts, and
proteins follow mRNA.  Nothing of it shares code or kinetics with skdash's Hill
ODE simulator, which is why network.py uses it as the independent one.

The network (drawn here, see :func:`draw_network`) has a hidden stimulus that
switches on a fifth of the genes (the inputs); every other gene gets one to
three regulators among a pool of regulator genes, 70% of them activating.  Its
``inter`` matrix is rows = regulators, columns = targets, skdash's orientation.
The observed expression of a gene is its protein level (continuous; the mRNA is
the hidden bursting intermediate), divided by the gene's largest clean value in
the data set so that every gene lies on [0, 1] before noise is added.
"""

import functools

import numpy as np
from sklearn.utils import Bunch

from skdash.datasets import corrupt_prior

#: harissa counts the stimulus as gene 0 of its matrices; the observed genes are 1..n.
_STIMULUS = 0
_NOISE_SCALE = 0.5   # the convention of make_sim350: noise 0.05 -> sd 0.025


@functools.lru_cache(maxsize=None)
def _compiled_seeder():
    from numba import njit

    @njit
    def seed_compiled(value):
        np.random.seed(value)

    return seed_compiled


def _seed_harissa(seed, use_numba):
    """Seed harissa's draws: numpy's global generator, and numba's, which np.random.seed does not reach."""
    if use_numba:
        _compiled_seeder()(seed)
    np.random.seed(seed)


def _check_positive_int(name, value, minimum=1):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def draw_network(n_genes, rng, *, input_fraction=0.2, regulator_fraction=0.25, activating_fraction=0.7):
    """A random signed network in harissa's form.

    Returns
    -------
    inter : ndarray of shape (n_genes + 1, n_genes + 1)
        harissa's interaction matrix, stimulus first.
    basal : ndarray of shape (n_genes + 1,)
    inputs : ndarray of bool of shape (n_genes,)
        Genes driven by the (unobserved) stimulus only.
    """
    n_inputs = max(1, int(round(input_fraction * n_genes)))
    genes = np.arange(1, n_genes + 1)
    inputs = np.zeros(n_genes, dtype=bool)
    inputs[rng.choice(n_genes, n_inputs, replace=False)] = True
    regulators = rng.choice(genes, max(2, int(round(regulator_fraction * n_genes))), replace=False)
    inter = np.zeros((n_genes + 1, n_genes + 1))
    basal = np.zeros(n_genes + 1)
    inter[_STIMULUS, genes[inputs]] = 8.0
    basal[genes[inputs]] = -4.0
    for target in genes[~inputs]:
        pool = regulators[regulators != target]
        chosen = rng.choice(pool, min(pool.size, rng.integers(1, 4)), replace=False)
        signs = np.where(rng.random(chosen.size) < activating_fraction, 1.0, -1.0)
        inter[chosen, target] = signs * rng.uniform(6.0, 10.0, chosen.size)
        # a gene repressed only needs to be on when its repressors are off
        basal[target] = -4.0 if np.any(signs > 0) else 4.0
    return inter, basal, inputs


def simulate_harissa(n_genes, *, n_trajectories, times, random_state, use_numba=True):
    """Clean time courses of a random network: the part of a data set that noise and prior do not change.

    Each trajectory starts from random protein levels (uniform on [0, 1], the
    mRNA at its matching level), the stimulus switches on at ``times[0]``, and
    the bursty process is sampled at ``times``.

    Parameters
    ----------
    n_genes : int >= 2
    n_trajectories : int >= 1
    times : sequence of float, strictly increasing, starting at >= 0
    random_state : int
        Seeds the network, the kinetics, the initial states and every burst.
    use_numba : bool, default=True
        harissa's compiled simulator (about 4x faster at 350 genes, after a
        compilation of about 15 s per process) or its pure-numpy one.  The two
        draw from different generators, so they give different (equally valid) samples.

    Returns
    -------
    Bunch with X_clean (n_trajectories * n_times, n_genes) on [0, 1], t,
    trajectory, network (signed, rows = regulators, columns = targets),
    gene_names and input_genes.
    """
    from harissa import NetworkModel

    n_genes = _check_positive_int("n_genes", n_genes, 2)
    n_trajectories = _check_positive_int("n_trajectories", n_trajectories)
    times = np.asarray(times, dtype=float)
    if (times.ndim != 1 or times.size < 2 or not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0)
            or times[0] < 0):
        raise ValueError(f"times must be >= 2 finite, strictly increasing values >= 0; got {times.tolist()}.")
    rng = np.random.default_rng(random_state)
    inter, basal, inputs = draw_network(n_genes, rng)

    model = NetworkModel(n_genes)
    model.inter, model.basal = inter, basal
    protein_decay = rng.uniform(0.15, 0.4, n_genes)
    model.d[1, 1:] = protein_decay
    model.d[0, 1:] = 5.0 * protein_decay   # mRNA faster than protein, as in cells
    model.a[0, 1:] = 0.1                   # small leak, so that no gene is silent forever
    mrna_per_protein = model.a[1] / (model.d[0] * model.a[2])   # steady-state M for P = 1

    samples = np.empty((n_trajectories, times.size, n_genes))
    seeds = rng.integers(0, 2**31 - 1, n_trajectories)
    for i in range(n_trajectories):
        p0 = np.r_[0.0, rng.uniform(0.0, 1.0, n_genes)]
        _seed_harissa(int(seeds[i]), use_numba)
        sim = model.simulate(times - times[0], M0=p0 * mrna_per_protein, P0=p0, use_numba=use_numba)
        samples[i] = sim.p   # harissa drops the stimulus from its output
    scale = samples.max(axis=(0, 1))
    if np.any(scale <= 0):
        raise RuntimeError("A simulated gene never expressed any protein; cannot scale it to [0, 1].")
    X_clean = (samples / scale).reshape(-1, n_genes)
    network = inter[1:, 1:].copy()
    return Bunch(
        X_clean=X_clean, t=np.tile(times, n_trajectories), trajectory=np.repeat(np.arange(n_trajectories), times.size),
        network=np.sign(network), gene_names=[f"G{j:04d}" for j in range(n_genes)], input_genes=inputs,
    )


def make_harissa_dataset(clean, *, noise, prior_corruption, random_state):
    """Add noise and build the prior: the cheap part of a data set, from :func:`simulate_harissa`'s output.

    Noise and prior corruption use independent streams, so neither changes the other.

    Returns
    -------
    Bunch with X, t, trajectory, prior (signed; the true network moved by
    ``corrupt_prior``), network (0/1), gene_names, input_genes, noise_sd.
    """
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}.")
    if not 0 <= prior_corruption <= 1:
        raise ValueError(f"prior_corruption must be in [0, 1]; got {prior_corruption!r}.")
    noise_rng, prior_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(random_state).spawn(2))
    sigma = _NOISE_SCALE * noise
    X = clean.X_clean + noise_rng.normal(0.0, sigma, clean.X_clean.shape) if sigma > 0 else clean.X_clean.copy()
    prior = clean.network.copy()
    if prior_corruption > 0:
        prior = corrupt_prior(prior, prior_corruption, random_state=prior_rng)
    return Bunch(X=X, t=clean.t, trajectory=clean.trajectory, prior=prior,
                 network=(clean.network != 0).astype(int), gene_names=list(clean.gene_names),
                 input_genes=clean.input_genes, noise_sd=sigma)
