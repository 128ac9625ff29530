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

from ._compat import Interval


class PruningSchedule(BaseEstimator):
    """When and how much DASH prunes.

    At epoch ``start`` remove ``initial`` of each weight matrix, then every
    ``interval`` epochs remove ``rate`` of the weights that remain.  The
    estimator stops the schedule at its ``sparsity`` target, if it has one.

    Parameters
    ----------
    start : int, default=3
        Epoch (1-based) of the first pruning event.
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
    """

    _parameter_constraints = {
        "start": [Interval(Integral, 1, None, closed="left")],
        "initial": [Interval(Real, 0, 1, closed="left")],
        "interval": [Interval(Integral, 1, None, closed="left")],
        "rate": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, start=3, initial=0.7, interval=10, rate=0.1):
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
        check_scalar(target, "target", Real, min_val=0, max_val=1, include_boundaries="left")
        remaining, epoch = 1.0, self.start
        while True:
            remaining *= 1.0 - self.fraction(epoch)
            if 1.0 - remaining >= target - 1e-12:
                return epoch
            if self.rate <= 0:
                return None
            epoch = self.start + self.interval * ((epoch - self.start) // self.interval + 1)
