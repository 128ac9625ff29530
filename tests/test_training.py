"""The training loop and its callbacks, each on its own, then wired into a fit.

The callbacks are driven by a bare loop object (the attributes they read) or by
a :class:`TrainingLoop` on a tiny field; the fit-level tests use the
estimator's seam for extra callbacks (``_training_callbacks``) instead of
replacing internals.
"""

import io
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from skdash import DASHRegulatoryEstimator, _training
from skdash._dash import DashPruner, PriorKnowledge
from skdash._evidence import SensitivityPath
from skdash._phoenix import PRUNABLE, PhoenixField
from skdash._progress import EpochProgress
from skdash._training import (BestCheckpoint, DashPruning, EarlyStopping, PlateauSchedule, TrainingLoop,
                              Transitions, transition_errors)
from skdash.pruning import PruningSchedule
from skdash.solvers import RK4

from .conftest import FAST

HISTORY_KEYS = {"epoch", "train_loss", "validation_loss", "monitored_loss", "sparsity", "learning_rate", "pruned",
                "pruning_seconds", "max_step", "seconds"}


def make_field(n_genes=4, hidden_units=3, seed=0):
    return PhoenixField(n_genes, hidden_units, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def make_transitions(n=24, n_genes=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x0 = torch.rand(n, n_genes, generator=generator, dtype=torch.float64)
    x1 = 0.5 * x0 + 0.25
    return Transitions(x0, x1, torch.ones(n, dtype=torch.float64))


def make_loop(callbacks=(), *, field=None, seed=0, validation=True, max_epochs=6, **params):
    field = make_field(seed=seed) if field is None else field
    data = make_transitions(seed=seed)
    validation_set = data.subset(slice(18, 24)) if validation else data.subset(slice(0, 0))
    return TrainingLoop(field, data.subset(slice(0, 18)), validation_set, solver=RK4().start_fit(),
                        generator=torch.Generator().manual_seed(seed), max_epochs=max_epochs,
                        learning_rate=params.pop("learning_rate", 0.01), batch_size=6, callbacks=callbacks,
                        **params)


def make_pruner(field, schedule, target=None):
    return DashPruner(field, schedule, (0.0, 0.0), PriorKnowledge(), target=target,
                      generator=torch.Generator().manual_seed(1))


class Recorder:
    """Logs every event it receives."""

    def __init__(self):
        self.events = []

    def on_train_begin(self, loop):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, loop, epoch):
        self.events.append(("epoch_begin", epoch))

    def on_before_pruning(self, loop, epoch):
        self.events.append(("before_pruning", epoch, loop.field.sparsity()))

    def on_after_pruning(self, loop, epoch):
        self.events.append(("after_pruning", epoch, loop.field.sparsity()))

    def on_epoch_end(self, loop, record):
        self.events.append(("epoch_end", record["epoch"]))

    def on_train_end(self, loop):
        self.events.append(("train_end",))


def bare_loop(**attributes):
    """The attributes of a TrainingLoop that a callback reads, and nothing else."""
    return SimpleNamespace(**{"structure_final": True, "stop": False, "validation_errors": None, **attributes})


# ------------------------------------------------------------------ the loop
def test_loop_records_every_epoch_and_emits_the_events_in_order():
    recorder = Recorder()
    history = make_loop([recorder], max_epochs=3).run()
    assert [record["epoch"] for record in history] == [1, 2, 3]
    assert all(set(record) == HISTORY_KEYS for record in history)
    assert all(record["monitored_loss"] == record["validation_loss"] for record in history)
    assert recorder.events == [("train_begin",), ("epoch_begin", 1), ("epoch_end", 1), ("epoch_begin", 2),
                               ("epoch_end", 2), ("epoch_begin", 3), ("epoch_end", 3), ("train_end",)]


def test_without_a_validation_set_the_training_loss_is_monitored():
    history = make_loop(validation=False, max_epochs=2).run()
    assert all(math.isnan(record["validation_loss"]) for record in history)
    assert [record["monitored_loss"] for record in history] == [record["train_loss"] for record in history]


def test_monitored_loss_is_the_loss_of_the_held_out_transitions():
    loop = make_loop(max_epochs=1)
    record = loop.run()[0]
    errors = transition_errors(loop.field, loop.validation_set, loop.solver)
    assert errors.shape == (len(loop.validation_set),)
    assert record["monitored_loss"] == pytest.approx(float(errors.mean()))


def test_the_loop_trains():
    history = make_loop(max_epochs=8, learning_rate=0.05).run()
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_same_seed_gives_the_same_history_and_weights():
    first, second = make_loop(max_epochs=3), make_loop(max_epochs=3)
    losses = [[record["train_loss"] for record in loop.run()] for loop in (first, second)]
    assert losses[0] == losses[1]
    assert torch.equal(first.field.sum_in, second.field.sum_in)


def test_a_callback_stops_training_after_the_current_epoch():
    class StopAtTwo:
        def on_epoch_end(self, loop, record):
            loop.stop = record["epoch"] == 2

    recorder = Recorder()
    history = make_loop([StopAtTwo(), recorder]).run()
    assert len(history) == 2 and recorder.events[-1] == ("train_end",)


class CorruptValidation:
    """Turns the held-out targets into NaN from ``epoch`` on: the monitored loss diverges."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, loop, epoch):
        if epoch == self.epoch:
            held_out = loop.validation_set
            loop.validation_set = Transitions(held_out.x0, held_out.x1 * math.nan, held_out.dt)


def test_divergence_nobody_takes_charge_of_raises_with_advice():
    with pytest.raises(FloatingPointError, match=r"diverged at epoch 2 \(loss is nan\).*lower learning_rate"):
        make_loop([CorruptValidation(2)]).run()


def test_a_callback_that_takes_charge_of_a_divergence_ends_training_quietly():
    class Accept:
        def on_divergence(self, loop, epoch, message):
            self.message = message
            return True

    accept, recorder = Accept(), Recorder()
    history = make_loop([CorruptValidation(3), accept, recorder]).run()
    assert len(history) == 2 and recorder.events[-1] == ("train_end",)
    assert accept.message.startswith("Training diverged at epoch 3")


def test_a_non_finite_batch_makes_the_solver_refine_its_step():
    class Refines(RK4):
        calls = 0

        def refine(self):
            Refines.calls += 1
            super().refine()

    class NaNOnce:
        """The first solve of the run returns NaN, as an overflowing RK4 step would."""

        def __init__(self, solver):
            self.solver, self.done = solver, False

        def __getattr__(self, name):
            return getattr(self.solver, name)

        def integrate_transitions(self, field, x0, dt):
            end = self.solver.integrate_transitions(field, x0, dt)
            if not self.done:
                self.done = True
                return end * math.nan
            return end

    loop = make_loop(max_epochs=1)
    loop.solver = NaNOnce(Refines().start_fit())
    record = loop.run()[0]
    assert Refines.calls == 1 and math.isfinite(record["train_loss"])
    assert record["max_step"] == RK4().max_step / 2


# ------------------------------------------------------------------ DashPruning
def test_dash_pruning_prunes_on_the_schedule_and_announces_each_event():
    recorder = Recorder()
    field = make_field()
    pruning = DashPruning(make_pruner(field, PruningSchedule(start=2, initial=0.5, interval=2, rate=0.2)))
    loop = make_loop([pruning, recorder], field=field, max_epochs=5)
    history = loop.run()
    assert [record["pruned"] for record in history] == [False, True, False, True, False]
    assert all(record["pruning_seconds"] > 0 for record in history if record["pruned"])
    assert all(record["pruning_seconds"] == 0 for record in history if not record["pruned"])
    events = [event for event in recorder.events if event[0].endswith("pruning")]
    assert [event[:2] for event in events] == [("before_pruning", 2), ("after_pruning", 2),
                                               ("before_pruning", 4), ("after_pruning", 4)]
    # the "before" event sees the model before the event, the "after" one after it
    assert events[0][2] < events[1][2] and events[1][2] == events[2][2] < events[3][2]


def test_dash_pruning_says_when_the_final_structure_is_reached():
    field = make_field()
    pruning = DashPruning(make_pruner(field, PruningSchedule(start=1, initial=0.5, interval=1, rate=0.5),
                                      target=0.7))
    seen = []

    class Watch:
        def on_epoch_end(self, loop, record):
            masks = [loop.field.mask(name) for name in PRUNABLE]
            seen.append((loop.structure_final, [1 - float(mask.sum()) / mask.numel() for mask in masks]))

    loop = make_loop([pruning, Watch()], field=field, max_epochs=4)
    loop.run()
    assert [final for final, _ in seen] == [False, True, True, True]
    # 3 x 4 matrices: 4 of 12 weights kept (round(0.3 * 12)), from the second event on
    assert seen[1][1] == pytest.approx([8 / 12] * len(PRUNABLE))


def drive_converging(pruning, field, losses):
    """Feed DashPruning the monitored ``losses`` epoch by epoch; the epochs at which it pruned."""
    loop = bare_loop(field=field, emit=lambda *args: None)
    pruned = []
    pruning.on_train_begin(loop)
    for epoch in range(1, len(losses) + 1):
        loop.record = {"epoch": epoch, "pruned": False}
        pruning.on_epoch_begin(loop, epoch)
        if loop.record["pruned"]:
            pruned.append(epoch)
        pruning.on_epoch_end(loop, {"epoch": epoch, "monitored_loss": losses[epoch - 1]})
    return pruned


def converging_pruning(latest_start, interval=3):
    field = make_field()
    pruning = DashPruning(make_pruner(field, PruningSchedule(start="converged", initial=0.5, interval=interval,
                                                             rate=0.1)), latest_start=latest_start)
    return pruning, field


def test_a_converged_start_waits_until_the_dense_loss_stops_improving():
    # improves for 4 epochs, then 3 (= interval) epochs without a new best: the first event is at epoch 8
    losses = [1.0, 0.8, 0.6, 0.5, 0.5, 0.55, 0.51] + [0.4] * 10
    pruning, field = converging_pruning(latest_start=50)
    assert pruning.start_epoch is None
    assert drive_converging(pruning, field, losses) == [8, 11, 14, 17]
    assert pruning.start_epoch == 8 and pruning.pruner.schedule.start == 8


def test_a_converged_start_comes_at_the_latest_start_while_the_loss_still_improves():
    pruning, field = converging_pruning(latest_start=5)
    assert drive_converging(pruning, field, [1.0 / epoch for epoch in range(1, 12)]) == [5, 8, 11]
    assert pruning.start_epoch == 5


def test_a_converged_start_needs_a_latest_start():
    with pytest.raises(ValueError, match="latest_start"):
        DashPruning(make_pruner(make_field(), PruningSchedule(start="converged")))


# ------------------------------------------------------------------ PlateauSchedule
def test_plateau_schedule_lowers_the_rate_after_patience_epochs_without_improvement():
    field = make_field()
    optimizer = _training._make_optimizer(field, 0.01)
    schedule, loop = PlateauSchedule(patience=2), bare_loop(optimizer=optimizer)
    schedule.on_train_begin(loop)
    for epoch, loss in enumerate([1.0, 0.5, 0.5, 0.5, 0.5], start=1):
        schedule.on_epoch_end(loop, {"epoch": epoch, "monitored_loss": loss})
    rates = [group["lr"] for group in optimizer.param_groups]
    assert rates == pytest.approx([0.009, 0.009 * _training.MULTIPLIER_LR_FACTOR])


def test_plateau_schedule_restores_the_initial_rates_after_pruning():
    optimizer = _training._make_optimizer(make_field(), 0.01)
    schedule, loop = PlateauSchedule(patience=0), bare_loop(optimizer=optimizer)
    schedule.on_train_begin(loop)
    for epoch in range(1, 4):
        schedule.on_epoch_end(loop, {"epoch": epoch, "monitored_loss": 1.0})
    assert optimizer.param_groups[0]["lr"] < 0.01
    schedule.on_after_pruning(loop, 4)
    assert [group["lr"] for group in optimizer.param_groups] == [0.01, 0.01 * _training.MULTIPLIER_LR_FACTOR]
    # and the plateau count starts afresh: one epoch as good as the last one does not lower it yet
    schedule.on_epoch_end(loop, {"epoch": 4, "monitored_loss": 1.0})
    assert optimizer.param_groups[0]["lr"] == 0.01


# ------------------------------------------------------------------ BestCheckpoint
def test_checkpoint_keeps_and_restores_the_best_counted_epoch():
    field, solver = make_field(), RK4().start_fit()
    checkpoint, loop = BestCheckpoint(), bare_loop(field=field, solver=solver)
    kept = None
    for epoch, loss, final in [(1, 0.1, False), (2, 0.5, True), (3, 0.3, True), (4, 0.4, True)]:
        loop.structure_final = final
        with torch.no_grad():
            field.sum_in.add_(1.0)
        solver.stiffness_ = float(epoch)
        checkpoint.on_epoch_end(loop, {"epoch": epoch, "monitored_loss": loss})
        if epoch == 3:
            kept = field.sum_in.detach().clone()
    # epoch 1 had the lowest loss but not the final structure
    assert checkpoint.best_epoch == 3
    checkpoint.on_train_end(loop)
    assert torch.equal(field.sum_in, kept) and solver.stiffness_ == 3.0


def run_checkpoint(checkpoint, loop, epochs):
    """Feed ``(epoch, validation errors)`` to ``checkpoint``; return the weights each epoch had."""
    weights = {}
    for epoch, errors in epochs:
        with torch.no_grad():
            loop.field.sum_in.add_(1.0)
        weights[epoch] = loop.field.sum_in.detach().clone()
        loop.validation_errors = errors
        checkpoint.on_epoch_end(loop, {"epoch": epoch, "monitored_loss": float(errors.mean())})
    return weights


def test_checkpoint_keeps_the_latest_epoch_within_one_standard_error_of_the_lowest():
    field, solver = make_field(), RK4().start_fit()
    checkpoint, loop = BestCheckpoint(), bare_loop(field=field, solver=solver)
    lowest = torch.linspace(1.0, 2.0, 10, dtype=torch.float64)
    step = torch.tensor([1.0, -1.0] * 5, dtype=torch.float64)
    # paired differences from epoch 1: mean 0.01 and standard error 0.1 / sqrt(10) = 0.032 at
    # epoch 2 (kept: the data cannot tell it from epoch 1), mean 0.05 > 0.032 at epoch 3 (not kept)
    weights = run_checkpoint(checkpoint, loop, [(1, lowest), (2, lowest + 0.01 + 0.1 * step),
                                                (3, lowest + 0.05 + 0.1 * step)])
    assert (checkpoint.lowest_epoch, checkpoint.best_epoch) == (1, 2)
    checkpoint.on_train_end(loop)
    assert torch.equal(field.sum_in, weights[2])


def test_checkpoint_compares_later_epochs_with_a_new_lowest_one():
    checkpoint, loop = BestCheckpoint(), bare_loop(field=make_field(), solver=RK4().start_fit())
    lowest = torch.linspace(1.0, 2.0, 10, dtype=torch.float64)
    step = torch.tensor([1.0, -1.0] * 5, dtype=torch.float64)
    # epoch 3 is within one standard error of epoch 1 but not of epoch 2, the new lowest
    run_checkpoint(checkpoint, loop, [(1, lowest), (2, lowest - 0.2), (3, lowest + 0.01 + 0.1 * step)])
    assert (checkpoint.lowest_epoch, checkpoint.best_epoch) == (2, 2)


@pytest.mark.parametrize("checkpoint, errors", [
    (BestCheckpoint(one_standard_error=False), [torch.ones(4), torch.ones(4) + 0.01 * torch.tensor([1, -1, 1, -1.0])]),
    (BestCheckpoint(), [torch.ones(1), torch.ones(1) + 1e-9]),   # one transition: no standard error
])
def test_checkpoint_keeps_the_lowest_epoch_without_a_standard_error_to_use(checkpoint, errors):
    loop = bare_loop(field=make_field(), solver=RK4().start_fit())
    run_checkpoint(checkpoint, loop, [(1, errors[0].double()), (2, errors[1].double())])
    assert (checkpoint.lowest_epoch, checkpoint.best_epoch) == (1, 1)


def test_checkpoint_takes_charge_of_a_divergence_only_once_it_holds_weights():
    field, solver = make_field(), RK4().start_fit()
    checkpoint, loop = BestCheckpoint(), bare_loop(field=field, solver=solver)
    assert checkpoint.on_divergence(loop, 1, "Training diverged at epoch 1.") is False
    checkpoint.on_epoch_end(loop, {"epoch": 1, "monitored_loss": 0.2})
    with pytest.warns(RuntimeWarning, match=r"epoch 2\. Stopped and restored the checkpoint from epoch 1"):
        assert checkpoint.on_divergence(loop, 2, "Training diverged at epoch 2.") is True


# ------------------------------------------------------------------ EarlyStopping
def test_early_stopping_counts_only_epochs_with_the_final_structure():
    stopping, loop = EarlyStopping(patience=2), bare_loop()
    steps = [(1.0, False), (2.0, False), (3.0, False), (1.0, True), (1.5, True)]
    for epoch, (loss, final) in enumerate(steps, start=1):
        loop.structure_final = final
        stopping.on_epoch_end(loop, {"epoch": epoch, "monitored_loss": loss})
        assert not loop.stop
    stopping.on_epoch_end(loop, {"epoch": 6, "monitored_loss": 1.2})
    assert loop.stop


def test_early_stopping_waits_while_the_loss_improves():
    stopping, loop = EarlyStopping(patience=1), bare_loop()
    for epoch, loss in enumerate([1.0, 0.9, 0.8, 0.7], start=1):
        stopping.on_epoch_end(loop, {"epoch": epoch, "monitored_loss": loss})
    assert not loop.stop


# ------------------------------------------------------------------ observers
def test_progress_is_a_callback():
    out = io.StringIO()
    with EpochProgress(3, verbose=2, file=out, bar=False) as progress:
        make_loop([progress], max_epochs=3).run()
    assert [line.split()[:2] for line in out.getvalue().splitlines()] == [["epoch", "1"], ["epoch", "2"],
                                                                          ["epoch", "3"]]


def test_sensitivity_path_records_before_each_pruning_event():
    field = make_field()
    path = SensitivityPath(make_transitions().x0)
    pruning = DashPruning(make_pruner(field, PruningSchedule(start=2, initial=0.5, interval=2, rate=0.2)))
    loop = make_loop([pruning, path], field=field, max_epochs=5)
    loop.run()
    assert path.epochs == [2, 4] and len(path.snapshots) == 2


# ------------------------------------------------------------------ in a fit
class WithCallback(DASHRegulatoryEstimator):
    """The estimator with one more callback, through its seam."""

    extra = None

    def _training_callbacks(self, callbacks):
        return callbacks + [self.extra]


def test_divergence_after_a_checkpoint_warns_and_restores_it(toy):
    # The monitored (validation) loss turns NaN at epoch 5; epochs 1-4 are genuine.
    params = {**FAST, "early_stopping": False}
    diverging = WithCallback(**params)
    diverging.extra = CorruptValidation(5)
    with pytest.warns(RuntimeWarning, match=r"diverged at epoch 5 .*restored the checkpoint from epoch"):
        diverging.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert diverging.n_iter_ == 4
    # the restored model is exactly the best of epochs 1-4: the same as a 4-epoch run
    reference = DASHRegulatoryEstimator(**{**params, "max_epochs": 4}).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert diverging.best_epoch_ == reference.best_epoch_ <= 4
    np.testing.assert_array_equal(diverging.network_, reference.network_)
    np.testing.assert_array_equal(diverging.predict(toy.X), reference.predict(toy.X))
    assert diverging.sparsity_ == reference.sparsity_
    assert np.all(np.isfinite(diverging.predict(toy.X)))


class ValidationErrors:
    """Records each epoch's validation errors."""

    def __init__(self):
        self.errors = {}

    def on_epoch_end(self, loop, record):
        self.errors[record["epoch"]] = loop.validation_errors.clone()


def test_a_fit_without_early_stopping_runs_every_epoch_and_keeps_the_chosen_final_structure(toy):
    est = WithCallback(**{**FAST, "early_stopping": False, "sparsity": 0.5})
    est.extra = ValidationErrors()
    est.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    assert est.n_iter_ == FAST["max_epochs"]
    counted = [record["epoch"] for record in est.history_ if record["sparsity"] >= est.sparsity_ - 1e-12]
    errors = est.extra.errors
    lowest = min(counted, key=lambda epoch: float(errors[epoch].mean()))
    assert est.pruning_path_["validation_loss"].min() <= float(errors[lowest].mean())

    def within_one_standard_error(epoch):
        differences = (errors[epoch] - errors[lowest]).numpy()
        return differences.mean() <= differences.std(ddof=1) / np.sqrt(len(differences))

    # the latest counted epoch as good as the lowest within one standard error, by an independent count
    assert est.best_epoch_ == max(epoch for epoch in counted if epoch >= lowest and within_one_standard_error(epoch))


@pytest.mark.parametrize("sparsity, max_epochs, latest_start", [
    ("auto", 200, 100),   # "auto": pruning gets at least half of the epochs
    ("auto", 7, 4),
    (0.95, 200, 20),      # the reference schedule needs 181 epochs from its first event to 0.95
    (0.5, 20, 20),        # the first event (70%) already passes 0.5
])
def test_the_default_schedule_starts_no_later_than_the_target_allows(sparsity, max_epochs, latest_start):
    schedule, _, latest = DASHRegulatoryEstimator(sparsity=sparsity, max_epochs=max_epochs)._schedule()
    assert schedule == PruningSchedule(start="converged") and latest == latest_start
    fixed, _, latest = DASHRegulatoryEstimator(sparsity=sparsity, max_epochs=max_epochs,
                                               pruning=PruningSchedule(start=3))._schedule()
    assert fixed.start == 3 and latest is None


@pytest.mark.parametrize("sparsity", ["auto", 0.75])
def test_the_default_schedule_prunes_once_the_dense_loss_stops_improving(toy, sparsity):
    est = DASHRegulatoryEstimator(**{**FAST, "pruning": None, "max_epochs": 40, "sparsity": sparsity,
                                     "early_stopping": False}).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    first = min(record["epoch"] for record in est.history_ if record["pruned"])
    latest = est._schedule()[2]
    dense_losses = [record["monitored_loss"] for record in est.history_ if record["epoch"] < first]
    assert first <= latest and len(dense_losses) == first - 1
    # it began at the latest start, or after 10 epochs (the interval) with no loss below the best before them
    assert first == latest or min(dense_losses[-10:]) >= min(dense_losses[:-10])
    if sparsity != "auto":
        assert est.sparsity_ == pytest.approx(0.75, abs=0.02)


@pytest.mark.parametrize("sparsity", ["auto", 0.8])
def test_divergence_before_any_checkpoint_raises(toy, sparsity):
    with pytest.raises(FloatingPointError, match=r"diverged at epoch 1 .*lower learning_rate"):
        DASHRegulatoryEstimator(**{**FAST, "learning_rate": 1e6, "sparsity": sparsity}).fit(
            toy.X, t=toy.t, trajectory=toy.trajectory)


@pytest.mark.parametrize("solver", ["dopri5", "bosh3"])
def test_adaptive_solver_failure_is_handled_like_a_fixed_step_divergence(toy, solver):
    # lr 1e6 blows the weights up after the first step: torchdiffeq then fails
    # (non-finite state or step underflow) with an AssertionError, which must reach
    # the user as the same clear FloatingPointError as an RK4 divergence.
    with pytest.raises(FloatingPointError, match=rf"diverged at epoch 1 .*adaptive solver '{solver}' failed"):
        DASHRegulatoryEstimator(**{**FAST, "learning_rate": 1e6, "solver": solver}).fit(
            toy.X, t=toy.t, trajectory=toy.trajectory)


# ------------------------------------------------------------------ threads
@pytest.mark.parametrize("weights, cores, load, expected", [
    ((350, 40), 8, 0.0, 1),        # SIM350: one thread is as fast as two
    ((1000, 80), 8, 0.0, 2),
    ((5000, 200), 8, 0.0, 8),      # large models use every usable core ...
    ((5000, 200), 8, 5.3, 3),      # ... that the load leaves free
    ((5000, 200), 2, 7.0, 1),      # a saturated machine: one thread, never zero
    ((1000, 80), 1, 0.0, 1),
])
def test_default_threads_follow_the_model_size_and_the_free_cores(monkeypatch, weights, cores, load, expected):
    monkeypatch.setattr(_training, "_usable_cores", lambda: cores)
    monkeypatch.setattr(_training.os, "getloadavg", lambda: (load, load, load))
    assert _training.default_threads(*weights) == expected


def test_torch_threads_sets_the_count_for_the_block_and_restores_it():
    before = torch.get_num_threads()
    with _training.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with _training.torch_threads(None):
        assert torch.get_num_threads() == before
