"""Progress reports during fit (skdash._progress)."""

import io
import math

import pytest

from skdash import DASHRegulatoryEstimator
from skdash._progress import EpochProgress, epoch_progress, format_record

from .conftest import FAST


def record(epoch, validation=0.25, pruned=False):
    monitored = 0.5 if validation is None or math.isnan(validation) else validation
    return {"epoch": epoch, "train_loss": 0.5, "validation_loss": validation, "monitored_loss": monitored,
            "sparsity": 0.7, "learning_rate": 1e-3, "pruned": pruned, "seconds": 0.1}


def test_format_record():
    assert format_record(record(3, pruned=True)) == (
        "epoch    3  train 5.000e-01  validation 2.500e-01  sparsity 0.700  lr 1.00e-03  (pruned)")
    assert "validation" not in format_record(record(3, validation=math.nan))


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    with EpochProgress(5, file=out) as progress:
        for epoch in (1, 2):
            progress(record(epoch))
    assert out.getvalue().splitlines() == [format_record(record(1)), format_record(record(2))]


@pytest.mark.parametrize("verbose, shown", [(1, [1, *range(10, 201, 10)]), (2, list(range(1, 201)))])
def test_plain_lines_of_a_long_fit_are_thinned(verbose, shown):
    out = io.StringIO()
    with EpochProgress(200, verbose=verbose, file=out) as progress:
        for epoch in range(1, 201):
            progress(record(epoch))
    assert out.getvalue().splitlines() == [format_record(record(epoch)) for epoch in shown]


@pytest.mark.parametrize("verbose, n_lines", [(1, 0), (2, 3)])
def test_bar(verbose, n_lines):
    pytest.importorskip("tqdm")
    out = io.StringIO()
    progress = EpochProgress(10, verbose=verbose, file=out, bar=True)
    for epoch in (1, 2, 3):
        progress(record(epoch, validation=math.nan if epoch == 3 else 0.25))
    progress.close()
    progress.close()  # closing twice is harmless
    text = out.getvalue()
    assert "DASH" in text and "3/10" in text
    assert "loss=5.000e-01" in text and "sparsity=0.700" in text  # training loss without validation
    assert sum(line.startswith("epoch ") for line in text.replace("\r", "\n").splitlines()) == n_lines


def test_bar_is_closed_when_training_raises():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    with pytest.raises(RuntimeError):
        with EpochProgress(10, file=out, bar=True) as progress:
            progress(record(1))
            raise RuntimeError("diverged")
    assert progress._bar is None
    assert out.getvalue().endswith("\n")  # the bar's line was finished


def test_epoch_progress_is_quiet_at_verbose_0():
    with epoch_progress(0, 10) as progress:
        assert progress is None
    with epoch_progress(1, 10, file=io.StringIO()) as progress:
        assert isinstance(progress, EpochProgress)


def test_estimator_is_quiet_by_default(toy, capsys):
    DASHRegulatoryEstimator(**FAST).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_estimator_reports_every_epoch_when_verbose(toy, capsys):
    estimator = DASHRegulatoryEstimator(**{**FAST, "verbose": 1}).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    captured = capsys.readouterr()
    assert captured.out == ""  # progress goes to stderr
    assert captured.err.splitlines() == [format_record(r) for r in estimator.history_]
