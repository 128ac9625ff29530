"""The DASH pruning schedule: when to prune and how much.

:class:`PruningSchedule` is the value of the estimator's ``pruning`` parameter.
It follows scikit-learn's parameter conventions, so ``clone``, ``repr`` and
``GridSearchCV(param_grid={"pruning__rate": [...]})`` work on it.  The target
sparsity is not part of it: that is the estimator's own ``sparsity``, checked
against the schedule and ``max_epochs`` when the estimator fits.

This module does not import torch.
"""

from numbers import Integral, Real

from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_scalar

from ._compat import Interval, StrOptions

#: The value of ``start`` that begins the schedule once the dense model has converged.
CONVERGED = "converged"


class PruningSchedule(BaseEstimator):
    """When and how much DASH prunes.

    At epoch ``start`` remove ``initial`` of each weight matrix, then every
    ``interval`` epochs remove ``rate`` of the weights that remain.  The
    estimator stops the schedule at its ``sparsity`` target, if it has one.

    Parameters
    ----------
    start : int or "converged", default="converged"
        Epoch (1-based) of the first pruning event, or "converged" to let the
        fit choose it: the first event comes once the dense model's monitored
        loss has not improved for ``interval`` epochs, so that pruning starts
        from a trained model rather than from a nearly untrained one, and no
        later than the estimator allows (see
        :class:`~skdash.DASHRegulatoryEstimator`'s ``pruning``).  The
        reference starts at epoch 3 (``PruningSchedule(start=3)``), which leaves
        the dense model three epochs of training, so ``sparsity="auto"`` can
        hardly keep it even where the data favour it.
    initial : float in [0, 1), default=0.7
        Fraction of each weight matrix pruned at the first event.
    interval : int, default=10
        Epochs between later pruning events.
    rate : float in [0, 1), default=0.1
        Fraction of the remaining weights pruned at each later event; 0 prunes
        only once.

    See Also
    --------
    skdash.DASHRegulatoryEstimator : Takes the schedule as its ``pruning`` parameter.

    Examples
    --------
    >>> from skdash.pruning import PruningSchedule
    >>> schedule = PruningSchedule(start=3, initial=0.7, interval=10, rate=0.1)
    >>> [epoch for epoch in range(1, 30) if schedule.fraction(epoch) > 0]
    [3, 13, 23]
    >>> schedule.epochs_to_reach(0.95)
    183
    >>> PruningSchedule().starting_at(40).epochs_to_reach(0.95)  # a fit that converged at epoch 39
    220
    """

    _parameter_constraints = {
        "start": [Interval(Integral, 1, None, closed="left"), StrOptions({CONVERGED})],
        "initial": [Interval(Real, 0, 1, closed="left")],
        "interval": [Interval(Integral, 1, None, closed="left")],
        "rate": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, start=CONVERGED, initial=0.7, interval=10, rate=0.1):
        self.start = start
        self.initial = initial
        self.interval = interval
        self.rate = rate

    def __eq__(self, other):
        # A value object: two schedules with the same parameters prune alike
        # (so a loaded model's parameters compare equal to the saved ones).
        if type(other) is not type(self):
            return NotImplemented
        return self.get_params(deep=False) == other.get_params(deep=False)

    __hash__ = None  # mutable through set_params, so not hashable

    def starting_at(self, epoch):
        """A copy of this schedule whose first event is at ``epoch``.

        Parameters
        ----------
        epoch : int
            Epoch number, from 1.

        Returns
        -------
        schedule : PruningSchedule
        """
        check_scalar(epoch, "epoch", Integral, min_val=1)
        return type(self)(**{**self.get_params(deep=False), "start": int(epoch)})

    def _check_start_fixed(self):
        if self.start == CONVERGED:
            raise ValueError('A schedule with start="converged" has no first epoch until a fit fixes it; '
                             "use starting_at(epoch) for a schedule that starts at a given epoch.")

    def fraction(self, epoch):
        """Fraction of the remaining weights to prune before ``epoch``.

        Parameters
        ----------
        epoch : int
            Epoch number, from 1.

        Returns
        -------
        fraction : float
            ``initial`` at ``start``, ``rate`` every ``interval`` epochs after
            it, 0 otherwise.
        """
        check_scalar(epoch, "epoch", Integral, min_val=1)
        self._check_start_fixed()
        if epoch == self.start:
            return float(self.initial)
        if epoch > self.start and (epoch - self.start) % self.interval == 0:
            return float(self.rate)
        return 0.0

    def epochs_to_reach(self, target):
        """First epoch at whose start the schedule has pruned ``target`` of each matrix.

        Parameters
        ----------
        target : float in [0, 1)
            Fraction of pruned weights.

        Returns
        -------
        epoch : int or None
            None when the schedule never gets there (``rate=0`` and ``initial``
            below the target).
        """
        self._validate_params()
        self._check_start_fixed()
        check_scalar(target, "target", Real, min_val=0, max_val=1, include_boundaries="left")
        remaining, epoch = 1.0, self.start
        while True:
            remaining *= 1.0 - self.fraction(epoch)
            if 1.0 - remaining >= target - 1e-12:
                return epoch
            if self.rate <= 0:
                return None
            epoch = self.start + self.interval * ((epoch - self.start) // self.interval + 1)
