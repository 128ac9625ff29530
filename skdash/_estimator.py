"""DASHRegulatoryEstimator: the scikit-learn face of PHOENIX + DASH.

The estimator validates and routes the data, turns rows into transitions,
hands tensors to the training loop and reads the network out of the fitted
model.  The pieces below it (_phoenix, _integrate, _training, _dash) know
nothing of scikit-learn.
"""

import copy
import dataclasses
import time
import warnings
from numbers import Integral, Real

import joblib
import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._baseline import fit_self_relaxation, self_relaxation_forecast
from ._compat import HasMethods, Interval, StrOptions, _fit_context, inside_unrouted_cross_validation, validate_data
from ._dash import DashPruner, PriorKnowledge
from ._data import (_user_stacklevel, align_to_fitted_genes, canonical_trajectory_codes, check_expression_scale,
                    check_time_axis, split_transitions, transitions_from_time_axis)
from ._evidence import SensitivityPath, edge_evidence, mean_sensitivities, select_edges
from ._gene_matrix import edge_list, to_matrix
from ._perturbation import (check_clamp, clamped_states, influence_from_effects, perturbation_effects,
                            simulation_reference)
from ._phoenix import PRUNABLE, PhoenixField
from ._prior import align_gene_matrix, has_edges, to_torch
from ._progress import epoch_progress, training_report
from .solvers import METHODS, make_solver
from .exceptions import UnreliableFitWarning
from ._training import (BestCheckpoint, DashPruning, EarlyStopping, PlateauSchedule, PriorRegularizer, TrainingLoop,
                        Transitions, default_threads, explained_worker_failure, parallel_share, torch_threads)
from .pruning import CONVERGED, PruningSchedule

#: Below this forecast skill on held-out transitions (1 - MSE / MSE of the
#: model without regulation) the fit warns that the network is not supported.
MIN_FORECAST_SKILL = 0.2

#: DASH's reference (lambda_in, lambda_out) on SIM350, used when a prior is given
#: and prior_weight is left at None.
REFERENCE_PRIOR_WEIGHT = (0.5, 0.05)
#: PHOENIX prior-loss weight used when a prior is given and prior_loss_weight is
#: left at None (measured on SIM350: see doc/user_guide/results.rst).
DEFAULT_PRIOR_LOSS_WEIGHT = 0.05
#: batch_size="auto": transitions per optimizer step, at most DEFAULT_BATCH_SIZE
#: and small enough for at least MIN_STEPS_PER_EPOCH steps per epoch.
DEFAULT_BATCH_SIZE = 16
MIN_STEPS_PER_EPOCH = 32

#: prior_loss_weight="auto": the candidate weights, tried in this order, and how much
#: of the held-out error of the model without regulation the prior may cost the
#: forecasts (measured on SIM350 and harissa: see doc/user_guide/results.rst).
PRIOR_LOSS_WEIGHTS = (0.05, 0.1, 0.2, 0.5)
PRIOR_LOSS_TOLERANCE = 0.05


@dataclasses.dataclass(frozen=True)
class _TrainingSetting:
    """What every candidate training of one fit shares."""
    n_genes: int
    prior_weight: tuple
    knowledge: PriorKnowledge
    prior: object
    schedule: PruningSchedule
    target: object
    latest_start: object
    seed: int
    train_set: Transitions
    validation_set: Transitions
    batch_size: int
    training_states: torch.Tensor


@dataclasses.dataclass(frozen=True)
class _TrainingRun:
    """One trained model and what the fit keeps of it."""
    prior_loss_weight: float
    field: PhoenixField
    solver: object
    history: list
    best_epoch: int
    sensitivity_path: SensitivityPath
    monitored_error: float
    seconds: float


def _attempt_training(estimator, setting, prior_loss_weight, n_threads, title, verbose):
    """``estimator._train(...)``, or the FloatingPointError it raised, so that one
    candidate's divergence does not discard the others trained beside it."""
    try:
        return estimator._train(setting, prior_loss_weight, n_threads, title=title, verbose=verbose)
    except FloatingPointError as failure:
        return failure


def _self_relaxation_error(train, held_out):
    """Mean squared error of the model without regulation on ``held_out`` (fitted on ``train``)."""
    def numpy(transitions):
        return [value.cpu().double().numpy() for value in (transitions.x0, transitions.x1, transitions.dt)]

    x0, x1, dt = numpy(held_out)
    baseline = self_relaxation_forecast(*fit_self_relaxation(*numpy(train)), x0, dt)
    return float(np.mean((baseline - x1) ** 2))


def _forecast_skill(error, baseline_error):
    """1 - error / baseline_error: 1 is perfect, 0 no better than the model without regulation."""
    return 1.0 - error / baseline_error if baseline_error > 0 else float("nan")


_ROUTING_MESSAGE = (
    "Enable scikit-learn metadata routing so that `t` and `trajectory` reach both fit and "
    "score: `sklearn.set_config(enable_metadata_routing=True)` or "
    "`with sklearn.config_context(enable_metadata_routing=True): ...`."
)


def reject_unrouted_time_axis(t, trajectory):
    """Fail loudly when ``t``/``trajectory`` reach fit inside a search that will score without them."""
    if (t is not None or trajectory is not None) and inside_unrouted_cross_validation():
        raise ValueError(
            "`t`/`trajectory` were passed to fit inside a cross-validation (e.g. GridSearchCV or "
            "cross_validate) while metadata routing is disabled: scikit-learn would then call "
            "score without them and score every split on the wrong time axis. " + _ROUTING_MESSAGE
        )


def reject_score_without_time_axis(estimator, t, trajectory):
    """Fail loudly when score gets no time axis although fit had one (the wrong axis otherwise)."""
    if t is None and trajectory is None and estimator._time_axis_in_fit:
        raise ValueError(
            "score() received neither `t` nor `trajectory` although fit() did, so it would score "
            "on the wrong time axis. Pass them to score; inside GridSearchCV, cross_validate or a "
            "Pipeline, enable metadata routing. " + _ROUTING_MESSAGE
        )


class _MatrixSummary:
    """Stands in for a gene matrix in the estimator's repr."""

    def __init__(self, matrix):
        shape = getattr(matrix, "shape", None) or np.shape(matrix)
        if sp.issparse(matrix):
            nonzero = matrix.count_nonzero()
        else:
            try:
                nonzero = int(np.count_nonzero(np.asarray(matrix, dtype=np.float64)))
            except (TypeError, ValueError):
                nonzero = None
        edges = "" if nonzero is None else f", {nonzero} nonzero"
        self.text = f"<{type(matrix).__name__} of shape {'x'.join(map(str, shape))}{edges}>"

    def __repr__(self):
        return self.text


class DASHRegulatoryEstimator(BaseEstimator):
    """Gene regulatory network inference with a DASH-pruned PHOENIX Neural ODE.

    The model is the PHOENIX vector field

    .. math:: \\frac{dx}{dt} = \\mathrm{ReLU}(\\upsilon) \\odot
              \\left(W_2^\\Sigma (W_1^\\Sigma \\psi(x) + b^\\Sigma)
              + W_2^\\Pi \\exp(W_1^\\Pi \\log(1 + \\psi(x)) + b^\\Pi) - x\\right)

    with :math:`\\psi(x) = (x - 0.5) / (1 + |x - 0.5|)`.  It is trained to carry
    each observed snapshot to the next one of its trajectory, and pruned during
    training by DASH, which scores every weight by a mix of its magnitude and its
    agreement with prior knowledge.  The sparse model that remains is read out as
    a signed regulator x target network.

    Parameters
    ----------
    prior : array-like, DataFrame or sparse matrix of shape (n_genes, n_genes), default=None
        Prior network: rows are regulators, columns targets, the sign says
        activation (+) or repression (-), 0 means no prior edge.  A DataFrame is
        aligned to the gene names (columns) of X.  ``None`` means no prior: the
        network is then learned from the data alone (magnitude pruning).
    prior_weight : float in [0, 1] or pair of floats, default=None
        DASH's lambda, the weight of the prior in the *pruning scores* (which
        weights are removed); not to be confused with ``prior_loss_weight``, the
        weight of the prior in PHOENIX's *training loss*.  It weighs the prior
        against the weight magnitude, for both layers or as ``(lambda_in,
        lambda_out)``.  0 is iterative magnitude pruning (IMP), 1 prunes by the
        prior alone.  ``None`` means the reference ``(0.5, 0.05)`` when a prior
        (or ``ppi``) is given and 0 otherwise; the value used is stored in
        ``prior_weight_``.
    sparsity : float in [0, 1) or "auto", default="auto"
        Final fraction of pruned weights.  A float stops the ``pruning`` schedule
        exactly there and keeps a checkpoint at that sparsity (0 trains the
        dense model); fit checks that the schedule reaches it within
        ``max_epochs``.  "auto" follows the schedule and keeps a checkpoint of
        any sparsity.  Either way the kept checkpoint is the latest whose
        validation loss is within one standard error of the lowest (the
        one-standard-error rule; the lowest itself without a validation set).
    ppi : array-like, DataFrame or sparse matrix of shape (n_genes, n_genes), default=None
        Protein-protein interaction matrix used by the first-layer prior score in
        place of :math:`Q = |P||P|^T / \\sum |P||P|^T` (genes sharing targets).
    hidden_units : int, default=40
        Width of each of the two branches (the reference uses 40 for 350 genes).
    max_epochs : int, default=200
        Maximum number of passes over the training transitions.
    learning_rate : float, default=1e-3
        Adam's learning rate (the gene multipliers use five times this).  It is
        reset after every pruning event and lowered by 10% after 3 epochs without
        improvement.
    batch_size : int or "auto", default="auto"
        Transitions per optimizer step.  "auto" uses 16, or fewer where that
        would make less than 32 steps per epoch (``batch_size_``): the pruning
        interval, the patience and the learning-rate plateau count epochs, and
        with a few short courses 16 per step left the model barely trained
        (SIM350 from 5 courses with the exact prior: AUPR 0.01 with 16 per
        step, 0.73 with "auto" and the ``validation_fraction`` rule; from 20
        courses 0.55 and 0.81; doc/user_guide/results.rst).
    validation_fraction : float in [0, 1), default=0.1
        Fraction of trajectories held out to monitor the loss (of transitions when
        there is only one trajectory), rounded down to a whole number.  When it
        amounts to less than one (0.1 of fewer than ten courses), or is 0, none
        is held out and the training loss is monitored: holding out one course
        of a handful took more than the fraction from scarce data and gave worse
        networks (user guide, results).
    early_stopping : bool, default=True
        Stop when the monitored loss has not improved for ``n_iter_no_change``
        epochs (counted once the ``sparsity`` target is reached).
    n_iter_no_change : int, default=40
        Patience of early stopping, in epochs.
    pruning : :class:`~skdash.pruning.PruningSchedule`, default=None
        When and how much DASH prunes: at epoch ``start`` it removes ``initial``
        of each weight matrix, then every ``interval`` epochs ``rate`` of the
        weights that remain.  None means ``PruningSchedule()``: the reference's
        70%, then 10% every 10 epochs, begun once the dense model has stopped
        improving for 10 epochs (``start="converged"``), and at the latest when
        pruning must begin to reach ``sparsity`` by ``max_epochs`` (for "auto":
        halfway through ``max_epochs``).  The reference starts at epoch 3
        (``PruningSchedule(start=3)``); after a trained dense phase
        ``sparsity="auto"`` can keep the dense model where pruning does not
        forecast the held-out data better, which on SIM350 gave better
        networks and knockout predictions (doc/user_guide/results.rst).  Its
        parameters are searched as ``pruning__rate`` etc. once ``pruning`` is a
        schedule.
    solver : solver object or {"rk4", "dopri5", "bosh3", "adaptive_heun", "dopri8"}, default="rk4"
        ODE solver, an object of :mod:`skdash.solvers`: :class:`~skdash.solvers.RK4`
        (fixed steps, fast, cost known in advance; its ``max_step`` sets the
        accuracy) or :class:`~skdash.solvers.AdaptiveSolver` (torchdiffeq's,
        error controlled to its ``rtol``/``atol``).  A method name is shorthand
        for that solver with its defaults (``"rk4"`` is ``RK4()``).  Pass an
        object to tune or search its parameters, e.g. ``solver=RK4()`` with
        ``GridSearchCV(..., {"solver__max_step": [0.75, 1.5]})``.
    prior_loss_weight : float in [0, 1), "auto" or None, default="auto"
        PHOENIX's regulariser, the weight of the prior in the *training loss*
        (how the weights are fitted); not to be confused with ``prior_weight``,
        DASH's lambda in the pruning scores.  The loss is
        :math:`(1 - w) L_{data} + w\\, \\mathrm{mean}(J(\\tilde x) - \\tilde x P)^2`
        on random states :math:`\\tilde x`.  Needs a prior.  ``"auto"`` chooses
        :math:`w` from the held-out transitions (the training ones where
        ``validation_fraction`` holds none out): it trains with 0.05, 0.1, 0.2
        and 0.5 in turn and keeps the strongest pull towards the prior that
        costs the held-out forecasts at most 5% of the error of the model
        without regulation (the search ends at the first weight that costs
        more, so a fit trains two to four models); without a prior it is 0.
        Where the data say little about the dynamics the prior then decides
        more of the network: on harissa (the independent simulator of
        ``benchmarks/``) the AUPR of ``edge_scores_`` with 20% of the prior's
        edges wrong rose from 0.49 with a fixed 0.05 to 0.72 (the prior alone:
        0.64), while on SIM350, whose dynamics the data pin down, it mostly
        kept 0.05 (see the user guide's results page).  ``None`` is the fixed
        0.05 of earlier releases (0 without a prior); a number fixes the
        weight and trains one model.  The weight used is stored in
        ``prior_loss_weight_`` and the search in ``prior_loss_path_``.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the model and the training.
    device : str, default="cpu"
        Torch device to train on.
    n_threads : int, default=None
        Torch intra-op threads used while fitting and predicting (torch's own
        setting is restored afterwards).  None chooses from the model size at
        fit: one thread below 50 000 weights per layer (genes x hidden units),
        two below 500 000, all usable cores above, and never more than the cores
        the machine's load of the last minute leaves free; the choice is stored
        in ``n_threads_``.  Set 1 when several fits run in parallel (joblib,
        Dask) so that they do not oversubscribe the cores.
    n_jobs : int, default=None
        Candidate trainings of ``prior_loss_weight="auto"`` run at a time, by
        :class:`joblib.Parallel` in worker processes (None: 1 unless in a
        :func:`joblib.parallel_config` context; -1: all cores).  The candidates
        are trained in groups of ``n_jobs`` in the order of the search, and the
        search's rule is applied in that order, so the weight chosen and the
        model kept are those of the serial search (a candidate trained beyond
        the one that ends it is discarded).  With ``n_threads=None`` each
        training gets at most ``max(1, joblib.cpu_count() // n_jobs)`` threads;
        torch sums in another order with another number of threads, so set
        ``n_threads`` for results identical bit for bit whatever ``n_jobs`` is.
        Memory grows with the trainings held at once.  The workers receive a
        pickled copy of the estimator, so a subclass must be importable
        there (otherwise fit raises a RuntimeError that says so).  A fit
        that trains one model (a fixed ``prior_loss_weight``, no prior)
        ignores it.
    random_state : int, RandomState instance or None, default=None
        Seeds everything random (initialisation, splits, batches, scores) through a
        local torch generator; the global RNGs are not touched when it is an int.
    verbose : int, default=0
        Report progress on stderr when > 0: a tqdm bar (loss, sparsity) on a
        terminal, one line per epoch otherwise; 2 adds the lines to the bar.

    Attributes
    ----------
    n_features_in_ : int
        Number of genes.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Gene names, when X was a DataFrame with string columns.
    edge_scores_ : ndarray of shape (n_genes, n_genes)
        Evidence for every regulator (row) -> target (column) pair, higher is
        more: the fitted model's mean sensitivity :math:`|\\partial f_j / \\partial
        x_i|` along the observed training states, divided by the square root of
        the target's strongest one (so that slow and fast genes compare); pairs
        the pruned model no longer joins are ranked below, by the last pruning
        event they survived and their sensitivity just before it (see the user
        guide, "Reading the network").  Use it to rank all pairs (AUPR, top-k
        lists).
    adjacency_ : ndarray of bool of shape (n_genes, n_genes)
        The reported network: the top of ``edge_scores_``, as many pairs as the
        data support (summed over the targets: the regulators, at most 6, before
        each target's sharpest drop in sensitivity; none for a target the model
        holds constant).  Never self-loops.
    network_ : ndarray of shape (n_genes, n_genes)
        Signed effect of each regulator on each target on the reported edges:
        the mean :math:`\\partial f_j / \\partial x_i` along the training states
        (positive = activation); zero off ``adjacency_``.
    path_adjacency_ : ndarray of bool of shape (n_genes, n_genes)
        Pairs joined by at least one unpruned path of the weights: what pruning
        leaves, far denser than the network (not a network to report).
    sparsity_ : float
        Fraction of zero weights in the fitted model (DASH's definition).
    prior_weight_ : tuple of float
        The (lambda_in, lambda_out) used.
    prior_loss_weight_ : float
        The prior-loss weight used.
    prior_loss_path_ : DataFrame
        The prior-loss weights trained, in order (one row unless
        ``prior_loss_weight="auto"``): prior_loss_weight, validation_loss (the
        kept checkpoint's mean held-out error; the training loss without a
        validation set), skill (1 - that error over the error of the model
        without regulation) and chosen (the one kept).
    time_scale_ : float
        Median sampling interval; the model works in these units internally so the
        network does not depend on the unit of time.
    history_ : list of dict
        One record per epoch: epoch, train_loss, validation_loss (NaN without
        a validation set), monitored_loss (what the checkpoint, early stopping
        and the learning-rate schedule follow: the validation loss, or the
        training loss without a validation set), sparsity, learning_rate (the
        rate the epoch trained with), pruned, pruning_seconds (the DASH event's
        share of seconds), max_step (the fixed step of the epoch, NaN for
        adaptive solvers), seconds.
    batch_size_ : int
        Transitions per optimizer step used by fit (see ``batch_size``).
    solver_ : solver object
        The solver built at fit (a clone of ``solver``, or the one its name
        stands for) with its fit-time state, e.g. the measured stiffness and the
        step training ended with (``solver_.max_step_``: ``max_step`` halved once
        for each batch whose solve overflowed).  ``score``, ``simulate``, the
        perturbation effects and the reliability check integrate with it;
        replace it (or shorten its ``max_step``) to check the fitted model with
        other solver settings.
    pruning_path_ : DataFrame
        For each sparsity level visited: best monitored loss and its epoch.
    n_iter_ : int
        Number of epochs run.
    best_epoch_ : int
        Epoch of the restored checkpoint: the latest (so the most trained and
        the most pruned) whose validation loss is within one standard error,
        paired over the validation transitions, of the lowest.
    module_ : torch.nn.Module
        The fitted PHOENIX vector field.
    expression_min_, expression_max_ : ndarray of shape (n_genes,)
        Per-gene range of X in fit: the levels ``simulate(clamp=...)`` accepts (and 0).
    initial_states_ : ndarray of shape (n_trajectories, n_genes)
        First state of each training trajectory, the default starts of
        :meth:`perturbation_effects`.
    longest_span_ : float
        Longest time span of a training trajectory, its default horizon.
    forecast_skill_ : float
        Skill of the one-step forecasts of the held-out transitions (of the
        training transitions when none is held out): 1 - MSE / MSE of
        the model without regulation, in which each gene relaxes on its own
        towards a level (fitted per gene on the training transitions).  1 is
        perfect, 0 means the regulation learned does not forecast better than
        no regulation at all; below 0.2 fit warns (:class:`~skdash.exceptions.UnreliableFitWarning`)
        that the data do not support the network.
    n_threads_ : int
        Torch threads used by fit, and by ``predict``, ``score`` and ``simulate``
        (see ``n_threads``).

    See Also
    --------
    skdash.stack_trajectories : Build X, t and trajectory from a list of time courses.
    skdash.metrics.network_scores : Score a network against a reference.

    Notes
    -----
    The model expects expression roughly on a [0, 1] scale (its activations are
    centred at 0.5); put a scaler such as ``MinMaxScaler`` in front of it in a
    Pipeline otherwise.  ``t`` and ``trajectory`` are requested for ``fit`` and
    ``score`` by default; inside ``GridSearchCV`` enable metadata routing.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash import DASHRegulatoryEstimator
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0.2, 0.8, size=(30, 4))
    >>> from skdash.pruning import PruningSchedule
    >>> est = DASHRegulatoryEstimator(hidden_units=4, max_epochs=5, sparsity=0.5,
    ...                               pruning=PruningSchedule(start=1, initial=0.5), random_state=0)
    >>> est.fit(X, t=np.tile(np.arange(5.0), 6), trajectory=np.repeat(np.arange(6), 5))
    DASHRegulatoryEstimator(...)
    >>> est.predict(X).shape
    (30, 4)
    >>> list(est.get_network().columns)
    ['regulator', 'target', 'weight', 'score']
    >>> est.edge_scores_.shape, est.adjacency_.sum() <= est.path_adjacency_.sum()
    ((4, 4), np.True_)
    """

    __metadata_request__fit = {"t": True, "trajectory": True}
    __metadata_request__score = {"t": True, "trajectory": True}

    _parameter_constraints = {
        "prior": ["array-like", "sparse matrix", None],
        "prior_weight": [Interval(Real, 0, 1, closed="both"), tuple, list, None],
        "sparsity": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "ppi": ["array-like", "sparse matrix", None],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "pruning": [PruningSchedule, None],
        "solver": [StrOptions(set(METHODS)),
                   HasMethods(["start_fit", "integrate_transitions", "integrate_trajectories", "refine"])],
        "prior_loss_weight": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"}), None],
        "dtype": [StrOptions({"float32", "float64"})],
        "device": [str],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        prior=None,
        *,
        prior_weight=None,
        sparsity="auto",
        ppi=None,
        hidden_units=40,
        max_epochs=200,
        learning_rate=1e-3,
        batch_size="auto",
        validation_fraction=0.1,
        early_stopping=True,
        n_iter_no_change=40,
        pruning=None,
        solver="rk4",
        prior_loss_weight="auto",
        dtype="float32",
        device="cpu",
        n_threads=None,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.prior = prior
        self.prior_weight = prior_weight
        self.sparsity = sparsity
        self.ppi = ppi
        self.hidden_units = hidden_units
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.pruning = pruning
        self.solver = solver
        self.prior_loss_weight = prior_loss_weight
        self.dtype = dtype
        self.device = device
        self.n_threads = n_threads
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ helpers
    def __repr__(self, N_CHAR_MAX=700):
        # A prior is a genes x genes matrix: its values would fill the screen,
        # so the repr names its type, shape and number of edges instead.
        shown = copy.copy(self)
        for name in ("prior", "ppi"):
            if getattr(self, name) is not None:
                setattr(shown, name, _MatrixSummary(getattr(self, name)))
        return super(DASHRegulatoryEstimator, shown).__repr__(N_CHAR_MAX=N_CHAR_MAX)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "module_")

    @property
    def _torch_dtype(self):
        return torch.float64 if self.dtype == "float64" else torch.float32

    def _resolve_prior_weight(self, has_prior):
        weight = self.prior_weight
        if weight is None:
            return REFERENCE_PRIOR_WEIGHT if has_prior else (0.0, 0.0)
        if isinstance(weight, Real):
            weight = (weight, weight)
        if len(weight) != 2 or not all(isinstance(w, Real) and 0 <= w <= 1 for w in weight):
            raise ValueError(
                f"prior_weight must be a float in [0, 1] or a pair (lambda_in, lambda_out) of such "
                f"floats; got {self.prior_weight!r}."
            )
        return float(weight[0]), float(weight[1])

    def _gene_names(self):
        if hasattr(self, "feature_names_in_"):
            return [str(name) for name in self.feature_names_in_]
        return [f"gene_{i}" for i in range(self.n_features_in_)]

    def _prepare_knowledge(self, n_genes):
        names = getattr(self, "feature_names_in_", None)
        prior = ppi = None
        if self.prior is not None:
            prior = align_gene_matrix(self.prior, names, n_genes, "prior")
        if self.ppi is not None:
            ppi = align_gene_matrix(self.ppi, names, n_genes, "ppi")
        weight_in, weight_out = self._resolve_prior_weight(prior is not None or ppi is not None)
        if weight_in > 0 and prior is None and ppi is None:
            raise ValueError(f"prior_weight is {self.prior_weight!r} (> 0) but no prior or ppi was given.")
        if weight_out > 0 and prior is None:
            raise ValueError(
                f"The second-layer prior_weight is {weight_out} (> 0) but no prior was given "
                "(a ppi alone informs only the first layer)."
            )
        if prior is None:
            if self.prior_loss_weight not in (None, "auto") and self.prior_loss_weight > 0:
                raise ValueError(f"prior_loss_weight is {self.prior_loss_weight} (> 0) but no prior was given.")
            prior_loss_weights = (0.0,)
        elif self.prior_loss_weight is None:
            prior_loss_weights = (DEFAULT_PRIOR_LOSS_WEIGHT,)
        elif self.prior_loss_weight == "auto":
            prior_loss_weights = PRIOR_LOSS_WEIGHTS
        else:
            prior_loss_weights = (float(self.prior_loss_weight),)
        for matrix, what, used in ((prior, "prior", weight_in + weight_out + max(prior_loss_weights) > 0),
                                   (ppi, "ppi", weight_in > 0)):
            if matrix is not None and used and not has_edges(matrix):
                raise ValueError(f"The {what} has no nonzero entry, so it cannot guide pruning.")
        knowledge = PriorKnowledge(
            prior_abs=None if prior is None else to_torch(prior, absolute=True, device=self.device),
            ppi=None if ppi is None else to_torch(ppi, absolute=True, device=self.device),
        )
        return (weight_in, weight_out), knowledge, prior, prior_loss_weights

    def _batch_size(self, n_train):
        """Transitions per optimizer step: ``batch_size``, or for "auto" one small
        enough that the epochs the schedules count in (pruning interval,
        patience, learning-rate plateau) hold enough steps with few transitions."""
        if self.batch_size != "auto":
            return self.batch_size
        return max(1, min(DEFAULT_BATCH_SIZE, n_train // MIN_STEPS_PER_EPOCH))

    def _schedule(self):
        """The validated pruning schedule, the target sparsity (None for "auto") and the latest start.

        The latest start (None for a schedule with a fixed start) is the last
        epoch a "converged" start may wait for: the one that still reaches the
        target by ``max_epochs``, or for "auto" the middle of ``max_epochs``, so
        that pruning gets at least half of the epochs.
        """
        schedule = PruningSchedule() if self.pruning is None else self.pruning
        schedule._validate_params()  # the estimator's own validation checks only its type
        target = None if self.sparsity == "auto" else float(self.sparsity)
        converging = schedule.start == CONVERGED
        fixed = schedule.starting_at(1) if converging else schedule
        latest_start = None
        if target is not None and target > 0:
            reached = fixed.epochs_to_reach(target)
            if reached is None or reached > self.max_epochs:
                start = "epoch 1 at the earliest" if converging else f"epoch {schedule.start}"
                raise ValueError(
                    f"The pruning schedule (start {start}, initial {schedule.initial}, then "
                    f"{schedule.rate} every {schedule.interval} epochs) reaches sparsity "
                    f"{target} only at epoch {reached}, beyond max_epochs={self.max_epochs}. Increase "
                    "max_epochs or pruning__rate, or shorten pruning__interval."
                )
            if converging:
                latest_start = self.max_epochs - reached + 1
        elif converging:
            latest_start = max(1, (self.max_epochs + 1) // 2)
        return schedule, target, latest_start

    def _check_fitted_X(self, X):
        """Validated rows in the fitted gene order, and the position of each of the caller's genes.

        A DataFrame with the fitted genes in another order is reordered by name
        for the model, and ``caller_order`` puts results back in the caller's
        order (None when X carries no names or is already in the fitted order);
        validate_data raises for missing/unknown genes and a wrong gene count.
        """
        fitted_names = getattr(self, "feature_names_in_", None)
        aligned = align_to_fitted_genes(X, fitted_names)
        caller_order = None
        if aligned is not X:
            caller_order = pd.Index(fitted_names).get_indexer(X.columns)
        X = validate_data(self, aligned, reset=False, dtype=np.float64, order="C")  # torch needs positive strides
        check_expression_scale(X)
        return X, caller_order

    def _threads(self):
        """Threads for work on the fitted model: ``n_threads`` if set, else the count fit chose."""
        return self.n_threads if self.n_threads is not None else self.n_threads_

    def _tensor(self, array):
        return torch.tensor(array, dtype=self._torch_dtype, device=self.device)

    def _transitions(self, X, t, trajectory):
        times, codes = check_time_axis(X.shape[0], t, trajectory)
        codes = canonical_trajectory_codes(X, times, codes)
        starts, ends, intervals = transitions_from_time_axis(times, codes)
        return starts, ends, intervals, codes[starts]

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, t=None, trajectory=None):
        """Train the model on time-series expression and prune it with DASH.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_genes)
            One row per expression snapshot.  DataFrame columns are gene names.
        y : None
            Ignored; present for API consistency.
        t : array-like of shape (n_samples,), default=None
            Time of each row (any unit, >= 0).  Default: rows in order, unit spacing.
        trajectory : array-like of shape (n_samples,), default=None
            Time course each row belongs to.  Default: a single trajectory.

        Returns
        -------
        self : DASHRegulatoryEstimator
            The fitted estimator.
        """
        reject_unrouted_time_axis(t, trajectory)
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        check_expression_scale(X)
        n_genes = X.shape[1]
        starts, ends, intervals, transition_codes = self._transitions(X, t, trajectory)
        prior_weight, knowledge, prior, prior_loss_weights = self._prepare_knowledge(n_genes)
        schedule, target, latest_start = self._schedule()

        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        validation = split_transitions(transition_codes, self.validation_fraction, rng)
        time_scale = float(np.median(intervals[~validation]))

        def transitions(rows):
            return Transitions(self._tensor(X[starts[rows]]), self._tensor(X[ends[rows]]),
                               self._tensor(intervals[rows] / time_scale))

        train_set, validation_set = transitions(~validation), transitions(validation)
        held_out = validation_set if len(validation_set) else train_set
        setting = _TrainingSetting(
            n_genes=n_genes, prior_weight=prior_weight, knowledge=knowledge, prior=prior, schedule=schedule,
            target=target, latest_start=latest_start, seed=seed, train_set=train_set,
            validation_set=validation_set, batch_size=self._batch_size(len(train_set)),
            # the observed states the model was trained from, where its sensitivities are read, in
            # transition order (not row order, so that the row order cannot change their sums)
            training_states=self._tensor(
                X[pd.unique(np.concatenate([starts[~validation], ends[~validation]]))]),
        )
        baseline_error = _self_relaxation_error(train_set, held_out)
        n_workers, cores = 1, joblib.cpu_count()
        if len(prior_loss_weights) > 1:  # a single training ignores n_jobs
            n_workers, cores = parallel_share(self.n_jobs, len(prior_loss_weights))
        n_threads = self.n_threads if self.n_threads is not None else min(
            default_threads(n_genes, self.hidden_units), cores)
        run, selection = None, []
        for weight, candidate in self._candidate_trainings(setting, prior_loss_weights, n_threads, n_workers):
            if isinstance(candidate, FloatingPointError):
                if run is None:
                    raise candidate
                # a stronger pull that diverges ends the search like one that costs too much
                warnings.warn(f"Training with prior_loss_weight={weight:g} failed ({candidate}); kept "
                              f"prior_loss_weight={run.prior_loss_weight:g}.", RuntimeWarning,
                              stacklevel=_user_stacklevel())
                selection.append({"prior_loss_weight": weight, "validation_loss": float("nan"),
                                  "skill": float("nan"), "chosen": False})
                break
            error = candidate.monitored_error
            lowest = min([row["validation_loss"] for row in selection] + [error])
            # the prior may cost the held-out forecasts (the training ones without a validation
            # set, like the checkpoint's monitored loss) a small fraction of the error of the model
            # without regulation; errors grow with the weight, so the first weight that costs
            # more ends the search
            accepted = run is None or error - lowest <= PRIOR_LOSS_TOLERANCE * baseline_error
            selection.append({"prior_loss_weight": weight, "validation_loss": error,
                              "skill": _forecast_skill(error, baseline_error),
                              "chosen": False})
            if not accepted:
                break
            run = candidate
        for row in selection:
            row["chosen"] = row["prior_loss_weight"] == run.prior_loss_weight

        # Fitted attributes are set only once training succeeded, so a failed refit
        # cannot leave a mix of the old model and the new data's settings.
        self.prior_weight_, self.time_scale_ = prior_weight, time_scale
        self.prior_loss_weight_ = run.prior_loss_weight
        self.prior_loss_path_ = pd.DataFrame(selection, columns=["prior_loss_weight", "validation_loss", "skill",
                                                                 "chosen"])
        self.history_, self.best_epoch_ = run.history, run.best_epoch
        self.solver_, self.n_threads_, self.batch_size_ = run.solver, n_threads, setting.batch_size
        self.n_iter_ = len(run.history)
        self.module_ = run.field
        self._time_axis_in_fit = t is not None or trajectory is not None
        with torch_threads(n_threads):
            self._read_out(run.sensitivity_path)
        # for simulate(clamp=...) and perturbation_effects: ranges, start states, horizon
        self.expression_min_, self.expression_max_, self.initial_states_, self.longest_span_ = \
            simulation_reference(X, t, trajectory)
        self._check_reliability(train_set, held_out, baseline_error)
        return self

    def _candidate_trainings(self, setting, prior_loss_weights, n_threads, n_workers):
        """(weight, trained candidate) in the search's order, a failed one as its FloatingPointError.

        A generator, so that the search stops training when it stops reading:
        one training at a time in this process (with its own progress report),
        or groups of ``n_workers`` in joblib's workers, each group reported as
        it finishes.
        """
        def title(weight):
            if len(prior_loss_weights) == 1:
                return None
            return f"prior_loss_weight={weight:g} (of {', '.join(f'{w:g}' for w in prior_loss_weights)})"

        if n_workers == 1:
            for weight in prior_loss_weights:
                yield weight, _attempt_training(self, setting, weight, n_threads, title(weight), self.verbose)
            return
        for first in range(0, len(prior_loss_weights), n_workers):
            group = prior_loss_weights[first:first + n_workers]
            with explained_worker_failure("training the prior_loss_weight candidates", self.n_jobs, type(self),
                                          "train the candidates in this process"):
                trained = joblib.Parallel(n_jobs=n_workers)(
                    joblib.delayed(_attempt_training)(self, setting, weight, n_threads, None, 0) for weight in group)
            for weight, candidate in zip(group, trained):
                if not isinstance(candidate, FloatingPointError):
                    training_report(self.verbose, title(weight), len(candidate.history), candidate.seconds,
                                    candidate.monitored_error)
                yield weight, candidate

    def _train(self, setting, prior_loss_weight, n_threads, title=None, verbose=0):
        """Train one model with ``prior_loss_weight`` on ``n_threads`` torch threads; every candidate
        weight starts from the same seed.

        ``title`` names the training in the progress report (``verbose`` as the estimator's).
        """
        started = time.perf_counter()
        generator = torch.Generator().manual_seed(setting.seed)
        field = PhoenixField(setting.n_genes, self.hidden_units, generator=generator, dtype=self._torch_dtype)
        field.to(self.device)
        solver = make_solver(self.solver)
        callbacks = []
        if self.sparsity == "auto" or self.sparsity > 0:
            callbacks.append(DashPruning(
                DashPruner(field, setting.schedule, setting.prior_weight, setting.knowledge, target=setting.target,
                           generator=generator),
                latest_start=setting.latest_start))
        regularizer = None
        if prior_loss_weight > 0:  # the signed prior is needed only by the prior regularisation
            regularizer = PriorRegularizer(field, to_torch(setting.prior, device=self.device), generator)
        sensitivity_path = SensitivityPath(setting.training_states)
        checkpoint = BestCheckpoint()
        callbacks += [sensitivity_path, PlateauSchedule(), checkpoint]
        if self.early_stopping:
            callbacks.append(EarlyStopping(self.n_iter_no_change))
        with torch_threads(n_threads), epoch_progress(verbose, self.max_epochs, title=title) as progress:
            loop = TrainingLoop(
                field, setting.train_set, setting.validation_set, solver=solver, generator=generator,
                max_epochs=self.max_epochs, learning_rate=self.learning_rate, batch_size=setting.batch_size,
                regularizer=regularizer, prior_loss_weight=prior_loss_weight,
                callbacks=self._training_callbacks(callbacks + ([progress] if progress is not None else [])),
            )
            history = loop.run()
        best = checkpoint.best_epoch
        return _TrainingRun(
            prior_loss_weight=prior_loss_weight, field=field, solver=solver, history=history,
            best_epoch=best, sensitivity_path=sensitivity_path,
            monitored_error=history[best - 1]["monitored_loss"] if best > 0 else float("nan"),
            seconds=time.perf_counter() - started)

    def _training_callbacks(self, callbacks):
        """The callbacks of a fit, in the order they receive each event.

        The one place a fit's training behaviour is assembled (see
        :mod:`skdash._training` for the events); a subclass may return more
        callbacks, e.g. to observe or perturb training in a test or a benchmark.
        """
        return callbacks

    def _check_reliability(self, train, held_out, baseline_error):
        """Set ``forecast_skill_`` and warn when the data do not support the network.

        The skill compares the model's one-step forecasts of the held-out
        transitions with those of the model without regulation, in which each
        gene relaxes on its own towards a level (fitted on the training
        transitions; its error is ``baseline_error``): 1 is perfect, 0 means
        the regulation learned adds nothing.
        """
        forecast = self._forecast_transitions(held_out.x0, held_out.dt)
        error = float(np.mean((forecast - held_out.x1.cpu().double().numpy()) ** 2))
        self.forecast_skill_ = _forecast_skill(error, baseline_error)
        n_weights = sum(int(torch.count_nonzero(getattr(self.module_, name))) for name in PRUNABLE)
        n_observed = train.x1.numel()
        problems = []
        if self.forecast_skill_ < MIN_FORECAST_SKILL:
            where = "held-out" if len(held_out) and held_out is not train else "training"
            problems.append(
                f"its one-step forecasts of the {where} transitions have a skill of {self.forecast_skill_:.2f} "
                f"(mean squared error {error:.3g} against {baseline_error:.3g} for each gene relaxing on its "
                "own, without regulation; 1 is perfect)")
        if n_weights > n_observed:
            problems.append(f"it keeps {n_weights} weights for {n_observed} observed values")
        if problems:
            warnings.warn(
                "The data do not support the fitted network: " + "; ".join(problems)
                + f" ({len(held_out)} transitions checked). Usual causes: too few data for the model (use "
                f"more time courses, fewer hidden_units (now {self.hidden_units}) or a higher sparsity), "
                f"too short a training (max_epochs={self.max_epochs}), or a prior_loss_weight "
                f"({self.prior_loss_weight_:g}) that pulls the model towards the prior more than the data allow.",
                UnreliableFitWarning, stacklevel=_user_stacklevel())

    def _read_out(self, sensitivity_path):
        _, structure = self.module_.effect_matrix()
        self.path_adjacency_ = structure.cpu().numpy()
        magnitude, signed, drive = mean_sensitivities(self.module_, sensitivity_path.states)
        self.edge_scores_ = edge_evidence(magnitude, drive, sensitivity_path.snapshots)
        self.adjacency_ = select_edges(magnitude, self.edge_scores_)
        self.network_ = np.where(self.adjacency_, signed, 0.0)
        self.sparsity_ = self.module_.sparsity()
        history = pd.DataFrame(self.history_)
        best_rows = history["monitored_loss"].groupby(history["sparsity"], sort=False).idxmin()
        self.pruning_path_ = pd.DataFrame({
            "sparsity": history.loc[best_rows, "sparsity"].to_numpy(),
            "validation_loss": history.loc[best_rows, "monitored_loss"].to_numpy(),
            "epoch": history.loc[best_rows, "epoch"].to_numpy(),
        })

    # ------------------------------------------------------------------ use
    def predict(self, X):
        """Rate of change dx/dt (per unit of the time given to fit) at each row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_genes)
            A DataFrame is matched to the fitted genes by column name, in any order.

        Returns
        -------
        dxdt : ndarray or DataFrame of shape (n_samples, n_genes)
            A DataFrame with the index and columns of ``X`` (in the caller's
            column order) when ``X`` is one, else an array.
        """
        check_is_fitted(self)
        frame = X if isinstance(X, pd.DataFrame) else None
        X, caller_order = self._check_fitted_X(X)
        with torch.no_grad(), torch_threads(self._threads()):
            rates = self.module_(self._tensor(X)) / self.time_scale_
        rates = rates.cpu().double().numpy()
        if caller_order is not None:
            rates = rates[:, caller_order]
        if frame is not None:
            return pd.DataFrame(rates, index=frame.index, columns=frame.columns)
        return rates

    def score(self, X, y=None, *, t=None, trajectory=None, sample_weight=None):
        """R^2 of one-step forecasts: each snapshot predicted from the previous one.

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
            Variance-weighted R^2 of the forecast end states over all transitions.
        """
        check_is_fitted(self)
        reject_score_without_time_axis(self, t, trajectory)
        observed, forecast, ends = self._one_step_forecasts(X, t, trajectory)
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=np.float64)
            if weights.shape != (np.shape(X)[0],):
                raise ValueError(f"sample_weight must have shape ({np.shape(X)[0]},); got {weights.shape}.")
            weights = weights[ends]
        return float(r2_score(observed[ends], forecast[ends], sample_weight=weights, multioutput="variance_weighted"))

    def forecast(self, X, *, t=None, trajectory=None):
        """One-step forecasts: each snapshot predicted from the previous one of its trajectory.

        This is what :meth:`score` and :func:`skdash.metrics.forecast_mse`
        compare with the observed snapshots: the model integrated from each
        row's predecessor (the row of the same trajectory just before it in
        time) over the interval between them.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_genes)
            A DataFrame is matched to the fitted genes by column name, in any order.
        t, trajectory : array-like of shape (n_samples,), default=None
            Time and trajectory of each row, as in :meth:`fit`.

        Returns
        -------
        forecasts : ndarray or DataFrame of shape (n_samples, n_genes)
            Row i is the forecast of row i of ``X``.  The first snapshot of each
            trajectory has no predecessor: its row is NaN.  A DataFrame with the
            index and columns of ``X`` (in the caller's column order) when ``X``
            is one, else an array.

        Examples
        --------
        >>> import numpy as np
        >>> from skdash import DASHRegulatoryEstimator
        >>> X = np.random.default_rng(0).uniform(0.2, 0.8, size=(12, 3))
        >>> t, trajectory = np.tile(np.arange(4.0), 3), np.repeat([0, 1, 2], 4)
        >>> est = DASHRegulatoryEstimator(hidden_units=3, max_epochs=2, random_state=0)
        >>> est = est.fit(X, t=t, trajectory=trajectory)
        >>> forecasts = est.forecast(X, t=t, trajectory=trajectory)
        >>> forecasts.shape, np.isnan(forecasts[:, 0]).nonzero()[0].tolist()
        ((12, 3), [0, 4, 8])
        """
        check_is_fitted(self)
        _, forecasts, _ = self._one_step_forecasts(X, t, trajectory)
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(forecasts, index=X.index, columns=X.columns)
        return forecasts

    def _one_step_forecasts(self, X, t, trajectory):
        """Observed rows, their forecasts (NaN where a row has no predecessor) and the rows that have one.

        Both matrices are in the caller's gene order.
        """
        values, caller_order = self._check_fitted_X(X)
        starts, ends, intervals, _ = self._transitions(values, t, trajectory)
        forecasts = np.full(values.shape, np.nan)
        forecasts[ends] = self._forecast_transitions(self._tensor(values[starts]),
                                                     self._tensor(intervals / self.time_scale_))
        if caller_order is not None:
            values, forecasts = values[:, caller_order], forecasts[:, caller_order]
        return values, forecasts, ends

    def _forecast_transitions(self, x0, dt):
        """End states (float64 array) of the fitted model from states ``x0`` over intervals ``dt`` (model units).

        The one place a fitted model's transitions are integrated.
        """
        with torch.no_grad(), torch_threads(self._threads()):
            forecast = self.solver_.integrate_transitions(self.module_, x0, dt)
        return forecast.cpu().double().numpy()

    def simulate(self, x0, t, clamp=None):
        """Integrate the fitted model from initial states over a time grid.

        Parameters
        ----------
        x0 : array-like of shape (n_genes,) or (n_starts, n_genes)
            Initial expression.  A DataFrame (or Series) is matched to the fitted
            genes by name, and the gene axis of the result follows its order.
        t : array-like of shape (n_times,)
            Strictly increasing times, in the unit given to fit; ``t[0]`` is the
            time of ``x0``.
        clamp : dict or Series, default=None
            Genes (names from ``feature_names_in_`` or integer column indices)
            held at a level for the whole trajectory: they start there and their
            rate of change is zero.  0 is a knockout (always allowed, even below
            the training minimum); any other level must lie in the gene's range
            seen in training (``expression_min_`` to ``expression_max_``).

        Returns
        -------
        trajectories : ndarray of shape (n_times, n_genes) or (n_starts, n_times, n_genes)
        """
        check_is_fitted(self)
        single = np.ndim(x0) == 1
        if single:
            x0 = pd.DataFrame([x0]) if isinstance(x0, pd.Series) else np.asarray(x0)[None, :]
        x0, caller_order = self._check_fitted_X(x0)
        times = np.asarray(t, dtype=np.float64)
        if times.ndim != 1 or times.size < 1 or not np.all(np.isfinite(times)):
            raise ValueError("t must be a 1-D array of finite times.")
        if np.any(np.diff(times) <= 0):
            raise ValueError("t must be strictly increasing.")
        held = None
        if clamp is not None:
            x0, held = clamped_states(x0, *check_clamp(self, clamp))
            held = torch.as_tensor(held[0], device=self.device)
        with torch.no_grad(), torch_threads(self._threads()):
            states = self.solver_.integrate_trajectories(self.module_, self._tensor(x0),
                                                         self._tensor(times / self.time_scale_), held=held)
        states = states.cpu().double().numpy().transpose(1, 0, 2)
        if caller_order is not None:
            states = states[..., caller_order]
        return states[0] if single else states

    def get_network(self, *, top_k=None, threshold=None, include_self_loops=False, as_matrix=False):
        """The inferred network as an edge list (or a labelled matrix).

        Parameters
        ----------
        top_k : int, default=None
            Keep only the k reported edges with the most evidence (``score``);
            0 keeps none.
        threshold : float, default=None
            Keep only edges with ``|weight| >= threshold``.
        include_self_loops : bool, default=False
            Whether to list a gene's effect on itself.
        as_matrix : bool, default=False
            Return a regulators x targets DataFrame instead of an edge list.

        Returns
        -------
        network : DataFrame
            Columns regulator, target, weight (signed effect ``network_``) and score
            (evidence ``edge_scores_``), one row per edge of the reported network
            ``adjacency_``, sorted by decreasing score; or the matrix form (weights).
        """
        check_is_fitted(self)
        names = self._gene_names()
        edges = edge_list(self.network_, names, keep=self.adjacency_, include_self_loops=include_self_loops,
                          threshold=threshold, rank_by=self.edge_scores_, top_k=top_k,
                          values={"score": self.edge_scores_})
        if as_matrix:
            return pd.DataFrame(to_matrix(edges, names, what="the network"), index=names, columns=names)
        return edges

    # ------------------------------------------------------------------ in-silico perturbation
    def perturbation_effects(self, X=None, *, genes=None, value=0.0, horizon=None, t=None, trajectory=None):
        """Predicted shift of every gene when each of ``genes`` is clamped (knocked out or forced).

        For each perturbed gene, the model is simulated from every initial state
        with that gene held at ``value``, and compared at ``horizon`` with the
        unperturbed simulation from the same states.  All perturbations and
        states are solved as one stacked batch.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_states, n_genes), default=None
            Initial states.  With ``t`` or ``trajectory``, the earliest row of
            each trajectory is used.  Default: the first state of every
            training trajectory (``initial_states_``).
        genes : list of str or int, default=None
            Genes to perturb, one at a time (names or column indices).  Default: all.
        value : float or array-like of shape (n_perturbed,), default=0.0
            Level each gene is held at: 0 is a knockout; other levels must lie
            in the gene's training range.
        horizon : float, default=None
            Time after the start (in fit's unit) at which shifts are read.
            Default: the longest trajectory span seen in training (``longest_span_``).
        t, trajectory : array-like of shape (n_states,), default=None
            Time axis of ``X``, as in :meth:`fit`.

        Returns
        -------
        effects : DataFrame of shape (n_perturbed, n_genes)
            Mean over initial states of the perturbed minus the unperturbed
            level at ``horizon``; index perturbed genes, columns targets.

        Examples
        --------
        >>> import numpy as np
        >>> from skdash import DASHRegulatoryEstimator
        >>> X = np.random.default_rng(0).uniform(0.2, 0.8, size=(30, 4))
        >>> est = DASHRegulatoryEstimator(hidden_units=4, max_epochs=3, sparsity=0.0, random_state=0)
        >>> est = est.fit(X, t=np.tile(np.arange(5.0), 6), trajectory=np.repeat(np.arange(6), 5))
        >>> est.perturbation_effects(genes=[0, 2]).shape
        (2, 4)
        """
        check_is_fitted(self)
        return perturbation_effects(self, X, genes=genes, value=value, horizon=horizon, t=t,
                                    trajectory=trajectory)

    def gene_influence(self, X=None, *, genes=None, value=0.0, horizon=None, t=None, trajectory=None):
        """Genes ranked by their total predicted downstream effect when perturbed.

        The influence of a gene is the sum over the other genes of the absolute
        shifts from :meth:`perturbation_effects` (same parameters).

        Returns
        -------
        influence : Series
            Indexed by gene, largest influence first.

        Examples
        --------
        >>> import numpy as np
        >>> from skdash import DASHRegulatoryEstimator
        >>> X = np.random.default_rng(0).uniform(0.2, 0.8, size=(30, 4))
        >>> est = DASHRegulatoryEstimator(hidden_units=4, max_epochs=3, sparsity=0.0, random_state=0)
        >>> est = est.fit(X, t=np.tile(np.arange(5.0), 6), trajectory=np.repeat(np.arange(6), 5))
        >>> influence = est.gene_influence()
        >>> len(influence), bool(influence.is_monotonic_decreasing)
        (4, True)
        """
        return influence_from_effects(self.perturbation_effects(X, genes=genes, value=value, horizon=horizon,
                                                                t=t, trajectory=trajectory))
