"""The epoch loop: mini-batches of transitions, Adam, plateau schedule, DASH
pruning between epochs, early stopping and best-checkpoint restore.

Nothing here knows about scikit-learn: it receives tensors and settings and
returns the per-epoch history.
"""

import contextlib
import copy
import math
import os
import time
import warnings
from dataclasses import dataclass

import torch

#: Reference plateau schedule: multiply the learning rate by 0.9 after 3 epochs
#: without an (absolute) improvement of 1e-6 in the monitored loss.
PLATEAU = dict(mode="min", factor=0.9, patience=3, threshold=1e-6, threshold_mode="abs", min_lr=4e-5)
#: The gene multipliers learn five times faster than the weights (reference setting).
MULTIPLIER_LR_FACTOR = 5.0
#: States used by the PHOENIX prior regularisation, drawn once per fit.
N_PRIOR_STATES = 256


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


@dataclass
class TrainingSettings:
    max_epochs: int
    learning_rate: float
    batch_size: int
    early_stopping: bool
    n_iter_no_change: int
    #: A solver of :mod:`skdash.solvers`, its fit-time state reset: integrates the
    #: transitions and owns the step and its refinement.
    solver: object
    prior_loss_weight: float
    evaluation_batch_size: int = 4096


def _solve(field, transitions, settings):
    return settings.solver.integrate_transitions(field, transitions.x0, transitions.dt)


@torch.no_grad()
def transition_loss(field, transitions, settings):
    """Mean squared error of the integrated end states, computed in chunks."""
    total, count = 0.0, 0
    for start in range(0, len(transitions), settings.evaluation_batch_size):
        chunk = transitions.subset(slice(start, start + settings.evaluation_batch_size))
        total += float(((_solve(field, chunk, settings) - chunk.x1) ** 2).sum())
        count += chunk.x1.numel()
    return total / count


class _PriorRegularizer:
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


def _reset_learning_rate(optimizer, learning_rate):
    optimizer.param_groups[0]["lr"] = learning_rate
    optimizer.param_groups[1]["lr"] = MULTIPLIER_LR_FACTOR * learning_rate
    return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **PLATEAU)


def _all_finite(loss, field):
    # One reduction instead of a check per tensor: NaN and inf survive the sum.
    total = loss.detach() + sum(p.grad.sum() for p in field.parameters() if p.grad is not None)
    return bool(torch.isfinite(total))


def _train_one_epoch(field, train_set, optimizer, settings, generator, regularizer):
    """One pass over the shuffled training transitions; returns the mean data loss.

    A batch whose solve or gradient is not finite (the fixed step was too long
    for the current model: RK4 overshoots and the product branch's exp
    overflows) is redone after the solver refined its step (``solver.refine``,
    which raises FloatingPointError where it cannot); the optimizer never sees
    the non-finite gradient.
    """
    n_train = len(train_set)
    order = torch.randperm(n_train, generator=generator).to(train_set.x0.device)
    data_weight = 1.0 - settings.prior_loss_weight
    epoch_loss = 0.0
    for start in range(0, n_train, settings.batch_size):
        batch = train_set.subset(order[start:start + settings.batch_size])
        while True:
            optimizer.zero_grad(set_to_none=True)
            data_loss = torch.mean((_solve(field, batch, settings) - batch.x1) ** 2)
            loss = data_loss if regularizer is None else data_weight * data_loss + \
                settings.prior_loss_weight * regularizer(field)
            loss.backward()
            if _all_finite(loss, field):
                break
            settings.solver.refine()
        optimizer.step()
        field.apply_masks()
        epoch_loss += float(data_loss.detach()) * len(batch)
    return epoch_loss / n_train


def train(field, train_set, validation_set, *, settings, pruner, generator, prior=None, progress=None,
          before_pruning=None):
    """Train ``field`` in place; return (history, best_epoch).

    Parameters
    ----------
    field : PhoenixField
    train_set, validation_set : Transitions
        ``validation_set`` may be empty, in which case the training loss is monitored.
    pruner : DashPruner or None
    prior : tensor or None
        Signed prior (regulators x targets) for the prior regularisation.
    progress : callable or None
        Called with each history record.
    before_pruning : callable or None
        Called as ``before_pruning(field, epoch)`` just before each pruning event,
        e.g. to record what the model knew before the event.
    """
    optimizer = _make_optimizer(field, settings.learning_rate)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **PLATEAU)
    regularizer = None
    if settings.prior_loss_weight > 0:
        regularizer = _PriorRegularizer(field, prior, generator)

    history = []
    best_loss, best_state, best_epoch, epochs_since_best = math.inf, None, 0, 0
    for epoch in range(1, settings.max_epochs + 1):
        started = time.perf_counter()
        if before_pruning is not None and pruner is not None and pruner.is_pruning_epoch(field, epoch):
            before_pruning(field, epoch)
        pruned = pruner is not None and pruner.step(field, epoch)
        if pruned:
            scheduler = _reset_learning_rate(optimizer, settings.learning_rate)

        cause = ""
        try:
            train_loss = _train_one_epoch(field, train_set, optimizer, settings, generator, regularizer)
            monitored = transition_loss(field, validation_set, settings) if len(validation_set) else train_loss
        except FloatingPointError as error:
            train_loss = monitored = math.nan
            cause = f" {error}"

        if not (math.isfinite(monitored) and math.isfinite(train_loss)):
            if best_state is None:
                raise FloatingPointError(
                    f"Training diverged at epoch {epoch} (loss is {monitored}) before any finite "
                    f"checkpoint was saved.{cause} Scale the expression data (e.g. to [0, 1]), lower "
                    "learning_rate, or change the solver."
                )
            warnings.warn(
                f"Training diverged at epoch {epoch} (loss is {monitored}); stopped and restored the "
                f"best checkpoint from epoch {best_epoch}.{cause}", RuntimeWarning, stacklevel=3)
            break
        scheduler.step(monitored)

        eligible = pruner is None or pruner.target_reached(field)
        improved = eligible and monitored < best_loss
        if improved:
            best_loss, best_epoch, epochs_since_best = monitored, epoch, 0
            best_state = copy.deepcopy(field.state_dict()), settings.solver.checkpoint()
        elif eligible:
            epochs_since_best += 1

        record = {
            "epoch": epoch,
            "train_loss": train_loss,
            "validation_loss": monitored if len(validation_set) else math.nan,
            "sparsity": field.sparsity(),
            "learning_rate": optimizer.param_groups[0]["lr"],
            "pruned": pruned,
            "max_step": settings.solver.current_max_step(),
            "seconds": time.perf_counter() - started,
        }
        history.append(record)
        if progress is not None:
            progress(record)
        if settings.early_stopping and eligible and epochs_since_best >= settings.n_iter_no_change:
            break

    if best_state is not None:
        field.load_state_dict(best_state[0])
        settings.solver.restore(best_state[1])
    return history, best_epoch


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
