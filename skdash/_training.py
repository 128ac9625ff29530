"""The epoch loop and the small objects that act on its events.

:class:`TrainingLoop` trains a :class:`~skdash._phoenix.PhoenixField` on
mini-batches of transitions with Adam and returns the per-epoch history; all
else it does through callbacks, objects with any of these methods, called in
the order of the ``callbacks`` list:

``on_train_begin(loop)``
    Once, after the optimizer exists.
``on_epoch_begin(loop, epoch)``
    Before the epoch's mini-batches; ``loop.record`` is the epoch's new
    history record, to which callbacks may add.
``on_before_pruning(loop, epoch)`` / ``on_after_pruning(loop, epoch)``
    Around a pruning event (emitted by :class:`DashPruning`).
``on_epoch_end(loop, record)``
    With the finished history record; a callback stops training by setting
    ``loop.stop``.
``on_divergence(loop, epoch, message)``
    When the epoch's loss is not finite; returns True if the callback took
    charge (training then stops), otherwise the loop raises
    :class:`FloatingPointError` with ``message``.
``on_train_end(loop)``
    Once, after the last epoch (also after a handled divergence).

The estimator's callbacks: :class:`DashPruning` (the DASH schedule),
:class:`PlateauSchedule` (the learning-rate schedule and its reset after each
pruning event), :class:`BestCheckpoint` (keep and restore the chosen weights,
take charge of a divergence after the first checkpoint),
:class:`EarlyStopping`, the sensitivity record of ``_evidence`` and the
progress reporter of ``_progress``.  Nothing here knows about scikit-learn.
"""

import contextlib
import copy
import math
import os
import time
import warnings
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import joblib
import torch

from ._data import _user_stacklevel
from .pruning import CONVERGED

#: Reference plateau schedule: multiply the learning rate by 0.9 after 3 epochs
#: without an (absolute) improvement of 1e-6 in the monitored loss.
PLATEAU = dict(mode="min", factor=0.9, patience=3, threshold=1e-6, threshold_mode="abs", min_lr=4e-5)
#: The gene multipliers learn five times faster than the weights (reference setting).
MULTIPLIER_LR_FACTOR = 5.0
#: States used by the PHOENIX prior regularisation, drawn once per fit.
N_PRIOR_STATES = 256
#: Transitions integrated at once when the loss of a whole set is computed.
EVALUATION_BATCH_SIZE = 4096


@dataclass
class Transitions:
    """Pairs of consecutive snapshots: x0 -> x1 over the interval dt (model units)."""

    x0: torch.Tensor
    x1: torch.Tensor
    dt: torch.Tensor

    def __len__(self):
        return self.x0.shape[0]

    def subset(self, index):
        return Transitions(self.x0[index], self.x1[index], self.dt[index])


@torch.no_grad()
def transition_errors(field, transitions, solver, batch_size=EVALUATION_BATCH_SIZE):
    """Squared error of each integrated end state, averaged over genes (float64, one per transition)."""
    errors = []
    for start in range(0, len(transitions), batch_size):
        chunk = transitions.subset(slice(start, start + batch_size))
        squared = (solver.integrate_transitions(field, chunk.x0, chunk.dt) - chunk.x1) ** 2
        errors.append(squared.double().mean(dim=1))
    return torch.cat(errors).cpu() if errors else torch.zeros(0, dtype=torch.float64)


class PriorRegularizer:
    """PHOENIX prior loss: mean (J(x~) - x~ P)^2 on fixed random states x~."""

    def __init__(self, field, prior, generator):
        states = torch.rand(N_PRIOR_STATES, field.n_genes, generator=generator, dtype=torch.float64) - 0.5
        self.states = states.to(dtype=field.sum_in.dtype, device=field.sum_in.device)
        prior = prior.to(dtype=self.states.dtype, device=self.states.device)
        self.targets = (torch.sparse.mm(prior.t(), self.states.t()).t() if prior.is_sparse
                        else self.states @ prior)

    def __call__(self, field):
        return torch.mean((field.regulatory_drive(self.states) - self.targets) ** 2)


def _make_optimizer(field, learning_rate):
    weights = [p for name, p in field.named_parameters() if name != "gene_multipliers"]
    return torch.optim.Adam([
        {"params": weights, "lr": learning_rate},
        {"params": [field.gene_multipliers], "lr": MULTIPLIER_LR_FACTOR * learning_rate},
    ])


def _all_finite(loss, field):
    # One reduction instead of a check per tensor: NaN and inf survive the sum.
    total = loss.detach() + sum(p.grad.sum() for p in field.parameters() if p.grad is not None)
    return bool(torch.isfinite(total))


class TrainingLoop:
    """Train a field in place on transitions; the callbacks do the rest.

    Parameters
    ----------
    field : PhoenixField
    train_set, validation_set : Transitions
        ``validation_set`` may be empty, in which case the training loss is the
        monitored loss.
    solver : a solver of :mod:`skdash.solvers`
        Its fit-time state already reset (``start_fit``); it integrates the
        transitions and refines its step after a non-finite batch.
    generator : torch.Generator
        Shuffles the mini-batches.
    max_epochs, learning_rate, batch_size : int, float, int
    regularizer : callable or None
        ``regularizer(field)``, the prior loss, weighted by ``prior_loss_weight``
        against ``1 - prior_loss_weight`` for the data loss.
    prior_loss_weight : float, default=0.0
    callbacks : list
        Objects with any of the event methods listed in the module docstring.

    Attributes
    ----------
    optimizer : torch.optim.Adam
        Two parameter groups: the weights, and the gene multipliers at
        ``MULTIPLIER_LR_FACTOR`` times the learning rate.
    history : list of dict
        One record per finished epoch: ``epoch``, ``train_loss``,
        ``validation_loss`` (NaN without a validation set), ``monitored_loss``
        (the validation loss, or the training loss without a validation set),
        ``sparsity``, ``learning_rate`` (the rate the epoch trained with),
        ``pruned``, ``pruning_seconds``, ``max_step`` and ``seconds``.
    record : dict
        The current epoch's record.
    structure_final : bool
        Whether the model's structure is the one training ends with (set by
        :class:`DashPruning`; True without one): only then do checkpoints and
        early stopping count an epoch.
    stop : bool
        Set by a callback to end training after the current epoch.
    validation_errors : torch.Tensor or None
        The current epoch's error on each validation transition (its squared
        error averaged over genes, float64), whose mean is the monitored loss;
        None without a validation set.
    """

    def __init__(self, field, train_set, validation_set, *, solver, generator, max_epochs, learning_rate,
                 batch_size, regularizer=None, prior_loss_weight=0.0, callbacks=()):
        self.field = field
        self.train_set, self.validation_set = train_set, validation_set
        self.solver, self.generator = solver, generator
        self.max_epochs, self.batch_size = max_epochs, batch_size
        self.regularizer, self.prior_loss_weight = regularizer, prior_loss_weight
        self.callbacks = list(callbacks)
        self.optimizer = _make_optimizer(field, learning_rate)
        self.history, self.record = [], None
        self.structure_final, self.stop = True, False
        self.validation_errors = None

    def emit(self, event, *args):
        """Call ``event`` on every callback that has it; return their answers."""
        return [getattr(callback, event)(self, *args) for callback in self.callbacks if hasattr(callback, event)]

    def run(self):
        """Train until ``max_epochs`` or a callback stops; return the history."""
        self.emit("on_train_begin")
        for epoch in range(1, self.max_epochs + 1):
            started = time.perf_counter()
            self.record = {"epoch": epoch, "pruned": False, "pruning_seconds": 0.0}
            self.emit("on_epoch_begin", epoch)
            learning_rate = self.optimizer.param_groups[0]["lr"]
            cause = ""
            try:
                train_loss = self._train_one_epoch()
                self.validation_errors = (transition_errors(self.field, self.validation_set, self.solver)
                                          if len(self.validation_set) else None)
                monitored = (float(self.validation_errors.mean()) if self.validation_errors is not None
                             else train_loss)
            except FloatingPointError as error:
                train_loss = monitored = math.nan
                self.validation_errors = None
                cause = f" {error}"
            if not (math.isfinite(monitored) and math.isfinite(train_loss)):
                message = f"Training diverged at epoch {epoch} (loss is {monitored}).{cause}"
                if not any(self.emit("on_divergence", epoch, message)):
                    raise FloatingPointError(
                        f"{message} No finite checkpoint was saved before. Scale the expression data "
                        "(e.g. to [0, 1]), lower learning_rate, or change the solver.")
                break
            self.record.update({
                "train_loss": train_loss,
                "validation_loss": monitored if len(self.validation_set) else math.nan,
                "monitored_loss": monitored,
                "sparsity": self.field.sparsity(),
                "learning_rate": learning_rate,
                "max_step": self.solver.current_max_step(),
                "seconds": time.perf_counter() - started,
            })
            self.history.append(self.record)
            self.emit("on_epoch_end", self.record)
            if self.stop:
                break
        self.emit("on_train_end")
        return self.history

    def _train_one_epoch(self):
        """One pass over the shuffled training transitions; returns the mean data loss.

        A batch whose solve or gradient is not finite (the fixed step was too
        long for the current model: RK4 overshoots and the product branch's exp
        overflows) is redone after the solver refined its step
        (``solver.refine``, which raises FloatingPointError where it cannot);
        the optimizer never sees the non-finite gradient.
        """
        field, train_set = self.field, self.train_set
        n_train = len(train_set)
        order = torch.randperm(n_train, generator=self.generator).to(train_set.x0.device)
        epoch_loss = 0.0
        for start in range(0, n_train, self.batch_size):
            batch = train_set.subset(order[start:start + self.batch_size])
            while True:
                self.optimizer.zero_grad(set_to_none=True)
                data_loss = torch.mean((self.solver.integrate_transitions(field, batch.x0, batch.dt) - batch.x1) ** 2)
                loss = data_loss
                if self.regularizer is not None:
                    loss = (1.0 - self.prior_loss_weight) * data_loss + \
                        self.prior_loss_weight * self.regularizer(field)
                loss.backward()
                if _all_finite(loss, field):
                    break
                self.solver.refine()
            self.optimizer.step()
            field.apply_masks()
            epoch_loss += float(data_loss.detach()) * len(batch)
        return epoch_loss / n_train


class DashPruning:
    """Run a :class:`~skdash._dash.DashPruner` at the start of each epoch of its schedule.

    Emits ``on_before_pruning`` and ``on_after_pruning`` around each event,
    records ``pruned`` and ``pruning_seconds`` in the epoch's record, and keeps
    ``loop.structure_final`` up to date (the target sparsity reached).

    A schedule with ``start="converged"`` is fixed here: its first event comes
    at the epoch after the monitored loss of the dense model last failed to
    improve for ``interval`` epochs in a row, and at ``latest_start`` at the latest.

    Parameters
    ----------
    pruner : DashPruner
    latest_start : int, default=None
        The last epoch a "converged" start may wait for; required with one.

    Attributes
    ----------
    start_epoch : int or None
        The epoch of the first pruning event once it is known.
    """

    def __init__(self, pruner, latest_start=None):
        self.pruner = pruner
        self.converging = pruner.schedule.start == CONVERGED
        if self.converging and latest_start is None:
            raise ValueError('A schedule with start="converged" needs a latest_start.')
        self.latest_start = latest_start
        self.start_epoch = None if self.converging else pruner.schedule.start
        self.best_loss, self.epochs_since_best = math.inf, 0

    def _start_at(self, epoch):
        self.pruner.schedule = self.pruner.schedule.starting_at(epoch)
        self.converging, self.start_epoch = False, epoch

    def on_train_begin(self, loop):
        loop.structure_final = self.pruner.target_reached(loop.field)

    def on_epoch_begin(self, loop, epoch):
        if self.converging and epoch >= self.latest_start:
            self._start_at(epoch)
        if self.converging or not self.pruner.is_pruning_epoch(loop.field, epoch):
            return
        loop.emit("on_before_pruning", epoch)
        started = time.perf_counter()
        pruned = self.pruner.step(loop.field, epoch)
        loop.record["pruning_seconds"] = time.perf_counter() - started
        loop.record["pruned"] = pruned
        loop.structure_final = self.pruner.target_reached(loop.field)
        if pruned:
            loop.emit("on_after_pruning", epoch)

    def on_epoch_end(self, loop, record):
        if not self.converging:
            return
        if record["monitored_loss"] < self.best_loss:
            self.best_loss, self.epochs_since_best = record["monitored_loss"], 0
        else:
            self.epochs_since_best += 1
        if self.epochs_since_best >= self.pruner.schedule.interval:
            self._start_at(record["epoch"] + 1)


class PlateauSchedule:
    """Lower the learning rate when the monitored loss stops improving; reset it after pruning.

    ``torch.optim.lr_scheduler.ReduceLROnPlateau`` with ``PLATEAU``'s settings
    (the reference ones), stepped with each epoch's monitored loss; a pruning
    event restores every parameter group's initial rate and starts a fresh
    plateau count, because the pruned model is a new optimisation problem.
    """

    def __init__(self, **settings):
        self.settings = {**PLATEAU, **settings}

    def _start(self, optimizer):
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **self.settings)

    def on_train_begin(self, loop):
        self.initial_rates = [group["lr"] for group in loop.optimizer.param_groups]
        self._start(loop.optimizer)

    def on_after_pruning(self, loop, epoch):
        for group, rate in zip(loop.optimizer.param_groups, self.initial_rates):
            group["lr"] = rate
        self._start(loop.optimizer)

    def on_epoch_end(self, loop, record):
        self.scheduler.step(record["monitored_loss"])


class BestCheckpoint:
    """Keep the weights of the chosen epoch; restore them at the end.

    The chosen epoch is the latest whose monitored loss is within one standard
    error of the lowest: the one-standard-error rule of model selection
    (Breiman et al. 1984, *Classification and Regression Trees*; Hastie,
    Tibshirani & Friedman 2009, *The Elements of Statistical Learning*, §7.10),
    which prefers, among the models the held-out data cannot tell apart from the
    best, the most trained and the most pruned one (later epochs are never
    denser).  The standard error is that of the mean of the paired differences,
    transition by transition, between the epoch's validation errors
    (``loop.validation_errors``) and those of the lowest epoch, so it measures
    only how much the two epochs differ, not how hard the transitions are.
    The lowest epoch is known only once training ends, but the rule can be kept
    online: an epoch after the current lowest is compared with it, and a new
    lowest epoch is itself chosen.  Without a validation set, or with fewer than
    two validation transitions (no standard error), or with
    ``one_standard_error=False``, the chosen epoch is the lowest.

    Only epochs with the final structure count (``loop.structure_final``), so
    the kept model has the target sparsity.  The solver's fit-time state that
    belongs to the weights (``solver.checkpoint()``) is kept and restored with
    them.  After a divergence the loop stops and the checkpoint is restored,
    with a RuntimeWarning; before the first checkpoint a divergence is left to
    the loop, which raises.

    Parameters
    ----------
    one_standard_error : bool, default=True
        Choose the latest epoch within one standard error of the lowest, not
        the lowest.

    Attributes
    ----------
    best_epoch : int
        The epoch of the kept weights (0 before the first checkpoint).
    lowest_epoch : int
        The counted epoch with the lowest monitored loss so far.
    """

    def __init__(self, one_standard_error=True):
        self.one_standard_error = one_standard_error
        self.best_epoch, self.lowest_epoch, self.state = 0, 0, None
        self.lowest_loss, self.lowest_errors = math.inf, None

    def _within_one_standard_error(self, errors):
        if not self.one_standard_error or errors is None or self.lowest_errors is None or len(errors) < 2:
            return False
        differences = errors - self.lowest_errors
        return float(differences.mean()) <= float(differences.std()) / math.sqrt(len(differences))

    def on_epoch_end(self, loop, record):
        if not loop.structure_final:
            return
        if record["monitored_loss"] < self.lowest_loss:
            self.lowest_loss, self.lowest_epoch = record["monitored_loss"], record["epoch"]
            self.lowest_errors = loop.validation_errors
        elif not self._within_one_standard_error(loop.validation_errors):
            return
        self.best_epoch = record["epoch"]
        self.state = copy.deepcopy(loop.field.state_dict()), loop.solver.checkpoint()

    def on_divergence(self, loop, epoch, message):
        if self.state is None:
            return False
        warnings.warn(f"{message} Stopped and restored the checkpoint from epoch {self.best_epoch}.",
                      RuntimeWarning, stacklevel=_user_stacklevel())
        return True

    def on_train_end(self, loop):
        if self.state is not None:
            loop.field.load_state_dict(self.state[0])
            loop.solver.restore(self.state[1])


class EarlyStopping:
    """Stop after ``patience`` counted epochs without a lower monitored loss.

    Counted epochs are those with the final structure (``loop.structure_final``).
    """

    def __init__(self, patience):
        self.patience = patience
        self.best_loss, self.epochs_since_best = math.inf, 0

    def on_epoch_end(self, loop, record):
        if not loop.structure_final:
            return
        if record["monitored_loss"] < self.best_loss:
            self.best_loss, self.epochs_since_best = record["monitored_loss"], 0
        else:
            self.epochs_since_best += 1
        loop.stop = loop.stop or self.epochs_since_best >= self.patience


#: Below this many weights per layer (genes x hidden units) a second thread does
#: not pay: benchmarks/scale.py measured 1 and 2 threads equal at 350 x 40 and 2
#: threads 1.3 times faster at 1000 x 80.
SINGLE_THREAD_WEIGHTS = 50_000
#: Above this many weights per layer each further thread pays (1.6 times faster with
#: 2 threads at 5000 x 200).
ALL_THREADS_WEIGHTS = 500_000


def _usable_cores():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_threads(n_genes, hidden_units):
    """Torch threads for a model of this size on this machine, as free of other work as it is now.

    One thread for small models (more only add synchronisation), two for medium
    ones, all usable cores for large ones; never more than the cores left free by
    the load of the last minute, so that a fit on a busy machine does not fight
    the other jobs for cores (oversubscribed threads make every step wait for the
    slowest one).
    """
    weights = n_genes * hidden_units
    wanted = 1 if weights < SINGLE_THREAD_WEIGHTS else (2 if weights < ALL_THREADS_WEIGHTS else _usable_cores())
    usable = _usable_cores()
    busy = int(os.getloadavg()[0]) if hasattr(os, "getloadavg") else 0
    return max(1, min(wanted, usable, usable - busy))


def parallel_share(n_jobs, n_tasks):
    """Workers that joblib runs ``n_tasks`` tasks on with ``n_jobs``, and the cores each may use.

    ``max(1, min(joblib.effective_n_jobs(n_jobs), n_tasks))`` workers, each with
    ``max(1, joblib.cpu_count() // n_workers)`` cores, so that parallel trainings
    do not oversubscribe the machine.
    """
    n_workers = max(1, min(joblib.effective_n_jobs(n_jobs), n_tasks))
    return n_workers, max(1, joblib.cpu_count() // n_workers)


@contextlib.contextmanager
def explained_worker_failure(work, n_jobs, estimator_class, serial):
    """Turn joblib's bare ``BrokenProcessPool`` inside the block into a RuntimeError that says what to do.

    A worker process fails that way when it cannot rebuild the pickled
    estimator (its class cannot be imported there) or runs out of memory;
    joblib's own message names neither.  ``work`` says what the workers were
    doing, ``serial`` what ``n_jobs=None`` does instead; the original error is
    kept as ``__cause__``.
    """
    try:
        yield
    except BrokenProcessPool as failure:
        raise RuntimeError(
            f"A worker process {work} (n_jobs={n_jobs}) failed: {failure}. The workers must be able to import the "
            f"estimator's class ({estimator_class.__module__}.{estimator_class.__qualname__}) and need memory for "
            f"one training each. Use n_jobs=None to {serial}.") from failure


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` torch threads (None: leave as is), then restore."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
