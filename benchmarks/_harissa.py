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


def network_model(n_genes, rng):
    """The harissa model of a random network drawn from ``rng``: the kinetics and the network.

    Returns the ``NetworkModel``, the input genes (bool, shape (n_genes,)) and the
    mRNA level per unit of protein at steady state (shape (n_genes + 1,), for
    starting a trajectory with matching mRNA).
    """
    from harissa import NetworkModel

    inter, basal, inputs = draw_network(n_genes, rng)
    model = NetworkModel(n_genes)
    model.inter, model.basal = inter, basal
    protein_decay = rng.uniform(0.15, 0.4, n_genes)
    model.d[1, 1:] = protein_decay
    model.d[0, 1:] = 5.0 * protein_decay   # mRNA faster than protein, as in cells
    model.a[0, 1:] = 0.1                   # small leak, so that no gene is silent forever
    mrna_per_protein = model.a[1] / (model.d[0] * model.a[2])   # steady-state M for P = 1
    return model, inputs, mrna_per_protein


def _check_times(times):
    times = np.asarray(times, dtype=float)
    if (times.ndim != 1 or times.size < 2 or not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0)
            or times[0] < 0):
        raise ValueError(f"times must be >= 2 finite, strictly increasing values >= 0; got {times.tolist()}.")
    return times


def _run(model, mrna_per_protein, initial_protein, times, seeds, use_numba):
    """Protein levels (n_states, n_times, n_genes) of one run per initial state, each seeded by its seed."""
    samples = np.empty((len(initial_protein), times.size, model.basal.size - 1))
    for i, (protein, seed) in enumerate(zip(initial_protein, seeds)):
        p0 = np.r_[0.0, protein]
        _seed_harissa(int(seed), use_numba)
        sim = model.simulate(times - times[0], M0=p0 * mrna_per_protein, P0=p0, use_numba=use_numba)
        samples[i] = sim.p   # harissa drops the stimulus from its output
    return samples


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
    gene_names, input_genes, and scale (per gene: the protein level that
    became 1) and random_state, which :func:`knockout_shifts` needs to rebuild
    the same network.
    """
    n_genes = _check_positive_int("n_genes", n_genes, 2)
    n_trajectories = _check_positive_int("n_trajectories", n_trajectories)
    times = _check_times(times)
    rng = np.random.default_rng(random_state)
    model, inputs, mrna_per_protein = network_model(n_genes, rng)
    seeds = rng.integers(0, 2**31 - 1, n_trajectories)
    # drawn one trajectory at a time, interleaved with nothing else, so the stream matches earlier data sets
    initial = np.array([rng.uniform(0.0, 1.0, n_genes) for _ in range(n_trajectories)])
    samples = _run(model, mrna_per_protein, initial, times, seeds, use_numba)
    scale = samples.max(axis=(0, 1))
    if np.any(scale <= 0):
        raise RuntimeError("A simulated gene never expressed any protein; cannot scale it to [0, 1].")
    X_clean = (samples / scale).reshape(-1, n_genes)
    network = model.inter[1:, 1:].copy()
    return Bunch(
        X_clean=X_clean, t=np.tile(times, n_trajectories), trajectory=np.repeat(np.arange(n_trajectories), times.size),
        network=np.sign(network), gene_names=[f"G{j:04d}" for j in range(n_genes)], input_genes=inputs,
        scale=scale, random_state=random_state,
    )


def knockout_model(model, genes):
    """A copy of the harissa ``model`` in which ``genes`` (0-based observed genes) never burst.

    Their promoters never switch on (no leak, and a basal level of -inf makes
    the regulated rate 0 whatever the regulators do), so with no mRNA and no
    protein at the start they stay at 0: a knockout of the gene's product.
    """
    from harissa import NetworkModel

    columns = np.asarray(genes, dtype=int) + 1   # harissa's gene 0 is the stimulus
    knocked = NetworkModel(model.basal.size - 1)
    knocked.a, knocked.d = model.a.copy(), model.d.copy()
    knocked.inter, knocked.basal = model.inter.copy(), model.basal.copy()
    knocked.a[0, columns] = 0.0
    knocked.basal[columns] = -np.inf
    return knocked


def knockout_shifts(clean, genes, *, n_states, horizon, random_state, use_numba=True):
    """True mean shifts of every gene at ``horizon`` when each of ``genes`` is knocked out.

    The network of ``clean`` (from :func:`simulate_harissa`) is rebuilt from its
    ``random_state``; ``n_states`` initial states are drawn as the training
    trajectories' were (protein uniform on [0, 1]), and each is run once
    unperturbed and once per knockout with the same seed, so that the bursts
    agree until the knockout changes them.  The process is stochastic: the mean
    over the states estimates the expected shift, with a standard error of
    about the run-to-run spread over sqrt(n_states).

    Returns
    -------
    states : ndarray of shape (n_states, n_genes)
        The initial states in the units of ``clean.X_clean``.
    shifts : ndarray of shape (len(genes), n_genes)
        Mean over the states of (knockout - unperturbed) at ``horizon``, in the same units.
    standard_errors : ndarray of shape (len(genes), n_genes)
        The standard error of each mean: a benchmark should score only shifts
        well above it.
    """
    n_states = _check_positive_int("n_states", n_states)
    if not np.isfinite(horizon) or horizon <= 0:
        raise ValueError(f"horizon must be a finite number > 0; got {horizon!r}.")
    n_genes = len(clean.gene_names)
    genes = np.asarray(genes, dtype=int)
    if genes.ndim != 1 or np.any((genes < 0) | (genes >= n_genes)):
        raise ValueError(f"genes must be indices in [0, {n_genes}); got {genes.tolist()}.")
    model, _, mrna_per_protein = network_model(n_genes, np.random.default_rng(int(clean.random_state)))
    rng = np.random.default_rng(random_state)
    initial = rng.uniform(0.0, 1.0, (n_states, n_genes))
    seeds = rng.integers(0, 2**31 - 1, n_states)
    times = np.array([0.0, float(horizon)])
    reference = _run(model, mrna_per_protein, initial, times, seeds, use_numba)[:, -1]
    shifts, standard_errors = np.empty((2, genes.size, n_genes))
    for row, gene in enumerate(genes):
        start = initial.copy()
        start[:, gene] = 0.0
        knocked = _run(knockout_model(model, [gene]), mrna_per_protein, start, times, seeds, use_numba)[:, -1]
        difference = knocked - reference
        shifts[row] = difference.mean(axis=0)
        standard_errors[row] = difference.std(axis=0, ddof=1) / np.sqrt(n_states) if n_states > 1 else np.inf
    scale = np.asarray(clean.scale, dtype=float)
    return initial / scale, shifts / scale, standard_errors / scale


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


def simulate_harissa_pulses(n_genes, *, n_trajectories, times, n_stimulated, random_state, burn_in=30.0,
                            use_numba=True):
    """Time courses in the design of the standard small no-prior benchmarks: a hidden pulse per course.

    The network is :func:`draw_network`'s, with its stimulus links removed: its
    input genes become unregulated genes of moderate activity (basal 0).  Each
    course starts near the network's steady state (``burn_in`` time units from
    no mRNA and no protein, unrecorded); an unobserved stimulus then pushes
    ``n_stimulated`` random genes up or down (links of +-6 to +-10) for the
    first half of ``times`` and is switched off for the second half.  Each course
    hits other genes, so no regulator explains the first half's shifts.

    Returns
    -------
    Bunch with X_clean (n_trajectories * n_times, n_genes) on [0, 1], t,
    trajectory, network (signed, rows = regulators, columns = targets),
    gene_names, input_genes (draw_network's inputs: genes without regulators,
    which only the pulses move), stimulated (bool, (n_trajectories, n_genes))
    and scale; :func:`make_harissa_dataset` adds the noise.
    """
    n_genes = _check_positive_int("n_genes", n_genes, 2)
    n_trajectories = _check_positive_int("n_trajectories", n_trajectories)
    n_stimulated = _check_positive_int("n_stimulated", n_stimulated)
    if n_stimulated > n_genes:
        raise ValueError(f"n_stimulated must be at most n_genes ({n_genes}); got {n_stimulated}.")
    times = _check_times(times)
    if times.size < 3:
        raise ValueError("times must hold at least 3 values: a stimulated half and a released half.")
    if not np.isfinite(burn_in) or burn_in <= 0:
        raise ValueError(f"burn_in must be a finite time > 0; got {burn_in!r}.")
    rng = np.random.default_rng(random_state)
    model, inputs, _ = network_model(n_genes, rng)
    # copies: draw_network's arrays are cached, and the stimulus row changes per course
    model.inter, model.basal = model.inter.copy(), model.basal.copy()
    model.basal[1:][inputs] = 0.0
    half = times.size // 2
    courses, stimulated = [], np.zeros((n_trajectories, n_genes), dtype=bool)
    no_stimulus = np.zeros(n_genes + 1)
    for course in range(n_trajectories):
        seed = int(rng.integers(0, 2**31 - 1))
        hit = rng.choice(n_genes, n_stimulated, replace=False)
        stimulus = no_stimulus.copy()
        stimulus[hit + 1] = rng.choice([-1.0, 1.0], n_stimulated) * rng.uniform(6.0, 10.0, n_stimulated)
        stimulated[course, hit] = True
        _seed_harissa(seed, use_numba)
        model.inter[_STIMULUS] = no_stimulus
        start = model.simulate(np.array([0.0, burn_in]), M0=np.zeros(n_genes + 1), P0=np.zeros(n_genes + 1),
                               use_numba=use_numba)
        model.inter[_STIMULUS] = stimulus
        pulse = model.simulate(times[:half + 1] - times[0], M0=np.r_[0.0, start.m[-1]], P0=np.r_[0.0, start.p[-1]],
                               use_numba=use_numba)
        model.inter[_STIMULUS] = no_stimulus
        release = model.simulate(times[half:] - times[half], M0=np.r_[0.0, pulse.m[-1]],
                                 P0=np.r_[0.0, pulse.p[-1]], use_numba=use_numba)
        courses.append(np.vstack([pulse.p, release.p[1:]]))
    samples = np.array(courses)
    scale = samples.max(axis=(0, 1))
    if np.any(scale <= 0):
        raise RuntimeError("A simulated gene never expressed any protein; cannot scale it to [0, 1].")
    network = np.sign(model.inter[1:, 1:])
    return Bunch(
        X_clean=(samples / scale).reshape(-1, n_genes), t=np.tile(times, n_trajectories),
        trajectory=np.repeat(np.arange(n_trajectories), times.size), network=network,
        gene_names=[f"G{j:04d}" for j in range(n_genes)], input_genes=inputs, stimulated=stimulated, scale=scale,
    )
