"""Progress reports during fit: a tqdm bar over epochs (or over the members of
an ensemble), or plain lines.

An :class:`EpochProgress` is a callback of the training loop (its
``on_epoch_end`` receives each history record) and can be called with a record
directly; the estimator opens one with :func:`epoch_progress`, which is quiet
(yields ``None``) when ``verbose`` is 0 so that parallel searches print nothing.
"""

import contextlib
import math
import sys


def format_record(record):
    """One line for one history record."""
    validation = record["validation_loss"]
    shown = "" if validation is None or math.isnan(validation) else f"  validation {validation:.3e}"
    return (
        f"epoch {record['epoch']:4d}  train {record['train_loss']:.3e}{shown}  "
        f"sparsity {record['sparsity']:.3f}  lr {record['learning_rate']:.2e}"
        f"{'  (pruned)' if record['pruned'] else ''}"
    )


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _open_bar(total, desc, unit, file, bar):
    """A tqdm bar on ``file`` (stderr when None), or None for plain lines.

    ``bar=None`` opens one when tqdm is installed and the stream is a terminal
    (or a Jupyter kernel); True forces it (tqdm required), False forbids it.
    """
    tqdm = _tqdm()
    stream = sys.stderr if file is None else file
    if bar is None:
        terminal = bool(getattr(stream, "isatty", lambda: False)())
        notebook = file is None and "ipykernel" in sys.modules
        bar = tqdm is not None and (terminal or notebook)
    elif bar and tqdm is None:
        raise ImportError("A progress bar needs tqdm: pip install tqdm")
    if not bar:
        return None
    return tqdm(total=total, desc=desc, unit=unit, file=stream, leave=True, dynamic_ncols=True)


class _Reporter:
    """What the progress reporters share: the bar or lines, closing, the context manager.

    Subclasses name what the bar counts in ``_desc`` and ``_unit``.
    """

    def __init__(self, total, *, verbose=1, file=None, bar=None, title=None):
        self.total = total
        self.verbose = verbose
        self.file = file
        self._bar = _open_bar(total, self._desc if title is None else f"{self._desc} {title}", self._unit, file, bar)
        if title is not None and self._bar is None:
            print(f"{self._desc} {title}", file=self._stream, flush=True)

    @property
    def _stream(self):
        return sys.stderr if self.file is None else self.file

    def close(self):
        """Finish the bar (a no-op for plain lines, and when already closed)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


class EpochProgress(_Reporter):
    """Report training progress, one history record at a time.

    A tqdm bar over the epochs, with the monitored loss and the current sparsity
    in its postfix, when tqdm is installed and ``file`` is a terminal; plain
    lines otherwise (log files, pipes, no tqdm): with ``verbose=1`` one for the
    first epoch and one every twentieth of ``total``, so that a log stays short.
    In a Jupyter kernel the bar is tqdm's notebook widget.  With
    ``verbose >= 2`` there is one line for every epoch (beside the bar, if any).

    Use it as a context manager, or call :meth:`close` at the end, so that the
    bar is finished even when training stops early or raises.

    Parameters
    ----------
    total : int
        Maximum number of epochs (the bar's length).
    verbose : int, default=1
        1: bar (or, without a bar, a line for the first epoch and every twentieth
        of ``total``); 2 and more: bar and one line per epoch.
    file : file-like, default=None
        Where to write; ``None`` means ``sys.stderr`` at the time of writing.
    bar : bool or None, default=None
        Force (True) or forbid (False) the bar; None decides as described above.
    title : str, default=None
        What this training is, when a fit trains several models: the bar's
        label, or a line of its own before the plain lines.

    Examples
    --------
    >>> import io
    >>> from skdash._progress import EpochProgress
    >>> out = io.StringIO()
    >>> with EpochProgress(2, file=out) as progress:
    ...     progress({"epoch": 1, "train_loss": 0.5, "validation_loss": 0.25, "monitored_loss": 0.25,
    ...               "sparsity": 0.7, "learning_rate": 1e-3, "pruned": True, "seconds": 0.1})
    >>> print(out.getvalue().strip())
    epoch    1  train 5.000e-01  validation 2.500e-01  sparsity 0.700  lr 1.00e-03  (pruned)
    """

    _desc, _unit = "DASH", "epoch"

    def on_epoch_end(self, loop, record):
        self(record)

    def __call__(self, record):
        if self._bar is None:
            every = 1 if self.verbose >= 2 else max(1, self.total // 20)
            if record["epoch"] == 1 or record["epoch"] % every == 0:
                print(format_record(record), file=self._stream, flush=True)
            return
        self._bar.set_postfix({"loss": f"{record['monitored_loss']:.3e}", "sparsity": f"{record['sparsity']:.3f}"},
                              refresh=False)
        self._bar.update(1)
        if self.verbose >= 2:
            self._bar.write(format_record(record), file=self._stream)


def epoch_progress(verbose, total, *, file=None, title=None):
    """Context manager yielding an :class:`EpochProgress` for the training loop, or None when quiet.

    Examples
    --------
    >>> from skdash._progress import epoch_progress
    >>> with epoch_progress(0, 200) as progress:
    ...     print(progress)
    None
    """
    if not verbose:
        return contextlib.nullcontext(None)
    return EpochProgress(total, verbose=verbose, file=file, title=title)


def training_report(verbose, title, n_epochs, seconds, monitored_loss, *, file=None):
    """One line for a training that ran where it could not report its epochs (a worker), when ``verbose``.

    Examples
    --------
    >>> import io
    >>> from skdash._progress import training_report
    >>> out = io.StringIO()
    >>> training_report(1, "prior_loss_weight=0.1", 131, 52.25, 2.5e-3, file=out)
    >>> print(out.getvalue().strip())
    DASH prior_loss_weight=0.1: 131 epochs in 52.2 s, monitored loss 2.500e-03
    """
    if verbose:
        print(f"DASH {title}: {n_epochs} epochs in {seconds:.1f} s, monitored loss {monitored_loss:.3e}",
              file=sys.stderr if file is None else file, flush=True)


class MemberProgress(_Reporter):
    """Report the members of an ensemble as they finish fitting.

    The same display rules as :class:`EpochProgress` (a tqdm bar on a terminal
    or in Jupyter, plain lines otherwise); with ``verbose >= 2`` the bar also
    prints one line per member.  Call it with the index of the member that
    finished and its fit time in seconds.

    Examples
    --------
    >>> import io
    >>> from skdash._progress import MemberProgress
    >>> out = io.StringIO()
    >>> with MemberProgress(3, file=out) as progress:
    ...     progress(0, 1.25)
    >>> print(out.getvalue().strip())
    member    1/3 fitted in 1.2 s
    """

    _desc, _unit = "members", "fit"

    def __call__(self, index, seconds):
        line = f"member {index + 1:4d}/{self.total} fitted in {seconds:.1f} s"
        if self._bar is None:
            print(line, file=self._stream, flush=True)
            return
        self._bar.update(1)
        if self.verbose >= 2:
            self._bar.write(line, file=self._stream)


def member_progress(verbose, total, *, file=None):
    """Context manager yielding a :class:`MemberProgress`, or None when ``verbose`` is 0."""
    if not verbose:
        return contextlib.nullcontext(None)
    return MemberProgress(total, verbose=verbose, file=file)
