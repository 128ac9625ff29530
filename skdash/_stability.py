"""StabilitySelection: edge confidence from refits of a network estimator on resampled data.

One DASH fit is one draw: fits that differ only in their seed share about half
of their edges.  This meta-estimator refits clones of a base estimator on
resampled time courses, each with its own seed, and reports for every pair of
genes the fraction of refits whose network contains it.
"""

import time
import warnings
from numbers import Integral, Real

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._compat import HasMethods, Interval, _fit_context, validate_data
from ._data import align_to_fitted_genes, check_expression_scale, check_time_axis, transitions_from_time_axis
from ._estimator import DASHRegulatoryEstimator, reject_score_without_time_axis, reject_unrouted_time_axis
from ._gene_matrix import edge_list, to_matrix
from ._perturbation import effects_over_members, first_states, influence_from_effects, simulation_reference
from ._progress import member_progress
from ._training import explained_worker_failure, parallel_share
from .exceptions import DataScaleWarning


def _member_edge_scores(member):
    """Evidence of a fitted member for every pair of genes (larger = stronger).

    The one place that reads a member's ranking score.
    """
    return np.asarray(member.edge_scores_, dtype=np.float64)


def _resampling_units(n_samples, t, trajectory, block_length):
    """Row indices of the units that are resampled, and the time of every row.

    Units are the trajectories with at least two snapshots when there are two
    or more of them; otherwise the blocks of ``block_length`` consecutive
    transitions of the one trajectory (neighbouring blocks share their boundary
    snapshot).  Rows inside a unit are sorted by time and units are ordered by
    trajectory label, so the units do not depend on the order of the rows.
    """
    times, _ = check_time_axis(n_samples, t, trajectory)
    if trajectory is None:
        codes = np.zeros(n_samples, dtype=np.intp)
    else:
        try:
            codes = np.unique(np.asarray(trajectory), return_inverse=True)[1].ravel()
        except TypeError:
            raise TypeError("trajectory labels must be mutually comparable (all numbers or all strings), "
                            "so that resampling does not depend on the order of the rows.") from None
    # raises for duplicate times in a trajectory and for data without transitions
    transitions_from_time_axis(times, codes)
    order = np.lexsort((times, codes))
    boundaries = np.flatnonzero(np.diff(codes[order])) + 1
    trajectories = [rows for rows in np.split(order, boundaries) if rows.size >= 2]
    if len(trajectories) >= 2:
        return trajectories, times, "trajectory"
    rows = trajectories[0]
    n_transitions = rows.size - 1
    blocks = [rows[start:start + block_length + 1] for start in range(0, n_transitions, block_length)]
    return blocks, times, "block"


def _draw_units(n_units, subsample, bootstrap, rng):
    """Sorted indices of the units one member is fitted on."""
    n_draw = max(1, int(round(subsample * n_units)))
    if not bootstrap:
        n_draw = min(n_draw, n_units)
    return np.sort(rng.choice(n_units, size=n_draw, replace=bootstrap))


def _fit_member(member, X, t, trajectory):
    """Fit one member (run by joblib, possibly on another process or machine)."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        # the scale of X was checked (and warned about) once, by the ensemble
        warnings.simplefilter("ignore", DataScaleWarning)
        member.fit(X, t=t, trajectory=trajectory)
    return member, time.perf_counter() - start


class StabilitySelection(MetaEstimatorMixin, BaseEstimator):
    """Edge confidence by stability selection: refits of a network estimator on resampled data.

    Each of ``n_estimators`` clones of ``estimator`` (the members) is fitted on
    a resample of the time courses with its own seed.  The confidence of an
    edge is the fraction of members whose reported network (``adjacency_``)
    contains it; the default network keeps the edges found by at least
    ``threshold`` of them (stability selection, Meinshausen & Bühlmann 2010).

    Resampling: with two or more trajectories, whole trajectories are drawn
    (a transition never mixes two of them); with one trajectory, blocks of
    ``block_length`` consecutive transitions are drawn and each becomes a short
    trajectory of its own.  By default a fraction ``subsample`` of the units is
    drawn without replacement, as in Meinshausen & Bühlmann's stability
    selection (whose error bound assumes half the data without replacement);
    ``bootstrap=True`` draws with replacement instead (a unit drawn twice
    appears twice, as two trajectories).  The units and the draws do not depend
    on the order of the rows.

    Confidence measures stability under resampling of the data and of the
    seed, not the probability that an edge is true: an edge that the model
    finds consistently for the wrong reason (a wrong prior edge, a confounding
    co-regulator) gets a high confidence too.

    Parameters
    ----------
    estimator : estimator object, default=None
        The base network estimator; ``None`` means
        ``DASHRegulatoryEstimator()``.  It must be fitted as
        ``fit(X, t=..., trajectory=...)`` and report ``adjacency_`` (bool,
        genes x genes) and ``network_`` (signed effects).  Its ``random_state``
        is replaced by a seed derived from this estimator's ``random_state``,
        and its ``n_threads`` (when it has one and it is None) by the rule
        described under ``n_jobs``.
    n_estimators : int, default=20
        Number of members.
    subsample : float in (0, 1], default=0.5
        Fraction of the units (trajectories or blocks) drawn for each member,
        at least one.
    bootstrap : bool, default=False
        Draw the units with replacement (True) or without (False).  With
        ``subsample=1`` and no bootstrap every member sees all the data and
        only the seeds differ.
    block_length : int, default=1
        Transitions per block when there is a single trajectory (1 resamples
        single transitions).  Ignored with several trajectories.
    threshold : float in (0, 1], default=0.5
        Smallest confidence of an edge in the default network (``adjacency_``,
        :meth:`get_network`).
    n_jobs : int, default=None
        Members fitted in parallel by :class:`joblib.Parallel` (None: 1 unless
        in a :func:`joblib.parallel_backend` context, e.g. ``"dask"``).  A base
        estimator whose ``n_threads`` is None gets
        ``max(1, joblib.cpu_count() // n_workers)`` threads, ``n_workers`` the
        number of members run at once, so that the workers do not oversubscribe
        the cores.  For results identical bit for bit whatever ``n_jobs`` is,
        set the base estimator's ``n_threads`` yourself (torch sums in another
        order with another number of threads).  The workers receive pickled
        copies of the base estimator, so its class must be importable there
        (otherwise fit raises a RuntimeError that says so).
    random_state : int, RandomState instance or None, default=None
        Seeds the resampling and the members: a :class:`numpy.random.SeedSequence`
        built from it is spawned into one child per member, which draws that
        member's units and its ``random_state``.  Member ``i`` depends only on
        this seed and ``i``, not on ``n_jobs`` or the backend.
    verbose : int, default=0
        Report the members as they finish (a tqdm bar on a terminal, one line
        each otherwise; 2 adds the lines to the bar).  The members' own
        ``verbose`` is the base estimator's.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members.
    units_ : list of ndarray
        For each member, the indices of the units it was fitted on (into the
        trajectories sorted by label, or the blocks in time order).
    resampling_ : {"trajectory", "block"}
        What was resampled.
    confidence_ : ndarray of shape (n_genes, n_genes)
        Fraction of members whose ``adjacency_`` contains each pair (rows
        regulators, columns targets), in [0, 1].
    network_ : ndarray of shape (n_genes, n_genes)
        Mean signed effect over all members (members without the edge count as 0).
    sign_agreement_ : ndarray of shape (n_genes, n_genes)
        Among the members that keep an edge, the fraction whose effect has the
        sign of ``network_`` (0 where no member keeps it).
    edge_scores_ : ndarray of shape (n_genes, n_genes)
        Ranking of all pairs: by confidence, ties broken by the members' mean
        edge score (which moves a pair by less than half a confidence step).
    adjacency_ : ndarray of bool of shape (n_genes, n_genes)
        The default network: ``confidence_ >= threshold``.
    expected_false_edges_bound_ : float
        Meinshausen & Bühlmann's bound ``q**2 / ((2 * threshold - 1) * p)`` on
        the expected number of false edges in ``adjacency_``, with ``q`` the mean
        number of off-diagonal edges per member and ``p`` the number of
        off-diagonal pairs; ``inf`` when ``threshold <= 0.5``.  It assumes
        subsamples of half the data without replacement, exchangeable noise
        edges and a selection better than random, which a network estimator
        need not satisfy: read it as an order of magnitude.
    n_threads_per_member_ : int or None
        Threads given to each member (None when the base estimator's was kept).
    n_features_in_ : int
        Number of genes.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Gene names, when X was a DataFrame with string columns.

    See Also
    --------
    DASHRegulatoryEstimator : The default base estimator.
    skdash.plotting.plot_confidence : Heatmap of the confidence.

    References
    ----------
    N. Meinshausen and P. Bühlmann, "Stability selection", Journal of the Royal
    Statistical Society B 72(4):417-473, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash import DASHRegulatoryEstimator, StabilitySelection
    >>> from skdash.pruning import PruningSchedule
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0.2, 0.8, size=(30, 4))
    >>> base = DASHRegulatoryEstimator(hidden_units=4, max_epochs=3, sparsity=0.5,
    ...                                pruning=PruningSchedule(start=1, initial=0.5), n_threads=1)
    >>> stability = StabilitySelection(base, n_estimators=3, random_state=0)
    >>> stability.fit(X, t=np.tile(np.arange(5.0), 6), trajectory=np.repeat(np.arange(6), 5))
    StabilitySelection(...)
    >>> stability.confidence_.shape
    (4, 4)
    >>> list(stability.get_network().columns)
    ['regulator', 'target', 'weight', 'confidence', 'sign']
    """

    __metadata_request__fit = {"t": True, "trajectory": True}
    __metadata_request__score = {"t": True, "trajectory": True}

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "get_params", "set_params"]), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "bootstrap": ["boolean"],
        "block_length": [Interval(Integral, 1, None, closed="left")],
        "threshold": [Interval(Real, 0, 1, closed="right")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, estimator=None, *, n_estimators=20, subsample=0.5, bootstrap=False, block_length=1,
                 threshold=0.5, n_jobs=None, random_state=None, verbose=0):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.bootstrap = bootstrap
        self.block_length = block_length
        self.threshold = threshold
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimators_")

    # ------------------------------------------------------------------ fit
    def _member_threads(self, base):
        """Torch threads per member, or None to keep the base estimator's setting."""
        params = base.get_params(deep=False)
        if "n_threads" not in params or params["n_threads"] is not None:
            return None
        return parallel_share(self.n_jobs, self.n_estimators)[1]

    def _member_data(self, X, frame_columns, rows, trajectory_ids, times):
        data = X[rows]
        if frame_columns is not None:
            data = pd.DataFrame(data, columns=frame_columns)
        return data, times[rows], trajectory_ids

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, t=None, trajectory=None):
        """Fit ``n_estimators`` clones of the base estimator on resampled data.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_genes)
            One row per expression snapshot.  DataFrame columns are gene names.
        y : None
            Ignored; present for API consistency.
        t : array-like of shape (n_samples,), default=None
            Time of each row.  Default: rows in order, unit spacing (then the
            result depends on the row order, as the time axis does).
        trajectory : array-like of shape (n_samples,), default=None
            Time course each row belongs to.  Default: a single trajectory.

        Returns
        -------
        self : StabilitySelection
            The fitted ensemble.
        """
        reject_unrouted_time_axis(t, trajectory)
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        check_expression_scale(X)
        units, times, resampling = _resampling_units(X.shape[0], t, trajectory, self.block_length)
        base = DASHRegulatoryEstimator() if self.estimator is None else self.estimator
        threads = self._member_threads(base)
        columns = list(self.feature_names_in_) if hasattr(self, "feature_names_in_") else None

        root = np.random.SeedSequence(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        drawn, seeds = [], []
        for child in root.spawn(self.n_estimators):
            resample_seed, member_seed = child.spawn(2)
            drawn.append(_draw_units(len(units), self.subsample, self.bootstrap,
                                     np.random.default_rng(resample_seed)))
            seeds.append(int(member_seed.generate_state(1)[0] >> 1))

        def jobs():
            # a generator, so that each member's copy of the data is made only when joblib dispatches it
            for chosen, seed in zip(drawn, seeds):
                rows = np.concatenate([units[k] for k in chosen])
                ids = np.repeat(np.arange(chosen.size), [units[k].size for k in chosen])
                member = clone(base).set_params(random_state=seed)
                if threads is not None:
                    member.set_params(n_threads=threads)
                yield joblib.delayed(_fit_member)(member, *self._member_data(X, columns, rows, ids, times))

        members = []
        results = joblib.Parallel(n_jobs=self.n_jobs, return_as="generator")(jobs())
        with explained_worker_failure("fitting the members", self.n_jobs, type(base), "fit them in this process"), \
                member_progress(self.verbose, self.n_estimators) as progress:
            for index, (member, seconds) in enumerate(results):
                members.append(member)
                if progress is not None:
                    progress(index, seconds)
        self._read_out(members, X.shape[1])
        # shared start states and horizon, so that every member answers the same perturbation question
        self.initial_states_ = first_states(X, t, trajectory)
        self.longest_span_ = simulation_reference(X, t, trajectory)[3]
        self.estimators_, self.units_, self.resampling_ = members, drawn, resampling
        self.n_threads_per_member_ = threads
        self._time_axis_in_fit = t is not None or trajectory is not None
        return self

    def _read_out(self, members, n_genes):
        for index, member in enumerate(members):
            for name in ("adjacency_", "network_"):
                if np.shape(getattr(member, name, None)) != (n_genes, n_genes):
                    raise TypeError(
                        f"Member {index} ({type(member).__name__}) has no {name} of shape ({n_genes}, {n_genes}): "
                        "the base estimator must report a genes x genes network."
                    )
        adjacency = np.stack([np.asarray(m.adjacency_, dtype=bool) for m in members])
        effects = np.stack([np.asarray(m.network_, dtype=np.float64) for m in members])
        kept = adjacency.sum(axis=0)
        self.confidence_ = kept / len(members)
        self.network_ = effects.mean(axis=0)
        majority = np.where(self.network_ >= 0, 1.0, -1.0)
        agreeing = (adjacency & (np.sign(effects) == majority)).sum(axis=0)
        self.sign_agreement_ = np.divide(agreeing, kept, out=np.zeros(kept.shape), where=kept > 0)
        scores = np.mean([_member_edge_scores(m) for m in members], axis=0)
        largest = scores.max()
        tie_break = scores / largest * (0.5 / len(members)) if largest > 0 else np.zeros_like(scores)
        self.edge_scores_ = self.confidence_ + tie_break
        self.adjacency_ = self.confidence_ >= self.threshold
        off_diagonal = ~np.eye(n_genes, dtype=bool)
        per_member = adjacency[:, off_diagonal].sum(axis=1).mean()
        self.expected_false_edges_bound_ = (
            per_member ** 2 / ((2 * self.threshold - 1) * off_diagonal.sum()) if self.threshold > 0.5 else np.inf
        )

    # ------------------------------------------------------------------ use
    def _member_X(self, X):
        """X validated against the fitted genes, in the form the members were fitted on."""
        X = align_to_fitted_genes(X, getattr(self, "feature_names_in_", None))
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if hasattr(self, "feature_names_in_"):
            return pd.DataFrame(X, columns=list(self.feature_names_in_))
        return X

    @staticmethod
    def _mean(values, return_std):
        values = np.stack(values)
        mean = values.mean(axis=0)
        return (mean, values.std(axis=0)) if return_std else mean

    def predict(self, X, *, return_std=False):
        """Mean over the members of the rate of change dx/dt at each row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_genes)
        return_std : bool, default=False
            Also return the standard deviation over the members.

        Returns
        -------
        dxdt : ndarray of shape (n_samples, n_genes)
        std : ndarray of shape (n_samples, n_genes)
            Only with ``return_std=True``.
        """
        check_is_fitted(self)
        X = self._member_X(X)
        return self._mean([member.predict(X) for member in self.estimators_], return_std)

    def simulate(self, x0, t, *, return_std=False):
        """Mean over the members of their simulations from initial states.

        Parameters
        ----------
        x0 : array-like of shape (n_genes,) or (n_starts, n_genes)
            Initial expression (a DataFrame is aligned by gene names).
        t : array-like of shape (n_times,)
            Strictly increasing times, in the unit given to fit.
        return_std : bool, default=False
            Also return the standard deviation over the members.

        Returns
        -------
        trajectories : ndarray of shape (n_times, n_genes) or (n_starts, n_times, n_genes)
        std : ndarray of the same shape
            Only with ``return_std=True``.
        """
        check_is_fitted(self)
        return self._mean([member.simulate(x0, t) for member in self.estimators_], return_std)

    def perturbation_effects(self, X=None, *, genes=None, value=0.0, horizon=None, t=None, trajectory=None,
                             return_std=False):
        """Mean over the members of the predicted shifts when genes are clamped.

        See :meth:`DASHRegulatoryEstimator.perturbation_effects`; every member
        starts from the same states (default: the first state of each
        trajectory of the data given to fit, ``initial_states_``) and reads the
        shifts at the same horizon (default ``longest_span_``).

        Parameters
        ----------
        X, genes, value, horizon, t, trajectory
            As in :meth:`DASHRegulatoryEstimator.perturbation_effects`.
        return_std : bool, default=False
            Also return the standard deviation over the members.

        Returns
        -------
        effects : DataFrame of shape (n_perturbed, n_genes)
        std : DataFrame of the same shape
            Only with ``return_std=True``.
        """
        check_is_fitted(self)
        states = self._start_states(X, t, trajectory)
        horizon = self.longest_span_ if horizon is None else horizon
        mean, spread = effects_over_members(self.estimators_, states, genes=genes, value=value, horizon=horizon)
        return (mean, spread) if return_std else mean

    def gene_influence(self, X=None, *, genes=None, value=0.0, horizon=None, t=None, trajectory=None):
        """Genes ranked by their total downstream effect, with its spread over the members.

        Parameters
        ----------
        X, genes, value, horizon, t, trajectory
            As in :meth:`perturbation_effects`.

        Returns
        -------
        influence : DataFrame
            Columns ``influence`` (mean over members of the sum of ``|shift|``
            over the other genes) and ``std``, sorted by influence.
        """
        check_is_fitted(self)
        states = self._start_states(X, t, trajectory)
        horizon = self.longest_span_ if horizon is None else horizon
        per_member = pd.concat([influence_from_effects(member.perturbation_effects(
            states, genes=genes, value=value, horizon=horizon)) for member in self.estimators_], axis=1)
        table = pd.DataFrame({"influence": per_member.mean(axis=1), "std": per_member.std(axis=1, ddof=0)})
        return table.sort_values("influence", ascending=False, kind="stable")

    def _start_states(self, X, t, trajectory):
        """Initial states in the form the members were fitted on (default: ``initial_states_``)."""
        if X is None:
            if t is not None or trajectory is not None:
                raise ValueError("t and trajectory describe the rows of X; pass X with them.")
            if hasattr(self, "feature_names_in_"):
                return pd.DataFrame(self.initial_states_, columns=list(self.feature_names_in_))
            return self.initial_states_
        X = self._member_X(X)
        if t is None and trajectory is None:
            return X
        values = first_states(np.asarray(X, dtype=np.float64), t, trajectory)
        return pd.DataFrame(values, columns=X.columns) if isinstance(X, pd.DataFrame) else values

    def score(self, X, y=None, *, t=None, trajectory=None, sample_weight=None):
        """Mean over the members of their R^2 of one-step forecasts.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_genes)
        y : None
            Ignored.
        t, trajectory : array-like of shape (n_samples,), default=None
            As in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row as the end point of a transition.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        reject_score_without_time_axis(self, t, trajectory)
        if t is None and trajectory is None:
            # the members were fitted with explicit times: give them fit's default axis
            t = np.arange(np.shape(X)[0], dtype=np.float64)
        X = self._member_X(X)
        return float(np.mean([member.score(X, t=t, trajectory=trajectory, sample_weight=sample_weight)
                              for member in self.estimators_]))

    def get_network(self, *, threshold=None, top_k=None, include_self_loops=False, as_matrix=False):
        """The stable network as an edge list (or a labelled matrix).

        Parameters
        ----------
        threshold : float in (0, 1], default=None
            Smallest confidence of a listed edge; None means the ``threshold``
            the ensemble was built with (the edges of ``adjacency_``).
        top_k : int, default=None
            Keep only the k highest-ranked edges (by ``edge_scores_``); 0 keeps none.
        include_self_loops : bool, default=False
            Whether to list a gene's effect on itself.
        as_matrix : bool, default=False
            Return a regulators x targets DataFrame of the confidences instead.

        Returns
        -------
        network : DataFrame
            Columns regulator, target, weight (mean signed effect), confidence,
            sign (+1/-1, the sign of the mean effect), ranked by
            ``edge_scores_``; or the matrix of confidences (0 off the network).
        """
        check_is_fitted(self)
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, Real)
                                      or not 0 < threshold <= 1):
            raise ValueError(f"threshold must be a number in (0, 1]; got {threshold!r}.")
        names = self._gene_names()
        keep = self.adjacency_ if threshold is None else self.confidence_ >= threshold
        edges = edge_list(self.network_, names, keep=keep, include_self_loops=include_self_loops,
                          rank_by=self.edge_scores_, top_k=top_k, values={"confidence": self.confidence_})
        if as_matrix:
            matrix = to_matrix(edges, names, what="the network", weight="confidence")
            return pd.DataFrame(matrix, index=names, columns=names)
        edges["sign"] = np.where(edges["weight"] >= 0, 1, -1)
        return edges

    def _gene_names(self):
        if hasattr(self, "feature_names_in_"):
            return [str(name) for name in self.feature_names_in_]
        return [f"gene_{i}" for i in range(self.n_features_in_)]
